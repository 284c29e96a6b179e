// The resolver's evaluation of one attestation (resolver.h holds the
// ranking it applies), shared by its parts: resolver.cc (the ranking, the
// individual and group decisions, path building and signatures; one
// translation unit, so that the warm path's calls among them are inlined)
// and known_leaf.cc (a known device resolved without parsing its leaf).
// Not for use outside engine/core.
#ifndef CHAINTRUST_ENGINE_CORE_RESOLVER_INTERNAL_H_
#define CHAINTRUST_ENGINE_CORE_RESOLVER_INTERNAL_H_

#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/core/decision_builder.h"
#include "engine/core/proof_store.h"
#include "engine/core/resolver.h"
#include "engine/core/symmetric_key.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"
#include "engine/x509/path_verification.h"

namespace chaintrust {
namespace internal {

constexpr int kMaxPath = 64;  // hard bound, whatever the options say

// A certificate borrowed for one evaluation, used like a CertificatePtr.
class BorrowedCertificate {
 public:
  explicit BorrowedCertificate(const Certificate* c) : c_(c) {}
  const Certificate* get() const { return c_; }
  const Certificate& operator*() const { return *c_; }
  const Certificate* operator->() const { return c_; }

 private:
  const Certificate* c_;
};

// The certificates of one evaluation. Presented certificates are borrowed
// from the Evaluator's certificate cache, which drops entries only between
// evaluations (engine/core/proof_caches.h), or from `owned` when no cache
// keeps them: no reference count is touched for a cached certificate.
// Snapshot certificates are borrowed from the snapshot, which outlives the
// evaluation.
struct Chain {
  absl::InlinedVector<BorrowedCertificate, 8> presented;
  absl::InlinedVector<CertificatePtr, 1> owned;
  // The path being built (by Explore): path[0] is the leaf.
  absl::InlinedVector<const Certificate*, 8> path;
};

// One path from the leaf up to the first group found on it, or to where
// the walk stopped.
struct CandidatePath {
  // Empty when in_chain_path: the path is then Chain::path itself (a path
  // found without branching, the common case, is not copied).
  absl::InlinedVector<const Certificate*, 8> certs;
  bool in_chain_path = false;
  const EnrollmentGroup* group = nullptr;  // null: no group on this path
  Slot slot = Slot::kPrimary;
  // Without a group: kIssuerNotFound, kNoGroupWithinDepth or
  // kTooManyIssuerCandidates (with how many were presented).
  Cause end = Cause::kNone;
  int presented_candidates = 0;
};

// An issuer candidate: the certificate and whether it is a snapshot's.
using Candidate = std::pair<const Certificate*, bool>;
using Candidates = absl::InlinedVector<Candidate, 4>;

inline Reason ReasonOfPathFailure(Cause cause) {
  switch (cause) {
    case Cause::kExpired:
      return Reason::kCertificateExpired;
    case Cause::kNotYetValid:
      return Reason::kCertificateNotYetValid;
    default:
      return Reason::kChainUnverified;
  }
}

// A presented leaf whose facts the shared proof store holds (see
// ResolveKnownLeaf): the evaluation runs with `stand_in`, a leaf resolved
// in full before under the same issuer, in its place, reading the leaf's
// CN from its facts. Where the walk could tell the two leaves apart, it
// sets `differs` and the evaluation is done again in full.
struct KnownLeaf {
  Sha256Digest sha256;  // of the presented leaf
  LeafFacts facts;
  const Certificate* stand_in = nullptr;
  // The presented certificate at index 1 (the leaf's issuer), as found in
  // the certificate cache before the evaluation.
  const Certificate* issuer = nullptr;
  bool differs = false;
};

inline CheckFailure Failure(Cause cause, int index = -1) {
  CheckFailure f;
  f.cause = cause;
  f.certificate_index = index;
  return f;
}

class Resolver {
 public:
  Resolver(const EnrollmentSnapshot& snapshot, const Attestation& attestation,
           const ResolverOptions& options, ResolverCaches* caches,
           const CrlSet* crls, Decision* decision, KnownLeaf* known = nullptr,
           bool leaf_is_recent = false)
      : snapshot_(snapshot),
        a_(attestation),
        options_(options),
        caches_(caches),
        crls_(crls),
        known_(known),
        leaf_is_recent_(leaf_is_recent),
        b_(decision),
        at_(ValidationTime(attestation)) {}

  // After Run with a KnownLeaf: whether the decision is the one a full
  // evaluation of the presented leaf makes (known_leaf.cc).
  bool KnownLeafHolds() const;

  void Run();

 private:
  // ------------------------------------------------- X.509 (resolver.cc)
  void RunX509();
  bool CheckLimits();
  bool ParseChain();
  bool CheckRegistrationId(absl::string_view id, size_t max_length,
                           bool known_valid = false) {
    return CheckRegistrationIdStep(id, max_length, known_valid,
                                   a_.chain.empty() ? -1 : 0, b_);
  }
  void IndividualStep(const IndividualEnrollment& e) {
    AddIndividualStep(e, b_);
  }
  void DecideIndividualX509(const IndividualEnrollment& e,
                            const Certificate& leaf);
  void WalkGroups();
  void DecideGroup(const EnrollmentGroup& group, const GroupCertificate& anchor,
                   int top);
  // Ranking 5c': the path against the CRLs of its issuers. False when it
  // decided (a DENY).
  bool CheckRevocation(absl::string_view group_id);

  // --------------------------------- paths and signatures (resolver.cc)
  bool InPath(const Certificate* c) const {
    for (const Certificate* p : chain_.path) {
      if (p == c || p->sha256() == c->sha256()) return true;
    }
    return false;
  }
  // Whether `c` is one of the presented certificates (else the snapshot's).
  bool Presented(const Certificate* c) const {
    for (const BorrowedCertificate& p : chain_.presented) {
      if (p.get() == c) return true;
    }
    return false;
  }
  static bool KeyIdsAgree(const Certificate& child, const Certificate& issuer) {
    const absl::string_view akid = child.authority_key_identifier();
    const absl::string_view skid = issuer.subject_key_identifier();
    return akid.empty() || skid.empty() || akid == skid;
  }
  bool VerifyWithPreparedVerifier(const Certificate& child,
                                  const Certificate& issuer);
  bool SignatureVerifies(const Certificate& child, const Certificate& issuer);
  bool IssuerCandidates(const Certificate& child, Candidates* out,
                        int* presented);
  void Explore();
  int PresentedWithName(const Certificate& child) const;
  void Record(const EnrollmentGroup* group, Slot slot, Cause end);
  absl::Span<const Certificate* const> Certs(const CandidatePath& p) const {
    return p.in_chain_path ? absl::MakeConstSpan(chain_.path)
                           : absl::MakeConstSpan(p.certs);
  }
  const CandidatePath& ChoosePath();
  PathVerification Verify(absl::Span<const Certificate* const> path);

  // ------------------------------------------ known leaves (known_leaf.cc)
  bool SinglePathFromPresentedIssuer() const;
  void RememberLeafFacts();

  const EnrollmentSnapshot& snapshot_;
  const Attestation& a_;
  const ResolverOptions& options_;
  ResolverCaches* const caches_;
  const CrlSet* const crls_;  // may be null
  KnownLeaf* const known_;    // null: the leaf is the presented one
  // The caller found the leaf to be caches_->recent[0] (IsRecent).
  const bool leaf_is_recent_;
  internal::DecisionBuilder b_;
  const absl::Time at_;  // the validation time
  Chain chain_;
  absl::InlinedVector<CandidatePath, 1> paths_;
  // The chosen path (a view of one of paths_): path_[0] is the leaf.
  absl::Span<const Certificate* const> path_;
  int max_length_ = 0;  // most certificates in a candidate path
  int max_paths_ = 1;   // most candidate paths explored
  int signature_checks_ = 0;
  int depth_ = 0;  // how many branches Explore is inside
  // The leaf's CN is known (from the certificate cache) to be a valid
  // X.509 registration ID; when false it is validated as usual.
  bool leaf_id_known_valid_ = false;
  // The leaf, when it was found in the certificate cache by hashing or
  // parsed (null when recognised from the last evaluation, or known).
  CertificatePtr leaf_;
  int leaf_candidates_ = 0;  // issuer candidates of the leaf
  bool allowed_by_group_ = false;
};

// A device whose leaf the shared store knows (its proof under the
// presented issuer, with facts), resolved without parsing the leaf: with
// the Evaluator's stand-in for that issuer in its place. True when that
// decided; false to evaluate in full (the decision is then rewritten), with
// `*leaf_is_recent` set when the leaf is that of the last evaluation.
bool ResolveKnownLeaf(const EnrollmentSnapshot& snapshot,
                      const Attestation& attestation,
                      const ResolverOptions& options, ResolverCaches* caches,
                      Decision* decision, const CrlSet* crls,
                      bool* leaf_is_recent);

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_RESOLVER_INTERNAL_H_
