#include "engine/registration_record.h"

#include <cstddef>

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

}  // namespace chaintrust
