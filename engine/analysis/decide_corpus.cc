// DecideCorpus (engine/analysis/device_corpus.h): the corpus streamed
// through the engines in batches, on every core.
//
// Two batches are in flight. While the worker threads decide batch k+1,
// the calling thread hands batch k to the sink (in corpus order) and reads
// batch k+2 into k's buffers; then it joins the workers on what is left of
// k+1. Reading, parsing, deciding and rendering so overlap, and the reader
// and the sink never leave a core idle for long. Devices are handed out in
// chunks from an atomic counter so that every thread stays busy whatever
// the mix of cheap and expensive chains.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/types/span.h"
#include "engine/analysis/device_corpus.h"
#include "engine/engine.h"
#include "engine/x509/certificate.h"

namespace chaintrust::analysis {
namespace {

// Values by their exact text, bounded by entries and bytes (when full, it
// starts again: a cyclic corpus refills it at once). A text is kept only
// on its second sight (a door keeper of hashes), so that a corpus of
// distinct texts costs a hash, not a copy, per text.
template <typename Value>
class TextMemo {
 public:
  TextMemo(size_t max_entries, size_t max_bytes, size_t door_keeper_slots)
      : max_entries_(max_entries),
        max_bytes_(max_bytes),
        seen_(door_keeper_slots) {}

  size_t Hash(absl::string_view text) const {
    return values_.hash_function()(text);
  }
  const Value* Find(absl::string_view text, size_t hash) const {
    auto it = values_.find(text, hash);
    return it == values_.end() ? nullptr : &it->second;
  }
  // Whether a text of this hash was seen before; notes it if not.
  bool SeenBefore(size_t hash) {
    uint64_t& seen = seen_[hash % seen_.size()];
    if (seen == hash) return true;
    seen = hash;
    return false;
  }
  // Keeps `value` for `text`, counted as `bytes`.
  void Keep(absl::string_view text, size_t bytes, Value value) {
    if (values_.size() >= max_entries_ || bytes_ >= max_bytes_) {
      values_.clear();
      bytes_ = 0;
    }
    bytes_ += bytes;
    values_.emplace(std::string(text), std::move(value));
  }

 private:
  const size_t max_entries_;
  const size_t max_bytes_;
  absl::flat_hash_map<std::string, Value> values_;
  size_t bytes_ = 0;
  std::vector<uint64_t> seen_;  // hashes
};

// Chains already decoded, by their exact PEM text, for one thread. A fleet
// corpus repeats the same few chains (every device under a sub-CA presents
// the same intermediates; devices may share a leaf), and base64 decoding is
// a large part of deciding a device whose proofs are cached. Behind the
// chains, single CERTIFICATE blocks by their exact text: a chain seen for
// the first time is mostly CA blocks seen before.
//
// Find() gives exactly the DER certificates the engine would decode from
// `chain_pem` (Attestation: every CERTIFICATE block, leaf first, each block
// one certificate), so evaluating them is evaluating the text. Text that
// does not decode gives null: the engine then decides from the text itself
// and names the bad block, as it always has.
class PemMemo {
 public:
  // The decoded chain, in `scratch` (its strings reused from device to
  // device) or in the memo; empty when the text does not decode.
  absl::Span<const std::string> Find(absl::string_view pem,
                                     std::vector<std::string>* scratch) {
    const size_t hash = chains_.Hash(pem);
    if (const auto* chain = chains_.Find(pem, hash)) return *chain;
    const size_t n = Decode(pem, scratch);
    if (n == 0) return {};
    const absl::Span<const std::string> decoded(scratch->data(), n);
    if (chains_.SeenBefore(hash)) {
      chains_.Keep(pem, 2 * pem.size(),
                   std::vector<std::string>(decoded.begin(), decoded.end()));
    }
    return decoded;
  }

 private:
  static constexpr size_t kMaxChains = 4096;
  static constexpr size_t kMaxBytes = size_t{16} << 20;
  static constexpr size_t kSeen = size_t{1} << 15;
  static constexpr size_t kMaxBlocks = 1024;
  static constexpr size_t kMaxBlockBytes = size_t{2} << 20;
  static constexpr size_t kSeenBlocks = size_t{1} << 12;

  // The engine's decoding of a PEM chain (engine/core/pem_chain.cc), on
  // success only: the number of certificates decoded into the first
  // strings of `ders` (grown as needed, never shrunk), or 0.
  size_t Decode(absl::string_view pem, std::vector<std::string>* ders) {
    constexpr absl::string_view kBegin = "-----BEGIN ";
    size_t n = 0;
    size_t start = pem.find(kBegin);
    while (start != absl::string_view::npos) {
      const size_t next = pem.find(kBegin, start + kBegin.size());
      const absl::string_view block = pem.substr(start, next - start);
      start = next;
      if (!absl::StartsWith(block, "-----BEGIN CERTIFICATE-----")) continue;
      if (ders->size() == n) ders->emplace_back();
      if (!DecodeBlock(block, &(*ders)[n])) return 0;
      ++n;
    }
    return n;
  }

  // One CERTIFICATE block (from its BEGIN line to the next BEGIN) into
  // *der, from the block memo when the same text was decoded before: the
  // devices of a fleet present distinct leaves above the same few CA
  // certificates, so most blocks of a chain not seen before were.
  bool DecodeBlock(absl::string_view block, std::string* der) {
    const size_t hash = blocks_.Hash(block);
    if (const std::string* memoised = blocks_.Find(block, hash)) {
      der->assign(*memoised);
      return true;
    }
    if (!CertificateBlockToDer(block, der)) return false;
    if (blocks_.SeenBefore(hash)) {
      blocks_.Keep(block, block.size() + der->size(), *der);
    }
    return true;
  }

  TextMemo<std::vector<std::string>> chains_{kMaxChains, kMaxBytes, kSeen};
  // Certificate blocks by their text.
  TextMemo<std::string> blocks_{kMaxBlocks, kMaxBlockBytes, kSeenBlocks};
};

// Small enough that a certificate a thread parsed is freed while its memory
// is still in the core's caches: a corpus of distinct devices parses every
// leaf once, and a larger cache only keeps them long enough to go cold.
constexpr size_t kThreadCacheCapacity = size_t{1} << 9;

// One batch of devices and their decisions.
struct Batch {
  std::vector<CorpusDevice> devices;
  std::vector<Decision> decisions;  // [device * snapshots + snapshot]
  std::vector<absl::Status> errors;
  std::atomic<size_t> next{0};  // the next device to hand out
};

// What one thread needs to decide devices: an Evaluator per engine, its
// PEM memo and a reusable attestation.
struct Participant {
  std::vector<std::unique_ptr<Evaluator>> evaluators;
  PemMemo memo;
  std::vector<std::string> ders;  // a chain decoded but not memoised
  Attestation attestation;
};

// The engines and the worker threads. The calling thread is participant 0;
// threads - 1 workers are the others.
class Pipeline {
 public:
  Pipeline(const DeviceCorpus& corpus,
           const std::vector<SnapshotPtr>& snapshots,
           const DecideOptions& options, int threads)
      : corpus_(corpus), options_(options), n_snap_(snapshots.size()) {
    EngineOptions engine_options;
    engine_options.resolver = options.resolver;
    // Each thread's own caches stay small: a corpus visits most leaves once,
    // and what it repeats (the CAs, a fleet's shared chains) fits; the
    // engine's shared proof store keeps every verified signature.
    engine_options.certificate_cache_capacity = kThreadCacheCapacity;
    engine_options.signature_cache_capacity = kThreadCacheCapacity;
    for (size_t i = 0; i < n_snap_; ++i) {
      engines_.push_back(std::make_unique<Engine>(engine_options));
      engines_.back()->SetPolicy(
          snapshots[i], i < options.crls.size() ? options.crls[i] : nullptr);
    }
    participants_.resize(threads);
    for (Participant& p : participants_) {
      for (const auto& engine : engines_) {
        p.evaluators.push_back(engine->NewEvaluator());
      }
    }
    for (int t = 1; t < threads; ++t) {
      workers_.emplace_back([this, t] { WorkerLoop(t); });
    }
  }

  ~Pipeline() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    abort_.store(true, std::memory_order_relaxed);
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  size_t snapshots() const { return n_snap_; }

  // Hands `batch` (read, not yet decided) to the workers.
  void Start(Batch* batch) {
    const size_t n = batch->devices.size();
    if (batch->decisions.size() < n * n_snap_) {
      batch->decisions.resize(n * n_snap_);
    }
    batch->errors.assign(n, absl::OkStatus());
    batch->next.store(0, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu_);
    current_ = batch;
    ++generation_;
    pending_ = workers_.size();
    wake_.notify_all();
  }

  // Decides what is left of `batch` on the calling thread, then waits until
  // every worker is done with it.
  void Finish(Batch* batch) {
    Work(0, batch);
    std::unique_lock<std::mutex> lock(mu_);
    done_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void WorkerLoop(int t) {
    uint64_t seen = 0;
    for (;;) {
      Batch* batch;
      {
        std::unique_lock<std::mutex> lock(mu_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
        batch = current_;
      }
      Work(t, batch);
      std::lock_guard<std::mutex> lock(mu_);
      if (--pending_ == 0) done_.notify_all();
    }
  }

  void Work(int t, Batch* batch) {
    // Chunks shrink as the batch runs out, so that the threads finish it
    // together: a thread that takes a last large chunk leaves the others
    // idle until the next batch.
    constexpr size_t kChunk = 64;
    const size_t size = batch->devices.size();
    const size_t shares = 4 * participants_.size();
    Participant& p = participants_[t];
    while (!abort_.load(std::memory_order_relaxed)) {
      const size_t taken = batch->next.load(std::memory_order_relaxed);
      if (taken >= size) return;
      const size_t chunk =
          std::clamp<size_t>((size - taken) / shares, 1, kChunk);
      const size_t begin = batch->next.fetch_add(chunk);
      if (begin >= size) return;
      const size_t end = std::min(size, begin + chunk);
      for (size_t i = begin; i < end; ++i) Decide(&p, batch, i);
    }
  }

  void Decide(Participant* p, Batch* batch, size_t i) {
    CorpusDevice& device = batch->devices[i];
    batch->errors[i] = corpus_.Parse(&device);
    if (!batch->errors[i].ok()) return;
    device.input.at = options_.at;
    Decision* decisions = &batch->decisions[i * n_snap_];
    const absl::Span<const std::string> ders =
        device.input.chain_pem.empty()
            ? absl::Span<const std::string>()
            : p->memo.Find(device.input.chain_pem, &p->ders);
    if (ders.empty()) {
      for (size_t s = 0; s < n_snap_; ++s) {
        DecideDevice(*p->evaluators[s], device.input, &decisions[s]);
      }
    } else {
      // The same attestation as the text gives, with the text decoded
      // (the chain's storage kept from device to device).
      std::vector<absl::string_view> chain = std::move(p->attestation.chain);
      p->attestation = ToAttestation(device.input);
      chain.assign(ders.begin(), ders.end());
      p->attestation.chain = std::move(chain);
      for (size_t s = 0; s < n_snap_; ++s) {
        p->evaluators[s]->Evaluate(p->attestation, &decisions[s]);
      }
    }
    if (options_.prepare) {
      device.annotation.clear();
      device.notes.clear();
      options_.prepare(&device, absl::MakeConstSpan(decisions, n_snap_));
    }
  }

  const DeviceCorpus& corpus_;
  const DecideOptions& options_;
  const size_t n_snap_;
  std::vector<std::unique_ptr<Engine>> engines_;
  std::vector<Participant> participants_;
  std::vector<std::thread> workers_;
  std::atomic<bool> abort_{false};
  std::mutex mu_;
  std::condition_variable wake_;  // workers: a new batch, or stop
  std::condition_variable done_;  // Finish: every worker is done
  Batch* current_ = nullptr;      // guarded by mu_
  uint64_t generation_ = 0;       // guarded by mu_
  size_t pending_ = 0;            // workers not done with current_
  bool stop_ = false;             // guarded by mu_
};

// The progress line on stderr: devices done, rate, share of the corpus read
// and the time left, redrawn in place a few times a second once a run has
// taken a second; cleared at the end.
class Progress {
 public:
  explicit Progress(bool enabled)
      : enabled_(enabled && isatty(STDERR_FILENO)), start_(absl::Now()) {}

  ~Progress() {
    if (width_ > 0) {
      std::fprintf(stderr, "\r%*s\r", width_, "");
      std::fflush(stderr);
    }
  }

  void Update(size_t devices, double fraction) {
    if (!enabled_) return;
    const absl::Time now = absl::Now();
    if (now - start_ < absl::Seconds(1) ||
        now - last_ < absl::Milliseconds(200)) {
      return;
    }
    last_ = now;
    const double seconds = absl::ToDoubleSeconds(now - start_);
    fraction = std::clamp(fraction, 0.0, 1.0);
    std::string eta = "--:--";
    if (fraction > 0) {
      const int64_t left =
          static_cast<int64_t>(seconds * (1 - fraction) / fraction + 0.5);
      eta = left >= 3600 ? absl::StrFormat("%d:%02d:%02d", left / 3600,
                                           left / 60 % 60, left % 60)
                         : absl::StrFormat("%d:%02d", left / 60, left % 60);
    }
    constexpr int kBar = 24;
    const int filled = static_cast<int>(fraction * kBar);
    const std::string line = absl::StrFormat(
        "[%s%s] %3d%%  %d devices  %d/s  ETA %s", std::string(filled, '#'),
        std::string(kBar - filled, '.'), static_cast<int>(fraction * 100),
        devices, static_cast<int64_t>(devices / std::max(seconds, 1e-3)), eta);
    const int width = static_cast<int>(line.size());
    // Padded to the longest line drawn so far, so nothing old shows.
    std::fprintf(stderr, "\r%-*s", std::max(width, width_), line.c_str());
    std::fflush(stderr);
    width_ = std::max(width, width_);
  }

 private:
  const bool enabled_;
  const absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
  int width_ = 0;  // the longest line drawn; 0: none
};

int ThreadCount(int requested) {
  if (requested > 0) return requested;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int>(cores);
}

}  // namespace

absl::StatusOr<size_t> DecideCorpus(const std::string& path,
                                    const std::vector<SnapshotPtr>& snapshots,
                                    const DecideOptions& options,
                                    const DeviceSink& sink) {
  auto opened = DeviceCorpus::Open(path);
  if (!opened.ok()) return opened.status();
  DeviceCorpus& corpus = **opened;
  const size_t batch_size = std::max<size_t>(1, options.batch_size);
  Progress progress(options.progress);
  // Declared before the pipeline: its workers may still hold a batch when
  // an error ends the run early (~Pipeline stops them first).
  Batch buffers[2];
  Pipeline pipeline(corpus, snapshots, options, ThreadCount(options.threads));
  const size_t n_snap = pipeline.snapshots();
  absl::Status read_status;
  // Reads the next batch into `batch`; false at the end or on an error,
  // which is returned once the batches read before it are delivered.
  auto read = [&](Batch* batch) {
    if (!read_status.ok()) return false;
    read_status = corpus.NextBatch(batch_size, &batch->devices);
    return read_status.ok() && !batch->devices.empty();
  };
  size_t total = 0;
  Batch* deciding = &buffers[0];
  if (!read(deciding)) {
    if (!read_status.ok()) return read_status;
    return size_t{0};
  }
  pipeline.Start(deciding);
  Batch* spare = &buffers[1];
  bool more = read(spare);
  for (;;) {
    pipeline.Finish(deciding);
    Batch* done = deciding;
    deciding = more ? spare : nullptr;
    if (deciding != nullptr) pipeline.Start(deciding);
    for (size_t i = 0; i < done->devices.size(); ++i) {
      if (!done->errors[i].ok()) return done->errors[i];
      sink(done->devices[i],
           absl::MakeConstSpan(&done->decisions[i * n_snap], n_snap));
    }
    total += done->devices.size();
    progress.Update(total, corpus.Fraction());
    if (deciding == nullptr) break;
    spare = done;
    more = read(spare);
  }
  if (!read_status.ok()) return read_status;
  return total;
}

}  // namespace chaintrust::analysis
