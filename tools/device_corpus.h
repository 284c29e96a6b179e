// Reads a device corpus for the offline audits (audit, whatif, diff, graph)
// and decides every device of it against one or more snapshots.
//
// A corpus is either
//   - a directory of PEM chain files, one device per file (extensions .pem,
//     .crt, .cer; others are skipped); the file name without its extension
//     is the device id; devices are taken in file-name order; or
//   - a JSONL file (any other path): one object per line,
//     {"id": "...", "chain": "<PEM text>", "registrationId": "...",
//      "sasToken": "..."}; every field but "id" is optional. Blank lines are
//     skipped.
// The corpus is streamed in batches: a million devices are never held in
// memory at once (a directory's file names are).
#ifndef CHAINTRUST_TOOLS_DEVICE_CORPUS_H_
#define CHAINTRUST_TOOLS_DEVICE_CORPUS_H_

#include <cstddef>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/decision.h"
#include "engine/enrollment_set.h"
#include "tools/device_input.h"

namespace chaintrust::cli {

struct CorpusDevice {
  std::string id;
  DeviceInput input;  // input.at is set by DecideCorpus
};

class DeviceCorpus {
 public:
  static absl::StatusOr<std::unique_ptr<DeviceCorpus>> Open(
      const std::string& path);
  ~DeviceCorpus();

  // Replaces `batch` with up to `max` next devices; an empty batch means the
  // end. Errors name the file (and line).
  absl::Status NextBatch(size_t max, std::vector<CorpusDevice>* batch);

 private:
  DeviceCorpus() = default;
  std::string path_;
  bool is_directory_ = false;
  std::vector<std::string> files_;  // directory: sorted file names
  size_t next_file_ = 0;
  std::ifstream jsonl_;
  size_t line_ = 0;
};

// Called once per device, in corpus order, with one decision per snapshot.
using DeviceSink = std::function<void(const CorpusDevice& device,
                                      absl::Span<const Decision> decisions)>;

struct DecideOptions {
  absl::Time at = absl::UnixEpoch();
  size_t batch_size = 4096;
  int threads = 2;
  // Prints a progress line on stderr (only when stderr is a terminal).
  bool progress = true;
};

// Decides every device of the corpus at `path` against each of `snapshots`
// (one Engine per snapshot, one Evaluator per thread), calling `sink` for
// each device in corpus order. Returns the number of devices.
absl::StatusOr<size_t> DecideCorpus(const std::string& path,
                                    const std::vector<SnapshotPtr>& snapshots,
                                    const DecideOptions& options,
                                    const DeviceSink& sink);

// The decision's CONTRACT.md JSON object with "device": id as first field.
std::string RenderDeviceJson(absl::string_view device,
                             const Decision& decision);

// JSON string literal (quoted, escaped).
std::string JsonQuote(absl::string_view s);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_DEVICE_CORPUS_H_
