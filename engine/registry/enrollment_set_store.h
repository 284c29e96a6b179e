// The enrollment set shared by the front-end replicas of one deployment:
// one serialized enrollment set (opaque bytes here; `chaintrust serve`
// stores a DPS JSON bundle) with a version that increases by one on every
// successful Put. Replicas poll the version (one primary-key read) and
// fetch the body only when it changed.
//
//   // a replica, every ~250 ms:
//   ASSIGN_OR_RETURN(int64_t version, sets->EnrollmentSetVersion());
//   if (version != loaded_version) {
//     ASSIGN_OR_RETURN(StoredEnrollmentSet set, sets->GetEnrollmentSet());
//     ... parse set.body, build and swap the snapshot, remember set.version
//   }
//   // a change through the service API (compare-and-set):
//   sets->PutEnrollmentSet(new_body, now, /*expected_version=*/loaded_version)
//
// The PostgreSQL registration store implements it (dynamic_cast the store
// that OpenRegistrationStore() returned for a postgresql:// URI); so does
// FileEnrollmentSetStore, for a front-end that is the only one using its
// set.
#ifndef CHAINTRUST_ENGINE_REGISTRY_ENROLLMENT_SET_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRY_ENROLLMENT_SET_STORE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust {

struct StoredEnrollmentSet {
  int64_t version = 0;                     // 1 for the first Put
  std::string body;                        // as it was put (binary-safe)
  absl::Time updated = absl::UnixEpoch();  // `at` of that Put
};

class EnrollmentSetStore {
 public:
  virtual ~EnrollmentSetStore() = default;

  // Stores `body` as the next version and returns that version. With
  // `expected_version`, only if the current version is that one (0: none
  // stored yet); otherwise FailedPrecondition naming both, and nothing is
  // written. Durable when it returns OK.
  virtual absl::StatusOr<int64_t> PutEnrollmentSet(
      absl::string_view body, absl::Time at,
      std::optional<int64_t> expected_version = std::nullopt) = 0;

  // The current set, or NotFound when none was ever stored.
  virtual absl::StatusOr<StoredEnrollmentSet> GetEnrollmentSet() = 0;

  // The current version, 0 when none was ever stored. Cheap: for polling.
  virtual absl::StatusOr<int64_t> EnrollmentSetVersion() = 0;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_ENROLLMENT_SET_STORE_H_
