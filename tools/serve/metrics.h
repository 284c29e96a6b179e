// Prometheus metrics of the DPS front-end, rendered in the text exposition
// format at /metrics. Counters are lock-free; reading them is a snapshot
// that may be a little inconsistent across series, as usual for scrapes.
#ifndef CHAINTRUST_TOOLS_SERVE_METRICS_H_
#define CHAINTRUST_TOOLS_SERVE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tools/serve/engine_adapter.h"

namespace chaintrust::serve {

class Metrics {
 public:
  // Upper bounds of the latency histogram's buckets, in seconds.
  static constexpr std::array<double, 12> kLatencyBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

  explicit Metrics(int workers);

  // One request: its route class ("device_register", "service", ...), its
  // HTTP status and how long it took.
  void RecordRequest(absl::string_view route, int status,
                     absl::Duration latency);
  // One decision, by reason code.
  void RecordDecision(absl::string_view reason);
  void RecordStoreError() { store_errors_.fetch_add(1); }
  void ConnectionOpened() { open_connections_.fetch_add(1); }
  void ConnectionClosed() { open_connections_.fetch_sub(1); }
  void ConnectionRefused() { refused_connections_.fetch_add(1); }
  int64_t open_connections() const { return open_connections_.load(); }
  // Publishes a worker's proof-cache counters (called by its own thread).
  void SetCacheCounters(int worker, const CacheCounters& counters);

  // The text exposition format. `extra` adds gauges such as the number of
  // enrollments.
  std::string Render(const std::map<std::string, double>& extra) const;

 private:
  struct WorkerCounters {
    std::atomic<uint64_t> certificate_hits{0}, certificate_misses{0};
    std::atomic<uint64_t> signature_hits{0}, signature_misses{0};
  };
  // Orders (route, code) keys, and finds them by (string_view, int)
  // without building a key string per request.
  struct RouteCodeLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return absl::string_view(a.first) != absl::string_view(b.first)
                 ? absl::string_view(a.first) < absl::string_view(b.first)
                 : a.second < b.second;
    }
  };
  // The counters by reason and by route and code, in shards: a thread keeps
  // to one shard, so that the worker threads do not share a lock per
  // request. Render adds the shards up.
  struct Shard {
    std::mutex mu;
    std::map<std::string, uint64_t, std::less<>> decisions;
    std::map<std::pair<std::string, int>, uint64_t, RouteCodeLess> requests;
  };
  static constexpr int kShards = 8;
  Shard& MyShard();
  mutable std::array<Shard, kShards> shards_;
  std::array<std::atomic<uint64_t>, kLatencyBuckets.size() + 1> buckets_{};
  std::atomic<uint64_t> latency_count_{0};
  std::atomic<uint64_t> latency_sum_micros_{0};
  std::atomic<uint64_t> store_errors_{0};
  std::atomic<int64_t> open_connections_{0};
  std::atomic<uint64_t> refused_connections_{0};
  std::unique_ptr<WorkerCounters[]> workers_;
  int num_workers_;
};

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_METRICS_H_
