// Reading files with a cap that fits their use. Every file the analyses and
// the command line read goes through here: a path that is not a regular
// file (a directory, a FIFO, a device such as /dev/zero) is refused before
// anything is read, and a file larger than its cap is refused after reading
// at most the cap, so no input can make a reader hang or grow without bound.
#ifndef CHAINTRUST_ENGINE_ANALYSIS_BOUNDED_READ_H_
#define CHAINTRUST_ENGINE_ANALYSIS_BOUNDED_READ_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace chaintrust::analysis {

// The largest PEM chain file worth reading: the engine refuses a chain of
// more than ResolverOptions::max_chain_bytes of DER, and PEM costs 4/3 for
// base64 plus line breaks and BEGIN/END lines; twice the DER limit plus
// room for the headers of max_presented_certificates blocks covers it.
size_t MaxChainPemBytes();

// The longest record of a JSONL device corpus or replay attempts file: a
// PEM chain JSON-escaped (each line break two bytes) plus its other fields.
size_t MaxCorpusRecordBytes();

// Documented caps of the other inputs.
inline constexpr size_t kMaxRegistrationExportBytes = size_t{256} << 20;
inline constexpr size_t kMaxAttemptsFileBytes = size_t{256} << 20;
inline constexpr size_t kMaxGoldenFileBytes = size_t{16} << 20;
inline constexpr size_t kMaxSuiteFileBytes = size_t{512} << 20;

// The whole of the regular file at `path`, refused (naming the path) when it
// is not a regular file or holds more than `max_bytes`.
absl::StatusOr<std::string> ReadFileBounded(const std::string& path,
                                            size_t max_bytes);

// OK when `path` names a regular file that can be opened for reading; a
// clear error otherwise (missing, a directory, a FIFO or device).
absl::Status CheckRegularFile(const std::string& path);

// Reads a regular file line by line, each line at most a cap.
class LineReader {
 public:
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(
      const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its '\n' (and a '\r' before it) into `line`;
  // false at the end of the file. A line longer than `max_bytes` is an
  // error naming the file and line, after reading at most `max_bytes` of it.
  absl::StatusOr<bool> Next(size_t max_bytes, std::string* line);

  // The number of the line Next() returned last (1-based).
  size_t line_number() const { return line_; }
  // How far through the file reading is, in [0, 1].
  double Fraction() const;

 private:
  LineReader() = default;
  bool Fill();

  std::string path_;
  int fd_ = -1;
  double size_ = 0;
  size_t consumed_ = 0;  // bytes handed out so far
  std::string buffer_;
  size_t pos_ = 0;
  bool eof_ = false;
  bool error_ = false;
  size_t line_ = 0;
};

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_BOUNDED_READ_H_
