// An EnrollmentSetStore in one file, for a front-end that is the only
// process using its enrollment set (a SQLite or in-memory registration
// store): the body is the whole file, written atomically (temporary file,
// fsync, rename, fsync of the directory) and durable when Put returns.
//
// The version lives in this object, not in the file: 0 while the file does
// not exist, 1 once it exists when the store is opened (a restart), and one
// more per Put. Another process writing the file is not noticed; replicas
// that share an enrollment set use the PostgreSQL store instead.
// Thread-safe.
#ifndef CHAINTRUST_ENGINE_REGISTRY_FILE_ENROLLMENT_SET_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRY_FILE_ENROLLMENT_SET_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/enrollment_set_store.h"

namespace chaintrust {

class FileEnrollmentSetStore final : public EnrollmentSetStore {
 public:
  // Nothing is read or created yet; a file that exists is version 1.
  explicit FileEnrollmentSetStore(std::string path);

  absl::StatusOr<int64_t> PutEnrollmentSet(
      absl::string_view body, absl::Time at,
      std::optional<int64_t> expected_version = std::nullopt) override;
  // The file's contents; `updated` is the file's modification time.
  absl::StatusOr<StoredEnrollmentSet> GetEnrollmentSet() override;
  absl::StatusOr<int64_t> EnrollmentSetVersion() override;

  const std::string& path() const { return path_; }

 private:
  absl::Status WriteFile(absl::string_view body) const;

  const std::string path_;
  internal::AnnotatedMutex mu_;
  int64_t version_ ABSL_GUARDED_BY(mu_);
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_FILE_ENROLLMENT_SET_STORE_H_
