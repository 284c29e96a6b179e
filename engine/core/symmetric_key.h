// Symmetric-key attestation (ranking "Symmetric key" of resolver.h), and
// the explanation steps it shares with the X.509 side of the resolver.
#ifndef CHAINTRUST_ENGINE_CORE_SYMMETRIC_KEY_H_
#define CHAINTRUST_ENGINE_CORE_SYMMETRIC_KEY_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/core/decision_builder.h"
#include "engine/policy/enrollment_set.h"
#include "engine/types.h"

namespace chaintrust {
namespace internal {

// Decides an attestation with a SAS token and no chain, at time `at`.
void ResolveSymmetricKey(const EnrollmentSnapshot& snapshot,
                         const Attestation& attestation, absl::Time at,
                         DecisionBuilder& b);

// Validates `id` as a registration ID (skipped when `known_valid`): adds the
// REGISTRATION_ID step about certificate `index`; on failure also DENY
// INVALID_REGISTRATION_ID and returns false.
bool CheckRegistrationIdStep(absl::string_view id, size_t max_length,
                             bool known_valid, int index, DecisionBuilder& b);

// Adds the LOOKUP_INDIVIDUAL FOUND step of `e`.
void AddIndividualStep(const IndividualEnrollment& e, DecisionBuilder& b);

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_SYMMETRIC_KEY_H_
