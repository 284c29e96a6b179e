// The outcome of one attestation: verdict, reason, deciding enrollment and a
// structured explanation.
//
// A DENY is a successful evaluation, not an error (docs/rules.md §5).
// Explanations are structured: each step is a stable id, an outcome, the
// index of the certificate concerned (0 = leaf) and typed parameters; tests
// and programs read those. The text rendering (RenderText) is for people and
// may change; the JSON rendering (RenderJson) is docs/contract.md's.
//
// A Decision is read-only outside the engine: only the engine's
// DecisionBuilder (engine/core/decision_builder.h) writes one. It is
// reusable: an evaluation into the same Decision keeps the capacity of its
// steps, so an evaluation loop that passes it again allocates nothing once
// warm.
//
// Every failed check step carries a Cause (engine/types.h; the enum lives
// there so that the x509/ layer can return it) with typed parameters; the
// step's text `detail` is rendered from them.
#ifndef CHAINTRUST_ENGINE_DECISION_H_
#define CHAINTRUST_ENGINE_DECISION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/types.h"

namespace chaintrust {

enum class Verdict : uint8_t { kAllow, kDeny };

// docs/contract.md's reason codes. The string of each is stable.
enum class Reason : uint8_t {
  kIndividualEnrollmentEnabled,  // ALLOW
  kEnrollmentGroupEnabled,       // ALLOW
  kIndividualEnrollmentDisabled,
  kEnrollmentGroupDisabled,
  kNoEnrollment,
  kAttestationMismatch,
  kChainUnverified,
  kCertificateExpired,
  kCertificateNotYetValid,
  kCertificateRevoked,
  kInvalidRegistrationId,
  kMalformedChain,
  kQuotaExceeded,
  kThrottled,
};

// "INDIVIDUAL_ENROLLMENT_ENABLED", ...
absl::string_view ReasonName(Reason reason);
absl::string_view VerdictName(Verdict verdict);  // "ALLOW", "DENY"
// Parses a reason code string; false when unknown.
bool ParseReason(absl::string_view name, Reason* reason);

enum class EnrollmentKind : uint8_t { kNone, kIndividual, kGroup };
absl::string_view EnrollmentKindName(EnrollmentKind kind);  // "INDIVIDUAL"

// The ids of explanation steps. The string of each is stable.
enum class StepId : uint8_t {
  kParseChain,              // the presented certificates were parsed
  kParseSasToken,           // the SAS token was parsed
  kRegistrationId,          // the registration ID was derived and validated
  kLookupIndividual,        // individual enrollment looked up by ID
  kMatchClientCertificate,  // leaf compared with the enrollment's certs
  kVerifySasToken,          // SAS token checked against keys
  kCheckValidity,           // a certificate's validity period at `at`
  kBuildPath,               // issuer of a certificate resolved
  kLookupGroup,             // group looked up by a certificate's thumbprint
  kMatchGroupKey,           // SAS token checked against a group's keys
  kVerifySignature,         // a certificate's signature by its issuer
  kCheckIssuer,             // issuer is a CA allowed to sign (bC, keyUsage)
  kCheckPathLength,         // pathLenConstraint
  kCheckExtensions,         // unhandled critical extensions
  kCheckChainLimits,        // depth and size limits
  kCheckQuota,              // registration quota
  kCheckThrottle,           // retry throttling
  kCheckKeyStrength,        // key size and signature algorithm
  kCheckProfile,            // the certificate profile (v3, key ids, ...)
  kCheckNameConstraints,    // nameConstraints of the CAs above
  kCheckEku,                // extendedKeyUsage (ResolverOptions::required_eku)
  kDecide,                  // the final decision
  kCheckRevocation,         // the path's certificates against loaded CRLs
};
absl::string_view StepName(StepId step);  // "LOOKUP_GROUP", ...

enum class Outcome : uint8_t { kOk, kFound, kNotFound, kFailed };
absl::string_view OutcomeName(Outcome outcome);  // "OK", "FOUND", ...

// "SIGNATURE_INVALID", ...; "" for Cause::kNone.
absl::string_view CauseName(Cause cause);
// Parses a cause name; false when unknown.
bool ParseCause(absl::string_view name, Cause* cause);
// The step that reports `cause` (e.g. kCheckProfile for kNotV3).
StepId StepOfCause(Cause cause);
// Whether `reason` is a DENY about the presented chain or one of its
// certificates (CHAIN_UNVERIFIED, CERTIFICATE_*, MALFORMED_CHAIN).
bool IsChainReason(Reason reason);

// The typed parameters of a step's cause; which are set depends on the
// cause (see Cause in engine/types.h). Meaningful only with a cause.
struct CauseParameters {
  int64_t value = 0;
  int64_t limit = 0;
  int other_index = -1;
  NameForm name_form = NameForm::kText;
  std::string name;  // a copy of CheckFailure::name
};

// `cause` with its parameters as a phrase, e.g. "its RSA key has 1024
// bits; at least 2048 are required". Unstable.
std::string DescribeCause(Cause cause, const CauseParameters& params);

struct ExplanationStep {
  StepId step = StepId::kDecide;
  Outcome outcome = Outcome::kOk;
  int certificate_index = -1;  // 0 = leaf; -1 = no certificate
  // The enrollment the step is about, if any.
  EnrollmentKind enrollment_kind = EnrollmentKind::kNone;
  std::string enrollment_id;
  bool enrollment_enabled = false;
  bool has_slot = false;
  Slot slot = Slot::kPrimary;
  // The certificate's SHA-256, when the step concerns one.
  bool has_thumbprint = false;
  Sha256Digest thumbprint{};
  // Where an issuer came from (kBuildPath): true when it is a group
  // certificate the device did not send.
  bool from_enrollment_set = false;
  // Why the step failed; kNone on success and for failures that have no
  // check behind them.
  Cause cause = Cause::kNone;
  CauseParameters params;
  // The failure in words, for people and logs (rendered from `cause` when
  // there is one); empty on success.
  std::string detail;
};

namespace internal {
class DecisionBuilder;  // engine/core/decision_builder.h
}  // namespace internal

class Decision {
 public:
  Decision() = default;

  Verdict verdict() const { return verdict_; }
  bool allowed() const { return verdict_ == Verdict::kAllow; }
  Reason reason() const { return reason_; }
  const std::string& registration_id() const { return registration_id_; }
  EnrollmentKind enrollment_kind() const { return enrollment_kind_; }
  const std::string& enrollment_id() const { return enrollment_id_; }
  // The certificate the reason is about (e.g. the expired one), or -1.
  int certificate_index() const { return certificate_index_; }
  absl::Span<const ExplanationStep> explanation() const {
    return absl::MakeConstSpan(steps_.data(), num_steps_);
  }
  // A retry hint for THROTTLED; zero otherwise.
  absl::Duration retry_after() const { return retry_after_; }
  // The cause of the failed check that decided a DENY, or kNone (e.g. for
  // an ALLOW or ENROLLMENT_GROUP_DISABLED).
  Cause cause() const { return cause_; }

 private:
  friend class internal::DecisionBuilder;

  // ---- Building (for the engine, through DecisionBuilder). ----
  void Clear();
  void set_registration_id(absl::string_view id) {
    registration_id_.assign(id.data(), id.size());
  }
  // Appends a step and returns it for filling in; its fields are reset.
  ExplanationStep& AddStep(StepId step, Outcome outcome,
                           int certificate_index = -1);
  // Sets the verdict (from the reason), the deciding enrollment and the
  // certificate concerned, and appends the kDecide step.
  void Decide(Reason reason, EnrollmentKind kind = EnrollmentKind::kNone,
              absl::string_view enrollment_id = {}, int certificate_index = -1,
              absl::string_view detail = {}, Cause cause = Cause::kNone);
  // Drops the last step when it is the kDecide step (so that a verdict
  // replaced later has a single decide step).
  void DropDecideStep();
  void set_retry_after(absl::Duration d) { retry_after_ = d; }

  Verdict verdict_ = Verdict::kDeny;
  Reason reason_ = Reason::kNoEnrollment;
  std::string registration_id_;
  EnrollmentKind enrollment_kind_ = EnrollmentKind::kNone;
  std::string enrollment_id_;
  int certificate_index_ = -1;
  absl::Duration retry_after_ = absl::ZeroDuration();
  Cause cause_ = Cause::kNone;
  // Steps [0, num_steps_) are live; the rest keep their capacity for reuse.
  std::vector<ExplanationStep> steps_;
  size_t num_steps_ = 0;
};

bool IsAllowReason(Reason reason);

// docs/contract.md's JSON object, on one line: {"verdict", "reason", "cause"?,
// "registrationId", "enrollment"?, "explanation"}. "cause" is printed on
// every step that has one, and at the top level for a DENY with a chain
// reason (IsChainReason).
std::string RenderJson(const Decision& decision);
// Several lines for a person; unstable.
std::string RenderText(const Decision& decision);
// One step as a sentence; unstable.
std::string DescribeStep(const ExplanationStep& step);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_DECISION_H_
