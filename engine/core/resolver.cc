// DESIGN.md §1, in the order of the ranking in resolver.h.
#include "engine/core/resolver.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/x509/chain_checks.h"
#include "engine/core/proof_caches.h"
#include "engine/policy/registration_id.h"
#include "engine/policy/sas_token.h"

namespace chaintrust {
namespace {

constexpr int kMaxPath = 64;  // hard bound, whatever the options say
// Key purposes BoringSSL's strict modes refuse on the leaf (and, but for
// OCSPSigning, on its issuer): ResolverOptions::EkuPolicy::kStrict.
constexpr absl::string_view kEkuCodeSigning = "1.3.6.1.5.5.7.3.3";
constexpr absl::string_view kEkuTimeStamping = "1.3.6.1.5.5.7.3.8";
constexpr absl::string_view kEkuOcspSigning = "1.3.6.1.5.5.7.3.9";

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
// evaluations (engine/internal/caches.h), or from `owned` when no cache
// keeps them: no reference count is touched for a cached certificate.
// Snapshot certificates are borrowed from the snapshot, which outlives the
// evaluation.
struct Chain {
  absl::InlinedVector<BorrowedCertificate, 8> presented;
  absl::InlinedVector<CertificatePtr, 1> owned;
  // The built path: path[0] is the leaf.
  absl::InlinedVector<const Certificate*, 8> path;
  absl::InlinedVector<bool, 8> from_snapshot;
};

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

class Resolver {
 public:
  Resolver(const EnrollmentSnapshot& snapshot, const Attestation& attestation,
           const ResolverOptions& options, ResolverCaches* caches,
           Decision* decision)
      : snapshot_(snapshot),
        a_(attestation),
        options_(options),
        caches_(caches),
        d_(*decision) {}

  void Run() {
    d_.Clear();
    if (!a_.chain.empty()) {
      RunX509();
    } else if (!a_.sas_token.empty()) {
      RunSymmetricKey();
    } else {
      d_.set_registration_id(a_.registration_id);
      d_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kNone, {}, -1,
                "neither a certificate chain nor a SAS token was presented");
    }
  }

 private:
  // ---------------------------------------------------------------- X.509

  void RunX509() {
    if (!CheckLimits() || !ParseChain()) return;
    const Certificate& leaf = *chain_.presented[0];
    const std::string& cn = leaf.subject_common_name();
    d_.set_registration_id(cn);
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
      d_.AddStep(StepId::kRegistrationId, Outcome::kFailed, 0).detail =
          absl::StrCat("the registration ID \"", a_.registration_id,
                       "\" does not match the leaf's CN \"", cn, "\"");
      d_.Decide(Reason::kInvalidRegistrationId, EnrollmentKind::kNone, {}, 0);
      return;
    }
    if (const IndividualEnrollment* e = snapshot_.FindIndividual(cn)) {
      DecideIndividualX509(*e, leaf);
      return;
    }
    d_.AddStep(StepId::kLookupIndividual, Outcome::kNotFound);
    WalkGroups();
  }

  bool CheckLimits() {
    const int n = static_cast<int>(a_.chain.size());
    std::string problem;
    size_t total = 0;
    int index = -1;
    if (n > options_.max_presented_certificates || n > kMaxPath) {
      problem =
          absl::StrCat(n, " certificates presented; at most ",
                       options_.max_presented_certificates, " are accepted");
    }
    for (int i = 0; i < n && problem.empty(); ++i) {
      total += a_.chain[i].size();
      if (a_.chain[i].size() > options_.max_certificate_bytes) {
        index = i;
        problem = absl::StrCat("certificate ", i, " is ", a_.chain[i].size(),
                               " bytes; at most ",
                               options_.max_certificate_bytes, " are accepted");
      } else if (total > options_.max_chain_bytes) {
        problem = absl::StrCat("the chain is over ", options_.max_chain_bytes,
                               " bytes");
      }
    }
    if (problem.empty()) return true;
    d_.AddStep(StepId::kCheckChainLimits, Outcome::kFailed, index).detail =
        problem;
    d_.Decide(Reason::kChainUnverified, EnrollmentKind::kNone, {}, index);
    return false;
  }

  bool ParseChain() {
    for (size_t i = 0; i < a_.chain.size(); ++i) {
      const absl::string_view der = a_.chain[i];
      if (caches_ != nullptr) {
        // The same bytes at the same position as in a recent evaluation
        // (the common case of a device attesting again): no hashing.
        if (const auto* recent = caches_->FindRecent(i, der)) {
          if (i == 0) leaf_id_known_valid_ = recent->common_name_is_valid_id;
          chain_.presented.emplace_back(recent->certificate);
          continue;
        }
        if (auto* hit = caches_->certificates.Find(der)) {
          if (i == 0) {
            leaf_id_known_valid_ = hit->second.common_name_is_valid_id;
          }
          caches_->RememberRecent(i, hit->second);
          chain_.presented.emplace_back(hit->second.certificate.get());
          continue;
        }
      }
      auto cert = Certificate::Create(der);
      if (!cert.ok()) {
        const int index = static_cast<int>(i);
        d_.AddStep(StepId::kParseChain, Outcome::kFailed, index).detail =
            std::string(cert.status().message());
        d_.Decide(Reason::kMalformedChain, EnrollmentKind::kNone, {}, index);
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
      chain_.presented.emplace_back(cert->get());
      chain_.owned.push_back(*std::move(cert));
    }
    d_.AddStep(StepId::kParseChain, Outcome::kOk);
    return true;
  }

  bool CheckRegistrationId(absl::string_view id, size_t max_length,
                           bool known_valid = false) {
    const absl::Status status =
        known_valid ? absl::OkStatus() : ValidateRegistrationId(id, max_length);
    if (status.ok()) {
      d_.AddStep(StepId::kRegistrationId, Outcome::kOk,
                 a_.chain.empty() ? -1 : 0);
      return true;
    }
    d_.AddStep(StepId::kRegistrationId, Outcome::kFailed,
               a_.chain.empty() ? -1 : 0)
        .detail = std::string(status.message());
    d_.Decide(Reason::kInvalidRegistrationId, EnrollmentKind::kNone, {},
              a_.chain.empty() ? -1 : 0);
    return false;
  }

  ExplanationStep& IndividualStep(const IndividualEnrollment& e) {
    ExplanationStep& s = d_.AddStep(StepId::kLookupIndividual, Outcome::kFound);
    s.enrollment_kind = EnrollmentKind::kIndividual;
    s.enrollment_id = e.registration_id;
    s.enrollment_enabled = e.enabled;
    return s;
  }

  void DecideIndividualX509(const IndividualEnrollment& e,
                            const Certificate& leaf) {
    IndividualStep(e);
    if (!e.enabled) {
      d_.Decide(Reason::kIndividualEnrollmentDisabled,
                EnrollmentKind::kIndividual, e.registration_id);
      return;
    }
    ExplanationStep* match =
        &d_.AddStep(StepId::kMatchClientCertificate, Outcome::kFailed, 0);
    match->has_thumbprint = true;
    match->thumbprint = leaf.sha256();
    if (e.kind != AttestationKind::kX509) {
      match->detail = absl::StrCat("the enrollment's attestation is ",
                                   AttestationKindName(e.kind), ", not x509");
      d_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
                e.registration_id, 0);
      return;
    }
    if (e.primary_thumbprint && *e.primary_thumbprint == leaf.sha256()) {
      match->slot = Slot::kPrimary;
    } else if (e.secondary_thumbprint &&
               *e.secondary_thumbprint == leaf.sha256()) {
      match->slot = Slot::kSecondary;
    } else {
      d_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
                e.registration_id, 0);
      return;
    }
    match->outcome = Outcome::kOk;
    match->has_slot = true;
    if (!CheckValidity(0, EnrollmentKind::kIndividual, e.registration_id)) {
      return;
    }
    d_.Decide(Reason::kIndividualEnrollmentEnabled, EnrollmentKind::kIndividual,
              e.registration_id);
  }

  // Decides CERTIFICATE_EXPIRED / NOT_YET_VALID for path[index] (or the
  // leaf when the path is not built) and returns false, or returns true.
  bool CheckValidity(int index, EnrollmentKind kind, absl::string_view id) {
    const Certificate& cert = index < static_cast<int>(chain_.path.size())
                                  ? *chain_.path[index]
                                  : *chain_.presented[index];
    // Validity is encoded to the second: compare at that granularity, so
    // a time within notAfter's second is still valid (RFC 5280 §4.1.2.5).
    const absl::Time at = absl::FromUnixSeconds(absl::ToUnixSeconds(a_.at));
    if (at < cert.not_before()) {
      d_.AddStep(StepId::kCheckValidity, Outcome::kFailed, index).detail =
          absl::StrCat("not valid before ", Rfc3339(cert.not_before()),
                       "; validation time ", Rfc3339(a_.at));
      d_.Decide(Reason::kCertificateNotYetValid, kind, id, index);
      return false;
    }
    if (at > cert.not_after()) {
      d_.AddStep(StepId::kCheckValidity, Outcome::kFailed, index).detail =
          absl::StrCat("expired at ", Rfc3339(cert.not_after()),
                       "; validation time ", Rfc3339(a_.at));
      d_.Decide(Reason::kCertificateExpired, kind, id, index);
      return false;
    }
    return true;
  }

  bool InPath(const Certificate* c) const {
    for (const Certificate* p : chain_.path) {
      if (p == c || p->sha256() == c->sha256()) return true;
    }
    return false;
  }

  static bool KeyIdsAgree(const Certificate& child, const Certificate& issuer) {
    const absl::string_view akid = child.authority_key_identifier();
    const absl::string_view skid = issuer.subject_key_identifier();
    return akid.empty() || skid.empty() || akid == skid;
  }

  // VerifySignedBy, with the issuer's OpenSSL context prepared once per
  // Evaluator (SignatureVerifier) rather than once per verification.
  bool VerifyWithPreparedVerifier(const Certificate& child,
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

  bool SignatureVerifies(const Certificate& child, const Certificate& issuer) {
    if (caches_ != nullptr) {
      const internal::SignatureProof key{child.sha256(), issuer.sha256()};
      if (caches_->signatures.Find(key) != nullptr) return true;
      if (!VerifyWithPreparedVerifier(child, issuer)) return false;
      caches_->signatures.Insert(key, true);
      return true;
    }
    return VerifySignedBy(child, issuer);
  }

  // The issuer of `child` among the presented certificates, then among the
  // snapshot's group certificates. Among several candidates the one whose
  // signature verifies is preferred, within a budget; else the first.
  const Certificate* FindIssuer(const Certificate& child, bool* from_snapshot) {
    absl::InlinedVector<std::pair<const Certificate*, bool>, 4> candidates;
    const auto consider = [&](const Certificate* c, bool snapshot) {
      if (static_cast<int>(candidates.size()) >=
          options_.max_issuer_candidates) {
        return;
      }
      if (c->subject_der() != child.issuer_der() || InPath(c) ||
          !KeyIdsAgree(child, *c)) {
        return;
      }
      for (const auto& have : candidates) {
        if (have.first->sha256() == c->sha256()) return;
      }
      candidates.emplace_back(c, snapshot);
    };
    for (size_t i = 1; i < chain_.presented.size(); ++i) {
      consider(chain_.presented[i].get(), false);
    }
    for (const Certificate* c :
         snapshot_.FindCertificatesBySubject(child.issuer_der())) {
      consider(c, true);
    }
    if (candidates.empty()) return nullptr;
    if (candidates.size() > 1) {
      // Prefer a candidate whose signature verifies and that is valid at
      // the validation time; else one that verifies; else the first. This
      // steps past an expired cross-certificate when the same CA is also
      // an anchor ("chain of pain").
      const std::pair<const Certificate*, bool>* verifying = nullptr;
      const absl::Time at = absl::FromUnixSeconds(absl::ToUnixSeconds(a_.at));
      for (const auto& c : candidates) {
        if (signature_checks_ >= options_.max_candidate_signature_checks) {
          break;
        }
        ++signature_checks_;
        if (!SignatureVerifies(child, *c.first)) continue;
        if (at >= c.first->not_before() && at <= c.first->not_after()) {
          *from_snapshot = c.second;
          return c.first;
        }
        if (verifying == nullptr) verifying = &c;
      }
      if (verifying != nullptr) {
        *from_snapshot = verifying->second;
        return verifying->first;
      }
    }
    *from_snapshot = candidates[0].second;
    return candidates[0].first;
  }

  void WalkGroups() {
    chain_.path.push_back(chain_.presented[0].get());
    chain_.from_snapshot.push_back(false);
    // Every presented certificate plus one anchor from the snapshot.
    const int max_length =
        std::min(options_.max_presented_certificates + 1, kMaxPath);
    while (true) {
      const int child = static_cast<int>(chain_.path.size()) - 1;
      const Certificate& current = *chain_.path[child];
      bool from_snapshot = false;
      // A self-issued certificate is followed too (key rollover, RFC 5280
      // §6.1): its issuer is another certificate with the same name; a
      // self-signed root has none (it is already in the path).
      const Certificate* issuer = FindIssuer(current, &from_snapshot);
      if (issuer == nullptr) {
        d_.AddStep(StepId::kBuildPath, Outcome::kNotFound, child).detail =
            current.self_issued()
                ? "it is self-issued (a root)"
                : absl::StrCat("no certificate named \"",
                               current.IssuerString(),
                               "\" was presented or is in the enrollment set");
        d_.Decide(Reason::kNoEnrollment);
        return;
      }
      if (static_cast<int>(chain_.path.size()) >= max_length) {
        d_.AddStep(StepId::kBuildPath, Outcome::kNotFound, child).detail =
            absl::StrCat("no enrollment group within ", max_length,
                         " certificates of the leaf");
        d_.Decide(Reason::kNoEnrollment);
        return;
      }
      const int index = child + 1;
      chain_.path.push_back(issuer);
      chain_.from_snapshot.push_back(from_snapshot);
      d_.AddStep(StepId::kBuildPath, Outcome::kFound, child)
          .from_enrollment_set = from_snapshot;
      auto match = snapshot_.FindGroupByCertificate(issuer->sha256());
      if (!match) {
        ExplanationStep& s =
            d_.AddStep(StepId::kLookupGroup, Outcome::kNotFound, index);
        s.has_thumbprint = true;
        s.thumbprint = issuer->sha256();
        continue;
      }
      const EnrollmentGroup& group = *match->group;
      ExplanationStep& s =
          d_.AddStep(StepId::kLookupGroup, Outcome::kFound, index);
      s.has_thumbprint = true;
      s.thumbprint = issuer->sha256();
      s.enrollment_kind = EnrollmentKind::kGroup;
      s.enrollment_id = group.group_id;
      s.enrollment_enabled = group.enabled;
      s.has_slot = true;
      s.slot = match->certificate->slot;
      DecideGroup(group, index);
      return;
    }
  }

  void DecideGroup(const EnrollmentGroup& group, int top) {
    const absl::string_view id = group.group_id;
    if (!group.enabled) {
      d_.Decide(Reason::kEnrollmentGroupDisabled, EnrollmentKind::kGroup, id,
                top);
      return;
    }
    // Structural checks, from the leaf up (ranking 5c).
    // Self-issued intermediates do not count toward the depth (RFC 5280
    // §6.1.4 (l)); the walk itself is bounded by the presented certificates.
    int length = top + 1;
    for (int k = 1; k < top; ++k) {
      if (chain_.path[k]->self_issued()) --length;
    }
    if (length > options_.max_chain_length) {
      d_.AddStep(StepId::kCheckChainLimits, Outcome::kFailed).detail =
          absl::StrCat("the path to the group's certificate has ", length,
                       " certificates (self-issued intermediates not "
                       "counted); at most ",
                       options_.max_chain_length, " are accepted");
      d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id);
      return;
    }
    for (int i = 0; i < top; ++i) {
      const Certificate& child = *chain_.path[i];
      const Certificate& issuer = *chain_.path[i + 1];
      if (!SignatureVerifies(child, issuer)) {
        d_.AddStep(StepId::kVerifySignature, Outcome::kFailed, i).detail =
            absl::StrCat("not signed by the key of certificate ", i + 1, " (",
                         issuer.SubjectString(), ")");
        d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id, i);
        return;
      }
      if (!CheckCertificate(i, top, id)) return;
      if (!CheckIssuer(issuer, i + 1, id)) return;
      if (const auto path_len = issuer.path_len_constraint()) {
        // Intermediates between this issuer and the leaf. A self-issued
        // intermediate does not count (RFC 5280 §6.1.4 (l)).
        int below = 0;
        for (int k = 1; k <= i; ++k) {
          if (!chain_.path[k]->self_issued()) ++below;
        }
        if (below > *path_len) {
          d_.AddStep(StepId::kCheckPathLength, Outcome::kFailed, i + 1).detail =
              absl::StrCat("pathLenConstraint ", *path_len, " allows ",
                           *path_len, " intermediates below it; the path has ",
                           below);
          d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id,
                    i + 1);
          return;
        }
      }
    }
    if (!CheckCertificate(top, top, id)) return;
    d_.AddStep(StepId::kVerifySignature, Outcome::kOk);
    if (!CheckNameConstraints(top, id)) return;
    for (int i = 0; i <= top; ++i) {
      const auto& unhandled = chain_.path[i]->unhandled_critical_extensions();
      if (!unhandled.empty()) {
        d_.AddStep(StepId::kCheckExtensions, Outcome::kFailed, i).detail =
            absl::StrCat("critical extension ", unhandled[0],
                         " is not supported");
        d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id, i);
        return;
      }
    }
    if (!options_.required_eku.empty()) {
      const int last = options_.check_group_certificate_eku ? top : top - 1;
      for (int i = 0; i <= last; ++i) {
        const std::string problem = EkuProblem(*chain_.path[i], i);
        if (!problem.empty()) {
          d_.AddStep(StepId::kCheckExtensions, Outcome::kFailed, i).detail =
              problem;
          d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id, i);
          return;
        }
      }
    }
    // Time (ranking 5d).
    for (int i = 0; i <= top; ++i) {
      if (!CheckValidity(i, EnrollmentKind::kGroup, id)) return;
    }
    d_.AddStep(StepId::kCheckValidity, Outcome::kOk);
    d_.Decide(Reason::kEnrollmentGroupEnabled, EnrollmentKind::kGroup, id);
  }

  // Why certificate `index` of the path (0 = the leaf) fails
  // ResolverOptions::required_eku under eku_policy; empty when it passes.
  std::string EkuProblem(const Certificate& c, int index) const {
    using EkuPolicy = ResolverOptions::EkuPolicy;
    const std::string& want = options_.required_eku;
    const bool strict =
        options_.eku_policy == EkuPolicy::kStrict ||
        (options_.eku_policy == EkuPolicy::kStrictLeaf && index == 0);
    bool has_wanted = false;
    bool has_any = false;
    std::string prohibited;
    for (const std::string& eku : c.extended_key_usages()) {
      if (eku == want) has_wanted = true;
      if (eku == kEkuAnyExtendedKeyUsage) has_any = true;
      // BoringSSL: codeSigning and timeStamping are refused on the leaf and
      // its issuer, OCSPSigning on the leaf.
      if (prohibited.empty() && index <= 1 &&
          (eku == kEkuCodeSigning || eku == kEkuTimeStamping ||
           (index == 0 && eku == kEkuOcspSigning))) {
        prohibited = eku;
      }
    }
    const std::string lacks =
        absl::StrCat("its extendedKeyUsage does not include ", want);
    if (!strict) {
      if (!c.has_extended_key_usage() || has_wanted || has_any) return "";
      return lacks;
    }
    if (!c.has_extended_key_usage()) {
      if (index == 1 && want == kEkuServerAuth) return "";
      return absl::StrCat("it has no extendedKeyUsage; ", want, " is required");
    }
    if (!prohibited.empty()) {
      return absl::StrCat("its extendedKeyUsage includes ", prohibited,
                          ", which is not permitted with ", want);
    }
    if (has_wanted || (index >= 2 && has_any)) return "";
    return has_any ? absl::StrCat(lacks,
                                  " (anyExtendedKeyUsage does not "
                                  "stand for it here)")
                   : lacks;
  }

  // Per-certificate checks of rule 4 (engine/chain_checks.h): profile, key
  // strength and, below the anchor, the signature algorithm.
  bool CheckCertificate(int index, int top, absl::string_view id) {
    const Certificate& cert = *chain_.path[index];
    PathPosition position;
    position.leaf = index == 0;
    position.issuer = index > 0;
    position.top = index == top;
    ProfileOptions profile;
    profile.require_key_identifiers = options_.require_key_identifiers;
    profile.allow_ca_leaf = options_.allow_ca_leaf;
    std::string problem = ProfileProblem(cert, position, profile, [&]() {
      return SignatureVerifies(cert, cert);
    });
    if (problem.empty()) problem = KeyStrengthProblem(cert);
    if (problem.empty() && index < top) {
      problem = SignatureAlgorithmProblem(cert);
    }
    if (problem.empty()) return true;
    d_.AddStep(index == 0 ? StepId::kCheckExtensions : StepId::kCheckIssuer,
               Outcome::kFailed, index)
        .detail = std::move(problem);
    d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id, index);
    return false;
  }

  // nameConstraints of each CA in the path apply to every certificate
  // below it, except self-issued intermediates (RFC 5280 §6.1.3 (b)).
  bool CheckNameConstraints(int top, absl::string_view id) {
    for (int k = 1; k <= top; ++k) {
      const absl::string_view nc = chain_.path[k]->name_constraints_der();
      if (nc.empty()) continue;
      for (int i = 0; i < k; ++i) {
        const Certificate& cert = *chain_.path[i];
        if (i > 0 && cert.self_issued()) continue;
        std::string problem = NameConstraintsProblem(nc, cert);
        if (problem.empty()) continue;
        d_.AddStep(StepId::kCheckExtensions, Outcome::kFailed, i).detail =
            absl::StrCat(problem, " (nameConstraints of certificate ", k, ")");
        d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id, i);
        return false;
      }
    }
    return true;
  }

  bool CheckIssuer(const Certificate& issuer, int index, absl::string_view id) {
    std::string problem;
    if (!issuer.has_basic_constraints()) {
      problem = "it has no basicConstraints extension";
    } else if (!issuer.is_ca()) {
      problem = "its basicConstraints say it is not a CA";
    } else if (issuer.has_key_usage() &&
               (issuer.key_usage() & kKeyCertSign) == 0) {
      problem = "its keyUsage lacks keyCertSign";
    }
    if (problem.empty()) return true;
    d_.AddStep(StepId::kCheckIssuer, Outcome::kFailed, index).detail =
        std::move(problem);
    d_.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, id, index);
    return false;
  }

  // ---------------------------------------------------------- Symmetric key

  void RunSymmetricKey() {
    const absl::string_view id = a_.registration_id;
    d_.set_registration_id(id);
    auto token = ParseSasToken(a_.sas_token);
    absl::string_view claimed = id;
    if (claimed.empty() && token.ok()) {
      claimed = token->registration_id;
      d_.set_registration_id(claimed);
    }
    if (!CheckRegistrationId(claimed, kMaxRegistrationIdLength)) return;
    const IndividualEnrollment* e = snapshot_.FindIndividual(claimed);
    if (e != nullptr) {
      IndividualStep(*e);
      if (!e->enabled) {
        d_.Decide(Reason::kIndividualEnrollmentDisabled,
                  EnrollmentKind::kIndividual, e->registration_id);
        return;
      }
    } else {
      d_.AddStep(StepId::kLookupIndividual, Outcome::kNotFound);
    }
    if (!token.ok()) {
      d_.AddStep(StepId::kParseSasToken, Outcome::kFailed).detail =
          std::string(token.status().message());
      if (e != nullptr) {
        d_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
                  e->registration_id);
      } else {
        d_.Decide(Reason::kNoEnrollment);
      }
      return;
    }
    d_.AddStep(StepId::kParseSasToken, Outcome::kOk);
    if (e != nullptr) {
      DecideIndividualSas(*e, *token, claimed);
    } else {
      DecideGroupSas(*token, claimed);
    }
  }

  // Token checks that do not depend on the key: resource and expiry.
  bool TokenUsable(const SasToken& token, absl::string_view id,
                   EnrollmentKind kind, absl::string_view enrollment) {
    std::string problem;
    if (!absl::EqualsIgnoreCase(token.registration_id, id)) {
      problem = absl::StrCat("the token is for registration \"",
                             token.registration_id, "\", not \"", id, "\"");
    } else if (token.expiry < a_.at) {
      problem = absl::StrCat("the token expired at ", Rfc3339(token.expiry),
                             "; validation time ", Rfc3339(a_.at));
    }
    if (problem.empty()) return true;
    d_.AddStep(StepId::kVerifySasToken, Outcome::kFailed).detail =
        std::move(problem);
    d_.Decide(Reason::kAttestationMismatch, kind, enrollment);
    return false;
  }

  void DecideIndividualSas(const IndividualEnrollment& e, const SasToken& token,
                           absl::string_view id) {
    if (e.kind != AttestationKind::kSymmetricKey) {
      d_.AddStep(StepId::kVerifySasToken, Outcome::kFailed).detail =
          absl::StrCat("the enrollment's attestation is ",
                       AttestationKindName(e.kind), ", not symmetricKey");
      d_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
                e.registration_id);
      return;
    }
    if (!TokenUsable(token, id, EnrollmentKind::kIndividual,
                     e.registration_id)) {
      return;
    }
    Slot slot;
    if (!e.primary_key.empty() && VerifySasSignature(token, e.primary_key)) {
      slot = Slot::kPrimary;
    } else if (!e.secondary_key.empty() &&
               VerifySasSignature(token, e.secondary_key)) {
      slot = Slot::kSecondary;
    } else {
      d_.AddStep(StepId::kVerifySasToken, Outcome::kFailed).detail =
          "the signature matches neither the primary nor the secondary key";
      d_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
                e.registration_id);
      return;
    }
    ExplanationStep& s = d_.AddStep(StepId::kVerifySasToken, Outcome::kOk);
    s.has_slot = true;
    s.slot = slot;
    d_.Decide(Reason::kIndividualEnrollmentEnabled, EnrollmentKind::kIndividual,
              e.registration_id);
  }

  void DecideGroupSas(const SasToken& token, absl::string_view id) {
    for (const EnrollmentGroup* g : snapshot_.symmetric_key_groups()) {
      Slot slot;
      if (!g->primary_key.empty() &&
          VerifySasSignature(token, DeriveDeviceKey(g->primary_key, id))) {
        slot = Slot::kPrimary;
      } else if (!g->secondary_key.empty() &&
                 VerifySasSignature(token,
                                    DeriveDeviceKey(g->secondary_key, id))) {
        slot = Slot::kSecondary;
      } else {
        continue;
      }
      ExplanationStep& s = d_.AddStep(StepId::kMatchGroupKey, Outcome::kFound);
      s.enrollment_kind = EnrollmentKind::kGroup;
      s.enrollment_id = g->group_id;
      s.enrollment_enabled = g->enabled;
      s.has_slot = true;
      s.slot = slot;
      if (!g->enabled) {
        d_.Decide(Reason::kEnrollmentGroupDisabled, EnrollmentKind::kGroup,
                  g->group_id);
        return;
      }
      if (!TokenUsable(token, id, EnrollmentKind::kGroup, g->group_id)) {
        return;
      }
      d_.Decide(Reason::kEnrollmentGroupEnabled, EnrollmentKind::kGroup,
                g->group_id);
      return;
    }
    d_.AddStep(StepId::kMatchGroupKey, Outcome::kNotFound);
    d_.Decide(Reason::kNoEnrollment);
  }

  const EnrollmentSnapshot& snapshot_;
  const Attestation& a_;
  const ResolverOptions& options_;
  ResolverCaches* const caches_;
  Decision& d_;
  Chain chain_;
  int signature_checks_ = 0;
  // The leaf's CN is known (from the certificate cache) to be a valid
  // X.509 registration ID; when false it is validated as usual.
  bool leaf_id_known_valid_ = false;
};

}  // namespace

void Resolve(const EnrollmentSnapshot& snapshot, const Attestation& attestation,
             const ResolverOptions& options, ResolverCaches* caches,
             Decision* decision) {
  if (caches != nullptr) caches->BeginEvaluation();
  Resolver(snapshot, attestation, options, caches, decision).Run();
}

}  // namespace chaintrust
