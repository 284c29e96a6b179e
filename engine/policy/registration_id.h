// Registration IDs (docs/rules.md §1).
//
// A registration ID is case-insensitive, at most 128 characters (64 when it
// comes from an X.509 leaf's CN, the CN length limit), made of ASCII
// letters, digits and "-._:", and ends with a letter, digit or '-'.
#ifndef CHAINTRUST_ENGINE_POLICY_REGISTRATION_ID_H_
#define CHAINTRUST_ENGINE_POLICY_REGISTRATION_ID_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace chaintrust {

inline constexpr size_t kMaxRegistrationIdLength = 128;
inline constexpr size_t kMaxX509RegistrationIdLength = 64;

// OK, or InvalidArgument saying what is wrong with `id` (too long, which
// character at which position, bad last character, empty).
absl::Status ValidateRegistrationId(
    absl::string_view id, size_t max_length = kMaxRegistrationIdLength);

// The canonical (lowercase) form used as a lookup key.
std::string CanonicalRegistrationId(absl::string_view id);

// Lowercases `id` into `buffer` (at least kMaxRegistrationIdLength bytes)
// without allocating; returns a view of it. `id` must be valid.
absl::string_view CanonicalRegistrationIdInto(absl::string_view id,
                                              char* buffer);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_POLICY_REGISTRATION_ID_H_
