#include "engine/analysis/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/types.h"

namespace chaintrust::analysis {
namespace {

const char* KindOf(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

// Opens `path` for reading without blocking (a FIFO with no writer would
// block a plain open) and keeps the descriptor only for a regular file.
absl::StatusOr<int> OpenRegular(const std::string& path, off_t* size) {
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open the file (",
                                            std::strerror(errno), ")"));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const mode_t mode = st.st_mode;
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is ", KindOf(mode), ", not a regular file"));
  }
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  *size = st.st_size;
  return fd;
}

}  // namespace

size_t MaxChainPemBytes() {
  const ResolverOptions defaults;
  return 2 * defaults.max_chain_bytes +
         static_cast<size_t>(defaults.max_presented_certificates) * 128;
}

size_t MaxCorpusRecordBytes() { return 2 * MaxChainPemBytes() + 4096; }

absl::Status CheckRegularFile(const std::string& path) {
  off_t size = 0;
  auto fd = OpenRegular(path, &size);
  if (!fd.ok()) return fd.status();
  close(*fd);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileBounded(const std::string& path,
                                            size_t max_bytes) {
  off_t size = 0;
  auto fd = OpenRegular(path, &size);
  if (!fd.ok()) return fd.status();
  std::string out;
  out.resize(std::min<size_t>(static_cast<size_t>(size), max_bytes) + 1);
  size_t n = 0;
  for (;;) {
    if (n == out.size()) {
      if (n > max_bytes) break;
      out.resize(std::min(max_bytes + 1, 2 * n + 4096));
    }
    const ssize_t got = read(*fd, &out[n], out.size() - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      const int error = errno;
      close(*fd);
      return absl::DataLossError(
          absl::StrCat(path, ": read error (", std::strerror(error), ")"));
    }
    if (got == 0) break;
    n += static_cast<size_t>(got);
  }
  close(*fd);
  if (n > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": larger than the limit of ", max_bytes, " bytes"));
  }
  out.resize(n);
  return out;
}

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(
    const std::string& path) {
  off_t size = 0;
  auto fd = OpenRegular(path, &size);
  if (!fd.ok()) return fd.status();
  std::unique_ptr<LineReader> reader(new LineReader());
  reader->path_ = path;
  reader->fd_ = *fd;
  reader->size_ = static_cast<double>(size);
  return reader;
}

LineReader::~LineReader() {
  if (fd_ >= 0) close(fd_);
}

bool LineReader::Fill() {
  if (eof_ || error_) return false;
  buffer_.erase(0, pos_);
  pos_ = 0;
  const size_t old = buffer_.size();
  constexpr size_t kChunk = 1 << 16;
  buffer_.resize(old + kChunk);
  ssize_t got;
  do {
    got = read(fd_, &buffer_[old], kChunk);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    buffer_.resize(old);
    (got == 0 ? eof_ : error_) = true;
    return false;
  }
  buffer_.resize(old + static_cast<size_t>(got));
  return true;
}

absl::StatusOr<bool> LineReader::Next(size_t max_bytes, std::string* line) {
  const auto too_long = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ":", line_ + 1, ": a line longer than the limit of ", max_bytes,
        " bytes"));
  };
  size_t scanned = 0;  // bytes of the current line already searched
  for (;;) {
    const size_t nl = buffer_.find('\n', pos_ + scanned);
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > pos_ && buffer_[end - 1] == '\r') --end;
      if (end - pos_ > max_bytes) return too_long();
      line->assign(buffer_, pos_, end - pos_);
      consumed_ += nl + 1 - pos_;
      pos_ = nl + 1;
      ++line_;
      return true;
    }
    const size_t avail = buffer_.size() - pos_;
    if (avail > max_bytes + 1) return too_long();
    scanned = avail;
    if (Fill()) continue;  // Fill() moves the line to the buffer's start
    if (error_) return absl::DataLossError(absl::StrCat(path_, ": read error"));
    if (avail == 0) return false;
    if (avail > max_bytes) return too_long();
    line->assign(buffer_, pos_, avail);
    consumed_ += avail;
    pos_ = buffer_.size();
    ++line_;
    return true;
  }
}

double LineReader::Fraction() const {
  if (size_ <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(consumed_) / size_);
}

}  // namespace chaintrust::analysis
