// RFC 3339 times as the command line, the corpora and the reports write
// them: parsed with offsets and fractions ("2025-06-01T00:00:00Z",
// "2025-06-01T02:00:00.5+02:00"), formatted in UTC to the second.
#ifndef CHAINTRUST_ENGINE_ANALYSIS_RFC3339_H_
#define CHAINTRUST_ENGINE_ANALYSIS_RFC3339_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust::analysis {

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text);
std::string FormatRfc3339(absl::Time t);

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_RFC3339_H_
