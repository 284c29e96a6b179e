// docs/rules.md, in the order of the ranking in resolver.h: path building
// and precedence. Chain verification is engine/x509/path_verification.h.
#include "engine/core/resolver.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "engine/core/decision_builder.h"
#include "engine/core/pem_chain.h"
#include "engine/core/proof_caches.h"
#include "engine/core/resolver_internal.h"
#include "engine/core/revocation.h"
#include "engine/core/symmetric_key.h"
#include "engine/policy/registration_id.h"
#include "engine/x509/path_verification.h"

namespace chaintrust {
namespace internal {

void Resolver::Run() {
  b_.Clear();
  if (!a_.chain.empty()) {
    RunX509();
  } else if (!a_.sas_token.empty()) {
    internal::ResolveSymmetricKey(snapshot_, a_, at_, b_);
  } else {
    b_.set_registration_id(a_.registration_id);
    b_.DenyAtDecide(Failure(Cause::kNoAttestation),
                    Reason::kAttestationMismatch);
  }
}

void Resolver::RunX509() {
  if (!CheckLimits() || !ParseChain()) return;
  const Certificate& leaf = *chain_.presented[0];
  const absl::string_view cn =
      known_ != nullptr ? known_->facts.common_name_view()
                        : absl::string_view(leaf.subject_common_name());
  b_.set_registration_id(cn);
  if (!options_.check_registration_id) {
    // Path validation only (conformance runs): no ID, no individual
    // enrollment lookup, straight to the groups.
    WalkGroups();
    return;
  }
  if (!CheckRegistrationId(cn, kMaxX509RegistrationIdLength,
                           leaf_id_known_valid_)) {
    return;
  }
  if (!a_.registration_id.empty() &&
      !absl::EqualsIgnoreCase(a_.registration_id, cn)) {
    CheckFailure f = Failure(Cause::kRegistrationIdMismatch, 0);
    f.name = a_.registration_id;
    b_.Deny(f, Reason::kInvalidRegistrationId);
    return;
  }
  if (const IndividualEnrollment* e = snapshot_.FindIndividual(cn)) {
    if (known_ != nullptr) {
      // Decided by the leaf's own thumbprint: done in full.
      known_->differs = true;
      return;
    }
    DecideIndividualX509(*e, leaf);
    return;
  }
  b_.AddStep(StepId::kLookupIndividual, Outcome::kNotFound);
  WalkGroups();
}

bool Resolver::CheckLimits() {
  const int n = static_cast<int>(a_.chain.size());
  CheckFailure f;
  size_t total = 0;
  if (n > options_.max_presented_certificates || n > kMaxPath) {
    f = Failure(Cause::kTooManyCertificates);
    f.value = n;
    f.limit = std::min(options_.max_presented_certificates, kMaxPath);
  }
  for (int i = 0; i < n && !f.failed(); ++i) {
    total += a_.chain[i].size();
    if (a_.chain[i].size() > options_.max_certificate_bytes) {
      f = Failure(Cause::kCertificateTooLarge, i);
      f.value = static_cast<int64_t>(a_.chain[i].size());
      f.limit = static_cast<int64_t>(options_.max_certificate_bytes);
    } else if (total > options_.max_chain_bytes) {
      f = Failure(Cause::kChainTooLarge);
      f.limit = static_cast<int64_t>(options_.max_chain_bytes);
    }
  }
  if (!f.failed()) return true;
  b_.Deny(f, Reason::kChainUnverified);
  return false;
}

bool Resolver::ParseChain() {
  for (size_t i = 0; i < a_.chain.size(); ++i) {
    const absl::string_view der = a_.chain[i];
    if (i == 0 && known_ != nullptr) {
      leaf_id_known_valid_ = known_->facts.has(LeafFacts::kCommonNameIsValidId);
      chain_.presented.emplace_back(known_->stand_in);
      continue;
    }
    if (i == 1 && known_ != nullptr) {
      // Found in the certificate cache just before (counted here, as
      // the lookup below would count it).
      caches_->certificates.CountHit();
      chain_.presented.emplace_back(known_->issuer);
      continue;
    }
    if (caches_ != nullptr) {
      // The same bytes at the same position as in a recent evaluation
      // (the common case of a device attesting again): no hashing.
      if (i == 0 && leaf_is_recent_) {
        // As FindRecent finds it, without comparing the bytes again.
        const internal::RecentCertificate& recent = caches_->recent[0];
        caches_->certificates.CountHit();
        leaf_id_known_valid_ = recent.common_name_is_valid_id;
        chain_.presented.emplace_back(recent.certificate);
        continue;
      }
      if (const auto* recent = caches_->FindRecent(i, der)) {
        if (i == 0) leaf_id_known_valid_ = recent->common_name_is_valid_id;
        chain_.presented.emplace_back(recent->certificate);
        continue;
      }
      if (auto* hit = caches_->certificates.Find(der)) {
        if (i == 0) {
          leaf_id_known_valid_ = hit->second.common_name_is_valid_id;
          leaf_ = hit->second.certificate;
        }
        caches_->RememberRecent(i, hit->second);
        chain_.presented.emplace_back(hit->second.certificate.get());
        continue;
      }
    }
    auto cert = Certificate::Create(der);
    if (!cert.ok()) {
      const int index = static_cast<int>(i);
      CheckFailure f;
      f.cause = Cause::kMalformedCertificate;
      f.certificate_index = index;
      f.name = cert.status().message();
      b_.Deny(f, Reason::kMalformedChain);
      return false;
    }
    if (caches_ != nullptr) {
      // A pure function of the bytes, so it is a proof worth keeping.
      const bool id_valid =
          ValidateRegistrationId((*cert)->subject_common_name(),
                                 kMaxX509RegistrationIdLength)
              .ok();
      if (i == 0) leaf_id_known_valid_ = id_valid;
      if (auto* inserted = caches_->certificates.Insert(
              (*cert)->der(), internal::CachedCertificate{*cert, id_valid})) {
        caches_->RememberRecent(i, inserted->second);
      }
    }
    if (i == 0) leaf_ = *cert;
    chain_.presented.emplace_back(cert->get());
    chain_.owned.push_back(*std::move(cert));
  }
  b_.AddStep(StepId::kParseChain, Outcome::kOk);
  return true;
}

void Resolver::DecideIndividualX509(const IndividualEnrollment& e,
                                    const Certificate& leaf) {
  IndividualStep(e);
  const absl::string_view id = e.registration_id;
  if (!e.enabled) {
    b_.Decide(Reason::kIndividualEnrollmentDisabled,
              EnrollmentKind::kIndividual, id);
    return;
  }
  CheckFailure mismatch;
  Slot slot = Slot::kPrimary;
  if (e.kind != AttestationKind::kX509) {
    mismatch = Failure(Cause::kAttestationTypeMismatch, 0);
    mismatch.name = AttestationKindName(e.kind);
  } else if (e.primary_thumbprint && *e.primary_thumbprint == leaf.sha256()) {
    slot = Slot::kPrimary;
  } else if (e.secondary_thumbprint &&
             *e.secondary_thumbprint == leaf.sha256()) {
    slot = Slot::kSecondary;
  } else {
    mismatch = Failure(Cause::kClientCertificateMismatch, 0);
  }
  ExplanationStep& match =
      b_.AddStep(StepId::kMatchClientCertificate, Outcome::kOk, 0);
  match.has_thumbprint = true;
  match.thumbprint = leaf.sha256();
  if (mismatch.failed()) {
    match.outcome = Outcome::kFailed;
    internal::DecisionBuilder::SetCause(mismatch, &match);
    b_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual, id, 0,
              {}, mismatch.cause);
    return;
  }
  match.has_slot = true;
  match.slot = slot;
  CheckFailure f = CheckValidity(leaf, at_);
  if (f.failed()) {
    f.certificate_index = 0;
    b_.Deny(f, ReasonOfPathFailure(f.cause), EnrollmentKind::kIndividual, id);
    return;
  }
  b_.Decide(Reason::kIndividualEnrollmentEnabled, EnrollmentKind::kIndividual,
            id);
}

void Resolver::WalkGroups() {
  chain_.path.push_back(chain_.presented[0].get());
  // Every presented certificate plus one anchor from the snapshot.
  max_length_ = std::min(options_.max_presented_certificates + 1, kMaxPath);
  max_paths_ = std::max(1, options_.max_candidate_signature_checks);
  Explore();
  const CandidatePath& chosen = ChoosePath();
  path_ = Certs(chosen);
  const int top = static_cast<int>(path_.size()) - 1;
  for (int index = 1; index <= top; ++index) {
    b_.AddStep(StepId::kBuildPath, Outcome::kFound, index - 1)
        .from_enrollment_set = !Presented(path_[index]);
    if (index == top && chosen.group != nullptr) break;
    ExplanationStep& s =
        b_.AddStep(StepId::kLookupGroup, Outcome::kNotFound, index);
    s.has_thumbprint = true;
    s.thumbprint = path_[index]->sha256();
  }
  if (chosen.group == nullptr) {
    const Certificate& last = *path_[top];
    CheckFailure f = Failure(chosen.end, top);
    std::string issuer;
    if (chosen.end == Cause::kTooManyIssuerCandidates) {
      f.value = chosen.presented_candidates;
      f.limit = options_.max_issuer_candidates;
      b_.Deny(f, Reason::kChainUnverified);
      return;
    }
    if (chosen.end == Cause::kIssuerNotFound) {
      f.value = last.self_issued() ? 1 : 0;
      f.limit = chosen.presented_candidates;
      issuer = last.IssuerString();
      f.name = issuer;
    } else {
      f.limit = max_length_;
    }
    b_.Fail(f).outcome = Outcome::kNotFound;
    b_.Decide(Reason::kNoEnrollment);
    return;
  }
  const EnrollmentGroup& group = *chosen.group;
  // The group certificate the path ends at (path_[top] is one).
  const GroupCertificate* anchor = &group.certificates[0];
  for (const GroupCertificate& gc : group.certificates) {
    if (gc.sha256 == path_[top]->sha256()) {
      anchor = &gc;
      break;
    }
  }
  ExplanationStep& s = b_.AddStep(StepId::kLookupGroup, Outcome::kFound, top);
  s.has_thumbprint = true;
  s.thumbprint = path_[top]->sha256();
  s.enrollment_kind = EnrollmentKind::kGroup;
  s.enrollment_id = group.group_id;
  s.enrollment_enabled = group.enabled;
  s.has_slot = true;
  s.slot = chosen.slot;
  DecideGroup(group, *anchor, top);
}

void Resolver::DecideGroup(const EnrollmentGroup& group,
                           const GroupCertificate& anchor, int top) {
  const absl::string_view id = group.group_id;
  if (!group.enabled) {
    b_.Decide(Reason::kEnrollmentGroupDisabled, EnrollmentKind::kGroup, id,
              top);
    return;
  }
  // A CA named by reference that DPS has not verified: DPS refuses every
  // device under it (401002), whatever the chain.
  if (!anchor.verified) {
    CheckFailure f;
    f.cause = Cause::kCaNotVerified;
    f.certificate_index = top;
    f.name = anchor.ca_reference;
    b_.Deny(f, Reason::kChainUnverified, EnrollmentKind::kGroup, id);
    return;
  }
  // Structure (ranking 5c), then revocation (5c'), then time (5d).
  const PathVerification v = Verify(path_);
  if (v.signatures_verified) {
    b_.AddStep(StepId::kVerifySignature, Outcome::kOk);
  }
  const bool time_only = v.failure.cause == Cause::kExpired ||
                         v.failure.cause == Cause::kNotYetValid;
  if (v.failure.failed() && !time_only) {
    b_.Deny(v.failure, ReasonOfPathFailure(v.failure.cause),
            EnrollmentKind::kGroup, id);
    return;
  }
  if (crls_ != nullptr && !crls_->empty() && !CheckRevocation(id)) return;
  if (v.failure.failed()) {
    b_.Deny(v.failure, ReasonOfPathFailure(v.failure.cause),
            EnrollmentKind::kGroup, id);
    return;
  }
  b_.AddStep(StepId::kCheckValidity, Outcome::kOk);
  b_.Decide(Reason::kEnrollmentGroupEnabled, EnrollmentKind::kGroup, id);
  allowed_by_group_ = true;
  if (known_ == nullptr) RememberLeafFacts();
}

// Ranking 5c': the path against the CRLs of its issuers. False when it
// decided (a DENY).
bool Resolver::CheckRevocation(absl::string_view group_id) {
  const auto verify = [this](const Crl& crl, const Certificate& issuer) {
    if (caches_ == nullptr) return crl.SignatureVerifiesWith(issuer);
    // A CRL's digest never equals a certificate's: the signature proofs
    // of CRLs share the certificates' cache.
    const internal::SignatureProof key{crl.sha256(), issuer.sha256()};
    if (caches_->signatures.Find(key) != nullptr) return true;
    if (!crl.SignatureVerifiesWith(issuer)) return false;
    caches_->signatures.Insert(key, true);
    return true;
  };
  const auto find = [this](absl::string_view name_key,
                           std::vector<const Certificate*>* out) {
    for (const BorrowedCertificate& c : chain_.presented) {
      if (c->subject_name_key() == name_key) out->push_back(c.get());
    }
    for (const Certificate* c : snapshot_.FindCertificatesBySubject(name_key)) {
      out->push_back(c);
    }
  };
  const internal::RevocationCheck check{*crls_, at_, options_.accept_stale_crls,
                                        verify, find};
  int checked = 0;
  const CheckFailure f = internal::CheckRevocation(path_, check, &checked);
  if (f.failed()) {
    b_.Deny(f,
            f.cause == Cause::kCertificateRevoked ? Reason::kCertificateRevoked
                                                  : Reason::kChainUnverified,
            EnrollmentKind::kGroup, group_id);
    return false;
  }
  if (checked > 0) b_.AddStep(StepId::kCheckRevocation, Outcome::kOk);
  return true;
}

// ------------------------------------------------ paths and signatures

// VerifySignedBy, with the issuer's OpenSSL context prepared once per
// Evaluator (SignatureVerifier) rather than once per verification.
bool Resolver::VerifyWithPreparedVerifier(const Certificate& child,
                                          const Certificate& issuer) {
  const SignatureAlgorithm algorithm = child.signature_algorithm();
  if (algorithm == SignatureAlgorithm::kUnknown) return false;
  if (!caches_->verifiers.enabled()) return VerifySignedBy(child, issuer);
  const internal::VerifierKey key{issuer.sha256(), algorithm};
  auto* entry = caches_->verifiers.Find(key);
  if (entry == nullptr) {
    entry = caches_->verifiers.Insert(
        key, SignatureVerifier::Create(issuer, algorithm));
  }
  if (entry == nullptr || entry->second == nullptr) {
    return VerifySignedBy(child, issuer);
  }
  return entry->second->Verify(child);
}

bool Resolver::SignatureVerifies(const Certificate& child,
                                 const Certificate& issuer) {
  if (caches_ != nullptr) {
    const internal::SignatureProof key{child.sha256(), issuer.sha256()};
    if (caches_->signatures.Find(key) != nullptr) return true;
    // The Engine's shared store: what another thread (or this one, longer
    // ago than its own cache remembers) has verified.
    ProofStore* const shared = caches_->shared;
    const uint64_t place =
        shared != nullptr ? ProofStore::PlaceOf(child.der()) : 0;
    if (shared != nullptr && shared->Contains(place, key.first, key.second)) {
      caches_->signatures.Insert(key, true);
      return true;
    }
    if (!VerifyWithPreparedVerifier(child, issuer)) return false;
    caches_->signatures.Insert(key, true);
    if (shared != nullptr) shared->Insert(place, key.first, key.second);
    return true;
  }
  return VerifySignedBy(child, issuer);
}

// The issuer candidates of `child`: presented certificates, then the
// snapshot's group certificates, with its issuer's name, key identifiers
// that agree and not already in the path (at most max_issuer_candidates).
// Of several, those whose signature verifies (within the budget of
// max_candidate_signature_checks) are returned: the presented ones valid
// at the validation time, else the snapshot's valid ones; then the
// expired ones (the snapshot's only when no presented one is valid).
// When none verifies, only the first. The order never depends on the
// order in which certificates were presented: presented before snapshot,
// then by SHA-256. Returns false when more presented certificates than
// max_issuer_candidates could be the issuer (`*presented` is set to how
// many): refused whatever their order.
bool Resolver::IssuerCandidates(const Certificate& child, Candidates* out,
                                int* presented) {
  Candidates& all = *out;
  const auto matches = [&](const Certificate* c) {
    if (c->subject_name_key() != child.issuer_name_key() ||
        !KeyIdsAgree(child, *c)) {
      return false;
    }
    // A candidate that is either leaf is left out by one walk only.
    if (known_ != nullptr && (c->sha256() == known_->sha256 ||
                              c->sha256() == known_->stand_in->sha256())) {
      known_->differs = true;
    }
    if (InPath(c)) return false;
    for (const auto& have : all) {
      if (have.first->sha256() == c->sha256()) return false;
    }
    return true;
  };
  for (size_t i = 1; i < chain_.presented.size(); ++i) {
    if (matches(chain_.presented[i].get())) {
      all.emplace_back(chain_.presented[i].get(), false);
    }
  }
  *presented = static_cast<int>(all.size());
  if (*presented > options_.max_issuer_candidates) return false;
  for (const Certificate* c :
       snapshot_.FindCertificatesBySubject(child.issuer_name_key())) {
    if (static_cast<int>(all.size()) >= options_.max_issuer_candidates) {
      break;
    }
    if (matches(c)) all.emplace_back(c, true);
  }
  if (chain_.path.size() == 1) leaf_candidates_ = static_cast<int>(all.size());
  if (all.size() <= 1) return true;
  std::sort(all.begin(), all.end(), [](const Candidate& x, const Candidate& y) {
    if (x.second != y.second) return !x.second;
    return x.first->sha256() < y.first->sha256();
  });
  const absl::Time at = absl::FromUnixSeconds(absl::ToUnixSeconds(at_));
  // Verifying candidates by source and validity at the validation time.
  Candidates presented_valid, snapshot_valid, expired;
  for (const Candidate& c : all) {
    if (signature_checks_ >= options_.max_candidate_signature_checks) break;
    ++signature_checks_;
    if (!SignatureVerifies(child, *c.first)) continue;
    if (at < c.first->not_before() || at > c.first->not_after()) {
      expired.push_back(c);
    } else {
      (c.second ? snapshot_valid : presented_valid).push_back(c);
    }
  }
  // A group certificate the device did not send is followed only when no
  // presented candidate is valid: the device's own certificates decide
  // (a renewed CA presented alone is decided by its own enrollment).
  const Candidate first = all[0];
  *out = presented_valid;
  if (out->empty()) {
    out->insert(out->end(), snapshot_valid.begin(), snapshot_valid.end());
  }
  for (const Candidate& c : expired) {
    if (!c.second || presented_valid.empty()) out->push_back(c);
  }
  if (out->empty()) out->push_back(first);
  return true;
}

// Walks every candidate path from chain_.path upward, depth first, to the
// first group found on each (ranking 5), recording each in paths_. A
// certificate with one candidate issuer extends the path in place; only
// several candidates branch.
void Resolver::Explore() {
  const size_t base = chain_.path.size();
  while (static_cast<int>(paths_.size()) < max_paths_) {
    const int top = static_cast<int>(chain_.path.size()) - 1;
    const Certificate& current = *chain_.path[top];
    if (top > 0) {
      if (auto match = snapshot_.FindGroupByCertificate(current.sha256())) {
        Record(match->group, match->certificate->slot, Cause::kNone);
        break;
      }
    }
    // A self-issued certificate is followed too (key rollover, RFC 5280
    // §6.1): its issuer is another certificate with the same name; a
    // self-signed root has none (it is already in the path).
    Candidates candidates;
    int presented = 0;
    if (!IssuerCandidates(current, &candidates, &presented)) {
      Record(nullptr, Slot::kPrimary, Cause::kTooManyIssuerCandidates);
      paths_.back().presented_candidates = presented;
      break;
    }
    if (candidates.empty()) {
      Record(nullptr, Slot::kPrimary, Cause::kIssuerNotFound);
      // Presented certificates that bear the issuer's name but whose key
      // identifier is not the one the child names: the explanation must
      // not say that none was presented.
      paths_.back().presented_candidates = PresentedWithName(current);
      break;
    }
    if (top + 1 >= max_length_) {
      Record(nullptr, Slot::kPrimary, Cause::kNoGroupWithinDepth);
      break;
    }
    if (candidates.size() == 1) {
      chain_.path.push_back(candidates[0].first);
      continue;
    }
    for (const Candidate& c : candidates) {
      if (static_cast<int>(paths_.size()) >= max_paths_) break;
      chain_.path.push_back(c.first);
      ++depth_;
      Explore();
      --depth_;
      chain_.path.pop_back();
    }
    break;
  }
  // The outermost walk keeps the path it recorded (in_chain_path).
  if (depth_ > 0) chain_.path.resize(base);
}

// How many presented certificates other than the leaf are named like
// `child`'s issuer (whatever their key identifiers).
int Resolver::PresentedWithName(const Certificate& child) const {
  int n = 0;
  for (size_t i = 1; i < chain_.presented.size(); ++i) {
    if (chain_.presented[i]->subject_name_key() == child.issuer_name_key()) {
      ++n;
    }
  }
  return n;
}

void Resolver::Record(const EnrollmentGroup* group, Slot slot, Cause end) {
  CandidatePath& p = paths_.emplace_back();
  if (depth_ == 0) {
    // Not inside a branch: nothing changes chain_.path after this.
    p.in_chain_path = true;
  } else {
    p.certs.assign(chain_.path.begin(), chain_.path.end());
  }
  p.group = group;
  p.slot = slot;
  p.end = end;
}

const CandidatePath& Resolver::ChoosePath() {
  // One path (no level had several candidates): every rule below picks it.
  if (paths_.size() == 1) return paths_[0];
  const CandidatePath* disabled = nullptr;
  absl::InlinedVector<const CandidatePath*, 2> enabled;
  for (const CandidatePath& p : paths_) {
    if (p.group == nullptr) continue;
    if (!p.group->enabled) {
      if (disabled == nullptr || Certs(p).size() < Certs(*disabled).size()) {
        disabled = &p;
      }
    } else {
      enabled.push_back(&p);
    }
  }
  if (disabled != nullptr) return *disabled;
  for (const CandidatePath& p : paths_) {
    if (p.end == Cause::kTooManyIssuerCandidates) return p;
  }
  if (enabled.empty()) return paths_[0];
  if (enabled.size() == 1) return *enabled[0];
  const CandidatePath* best = nullptr;
  int best_rank = 0;
  for (const CandidatePath* p : enabled) {
    const PathVerification v = Verify(Certs(*p));
    const int rank = !v.failure.failed() ? 0
                     : v.failure.cause == Cause::kExpired ||
                             v.failure.cause == Cause::kNotYetValid
                         ? 1
                         : 2;
    if (best == nullptr || rank < best_rank ||
        (rank == best_rank && Certs(*p).size() < Certs(*best).size())) {
      best = p;
      best_rank = rank;
    }
  }
  return *best;
}

PathVerification Resolver::Verify(absl::Span<const Certificate* const> path) {
  return VerifyPath(
      path, options_, at_,
      [this](const Certificate& child, const Certificate& issuer) {
        return SignatureVerifies(child, issuer);
      });
}

}  // namespace internal

void Resolve(const EnrollmentSnapshot& snapshot, const Attestation& attestation,
             const ResolverOptions& options, ResolverCaches* caches,
             Decision* decision, const CrlSet* crls) {
  if (caches != nullptr) caches->BeginEvaluation();
  if (attestation.chain.empty() && !attestation.chain_pem.empty()) {
    // The chain as PEM text: decoded here (the device input path of tools
    // and front-ends), then evaluated as DER.
    std::vector<std::string> ders;
    std::string problem;
    const CheckFailure f =
        internal::DecodePemChain(attestation.chain_pem, &ders, &problem);
    if (f.failed()) {
      internal::DecisionBuilder b(decision);
      b.Clear();
      b.Deny(f, Reason::kMalformedChain);
      return;
    }
    Attestation decoded = attestation;
    decoded.chain.assign(ders.begin(), ders.end());
    internal::Resolver(snapshot, decoded, options, caches, crls, decision)
        .Run();
    return;
  }
  bool leaf_is_recent = false;
  if (caches != nullptr &&
      internal::ResolveKnownLeaf(snapshot, attestation, options, caches,
                                 decision, crls, &leaf_is_recent)) {
    return;
  }
  internal::Resolver(snapshot, attestation, options, caches, crls, decision,
                     nullptr, leaf_is_recent)
      .Run();
}

}  // namespace chaintrust
