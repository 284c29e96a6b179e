#include "engine/registry/store.h"

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace chaintrust {
namespace internal {

std::string RegistrationKey(absl::string_view registration_id) {
  return absl::AsciiStrToLower(registration_id);
}

absl::Status ValidateRegisterArguments(const RegistrationRecord& record,
                                       int64_t max_registrations) {
  if (record.registration_id.empty()) {
    return absl::InvalidArgumentError(
        "registration record has an empty registration ID");
  }
  if (max_registrations < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_registrations is negative: ", max_registrations));
  }
  return absl::OkStatus();
}

absl::Status ValidateDeleteFilter(const RegistrationFilter& filter) {
  if (filter.empty()) {
    return absl::InvalidArgumentError(
        "deleting registrations needs a registration ID or an enrollment "
        "group ID");
  }
  return absl::OkStatus();
}

bool MatchesFilter(const RegistrationRecord& record,
                   const RegistrationFilter& filter) {
  if (filter.registration_id.has_value() &&
      !absl::EqualsIgnoreCase(record.registration_id,
                              *filter.registration_id)) {
    return false;
  }
  if (filter.enrollment_group_id.has_value() &&
      (record.enrollment_kind != RegistrationEnrollmentKind::kGroup ||
       record.enrollment_id != *filter.enrollment_group_id)) {
    return false;
  }
  return true;
}

absl::Status CheckSchemaVersion(absl::string_view store, int64_t version,
                                int64_t supported) {
  if (version < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "registration store '", store, "': schema version ", version,
        " is not valid (this binary writes version ", supported, ")"));
  }
  if (version > supported) {
    return absl::FailedPreconditionError(absl::StrCat(
        "registration store '", store, "': the database's schema version ",
        version, " is newer than this binary's (", supported,
        "); use a newer chaintrust"));
  }
  return absl::OkStatus();
}

}  // namespace internal
}  // namespace chaintrust
