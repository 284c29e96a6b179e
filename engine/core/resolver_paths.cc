// Path building (ranking 5 of resolver.h): issuer candidates, the walk
// over candidate paths, the choice among them, and signature proofs.
#include <algorithm>

#include "absl/container/inlined_vector.h"
#include "absl/time/time.h"
#include "engine/core/proof_caches.h"
#include "engine/core/resolver_internal.h"
#include "engine/x509/path_verification.h"

namespace chaintrust {
namespace internal {

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
    if (shared != nullptr && shared->Contains(key.first, key.second)) {
      caches_->signatures.Insert(key, true);
      return true;
    }
    if (!VerifyWithPreparedVerifier(child, issuer)) return false;
    caches_->signatures.Insert(key, true);
    if (shared != nullptr) shared->Insert(key.first, key.second);
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
}  // namespace chaintrust
