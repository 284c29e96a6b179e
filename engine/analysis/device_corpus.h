// Reads a device corpus for the offline analyses (audit, whatif, diff,
// graph) and decides every device of it against one or more snapshots.
//
// A corpus is either
//   - a directory of PEM chain files, one device per file (extensions .pem,
//     .crt, .cer; others are skipped); the file name without its extension
//     is the device id; devices are taken in file-name order; or
//   - a JSONL file (any other path): one object per line,
//     {"id": "...", "chain": "<PEM text>", "registrationId": "...",
//      "sasToken": "..."}; every field but "id" is optional. Blank lines are
//     skipped.
// A directory without chain files, and a single PEM file given as the
// corpus, are errors that say so. Each chain file is read up to
// MaxChainPemBytes() and each JSONL record up to MaxCorpusRecordBytes()
// (engine/analysis/bounded_read.h): beyond that a clear error naming the
// file (and line), never an unbounded read.
// The corpus is streamed in batches: a million devices are never held in
// memory at once (a directory's file names are).
#ifndef CHAINTRUST_ENGINE_ANALYSIS_DEVICE_CORPUS_H_
#define CHAINTRUST_ENGINE_ANALYSIS_DEVICE_CORPUS_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/analysis/bounded_read.h"
#include "engine/analysis/device_input.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"

namespace chaintrust::analysis {

struct CorpusDevice {
  std::string id;
  DeviceInput input;  // input.at is set by DecideCorpus
  // JSONL: the raw line and its number until Parse() fills the fields.
  std::string raw;
  size_t line = 0;
  // Free for DecideOptions::prepare to fill on a worker thread (e.g. the
  // rendered output line), read by the sink.
  std::string annotation;
  std::vector<std::string> notes;
};

class DeviceCorpus {
 public:
  static absl::StatusOr<std::unique_ptr<DeviceCorpus>> Open(
      const std::string& path);
  ~DeviceCorpus();

  // Replaces `batch` with up to `max` next devices; an empty batch means the
  // end. Errors name the file (and line). JSONL records are only read here
  // (device->raw); Parse() decodes them, on any thread.
  absl::Status NextBatch(size_t max, std::vector<CorpusDevice>* batch);

  // Decodes device->raw (a JSONL record) into its fields; a no-op for a
  // device read from a directory. Thread-safe. Errors name file and line.
  absl::Status Parse(CorpusDevice* device) const;

  // How far through the corpus reading is, in [0, 1].
  double Fraction();

 private:
  DeviceCorpus() = default;
  std::string path_;
  bool is_directory_ = false;
  std::vector<std::string> files_;  // directory: sorted file names
  size_t next_file_ = 0;
  std::unique_ptr<LineReader> jsonl_;
};

// Called once per device, in corpus order, with one decision per snapshot.
using DeviceSink = std::function<void(const CorpusDevice& device,
                                      absl::Span<const Decision> decisions)>;

struct DecideOptions {
  absl::Time at = absl::UnixEpoch();
  // The CRLs each snapshot is evaluated with (crls[i] with snapshots[i];
  // missing or null: none).
  std::vector<CrlSetPtr> crls;
  // The engines' chain checks (the certificate profile, legacy crypto,
  // stale CRLs).
  ResolverOptions resolver;
  // Devices per batch. Two batches are in flight; at 512 a batch's
  // records, chains and decisions stay in the cores' caches from reading
  // to delivery (4096 took 2-5% more CPU on a corpus of distinct devices).
  size_t batch_size = 512;
  // Threads deciding devices, the calling thread included; 0: one per core.
  int threads = 0;
  // Prints a progress line on stderr (only when stderr is a terminal):
  // devices done, rate, share of the corpus read and time left, redrawn in
  // place, cleared at the end.
  bool progress = true;
  // Optional: called on the worker threads for each device right after it is
  // decided, before the sink sees it, so that per-device work (rendering
  // JSON, comparing decisions) uses every thread. May write
  // device->annotation and device->notes (cleared before each call); must be
  // thread-safe.
  std::function<void(CorpusDevice* device,
                     absl::Span<const Decision> decisions)>
      prepare;
};

// Decides every device of the corpus at `path` against each of `snapshots`
// (one Engine per snapshot, its proof store shared by one Evaluator per
// thread), calling `sink` for each device in corpus order, on the calling
// thread. Reading and the sink overlap with deciding: while the workers
// decide one batch, the calling thread delivers the one before and reads
// the one after, then decides alongside them. Decisions and their order do
// not depend on the number of threads or the batch size. Returns the number
// of devices. Memory stays bounded by the batch size and the engines'
// caches whatever the corpus size. The first error (reading, or a record
// that does not parse) ends the run after the devices before it reached the
// sink.
absl::StatusOr<size_t> DecideCorpus(const std::string& path,
                                    const std::vector<SnapshotPtr>& snapshots,
                                    const DecideOptions& options,
                                    const DeviceSink& sink);

// The decision's docs/contract.md JSON object with "device": id as first field.
std::string RenderDeviceJson(absl::string_view device,
                             const Decision& decision);
// The same, appended to `out`.
void AppendDeviceJson(absl::string_view device, const Decision& decision,
                      std::string* out);

// JSON string literal (quoted, escaped).
std::string JsonQuote(absl::string_view s);

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_DEVICE_CORPUS_H_
