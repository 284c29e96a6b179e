// Registration records and the interface of the stores that keep them.
// Front-ends include engine/registration_store.h, which includes this and
// opens a store by its location; the implementations (engine/registry/)
// implement this interface.
//
// A provisioning front-end remembers whom it provisioned: one record per
// device, shaped like a DPS DeviceRegistrationState. The store enforces the
// instance's registration quota atomically with the write, so that the
// engine can, after an ALLOW, call Register() and turn kQuotaExceeded into a
// DENY QUOTA_EXCEEDED.
//
// Semantics every implementation provides (registration_store_test.cc runs
// one suite over all of them):
//  - Registration IDs are case-insensitive, as everywhere in DPS: "Dev-1"
//    and "dev-1" are one record. The record keeps the spelling of its latest
//    registration.
//  - Register() creates or updates. A re-registration of a known device never
//    counts twice and is never refused for quota, even when the store holds
//    more records than the quota (the quota was lowered); only a NEW device
//    beyond the quota gets kQuotaExceeded, and nothing is written for it.
//  - The store knows nothing of enrollment policies: a record outlives the
//    deletion of its enrollment group and still counts against the quota
//    until it is deleted (what `az iot dps enrollment-group registration
//    delete` is for).
//  - The store assigns the etag, which changes on every successful
//    Register() (create or update) and never repeats within a store.
//  - All methods are thread-safe.
#ifndef CHAINTRUST_ENGINE_REGISTRATION_RECORD_H_
#define CHAINTRUST_ENGINE_REGISTRATION_RECORD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust {

// DPS's default registration quota per instance.
inline constexpr int64_t kDefaultMaxRegistrations = 1'000'000;

// Which kind of enrollment a record was provisioned through.
enum class RegistrationEnrollmentKind : uint8_t { kIndividual, kGroup };

// DPS registration status.
enum class RegistrationStatus : uint8_t { kAssigned, kFailed, kDisabled };

// DPS registration substatus.
enum class RegistrationSubstatus : uint8_t {
  kInitialAssignment,
  kDeviceDataMigrated,
  kDeviceDataReset,
  kReprovisionedToInitialAssignment,
};

// Stable lowercase-camel names, as DPS spells them in JSON ("individual",
// "group"; "assigned", ...; "initialAssignment", ...). Also the values the
// SQLite store writes, so changing one is a schema change.
absl::string_view RegistrationEnrollmentKindName(
    RegistrationEnrollmentKind kind);
absl::string_view RegistrationStatusName(RegistrationStatus status);
absl::string_view RegistrationSubstatusName(RegistrationSubstatus substatus);
// The inverses; false when `name` is unknown (exact spelling required).
bool ParseRegistrationEnrollmentKind(absl::string_view name,
                                     RegistrationEnrollmentKind* kind);
bool ParseRegistrationStatus(absl::string_view name,
                             RegistrationStatus* status);
bool ParseRegistrationSubstatus(absl::string_view name,
                                RegistrationSubstatus* substatus);

// One device's registration record (DPS DeviceRegistrationState).
struct RegistrationRecord {
  // The registration ID as the device last presented it. Matched
  // case-insensitively; must not be empty. Validating its syntax is the
  // engine's job (ValidateRegistrationId), not the store's.
  std::string registration_id;
  // The IoT Hub device ID; DPS uses the registration ID by default.
  std::string device_id;
  // The enrollment that provisioned the device: an individual enrollment
  // (enrollment_id is its registration ID) or a group (its group ID, matched
  // exactly). Listing and deleting by group use these two fields.
  RegistrationEnrollmentKind enrollment_kind =
      RegistrationEnrollmentKind::kIndividual;
  std::string enrollment_id;
  RegistrationStatus status = RegistrationStatus::kAssigned;
  RegistrationSubstatus substatus = RegistrationSubstatus::kInitialAssignment;
  // Host name of the IoT hub the device was assigned to; may be empty.
  std::string assigned_hub;
  // Set by the store: the time of the first registration (kept across
  // re-registrations). Ignored on input.
  absl::Time created = absl::UnixEpoch();
  // The time of this registration. Input: the caller's clock (time is
  // injected, the store reads no clock). Stored with microsecond precision.
  absl::Time last_updated = absl::UnixEpoch();
  // Set by the store; changes on every update. Ignored on input. Opaque.
  std::string etag;

  friend bool operator==(const RegistrationRecord& a,
                         const RegistrationRecord& b);
  friend bool operator!=(const RegistrationRecord& a,
                         const RegistrationRecord& b) {
    return !(a == b);
  }
};

enum class RegisterOutcome : uint8_t {
  kCreated,        // a new device; it now counts against the quota
  kUpdated,        // a known device re-registered; the count is unchanged
  kQuotaExceeded,  // a new device and the quota is full; nothing written
};
absl::string_view RegisterOutcomeName(RegisterOutcome outcome);  // "CREATED"

struct RegisterResult {
  RegisterOutcome outcome = RegisterOutcome::kCreated;
  // The record as stored (created, etag filled in). For kQuotaExceeded, the
  // input record unchanged.
  RegistrationRecord record;
  // Records in the store right after this registration (for kQuotaExceeded,
  // the count that was found full), for explanations such as "quota 1000 of
  // 1000 used".
  int64_t registration_count = 0;
};

// Which records List() and Delete() touch. Unset fields match everything;
// set fields must all match.
struct RegistrationFilter {
  // Case-insensitive, like every registration ID comparison.
  std::optional<std::string> registration_id;
  // Records provisioned through this enrollment group (exact match).
  std::optional<std::string> enrollment_group_id;

  bool empty() const {
    return !registration_id.has_value() && !enrollment_group_id.has_value();
  }
  static RegistrationFilter All() { return {}; }
  static RegistrationFilter ByRegistrationId(absl::string_view id) {
    RegistrationFilter filter;
    filter.registration_id = std::string(id);
    return filter;
  }
  static RegistrationFilter ByEnrollmentGroup(absl::string_view group_id) {
    RegistrationFilter filter;
    filter.enrollment_group_id = std::string(group_id);
    return filter;
  }
};

class RegistrationStore {
 public:
  virtual ~RegistrationStore() = default;

  // Creates or updates the record of `record.registration_id`, atomically
  // with the quota check against other writers: a new device is admitted
  // only while fewer than `max_registrations` records exist. When this
  // returns OK the outcome is final (for a durable store: on disk).
  // Errors: InvalidArgument (empty registration ID, negative quota);
  // operational failures of the backing store (Unavailable, Internal, ...),
  // after which nothing of this call is stored. Callers must fail closed.
  virtual absl::StatusOr<RegisterResult> Register(
      const RegistrationRecord& record,
      int64_t max_registrations = kDefaultMaxRegistrations) = 0;

  // The record of `registration_id` (case-insensitive), or NotFound.
  virtual absl::StatusOr<RegistrationRecord> Get(
      absl::string_view registration_id) = 0;

  // Matching records ordered by canonical (lowercase) registration ID.
  virtual absl::StatusOr<std::vector<RegistrationRecord>> List(
      const RegistrationFilter& filter) = 0;

  // Deletes matching records and returns how many. An empty filter is
  // InvalidArgument, so that a missing flag cannot wipe the store.
  virtual absl::StatusOr<int64_t> Delete(const RegistrationFilter& filter) = 0;

  // How many records exist; what the quota is checked against.
  virtual absl::StatusOr<int64_t> Count() = 0;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRATION_RECORD_H_
