// An in-memory RegistrationStore: for tests, benchmarks and offline runs
// that need no durability. Thread-safe; every operation holds one mutex, so
// the quota check and the write are atomic.
#ifndef CHAINTRUST_ENGINE_REGISTRY_MEMORY_REGISTRATION_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRY_MEMORY_REGISTRATION_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/store.h"

namespace chaintrust {

class MemoryRegistrationStore final : public RegistrationStore {
 public:
  MemoryRegistrationStore() = default;
  MemoryRegistrationStore(const MemoryRegistrationStore&) = delete;
  MemoryRegistrationStore& operator=(const MemoryRegistrationStore&) = delete;

  absl::StatusOr<RegisterResult> Register(
      const RegistrationRecord& record,
      int64_t max_registrations = kDefaultMaxRegistrations) override;
  absl::StatusOr<RegistrationRecord> Get(
      absl::string_view registration_id) override;
  absl::StatusOr<std::vector<RegistrationRecord>> List(
      const RegistrationFilter& filter) override;
  absl::StatusOr<int64_t> Delete(const RegistrationFilter& filter) override;
  absl::StatusOr<int64_t> Count() override;

 private:
  internal::AnnotatedMutex mu_;
  // Keyed by internal::RegistrationKey; ordered so that List() is sorted.
  absl::btree_map<std::string, RegistrationRecord> records_
      ABSL_GUARDED_BY(mu_);
  uint64_t next_etag_ ABSL_GUARDED_BY(mu_) = 1;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_MEMORY_REGISTRATION_STORE_H_
