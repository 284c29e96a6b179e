#include "engine/registry/file_enrollment_set_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace chaintrust {
namespace {

absl::Status WriteAll(int fd, absl::string_view text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

FileEnrollmentSetStore::FileEnrollmentSetStore(std::string path)
    : path_(std::move(path)), version_(FileExists(path_) ? 1 : 0) {}

absl::Status FileEnrollmentSetStore::WriteFile(absl::string_view body) const {
  const std::string temp = path_ + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(temp, ": cannot create: ", std::strerror(errno)));
  }
  absl::Status status = WriteAll(fd, body);
  if (status.ok() && ::fsync(fd) != 0) {
    status = absl::InternalError(std::strerror(errno));
  }
  ::close(fd);
  if (status.ok() && std::rename(temp.c_str(), path_.c_str()) != 0) {
    status = absl::InternalError(std::strerror(errno));
  }
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat(path_, ": cannot write: ", status.message()));
  }
  // The rename is durable once the directory is.
  const size_t slash = path_.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : path_.substr(0, slash + 1);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> FileEnrollmentSetStore::PutEnrollmentSet(
    absl::string_view body, absl::Time at,
    std::optional<int64_t> expected_version) {
  (void)at;  // the file's modification time records it
  internal::AnnotatedMutexLock lock(&mu_);
  if (expected_version.has_value() && *expected_version != version_) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, ": the enrollment set is at version ", version_, ", not ",
        *expected_version,
        " (changed by another writer; reload and apply the change again)"));
  }
  absl::Status written = WriteFile(body);
  if (!written.ok()) return written;
  return ++version_;
}

absl::StatusOr<StoredEnrollmentSet> FileEnrollmentSetStore::GetEnrollmentSet() {
  internal::AnnotatedMutexLock lock(&mu_);
  if (version_ == 0) {
    return absl::NotFoundError(
        absl::StrCat(path_, ": no enrollment set stored yet"));
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in.is_open()) {
    return absl::InternalError(
        absl::StrCat(path_, ": cannot read: ", std::strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return absl::InternalError(absl::StrCat(path_, ": cannot read"));
  }
  StoredEnrollmentSet set;
  set.version = version_;
  set.body = buffer.str();
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0) {
    set.updated = absl::TimeFromTimespec(st.st_mtim);
  }
  return set;
}

absl::StatusOr<int64_t> FileEnrollmentSetStore::EnrollmentSetVersion() {
  internal::AnnotatedMutexLock lock(&mu_);
  return version_;
}

}  // namespace chaintrust
