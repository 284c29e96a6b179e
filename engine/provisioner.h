// Provisioning on top of the decision engine: retry throttling,
// registration records and the registration quota around an Evaluator.
//
//   chaintrust::Provisioner provisioner(store.get(), throttle.get());
//   auto evaluator = engine.NewEvaluator();  // one per thread
//   chaintrust::Decision d;
//   absl::Status s = provisioner.Provision(*evaluator, attestation, &d);
//   // d is the final decision whatever s says; s is not OK only when the
//   // registration store failed (d is then a DENY: fail closed).
//
// Order of the checks, for one attempt:
//   1. Evaluate the attestation. This comes first because the registration
//      ID of an X.509 device is its leaf's CN: it is known only after the
//      chain was parsed. (Evaluation is cheap next to a store write, and
//      caches make a retrying device cheaper still.)
//   2. Throttle (when a Throttle is given and the decision has a registration
//      ID): Throttle::Check(decision.registration_id(), attestation.at).
//      When refused, the decision becomes DENY THROTTLED with retry_after;
//      the evaluation's steps are kept but its DECIDE step, which a failed
//      CHECK_THROTTLE step (cause THROTTLED) and the new DECIDE step
//      replace: a decision always ends with a single DECIDE step. The store is
//      not touched, and the deny is not recorded (a refused attempt must not
//      lengthen its backoff, see engine/throttle.h). A decision without a
//      registration ID (e.g. a chain that does not parse) is not throttled:
//      there is nothing to attribute it to, and it costs no store work.
//   3. On ALLOW with a store: Register() the record (registration ID, device
//      ID = registration ID, the deciding enrollment, status assigned,
//      last_updated = attestation.at) against max_registrations.
//       - kQuotaExceeded: DENY QUOTA_EXCEEDED, with a failed CHECK_QUOTA step
//         (cause QUOTA_EXCEEDED) whose parameters give the count and the
//         quota. The deciding
//         enrollment is kept in the decision, for the operator.
//       - A store error: fail closed. The decision becomes DENY THROTTLED
//         with retry_after = options.store_error_retry_after and a failed
//         CHECK_QUOTA step (cause STORE_ERROR) whose detail carries the
//         error, and Provision
//         returns the error. THROTTLED because it is the only reason code
//         that tells a device the right thing ("not now, retry later"); no
//         reason code of docs/contract.md means "service error", and
//         QUOTA_EXCEEDED would make an operator chase a quota that is not full.
//   4. Throttle bookkeeping for an evaluated attempt (not for one refused in
//      step 2): RecordDeny after any DENY (QUOTA_EXCEEDED and store errors
//      included: the backoff also shields a failing store from the retry
//      storm), RecordAllow after an ALLOW.
//
// Thread-safe when the store and the throttle are (all provided ones are).
#ifndef CHAINTRUST_ENGINE_PROVISIONER_H_
#define CHAINTRUST_ENGINE_PROVISIONER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/registration_store.h"
#include "engine/throttle.h"

namespace chaintrust {

struct ProvisionerOptions {
  // The registration quota (DPS's default 1,000,000). Must be >= 0.
  int64_t max_registrations = kDefaultMaxRegistrations;
  // The retry hint of a DENY caused by a registration store error.
  absl::Duration store_error_retry_after = absl::Seconds(5);
};

class Provisioner {
 public:
  // `store` and `throttle` may be null (no records / no throttling). Both
  // must outlive the Provisioner.
  Provisioner(RegistrationStore* store, Throttle* throttle,
              ProvisionerOptions options = {});

  // Evaluates `attestation` with `evaluator` (the calling thread's, so its
  // proof caches serve) and applies steps 2-4 above. A chain given as PEM
  // (Attestation::chain_pem) is decoded by the evaluation. `decision` is
  // always the final decision; the status is not OK only for a store error
  // (the decision is then a DENY). The validation time (Attestation::at,
  // unset = now) is also the time of the throttle and of the record.
  absl::Status Provision(Evaluator& evaluator, const Attestation& attestation,
                         Decision* decision) const;

  // Provision in two halves around a store write the caller makes, for a
  // front-end that writes asynchronously (a group commit it does not wait
  // for). Begin evaluates and applies step 2; for an ALLOW with a store it
  // fills `*record` with what step 3 would write and returns true: the
  // caller stores it (its own way, with options().max_registrations) and
  // passes the outcome to Finish, which applies the rest of step 3 and step
  // 4. False: `decision` is final (step 4 done) and nothing is to be
  // stored. Provision is Begin, store->Register, Finish.
  bool Begin(Evaluator& evaluator, const Attestation& attestation,
             Decision* decision, RegistrationRecord* record) const;
  // `at` is ValidationTime(attestation) (Begin's record.last_updated).
  // The status is not OK only for a store error, as for Provision.
  absl::Status Finish(absl::Time at,
                      const absl::StatusOr<RegisterResult>& result,
                      Decision* decision) const;

  const ProvisionerOptions& options() const { return options_; }

 private:
  // Step 4 for the evaluated `decision` (registration ID `id`), at `at`.
  void RecordOutcome(const std::string& id, absl::Time at,
                     const Decision& decision) const;

  RegistrationStore* const store_;
  Throttle* const throttle_;
  const ProvisionerOptions options_;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_PROVISIONER_H_
