// Fleet benchmarks: many distinct devices through one Engine.
//
// BM_AttestFleet/<devices>/<order>: a fleet of distinct devices (leaf under
// one of 8 sub-CAs of one root; the root is an enabled group's certificate
// the devices do not send), minted once and cached on disk
// ($TEST_TMPDIR or /tmp, chaintrust_attest_fleet_<devices>.der; minted on
// every core with LeafFactory, testdata/test_fleet.h). After one
// warm-up pass over every device, devices are attested in uniform random
// order or in Zipf(1.0) order (ranks shuffled over the devices), by 1 or 2
// threads, each with its own Evaluator over the Engine's shared proof store
// (budget ProofStore::BudgetFor(devices + 8)). Counters: hit_ratio, the
// share of attestations that verified no signature; cache_bytes_per_device,
// the store's tables over the fleet size.
// BM_AttestFleetBudget/<devices>: the store capped at a tenth of the fleet
// (Evaluators' own signature caches cut to 64 entries, so the store
// decides), Zipf(1.0) order after one warm-up pass of as many attestations
// as the timed sequence holds; hit_ratio next to lfu_hit_ratio, the hit
// ratio of an ideal static LFU cache of the store's capacity (the share of
// Zipf(1.0) draws that fall on its most frequent devices).
// BM_ProofStoreBudget/<keys>: the same policy measure on the store alone,
// with synthetic digests, so a 1,000,000-device fleet needs no minting.
#include "bench/attest_bench_fleet.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "engine/core/proof_store.h"
#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/test_certs.h"
#include "testdata/test_fleet.h"

namespace chaintrust {
namespace {

using internal::MintCertificate;
using internal::TestCert;
using internal::TestCertOptions;
using internal::TestKey;
using internal::TestKeyType;

constexpr size_t kSubCas = 8;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "attest_bench: %s\n", message.c_str());
  std::abort();
}

// ---- Access orders ----

enum class Order { kUniform, kZipf };

const char* OrderName(Order order) {
  return order == Order::kUniform ? "uniform" : "zipf";
}

// Zipf(1.0) over n ranks, by inverting the cumulative distribution.
class Zipf {
 public:
  explicit Zipf(size_t n) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / (i + 1));
    for (double& c : cdf_) c /= sum;
  }
  size_t Next(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    const size_t i = static_cast<size_t>(
        std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    return std::min(i, cdf_.size() - 1);
  }
  // The share of draws that fall on the k most frequent ranks: the hit
  // ratio of an ideal static LFU cache of k entries.
  double TopShare(size_t k) const {
    return k == 0 ? 0 : cdf_[std::min(k, cdf_.size()) - 1];
  }

 private:
  std::vector<double> cdf_;
};

// `length` device indices below `devices` in the given order. Zipf ranks
// are mapped to devices by a fixed random permutation, so popularity does
// not follow the sub-CA or the order of minting.
std::vector<uint32_t> Sequence(size_t devices, Order order, size_t length) {
  std::mt19937_64 rng(devices * 31 + static_cast<int>(order));
  std::vector<uint32_t> out(length);
  if (order == Order::kUniform) {
    std::uniform_int_distribution<size_t> pick(0, devices - 1);
    for (uint32_t& d : out) d = static_cast<uint32_t>(pick(rng));
    return out;
  }
  std::vector<uint32_t> permutation(devices);
  for (size_t i = 0; i < devices; ++i) {
    permutation[i] = static_cast<uint32_t>(i);
  }
  std::shuffle(permutation.begin(), permutation.end(), rng);
  const Zipf zipf(devices);
  for (uint32_t& d : out) d = permutation[zipf.Next(rng)];
  return out;
}

size_t SequenceLength(size_t devices) {
  return std::max<size_t>(4 * devices, size_t{1} << 16);
}

// ---- The fleet ----

struct Fleet {
  std::string root;
  std::vector<std::string> sub_cas;
  std::vector<std::string> leaves;  // leaf i is issued by sub_cas[i % 8]
  std::vector<absl::string_view> leaf_views;  // leaves[i], flat
};

std::string CachePath(size_t devices) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp",
                      "/chaintrust_attest_fleet_", devices, ".der");
}

bool ReadRecord(std::FILE* f, std::string* out) {
  uint32_t size = 0;
  if (std::fread(&size, sizeof(size), 1, f) != 1 || size > (1u << 16)) {
    return false;
  }
  out->resize(size);
  return std::fread(&(*out)[0], 1, size, f) == size;
}

// The fleet cached on disk by an earlier run, if complete.
bool LoadFleet(size_t devices, Fleet* fleet) {
  std::FILE* f = std::fopen(CachePath(devices).c_str(), "rb");
  if (f == nullptr) return false;
  bool ok = ReadRecord(f, &fleet->root);
  fleet->sub_cas.resize(kSubCas);
  for (std::string& der : fleet->sub_cas) ok = ok && ReadRecord(f, &der);
  fleet->leaves.resize(devices);
  for (std::string& der : fleet->leaves) ok = ok && ReadRecord(f, &der);
  std::fclose(f);
  return ok;
}

void SaveFleet(const Fleet& fleet) {
  const std::string path = CachePath(fleet.leaves.size());
  const std::string partial = path + ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  if (f == nullptr) return;  // no cache: minted again next time
  bool ok = true;
  const auto write = [&](const std::string& der) {
    const uint32_t size = static_cast<uint32_t>(der.size());
    ok = ok && std::fwrite(&size, sizeof(size), 1, f) == 1 &&
         std::fwrite(der.data(), 1, der.size(), f) == der.size();
  };
  write(fleet.root);
  for (const std::string& der : fleet.sub_cas) write(der);
  for (const std::string& der : fleet.leaves) write(der);
  ok = (std::fclose(f) == 0) && ok;
  if (ok) std::rename(partial.c_str(), path.c_str());
}

Fleet MintFleet(size_t devices) {
  const absl::Time start = absl::Now();
  TestCertOptions root_options;
  root_options.common_name = "Fleet Bench Root";
  root_options.is_ca = true;
  root_options.not_after = absl::Now() + absl::Hours(24 * 365 * 5);
  const TestCert root = MintCertificate(root_options, nullptr);
  std::vector<TestCert> sub_cas;
  for (size_t k = 0; k < kSubCas; ++k) {
    TestCertOptions options = root_options;
    options.common_name = absl::StrCat("Fleet Bench Sub CA ", k);
    sub_cas.push_back(MintCertificate(options, &root));
  }
  Fleet fleet;
  fleet.root = root.der;
  for (const TestCert& c : sub_cas) fleet.sub_cas.push_back(c.der);
  // Distinct leaves (CN, serial, SHA-256), each signed by its sub-CA; they
  // share one key pair, which no chain check uses (LeafFactory).
  const TestKey leaf_key = TestKey::Generate(TestKeyType::kEcP256);
  std::vector<std::unique_ptr<LeafFactory>> factories;
  for (const TestCert& sub_ca : sub_cas) {
    factories.push_back(std::make_unique<LeafFactory>(
        sub_ca, leaf_key, "fleet-00000000", root_options.not_after));
  }
  fleet.leaves.resize(devices);
  const size_t threads =
      std::max<size_t>(1, std::thread::hardware_concurrency());
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      for (size_t i; (i = next.fetch_add(1)) < devices;) {
        fleet.leaves[i] = factories[i % kSubCas]->Make(
            absl::StrFormat("fleet-%08u", i), static_cast<uint32_t>(i), ctx);
      }
      EVP_MD_CTX_free(ctx);
    });
  }
  for (std::thread& t : pool) t.join();
  std::fprintf(stderr, "attest_bench: minted %zu devices in %.1f s\n", devices,
               absl::ToDoubleSeconds(absl::Now() - start));
  return fleet;
}

SnapshotPtr FleetSnapshot(const Fleet& fleet, size_t individuals) {
  EnrollmentSnapshot::Builder builder;
  builder.Reserve(individuals, 1);
  const std::string key = absl::Base64Escape(std::string(32, 'k'));
  for (size_t i = 0; i < individuals; ++i) {
    IndividualEnrollmentSpec spec;
    spec.registration_id = absl::StrCat("sym-", i);
    spec.kind = AttestationKind::kSymmetricKey;
    spec.primary_key = key;
    builder.AddIndividualEnrollment(std::move(spec));
  }
  EnrollmentGroupSpec group;
  group.group_id = "fleet-root";
  group.primary_certificate.text = absl::Base64Escape(fleet.root);
  builder.AddEnrollmentGroup(std::move(group));
  auto snapshot = std::move(builder).Build();
  if (!snapshot.ok()) Die(std::string(snapshot.status().message()));
  return *std::move(snapshot);
}

Attestation DeviceAttestation(const Fleet& fleet, size_t i) {
  Attestation a;
  a.chain = {fleet.leaves[i], fleet.sub_cas[i % kSubCas]};
  a.at = absl::Now();
  return a;
}

// Whether the fleet's certificates are still valid (a cached fleet whose
// certificates have expired is minted again).
bool Current(const Fleet& fleet) {
  Engine check;
  check.SetSnapshot(FleetSnapshot(fleet, 0));
  return check.Evaluate(DeviceAttestation(fleet, 0)).allowed();
}

FleetBenchOptions g_options;
// Every thread of a benchmark asks for its engine: the first one builds it.
std::mutex g_setup_mu;

// A fleet, minted or read once per process.
const Fleet& GetFleet(size_t devices) {
  static auto* fleets = new std::map<size_t, std::unique_ptr<Fleet>>();
  std::unique_ptr<Fleet>& fleet = (*fleets)[devices];
  if (fleet != nullptr) return *fleet;
  fleet = std::make_unique<Fleet>();
  if (!LoadFleet(devices, fleet.get())) fleet->leaves.clear();
  if (fleet->leaves.empty() || !Current(*fleet)) {
    *fleet = MintFleet(devices);
    SaveFleet(*fleet);
  }
  fleet->leaf_views.assign(fleet->leaves.begin(), fleet->leaves.end());
  return *fleet;
}

struct FleetEngine {
  explicit FleetEngine(const EngineOptions& options) : engine(options) {}
  Engine engine;
  // The timed orders, by Order (BM_AttestFleetBudget: kZipf only).
  std::vector<uint32_t> sequences[2];
  size_t warm_end = 0;  // where the timed loops start in a sequence
  double lfu_hit_ratio = 0;
};

// Attests sequence[begin, end) once with `evaluator`; false when a device
// is denied.
bool Attest(const Fleet& fleet, const std::vector<uint32_t>& sequence,
            size_t begin, size_t end, Evaluator* evaluator) {
  Decision decision;
  bool all_allowed = true;
  Attestation a = DeviceAttestation(fleet, 0);
  for (size_t i = begin; i < end; ++i) {
    a.chain[0] = fleet.leaves[sequence[i]];
    a.chain[1] = fleet.sub_cas[sequence[i] % kSubCas];
    evaluator->Evaluate(a, &decision);
    all_allowed &= decision.allowed();
  }
  return all_allowed;
}

// Attests every device once, on every core (an Evaluator each); false
// when a device is denied.
bool AttestAll(const Fleet& fleet, const Engine& engine) {
  const size_t devices = fleet.leaves.size();
  const size_t threads =
      std::max<size_t>(1, std::thread::hardware_concurrency());
  std::vector<uint32_t> all(devices);
  for (size_t i = 0; i < devices; ++i) all[i] = static_cast<uint32_t>(i);
  std::atomic<bool> ok{true};
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      if (!Attest(fleet, all, t * devices / threads,
                  (t + 1) * devices / threads, engine.NewEvaluator().get())) {
        ok = false;
      }
    });
  }
  for (std::thread& t : pool) t.join();
  return ok;
}

// The engine of BM_AttestFleet/devices/*: the store holds the fleet,
// warmed by one attestation of every device (both orders share it).
FleetEngine& GetFleetEngine(size_t devices) {
  std::lock_guard<std::mutex> lock(g_setup_mu);
  static auto* engines = new std::map<size_t, std::unique_ptr<FleetEngine>>();
  std::unique_ptr<FleetEngine>& e = (*engines)[devices];
  if (e != nullptr) return *e;
  const Fleet& fleet = GetFleet(devices);
  EngineOptions options;
  options.proof_store_bytes = ProofStore::BudgetFor(devices + kSubCas);
  e = std::make_unique<FleetEngine>(options);
  e->engine.SetSnapshot(FleetSnapshot(fleet, g_options.individuals));
  if (!AttestAll(fleet, e->engine)) Die("a fleet device is denied");
  for (Order order : {Order::kUniform, Order::kZipf}) {
    e->sequences[static_cast<int>(order)] =
        Sequence(devices, order, SequenceLength(devices));
  }
  return *e;
}

// The engine of BM_AttestFleetBudget/devices: a store of a tenth of the
// fleet, warmed by one pass of Zipf draws.
FleetEngine& GetBudgetEngine(size_t devices) {
  std::lock_guard<std::mutex> lock(g_setup_mu);
  static auto* engines = new std::map<size_t, std::unique_ptr<FleetEngine>>();
  std::unique_ptr<FleetEngine>& e = (*engines)[devices];
  if (e != nullptr) return *e;
  const Fleet& fleet = GetFleet(devices);
  EngineOptions options;
  options.signature_cache_capacity = 64;
  options.proof_store_bytes = (devices / 10) * ProofStore::kBytesPerSlot;
  e = std::make_unique<FleetEngine>(options);
  e->engine.SetSnapshot(FleetSnapshot(fleet, g_options.individuals));
  const size_t length = SequenceLength(devices);
  std::vector<uint32_t>& sequence =
      e->sequences[static_cast<int>(Order::kZipf)];
  sequence = Sequence(devices, Order::kZipf, 2 * length);
  e->warm_end = length;
  if (!Attest(fleet, sequence, 0, length, e->engine.NewEvaluator().get())) {
    Die("a fleet device is denied");
  }
  // The sub-CAs' own proofs hold kSubCas of the store's entries.
  const size_t capacity = e->engine.proof_store_stats().capacity;
  e->lfu_hit_ratio =
      Zipf(devices).TopShare(capacity > kSubCas ? capacity - kSubCas : 0);
  return *e;
}

// The timed loop shared by both: attests the sequence from warm_end on
// (each thread from its own offset), then sets the counters.
void RunFleet(benchmark::State& state, const Fleet& fleet, FleetEngine& e,
              size_t devices, Order order) {
  std::unique_ptr<Evaluator> evaluator = e.engine.NewEvaluator();
  const std::vector<uint32_t>& sequence = e.sequences[static_cast<int>(order)];
  const size_t span = sequence.size() - e.warm_end;
  size_t i = e.warm_end + (static_cast<size_t>(state.thread_index()) * span /
                           static_cast<size_t>(state.threads()));
  Decision decision;
  bool all_allowed = true;
  Attestation a = DeviceAttestation(fleet, 0);
  const CacheStats before = e.engine.proof_store_stats();
  if (before.capacity == 0) {
    state.SkipWithError("the budget is too small for a proof store");
    return;
  }
  // A front-end's device bytes arrive in cache (from its TLS layer), not
  // from a random place in a fleet of hundreds of megabytes: the leaves of
  // the next kStaged attestations are copied into one buffer, untimed, so
  // that the loop measures the engine rather than this array's DRAM and
  // TLB misses. The engine's own tables are not touched.
  constexpr size_t kStaged = 128;
  std::string staged;
  std::vector<absl::string_view> leaves(kStaged);
  std::vector<uint32_t> staged_devices(kStaged);
  size_t staged_next = kStaged;
  const auto stage = [&] {
    staged.clear();
    std::vector<size_t> offsets(kStaged);
    for (size_t k = 0; k < kStaged; ++k) {
      staged_devices[k] = sequence[i];
      i = i + 1 == sequence.size() ? e.warm_end : i + 1;
      offsets[k] = staged.size();
      staged.append(fleet.leaf_views[staged_devices[k]].data(),
                    fleet.leaf_views[staged_devices[k]].size());
    }
    for (size_t k = 0; k < kStaged; ++k) {
      leaves[k] = absl::string_view(staged.data() + offsets[k],
                                    fleet.leaf_views[staged_devices[k]].size());
    }
    staged_next = 0;
  };
  for (auto _ : state) {
    if (staged_next == kStaged) {
      state.PauseTiming();
      stage();
      state.ResumeTiming();
    }
    const uint32_t device = staged_devices[staged_next];
    a.chain[0] = leaves[staged_next];
    a.chain[1] = fleet.sub_cas[device % kSubCas];
    ++staged_next;
    evaluator->Evaluate(a, &decision);
    all_allowed &= decision.allowed();
  }
  if (!all_allowed) state.SkipWithError(RenderText(decision).c_str());
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() != 0) return;
  const CacheStats after = e.engine.proof_store_stats();
  // Each store miss is a signature verified (the Evaluators look in the
  // store only when their own cache misses).
  const double attestations =
      static_cast<double>(state.iterations()) * state.threads();
  state.counters["hit_ratio"] =
      1.0 - static_cast<double>(after.misses - before.misses) /
                std::max(1.0, attestations);
  state.counters["cache_bytes_per_device"] =
      static_cast<double>(after.bytes) / static_cast<double>(devices);
  state.counters["store_evictions"] =
      static_cast<double>(after.evictions - before.evictions);
}

void BM_AttestFleet(benchmark::State& state, size_t devices, Order order) {
  FleetEngine& e = GetFleetEngine(devices);
  RunFleet(state, GetFleet(devices), e, devices, order);
}

void BM_AttestFleetBudget(benchmark::State& state, size_t devices) {
  FleetEngine& e = GetBudgetEngine(devices);
  RunFleet(state, GetFleet(devices), e, devices, Order::kZipf);
  if (state.thread_index() == 0) {
    state.counters["lfu_hit_ratio"] = e.lfu_hit_ratio;
  }
}

// ---- The store alone ----

Sha256Digest SyntheticDigest(uint64_t n) {
  Sha256Digest d;
  uint64_t state = n * 0x9E3779B97F4A7C15ull + 12345;
  for (size_t i = 0; i < d.size(); i += 8) {
    uint64_t v = (state += 0x9E3779B97F4A7C15ull);  // splitmix64
    v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
    v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
    v ^= v >> 31;
    for (size_t j = 0; j < 8; ++j)
      d[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  return d;
}

void BM_ProofStoreBudget(benchmark::State& state, size_t keys) {
  std::vector<Sha256Digest> digests(keys);
  for (size_t k = 0; k < keys; ++k) digests[k] = SyntheticDigest(k);
  const Sha256Digest issuer = SyntheticDigest(~uint64_t{0});
  ProofStore store((keys / 10) * ProofStore::kBytesPerSlot);
  const std::vector<uint32_t> sequence =
      Sequence(keys, Order::kZipf, 2 * SequenceLength(keys));
  const size_t warm = sequence.size() / 2;
  const auto access = [&](size_t i) {
    const Sha256Digest& child = digests[sequence[i]];
    if (store.Contains(child, issuer)) return;
    store.Insert(child, issuer);  // as if verified
  };
  for (size_t i = 0; i < warm; ++i) access(i);
  const CacheStats before = store.stats();
  size_t i = warm;
  for (auto _ : state) {
    access(i);
    if (++i == sequence.size()) i = warm;
  }
  const CacheStats after = store.stats();
  const double lookups = static_cast<double>((after.hits + after.misses) -
                                             (before.hits + before.misses));
  state.counters["hit_ratio"] =
      static_cast<double>(after.hits - before.hits) / std::max(1.0, lookups);
  state.counters["lfu_hit_ratio"] = Zipf(keys).TopShare(store.capacity());
  state.counters["bytes_per_entry"] =
      static_cast<double>(after.bytes) / static_cast<double>(after.size);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

void RegisterFleetBenchmarks(const FleetBenchOptions& options) {
  g_options = options;
  for (size_t devices : options.devices) {
    for (Order order : {Order::kUniform, Order::kZipf}) {
      for (int threads : {1, 2}) {
        benchmark::RegisterBenchmark(
            absl::StrCat("BM_AttestFleet/", devices, "/", OrderName(order))
                .c_str(),
            BM_AttestFleet, devices, order)
            ->UseRealTime()
            ->Threads(threads);
      }
    }
  }
  if (options.budget_devices > 0) {
    benchmark::RegisterBenchmark(
        absl::StrCat("BM_AttestFleetBudget/", options.budget_devices).c_str(),
        BM_AttestFleetBudget, options.budget_devices)
        ->UseRealTime();
  }
  if (options.store_keys > 0) {
    benchmark::RegisterBenchmark(
        absl::StrCat("BM_ProofStoreBudget/", options.store_keys).c_str(),
        BM_ProofStoreBudget, options.store_keys)
        ->UseRealTime();
  }
}

}  // namespace chaintrust
