#include "engine/registry/store.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace chaintrust {
namespace {

constexpr absl::string_view kEnrollmentKindNames[] = {"individual", "group"};
constexpr absl::string_view kStatusNames[] = {"assigned", "failed", "disabled"};
constexpr absl::string_view kSubstatusNames[] = {
    "initialAssignment", "deviceDataMigrated", "deviceDataReset",
    "reprovisionedToInitialAssignment"};
constexpr absl::string_view kOutcomeNames[] = {"CREATED", "UPDATED",
                                               "QUOTA_EXCEEDED"};

template <typename Enum, size_t N>
absl::string_view NameOf(const absl::string_view (&names)[N], Enum value) {
  const size_t index = static_cast<size_t>(value);
  return index < N ? names[index] : absl::string_view("UNKNOWN");
}

template <typename Enum, size_t N>
bool ParseName(const absl::string_view (&names)[N], absl::string_view name,
               Enum* value) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) {
      *value = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

}  // namespace

absl::string_view RegistrationEnrollmentKindName(
    RegistrationEnrollmentKind kind) {
  return NameOf(kEnrollmentKindNames, kind);
}
absl::string_view RegistrationStatusName(RegistrationStatus status) {
  return NameOf(kStatusNames, status);
}
absl::string_view RegistrationSubstatusName(RegistrationSubstatus substatus) {
  return NameOf(kSubstatusNames, substatus);
}
absl::string_view RegisterOutcomeName(RegisterOutcome outcome) {
  return NameOf(kOutcomeNames, outcome);
}

bool ParseRegistrationEnrollmentKind(absl::string_view name,
                                     RegistrationEnrollmentKind* kind) {
  return ParseName(kEnrollmentKindNames, name, kind);
}
bool ParseRegistrationStatus(absl::string_view name,
                             RegistrationStatus* status) {
  return ParseName(kStatusNames, name, status);
}
bool ParseRegistrationSubstatus(absl::string_view name,
                                RegistrationSubstatus* substatus) {
  return ParseName(kSubstatusNames, name, substatus);
}

bool operator==(const RegistrationRecord& a, const RegistrationRecord& b) {
  return a.registration_id == b.registration_id && a.device_id == b.device_id &&
         a.enrollment_kind == b.enrollment_kind &&
         a.enrollment_id == b.enrollment_id && a.status == b.status &&
         a.substatus == b.substatus && a.assigned_hub == b.assigned_hub &&
         a.created == b.created && a.last_updated == b.last_updated &&
         a.etag == b.etag;
}

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

}  // namespace internal
}  // namespace chaintrust
