// The one writer of a Decision (engine/decision.h), which is read-only
// everywhere else: the resolver, the Engine's PEM path and the Provisioner
// build decisions through it. Reuses the decision's storage (steps and
// strings keep their capacity), so building allocates nothing once warm,
// except the text of a failure's detail.
#ifndef CHAINTRUST_ENGINE_CORE_DECISION_BUILDER_H_
#define CHAINTRUST_ENGINE_CORE_DECISION_BUILDER_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/decision.h"
#include "engine/types.h"

namespace chaintrust {
namespace internal {

class DecisionBuilder {
 public:
  explicit DecisionBuilder(Decision* decision) : d_(*decision) {}

  const Decision& decision() const { return d_; }

  // Empties the decision (a DENY NO_ENROLLMENT with no steps).
  void Clear() { d_.Clear(); }
  void set_registration_id(absl::string_view id) { d_.set_registration_id(id); }
  void set_retry_after(absl::Duration d) { d_.set_retry_after(d); }

  // Appends a step and returns it for filling in; its fields are reset.
  ExplanationStep& AddStep(StepId step, Outcome outcome,
                           int certificate_index = -1) {
    return d_.AddStep(step, outcome, certificate_index);
  }

  // Appends the failed step of `failure` (StepOfCause) with its cause,
  // typed parameters and the detail rendered from them.
  ExplanationStep& Fail(const CheckFailure& failure) {
    ExplanationStep& s =
        d_.AddStep(StepOfCause(failure.cause), Outcome::kFailed,
                   failure.certificate_index);
    SetCause(failure, &s);
    return s;
  }

  // Sets `step`'s cause and parameters from `failure` and renders its
  // detail.
  static void SetCause(const CheckFailure& failure, ExplanationStep* step) {
    step->cause = failure.cause;
    step->params.value = failure.value;
    step->params.limit = failure.limit;
    step->params.other_index = failure.other_index;
    step->params.name_form = failure.name_form;
    step->params.name.assign(failure.name.data(), failure.name.size());
    step->detail = DescribeCause(failure.cause, step->params);
  }

  // Sets the verdict and appends the kDecide step.
  void Decide(Reason reason, EnrollmentKind kind = EnrollmentKind::kNone,
              absl::string_view enrollment_id = {}, int certificate_index = -1,
              absl::string_view detail = {}, Cause cause = Cause::kNone) {
    d_.Decide(reason, kind, enrollment_id, certificate_index, detail, cause);
  }

  // A DENY for `reason` whose cause no check step reports (e.g. nothing
  // was presented): the DECIDE step itself carries the cause.
  void DenyAtDecide(const CheckFailure& failure, Reason reason) {
    d_.Decide(reason, EnrollmentKind::kNone, {}, failure.certificate_index, {},
              failure.cause);
    SetCause(failure, &d_.steps_[d_.num_steps_ - 1]);
  }

  // Fail(failure), then a DENY for `reason` about the failing certificate,
  // carrying the cause.
  void Deny(const CheckFailure& failure, Reason reason,
            EnrollmentKind kind = EnrollmentKind::kNone,
            absl::string_view enrollment_id = {}) {
    Fail(failure);
    d_.Decide(reason, kind, enrollment_id, failure.certificate_index, {},
              failure.cause);
  }

  // Replaces the verdict with a DENY for `reason`, keeping the deciding
  // enrollment and the steps but the old kDecide step: the caller appends
  // its failed check step first, so the decision ends with one decide step.
  void DropDecideStep() { d_.DropDecideStep(); }

 private:
  Decision& d_;
};

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_DECISION_BUILDER_H_
