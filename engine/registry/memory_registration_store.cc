#include "engine/registry/memory_registration_store.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace {

// Microsecond precision, like the SQLite store, so both behave alike.
absl::Time TruncateToMicros(absl::Time t) {
  return absl::FromUnixMicros(absl::ToUnixMicros(t));
}

}  // namespace

absl::StatusOr<RegisterResult> MemoryRegistrationStore::Register(
    const RegistrationRecord& record, int64_t max_registrations) {
  RETURN_IF_ERROR(
      internal::ValidateRegisterArguments(record, max_registrations));
  std::string key = internal::RegistrationKey(record.registration_id);
  RegisterResult result;
  internal::AnnotatedMutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) {
    if (static_cast<int64_t>(records_.size()) >= max_registrations) {
      result.outcome = RegisterOutcome::kQuotaExceeded;
      result.record = record;
      result.registration_count = static_cast<int64_t>(records_.size());
      return result;
    }
    it = records_.emplace(std::move(key), record).first;
    it->second.created = TruncateToMicros(record.last_updated);
    result.outcome = RegisterOutcome::kCreated;
  } else {
    const absl::Time created = it->second.created;
    it->second = record;
    it->second.created = created;
    result.outcome = RegisterOutcome::kUpdated;
  }
  it->second.last_updated = TruncateToMicros(record.last_updated);
  it->second.etag = absl::StrFormat("%016x", next_etag_++);
  result.record = it->second;
  result.registration_count = static_cast<int64_t>(records_.size());
  return result;
}

absl::StatusOr<RegistrationRecord> MemoryRegistrationStore::Get(
    absl::string_view registration_id) {
  const std::string key = internal::RegistrationKey(registration_id);
  internal::AnnotatedMutexLock lock(&mu_);
  auto it = records_.find(key);
  if (it == records_.end()) {
    return absl::NotFoundError(
        absl::StrCat("no registration record for '", registration_id, "'"));
  }
  return it->second;
}

absl::StatusOr<std::vector<RegistrationRecord>> MemoryRegistrationStore::List(
    const RegistrationFilter& filter) {
  std::vector<RegistrationRecord> out;
  internal::AnnotatedMutexLock lock(&mu_);
  for (const auto& [key, record] : records_) {
    if (internal::MatchesFilter(record, filter)) out.push_back(record);
  }
  return out;
}

absl::StatusOr<int64_t> MemoryRegistrationStore::Delete(
    const RegistrationFilter& filter) {
  RETURN_IF_ERROR(internal::ValidateDeleteFilter(filter));
  int64_t deleted = 0;
  internal::AnnotatedMutexLock lock(&mu_);
  for (auto it = records_.begin(); it != records_.end();) {
    if (internal::MatchesFilter(it->second, filter)) {
      it = records_.erase(it);
      ++deleted;
    } else {
      ++it;
    }
  }
  return deleted;
}

absl::StatusOr<int64_t> MemoryRegistrationStore::Count() {
  internal::AnnotatedMutexLock lock(&mu_);
  return static_cast<int64_t>(records_.size());
}

}  // namespace chaintrust
