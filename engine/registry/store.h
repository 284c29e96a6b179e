// What the registration store implementations share beyond the public
// interface (engine/registration_record.h): the lookup key of a
// registration ID, the argument checks of Register() and Delete(), and the
// check of a durable store's schema version.
#ifndef CHAINTRUST_ENGINE_REGISTRY_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRY_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/registration_record.h"  // IWYU pragma: export

namespace chaintrust {
namespace internal {
// Shared by the implementations: the lookup key of a registration ID
// (ASCII-lowercase), and argument checks of Register()/Delete().
std::string RegistrationKey(absl::string_view registration_id);
absl::Status ValidateRegisterArguments(const RegistrationRecord& record,
                                       int64_t max_registrations);
absl::Status ValidateDeleteFilter(const RegistrationFilter& filter);
// True when `record` matches `filter` (registration ID compared by key).
bool MatchesFilter(const RegistrationRecord& record,
                   const RegistrationFilter& filter);
// Checks `version`, the schema version stored in the registration store
// named `store` (its path, or its URI without the password), against
// `supported`, the version this binary writes: OK from 0 (no store there
// yet) up to `supported`; FailedPrecondition naming both versions for a
// newer one, and for a negative one.
absl::Status CheckSchemaVersion(absl::string_view store, int64_t version,
                                int64_t supported);
}  // namespace internal

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_STORE_H_
