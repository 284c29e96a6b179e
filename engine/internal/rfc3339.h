// RFC 3339 times, the one way the project writes and reads them.
#ifndef CHAINTRUST_ENGINE_INTERNAL_RFC3339_H_
#define CHAINTRUST_ENGINE_INTERNAL_RFC3339_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust::internal {

// UTC to the second: "2025-06-01T00:00:00Z" (fractions are dropped).
std::string FormatRfc3339(absl::Time t);

// Any RFC 3339 time: offsets and fractions allowed. The error quotes the
// text and gives an example.
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_RFC3339_H_
