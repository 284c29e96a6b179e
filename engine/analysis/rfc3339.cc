#include "engine/analysis/rfc3339.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace chaintrust::analysis {

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not an RFC 3339 time (", error,
                     "); e.g. 2025-06-01T00:00:00Z"));
  }
  return t;
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace chaintrust::analysis
