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
