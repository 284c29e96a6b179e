// Registrations per second into the registration stores.
//
// BM_SqliteRegister: new devices registered into the durable SQLite store
// (WAL, synchronous=FULL) from N threads; each Register() returns only once
// its group-committed transaction is on disk, so items_per_second is
// acknowledged-durable registrations per second. More threads mean larger
// batches per fsync. BM_SqliteReRegister: known devices re-registering
// (updates). BM_SqliteRegisterAsync: one thread keeping up to N
// RegisterAsync() calls in flight. BM_MemoryRegister: the in-memory store, for
// comparison. BM_Postgres*: the same over the PostgreSQL store, when
// CHAINTRUST_BENCH_POSTGRES_URI (else CHAINTRUST_TEST_POSTGRES_URI) names a
// server (skipped otherwise); each benchmark gets a fresh schema
// chaintrust_bench in that database. With the server's default
// synchronous_commit=on, an acknowledged registration's WAL is flushed.
//
// Latency: the blocking benchmarks time every Register() call and, at the
// end of each run, print its p50 and p99 over all threads to stderr
// ("latency BM_SqliteRegister/threads:8 p50=... p99=...").
//
// The SQLite database lives in a fresh temporary directory ($TEST_TMPDIR,
// else /tmp) and is deleted afterwards.
#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "engine/registration_store.h"
#include "engine/registry/memory_registration_store.h"
#include "engine/registry/postgres_registration_store.h"
#include "engine/registry/sqlite_registration_store.h"

namespace chaintrust {
namespace {

std::unique_ptr<RegistrationStore> g_store;
std::string g_path;
std::atomic<int64_t> g_next_id{0};

std::string TempStorePath() {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string templ =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/regbench-XXXXXX");
  if (mkdtemp(templ.data()) == nullptr) std::abort();
  return templ + "/registrations.db";
}

void RemoveStore() {
  g_store.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::remove(absl::StrCat(g_path, suffix).c_str());
  }
  if (!g_path.empty()) {
    rmdir(g_path.substr(0, g_path.rfind('/')).c_str());
  }
  g_path.clear();
}

void SetUpSqlite(const benchmark::State&) {
  g_path = TempStorePath();
  SqliteRegistrationStoreOptions options;
  options.create_if_missing = true;
  auto store = SqliteRegistrationStore::Open(g_path, options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::abort();
  }
  g_store = *std::move(store);
  g_next_id = 0;
}

// The server's URI, or "" when none is configured.
std::string PostgresUri() {
  for (const char* name :
       {"CHAINTRUST_BENCH_POSTGRES_URI", "CHAINTRUST_TEST_POSTGRES_URI"}) {
    const char* uri = std::getenv(name);
    if (uri != nullptr && *uri != '\0') return uri;
  }
  return "";
}

// A new, empty schema chaintrust_bench and a store in it; g_store stays
// null (the benchmark skips) when there is no server.
void SetUpPostgres(const benchmark::State&) {
  g_next_id = 0;
  const std::string uri = PostgresUri();
  if (uri.empty()) return;
  PGconn* conn = PQconnectdb(uri.c_str());
  if (PQstatus(conn) == CONNECTION_OK) {
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    PQclear(PQexec(conn,
                   "DROP SCHEMA IF EXISTS chaintrust_bench CASCADE; "
                   "CREATE SCHEMA chaintrust_bench"));
  }
  PQfinish(conn);
  PostgresRegistrationStoreOptions options;
  options.create_if_missing = true;
  auto store = PostgresRegistrationStore::Open(
      absl::StrCat(uri, uri.find('?') == std::string::npos ? "?" : "&",
                   "options=-csearch_path%3Dchaintrust_bench"),
      options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    std::abort();
  }
  g_store = *std::move(store);
}

// Register() latencies of the running benchmark, all threads.
std::mutex g_latency_mu;
std::vector<absl::Duration> g_latencies;

void PrintLatency(const benchmark::State& state, const char* name) {
  std::lock_guard<std::mutex> lock(g_latency_mu);
  if (g_latencies.empty()) return;
  std::sort(g_latencies.begin(), g_latencies.end());
  auto at = [&](double q) {
    return absl::FormatDuration(
        g_latencies[static_cast<size_t>(q * (g_latencies.size() - 1))]);
  };
  std::fprintf(stderr, "latency %s/threads:%d p50=%s p99=%s (%zu calls)\n",
               name, state.threads(), at(0.50).c_str(), at(0.99).c_str(),
               g_latencies.size());
  g_latencies.clear();
}

void TearDownSqliteLatency(const benchmark::State& state) {
  PrintLatency(state, "BM_SqliteRegister");
  RemoveStore();
}

void TearDownPostgres(const benchmark::State& state) {
  PrintLatency(state, "BM_PostgresRegister");
  g_store.reset();
}

void SetUpMemory(const benchmark::State&) {
  g_store = std::make_unique<MemoryRegistrationStore>();
  g_next_id = 0;
}

void TearDown(const benchmark::State&) { RemoveStore(); }

RegistrationRecord MakeRecord(int64_t id) {
  RegistrationRecord record;
  record.registration_id = absl::StrCat("device-", id);
  record.device_id = record.registration_id;
  record.enrollment_kind = RegistrationEnrollmentKind::kGroup;
  record.enrollment_id = absl::StrCat("group-", id % 16);
  record.assigned_hub = "hub-1.azure-devices.net";
  record.last_updated = absl::FromUnixSeconds(1700000000) + absl::Seconds(id);
  return record;
}

// Every iteration registers a new device. Building its record (a few
// hundred ns) is inside the timed loop; it is noise next to a durable
// registration and small next to an in-memory one.
void BM_Register(benchmark::State& state) {
  if (g_store == nullptr) {
    state.SkipWithError(
        "no PostgreSQL server: set CHAINTRUST_BENCH_POSTGRES_URI");
    return;
  }
  int64_t created = 0;
  std::vector<absl::Duration> latencies;
  for (auto _ : state) {
    const absl::Time start = absl::Now();
    auto result = g_store->Register(MakeRecord(g_next_id++));
    latencies.push_back(absl::Now() - start);
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      break;
    }
    created += result->outcome == RegisterOutcome::kCreated;
    benchmark::DoNotOptimize(result);
  }
  {
    std::lock_guard<std::mutex> lock(g_latency_mu);
    g_latencies.insert(g_latencies.end(), latencies.begin(), latencies.end());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["created"] = benchmark::Counter(static_cast<double>(created));
}

// Known devices re-register: 1,000 devices registered up front, then
// updated round-robin.
constexpr int64_t kKnownDevices = 1000;

void SetUpSqliteKnown(const benchmark::State& state) {
  SetUpSqlite(state);
  for (int64_t id = 0; id < kKnownDevices; ++id) {
    if (!g_store->Register(MakeRecord(id)).ok()) std::abort();
  }
}

void BM_ReRegister(benchmark::State& state) {
  for (auto _ : state) {
    auto result = g_store->Register(MakeRecord(g_next_id++ % kKnownDevices));
    if (!result.ok()) {
      state.SkipWithError(result.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}

// RegisterAsync() from one thread with up to state.range(0) registrations
// in flight, as an event-driven front-end would issue them. Each iteration
// registers kAsyncBatch new devices and waits until every one is
// acknowledged (durable), so the timed region holds only durable work.
constexpr int kAsyncBatch = 4096;

template <typename Store>
void BM_RegisterAsync(benchmark::State& state) {
  if (g_store == nullptr) {
    state.SkipWithError(
        "no PostgreSQL server: set CHAINTRUST_BENCH_POSTGRES_URI");
    return;
  }
  auto& store = static_cast<Store&>(*g_store);
  const int64_t window = state.range(0);
  std::mutex mu;
  std::condition_variable cv;
  int64_t in_flight = 0;
  int64_t errors = 0;
  for (auto _ : state) {
    for (int i = 0; i < kAsyncBatch; ++i) {
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return in_flight < window; });
        ++in_flight;
      }
      store.RegisterAsync(MakeRecord(g_next_id++), kDefaultMaxRegistrations,
                          [&](absl::StatusOr<RegisterResult> result) {
                            std::lock_guard<std::mutex> lock(mu);
                            errors += !result.ok();
                            --in_flight;
                            cv.notify_all();
                          });
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return in_flight == 0; });
  }
  if (errors > 0) state.SkipWithError("registration failed");
  state.SetItemsProcessed(state.iterations() * kAsyncBatch);
}

void BM_SqliteRegisterAsync(benchmark::State& state) {
  BM_RegisterAsync<SqliteRegistrationStore>(state);
}
void BM_PostgresRegisterAsync(benchmark::State& state) {
  BM_RegisterAsync<PostgresRegistrationStore>(state);
}
void BM_PostgresRegister(benchmark::State& state) { BM_Register(state); }
void BM_SqliteRegister(benchmark::State& state) { BM_Register(state); }
void BM_SqliteReRegister(benchmark::State& state) { BM_ReRegister(state); }
void BM_MemoryRegister(benchmark::State& state) { BM_Register(state); }
void TearDownMemory(const benchmark::State&) {
  std::lock_guard<std::mutex> lock(g_latency_mu);
  g_latencies.clear();
  RemoveStore();
}

BENCHMARK(BM_SqliteRegister)
    ->Setup(SetUpSqlite)
    ->Teardown(TearDownSqliteLatency)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->Threads(32)
    ->Threads(64)
    ->UseRealTime();
BENCHMARK(BM_PostgresRegister)
    ->Setup(SetUpPostgres)
    ->Teardown(TearDownPostgres)
    ->Threads(1)
    ->Threads(8)
    ->Threads(64)
    ->UseRealTime();
BENCHMARK(BM_PostgresRegisterAsync)
    ->Setup(SetUpPostgres)
    ->Teardown(TearDownPostgres)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(4096)
    ->UseRealTime();
BENCHMARK(BM_SqliteRegisterAsync)
    ->Setup(SetUpSqlite)
    ->Teardown(TearDown)
    ->Arg(32)
    ->Arg(256)
    ->Arg(1024)
    ->UseRealTime();
BENCHMARK(BM_SqliteReRegister)
    ->Setup(SetUpSqliteKnown)
    ->Teardown(TearDown)
    ->Threads(1)
    ->Threads(32)
    ->UseRealTime();
BENCHMARK(BM_MemoryRegister)
    ->Setup(SetUpMemory)
    ->Teardown(TearDownMemory)
    ->Threads(1)
    ->Threads(2)
    ->Threads(8)
    ->Threads(32)
    ->UseRealTime();

}  // namespace
}  // namespace chaintrust

BENCHMARK_MAIN();
