#include "tools/serve/metrics.h"

#include <atomic>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace chaintrust::serve {

Metrics::Metrics(int workers)
    : workers_(new WorkerCounters[workers > 0 ? workers : 1]),
      num_workers_(workers > 0 ? workers : 1) {}

Metrics::Shard& Metrics::MyShard() {
  static std::atomic<unsigned> next_thread{0};
  thread_local const unsigned thread_index = next_thread.fetch_add(1);
  return shards_[thread_index % kShards];
}

void Metrics::RecordRequest(absl::string_view route, int status,
                            absl::Duration latency) {
  {
    Shard& shard = MyShard();
    std::lock_guard<std::mutex> lock(shard.mu);
    const std::pair<absl::string_view, int> key(route, status);
    auto it = shard.requests.find(key);
    if (it == shard.requests.end()) {
      it = shard.requests.emplace(std::make_pair(std::string(route), status), 0)
               .first;
    }
    ++it->second;
  }
  const double seconds = absl::ToDoubleSeconds(latency);
  size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) {
    ++bucket;
  }
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_count_.fetch_add(1, std::memory_order_relaxed);
  latency_sum_micros_.fetch_add(
      static_cast<uint64_t>(absl::ToInt64Microseconds(latency)),
      std::memory_order_relaxed);
}

void Metrics::RecordDecision(absl::string_view reason) {
  Shard& shard = MyShard();
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.decisions.find(reason);
  if (it == shard.decisions.end()) {
    it = shard.decisions.emplace(std::string(reason), 0).first;
  }
  ++it->second;
}

void Metrics::SetCacheCounters(int worker, const CacheCounters& counters) {
  if (worker < 0 || worker >= num_workers_) return;
  WorkerCounters& w = workers_[worker];
  w.certificate_hits.store(counters.certificate_hits,
                           std::memory_order_relaxed);
  w.certificate_misses.store(counters.certificate_misses,
                             std::memory_order_relaxed);
  w.signature_hits.store(counters.signature_hits, std::memory_order_relaxed);
  w.signature_misses.store(counters.signature_misses,
                           std::memory_order_relaxed);
}

std::string Metrics::Render(const std::map<std::string, double>& extra) const {
  std::string out;
  {
    std::map<std::string, uint64_t> decisions;
    std::map<std::pair<std::string, int>, uint64_t> requests;
    for (Shard& shard : shards_) {
      std::lock_guard<std::mutex> lock(shard.mu);
      for (const auto& [reason, count] : shard.decisions) {
        decisions[reason] += count;
      }
      for (const auto& [key, count] : shard.requests) requests[key] += count;
    }
    out +=
        "# HELP chaintrust_decisions_total Device decisions by reason code.\n"
        "# TYPE chaintrust_decisions_total counter\n";
    for (const auto& [reason, count] : decisions) {
      absl::StrAppend(&out, "chaintrust_decisions_total{reason=\"", reason,
                      "\"} ", count, "\n");
    }
    out +=
        "# HELP chaintrust_http_requests_total Requests by route and status.\n"
        "# TYPE chaintrust_http_requests_total counter\n";
    for (const auto& [key, count] : requests) {
      absl::StrAppend(&out, "chaintrust_http_requests_total{route=\"",
                      key.first, "\",code=\"", key.second, "\"} ", count, "\n");
    }
  }
  out +=
      "# HELP chaintrust_http_request_duration_seconds Request latency.\n"
      "# TYPE chaintrust_http_request_duration_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const std::string le =
        i < kLatencyBuckets.size() ? absl::StrCat(kLatencyBuckets[i]) : "+Inf";
    absl::StrAppend(&out,
                    "chaintrust_http_request_duration_seconds_bucket{le=\"", le,
                    "\"} ", cumulative, "\n");
  }
  absl::StrAppend(&out, "chaintrust_http_request_duration_seconds_sum ",
                  latency_sum_micros_.load() / 1e6, "\n",
                  "chaintrust_http_request_duration_seconds_count ",
                  latency_count_.load(), "\n");
  uint64_t totals[4] = {0, 0, 0, 0};
  for (int i = 0; i < num_workers_; ++i) {
    totals[0] += workers_[i].certificate_hits.load(std::memory_order_relaxed);
    totals[1] += workers_[i].certificate_misses.load(std::memory_order_relaxed);
    totals[2] += workers_[i].signature_hits.load(std::memory_order_relaxed);
    totals[3] += workers_[i].signature_misses.load(std::memory_order_relaxed);
  }
  absl::StrAppend(
      &out,
      "# HELP chaintrust_proof_cache_lookups_total Proof-cache lookups.\n"
      "# TYPE chaintrust_proof_cache_lookups_total counter\n",
      "chaintrust_proof_cache_lookups_total{cache=\"certificate\",result="
      "\"hit\"} ",
      totals[0], "\n",
      "chaintrust_proof_cache_lookups_total{cache=\"certificate\",result="
      "\"miss\"} ",
      totals[1], "\n",
      "chaintrust_proof_cache_lookups_total{cache=\"signature\",result="
      "\"hit\"} ",
      totals[2], "\n",
      "chaintrust_proof_cache_lookups_total{cache=\"signature\",result="
      "\"miss\"} ",
      totals[3], "\n");
  absl::StrAppend(
      &out,
      "# HELP chaintrust_store_errors_total Registration store failures.\n"
      "# TYPE chaintrust_store_errors_total counter\n"
      "chaintrust_store_errors_total ",
      store_errors_.load(), "\n",
      "# TYPE chaintrust_open_connections gauge\nchaintrust_open_connections ",
      open_connections_.load(), "\n",
      "# TYPE chaintrust_refused_connections_total counter\n"
      "chaintrust_refused_connections_total ",
      refused_connections_.load(), "\n");
  for (const auto& [name, value] : extra) {
    absl::StrAppend(&out, "# TYPE ", name, " gauge\n", name, " ", value, "\n");
  }
  return out;
}

}  // namespace chaintrust::serve
