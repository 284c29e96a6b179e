#include "engine/provisioner.h"

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace chaintrust {
namespace {

// Replaces the verdict of `decision` with a DENY for `reason`, keeping its
// registration ID, deciding enrollment and steps, and appending the DECIDE
// step of the new verdict.
void Redecide(Reason reason, absl::string_view detail, Decision* decision) {
  const EnrollmentKind kind = decision->enrollment_kind();
  const std::string enrollment_id = decision->enrollment_id();
  decision->Decide(reason, kind, enrollment_id, /*certificate_index=*/-1,
                   detail);
}

}  // namespace

Provisioner::Provisioner(const Engine& engine, RegistrationStore* store,
                         Throttle* throttle, ProvisionerOptions options)
    : engine_(engine),
      store_(store),
      throttle_(throttle),
      options_(std::move(options)) {}

absl::Status Provisioner::Provision(const Attestation& attestation,
                                    Decision* decision) {
  *decision = engine_.Evaluate(attestation);
  return Apply(attestation.at, decision);
}

absl::Status Provisioner::Apply(absl::Time at, Decision* decision) {
  // Copied: the decision's own string changes below only through Decide,
  // which keeps it, but a copy keeps the throttle calls obviously safe.
  const std::string id = decision->registration_id();
  const bool throttled_ids =
      throttle_ != nullptr && throttle_->enabled() && !id.empty();

  if (throttled_ids) {
    const ThrottleDecision t = throttle_->Check(id, at);
    if (!t.allowed) {
      ExplanationStep& step =
          decision->AddStep(StepId::kCheckThrottle, Outcome::kFailed);
      step.detail =
          absl::StrCat(ThrottleScopeName(t.scope), " limit; retry after ",
                       absl::FormatDuration(t.retry_after), "; ",
                       t.consecutive_denies, " denies in a row");
      const std::string detail =
          absl::StrCat("throttled (was ", VerdictName(decision->verdict()), " ",
                       ReasonName(decision->reason()), ")");
      Redecide(Reason::kThrottled, detail, decision);
      decision->set_retry_after(t.retry_after);
      return absl::OkStatus();
    }
  }

  absl::Status status;
  if (decision->allowed() && store_ != nullptr) {
    RegistrationRecord record;
    record.registration_id = id;
    record.device_id = id;
    record.enrollment_kind =
        decision->enrollment_kind() == EnrollmentKind::kGroup
            ? RegistrationEnrollmentKind::kGroup
            : RegistrationEnrollmentKind::kIndividual;
    record.enrollment_id = decision->enrollment_id();
    record.status = RegistrationStatus::kAssigned;
    record.last_updated = at;
    absl::StatusOr<RegisterResult> result =
        store_->Register(record, options_.max_registrations);
    if (!result.ok()) {
      status = result.status();
      decision->AddStep(StepId::kCheckQuota, Outcome::kFailed).detail =
          absl::StrCat("registration store error: ", status.ToString());
      Redecide(Reason::kThrottled,
               "the registration could not be stored; failing closed",
               decision);
      decision->set_retry_after(options_.store_error_retry_after);
    } else if (result->outcome == RegisterOutcome::kQuotaExceeded) {
      decision->AddStep(StepId::kCheckQuota, Outcome::kFailed).detail =
          absl::StrCat("registration quota full: ", result->registration_count,
                       " of ", options_.max_registrations,
                       " registrations used");
      Redecide(Reason::kQuotaExceeded, "", decision);
    }
  }

  if (throttled_ids) {
    if (decision->allowed()) {
      throttle_->RecordAllow(id);
    } else {
      throttle_->RecordDeny(id, at);
    }
  }
  return status;
}

}  // namespace chaintrust
