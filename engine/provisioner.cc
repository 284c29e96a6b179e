#include "engine/provisioner.h"

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "engine/core/decision_builder.h"

namespace chaintrust {
namespace {

using internal::DecisionBuilder;

// Replaces the verdict of `decision` with a DENY for `reason` because of
// `failure`: keeps its registration ID, deciding enrollment and steps but
// its DECIDE step, and appends the failed check step (with `step_detail`
// instead of the cause's text when given) and the new DECIDE step.
void Redecide(Reason reason, const CheckFailure& failure,
              absl::string_view step_detail, absl::string_view decide_detail,
              Decision* decision) {
  DecisionBuilder b(decision);
  const EnrollmentKind kind = decision->enrollment_kind();
  const std::string enrollment_id = decision->enrollment_id();
  b.DropDecideStep();
  ExplanationStep& step = b.Fail(failure);
  if (!step_detail.empty()) {
    step.detail.assign(step_detail.data(), step_detail.size());
  }
  b.Decide(reason, kind, enrollment_id, /*certificate_index=*/-1, decide_detail,
           failure.cause);
}

}  // namespace

Provisioner::Provisioner(RegistrationStore* store, Throttle* throttle,
                         ProvisionerOptions options)
    : store_(store), throttle_(throttle), options_(std::move(options)) {}

absl::Status Provisioner::Provision(Evaluator& evaluator,
                                    const Attestation& attestation,
                                    Decision* decision) const {
  RegistrationRecord record;
  if (!Begin(evaluator, attestation, decision, &record)) {
    return absl::OkStatus();
  }
  return Finish(record.last_updated,
                store_->Register(record, options_.max_registrations), decision);
}

bool Provisioner::Begin(Evaluator& evaluator, const Attestation& attestation,
                        Decision* decision, RegistrationRecord* record) const {
  const absl::Time at = ValidationTime(attestation);
  evaluator.Evaluate(attestation, decision);
  // Copied: the decision's own string changes below only through Decide,
  // which keeps it, but a copy keeps the throttle calls obviously safe.
  const std::string id = decision->registration_id();
  const bool throttled_ids =
      throttle_ != nullptr && throttle_->enabled() && !id.empty();

  if (throttled_ids) {
    const ThrottleDecision t = throttle_->Check(id, at);
    if (!t.allowed) {
      const std::string detail =
          absl::StrCat("throttled (was ", VerdictName(decision->verdict()), " ",
                       ReasonName(decision->reason()), ")");
      CheckFailure f;
      f.cause = Cause::kThrottled;
      f.value = absl::ToInt64Seconds(t.retry_after);
      Redecide(Reason::kThrottled, f,
               absl::StrCat(ThrottleScopeName(t.scope), " limit; retry after ",
                            absl::FormatDuration(t.retry_after), "; ",
                            t.consecutive_denies, " denies in a row"),
               detail, decision);
      DecisionBuilder(decision).set_retry_after(t.retry_after);
      return false;
    }
  }

  if (decision->allowed() && store_ != nullptr) {
    *record = RegistrationRecord();
    record->registration_id = id;
    record->device_id = id;
    record->enrollment_kind =
        decision->enrollment_kind() == EnrollmentKind::kGroup
            ? RegistrationEnrollmentKind::kGroup
            : RegistrationEnrollmentKind::kIndividual;
    record->enrollment_id = decision->enrollment_id();
    record->status = RegistrationStatus::kAssigned;
    record->last_updated = at;
    return true;
  }
  RecordOutcome(id, at, *decision);
  return false;
}

absl::Status Provisioner::Finish(absl::Time at,
                                 const absl::StatusOr<RegisterResult>& result,
                                 Decision* decision) const {
  const std::string id = decision->registration_id();
  absl::Status status;
  if (!result.ok()) {
    status = result.status();
    const std::string error = status.ToString();
    CheckFailure f;
    f.cause = Cause::kStoreError;
    f.name = error;
    Redecide(Reason::kThrottled, f, {},
             "the registration could not be stored; failing closed", decision);
    DecisionBuilder(decision).set_retry_after(options_.store_error_retry_after);
  } else if (result->outcome == RegisterOutcome::kQuotaExceeded) {
    CheckFailure f;
    f.cause = Cause::kQuotaExceeded;
    f.value = result->registration_count;
    f.limit = options_.max_registrations;
    Redecide(Reason::kQuotaExceeded, f, {}, {}, decision);
  }
  RecordOutcome(id, at, *decision);
  return status;
}

void Provisioner::RecordOutcome(const std::string& id, absl::Time at,
                                const Decision& decision) const {
  if (throttle_ == nullptr || !throttle_->enabled() || id.empty()) return;
  if (decision.allowed()) {
    throttle_->RecordAllow(id);
  } else {
    throttle_->RecordDeny(id, at);
  }
}

}  // namespace chaintrust
