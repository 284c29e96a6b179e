// Attestations per second through the engine.
//
// BM_AttestWarm: a device whose exact 3-certificate ECDSA chain (leaf,
// intermediate, root; the root is an enrollment group's certificate) was
// verified before. The per-thread Evaluator and the Decision are reused; the
// policy is still resolved against the snapshot (1,000,000 individual
// enrollments, none of them this device, + 100 groups) and the explanation
// is still produced.
// BM_AttestWarmWithCrl/<n>: BM_AttestWarm with CRLs loaded for the root
// and the intermediate, n revoked serials each (none of this chain's), so
// the leaf and the intermediate are each checked against a CRL; the
// overhead per checked certificate is (WithCrl - Warm) / 2.
// BM_CrlLoad/<n>: parsing one DER CRL of n revoked serials (Crl::Create).
// BM_AttestCold/{ecdsa,rsa}: never-seen leaves under a known intermediate
// (ECDSA P-256 or RSA-2048 signing the leaf). A pool of distinct leaves is
// minted outside the timed loop and cycled through; the cold engine's
// caches hold 16 entries, far fewer than the pool, so every leaf misses
// while the intermediate and root stay cached.
// BM_LeafSignatureVerify/{ecdsa,rsa}: the floor of a cold attestation, one
// EVP_DigestVerify of a leaf's TBS with the issuer's EVP_PKEY preloaded.
// BM_OpenSslVerifyCertBaseline: d2i_X509 of the three certificates and
// X509_verify_cert against a store trusting the root, as a user without
// chaintrust would write it. These two and BM_LeafSignatureVerifyPrepared
// are in bench/attest_bench_verify.cc.
// BM_AttestFleet, BM_AttestFleetBudget, BM_ProofStoreBudget: many distinct
// devices through one Engine's shared proof store; see
// bench/attest_bench_fleet.cc.
// BM_SnapshotBuild/<n>: building a snapshot of n individual enrollments
// (half symmetric-key, half X.509 with certificate bodies, each distinct)
// + 100 groups; the specs are copied outside the timing.
//
// Flags (before the benchmark flags; the smoke test makes them small):
//   --attest_individuals=N  individual enrollments in the warm/cold snapshot
//   --attest_build_max=N    largest BM_SnapshotBuild and BM_LoadDpsJson size
//   --attest_pool=N         distinct cold leaves per algorithm (>= 64)
//   --attest_crl_max=N      largest CRL of the CRL benchmarks (powers of 10
//                           from 1,000)
//   --attest_fleet=N        devices of BM_AttestFleet (0: none)
//   --attest_fleet_budget=N devices of BM_AttestFleetBudget (0: none)
//   --attest_store_keys=N   keys of BM_ProofStoreBudget (0: none)
//   --attest_profile=resident  no benchmarks: builds a snapshot of
//                           --attest_individuals enrollments from specs made
//                           straight into the builder and prints its
//                           resident size once the inputs are freed
#include "bench/attest_bench.h"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/attest_bench_fleet.h"
#include "bench/attest_bench_load.h"
#include "benchmark/benchmark.h"
#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/certificate.h"
#include "engine/x509/crl.h"
#include "engine/x509/test_certs.h"
#include "engine/x509/test_crl.h"
#include "tools/cli/cli.h"

namespace chaintrust {
namespace {

using attest_bench::Alg;
using attest_bench::Die;
using attest_bench::GetWorld;
using attest_bench::World;
using internal::MintCertificate;
using internal::TestCert;
using internal::TestCertOptions;
using internal::TestKey;
using internal::TestKeyType;

size_t g_individuals = 1000000;
size_t g_build_max = 1000000;
size_t g_pool = 1024;
size_t g_crl_max = 1000000;
size_t g_fleet = 100000;
size_t g_fleet_budget = 100000;
size_t g_store_keys = 1000000;
constexpr int kGroups = 100;

double PeakRssBytes() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024;
}

// ---- Enrollment specs ----

// Individual enrollment i: even positions X.509 with a distinct certificate
// body, odd positions symmetric-key. The bodies are one minted template
// with the serial number rewritten (the builder parses and hashes bodies; it
// does not check their signatures), so a million cost seconds, not the
// hours of signing each.
class SpecMaker {
 public:
  SpecMaker() {
    TestCertOptions options;
    options.common_name = "template-device";
    options.serial = 0x0102030405060708;
    der_ = MintCertificate(options, nullptr).der;
    auto parsed = Certificate::Create(der_);
    if (!parsed.ok()) Die("template does not parse");
    serial_end_ = static_cast<size_t>((*parsed)->serial_number().data() +
                                      (*parsed)->serial_number().size() -
                                      (*parsed)->der().data());
  }

  IndividualEnrollmentSpec Make(size_t i) {
    IndividualEnrollmentSpec spec;
    spec.registration_id = absl::StrCat("dev-", i);
    if (i % 2 == 0) {
      spec.kind = AttestationKind::kX509;
      const uint32_t v = static_cast<uint32_t>(i);
      for (int b = 0; b < 4; ++b) {
        der_[serial_end_ - 1 - b] = static_cast<char>((v >> (8 * b)) & 0xff);
      }
      spec.primary_certificate.text = absl::Base64Escape(der_);
    } else {
      spec.kind = AttestationKind::kSymmetricKey;
      spec.primary_key = symmetric_key_;
    }
    return spec;
  }

 private:
  std::string der_;
  size_t serial_end_ = 0;
  const std::string symmetric_key_ = absl::Base64Escape(std::string(32, 'k'));
};

const std::vector<IndividualEnrollmentSpec>& IndividualSpecs(size_t n) {
  static auto* specs = new std::vector<IndividualEnrollmentSpec>();
  if (specs->size() >= n) return *specs;
  SpecMaker maker;
  specs->reserve(n);
  for (size_t i = specs->size(); i < n; ++i) {
    specs->push_back(maker.Make(i));
  }
  return *specs;
}

// ---- The PKI ----

TestCert MintRsaIntermediate(const TestCert& root) {
  TestCertOptions rsa;
  rsa.common_name = "Bench RSA CA";
  rsa.is_ca = true;
  rsa.key_type = TestKeyType::kRsa2048;
  return MintCertificate(rsa, &root);
}

}  // namespace

namespace attest_bench {

World::World()
    : root(internal::MintRoot("Bench Root")),
      intermediate_ec(internal::MintIntermediate("Bench EC CA", root)),
      intermediate_rsa(MintRsaIntermediate(root)),
      warm_leaf(internal::MintLeaf("warm-device", intermediate_ec)) {}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "attest_bench: %s\n", message.c_str());
  std::abort();
}

const World& GetWorld() {
  static const World* world = [] {
    auto* w = new World;
    for (int g = 1; g < kGroups; ++g) {
      w->other_roots.push_back(internal::MintRoot(absl::StrCat("Other ", g)));
    }
    // Cold leaves share one key (its own key is never used to verify).
    TestCertOptions leaf;
    leaf.key = TestKey::Generate(TestKeyType::kEcP256);
    for (size_t i = 0; i < g_pool; ++i) {
      leaf.common_name = absl::StrCat("cold-ec-", i);
      w->cold_ec.push_back(MintCertificate(leaf, &w->intermediate_ec).der);
      leaf.common_name = absl::StrCat("cold-rsa-", i);
      w->cold_rsa.push_back(MintCertificate(leaf, &w->intermediate_rsa).der);
    }
    return w;
  }();
  return *world;
}

}  // namespace attest_bench

namespace {

void AddGroups(EnrollmentSnapshot::Builder* builder) {
  const World& w = GetWorld();
  for (int g = 0; g < kGroups; ++g) {
    EnrollmentGroupSpec spec;
    spec.group_id = absl::StrCat("group-", g);
    spec.kind = AttestationKind::kX509;
    spec.primary_certificate.text =
        g == 0 ? w.root.Base64Der() : w.other_roots[g - 1].Base64Der();
    builder->AddEnrollmentGroup(std::move(spec));
  }
}

SnapshotPtr BuildSnapshot(std::vector<IndividualEnrollmentSpec> specs) {
  EnrollmentSnapshot::Builder builder;
  builder.Reserve(specs.size(), kGroups);
  for (IndividualEnrollmentSpec& spec : specs) {
    builder.AddIndividualEnrollment(std::move(spec));
  }
  AddGroups(&builder);
  auto snapshot = std::move(builder).Build();
  if (!snapshot.ok()) Die(std::string(snapshot.status().message()));
  return *std::move(snapshot);
}

// The large snapshot, built once for the process.
const SnapshotPtr& SharedSnapshot() {
  static const SnapshotPtr* snapshot = [] {
    const auto& all = IndividualSpecs(g_individuals);
    return new SnapshotPtr(BuildSnapshot(std::vector<IndividualEnrollmentSpec>(
        all.begin(), all.begin() + g_individuals)));
  }();
  return *snapshot;
}

Engine& WarmEngine() {
  static Engine* engine = [] {
    auto* e = new Engine();
    e->SetSnapshot(SharedSnapshot());
    return e;
  }();
  return *engine;
}

Engine& ColdEngine() {
  static Engine* engine = [] {
    EngineOptions options;
    options.certificate_cache_capacity = 16;
    options.signature_cache_capacity = 16;
    // Never-seen leaves: no shared store would remember the pool either.
    options.proof_store_bytes = 0;
    auto* e = new Engine(options);
    e->SetSnapshot(SharedSnapshot());
    return e;
  }();
  return *engine;
}

void SetSnapshotCounters(benchmark::State& state, const EnrollmentSnapshot& s,
                         size_t individuals) {
  state.counters["snapshot_bytes_per_individual"] =
      static_cast<double>(s.MemoryUsage()) /
      static_cast<double>(individuals == 0 ? 1 : individuals);
  state.counters["peak_rss_bytes"] = PeakRssBytes();
}

// ---- Benchmarks ----

void BM_AttestWarm(benchmark::State& state) {
  const World& w = GetWorld();
  Engine& engine = WarmEngine();
  std::unique_ptr<Evaluator> evaluator = engine.NewEvaluator();
  Attestation a;
  a.chain = {w.warm_leaf.der, w.intermediate_ec.der, w.root.der};
  a.at = absl::Now();
  Decision decision;
  evaluator->Evaluate(a, &decision);
  if (decision.reason() != Reason::kEnrollmentGroupEnabled) {
    state.SkipWithError(RenderText(decision).c_str());
    return;
  }
  for (auto _ : state) {
    evaluator->Evaluate(a, &decision);
    benchmark::DoNotOptimize(decision.explanation().size());
  }
  if (!decision.allowed()) state.SkipWithError("not allowed");
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    SetSnapshotCounters(state, *engine.snapshot(), g_individuals);
  }
}
BENCHMARK(BM_AttestWarm)->UseRealTime();
BENCHMARK(BM_AttestWarm)->UseRealTime()->Threads(2);

// A DER CRL by `issuer` revoking serials 1..n (cached per issuer and n).
const std::string& BenchCrl(const TestCert& issuer, size_t n) {
  static auto* crls = new std::map<std::pair<std::string, size_t>, std::string>;
  std::string& der = (*crls)[{issuer.der, n}];
  if (der.empty()) {
    internal::TestCrlOptions options;
    for (size_t i = 1; i <= n; ++i) options.revoked_serials.push_back(i);
    der = internal::MintCrl(options, issuer);
  }
  return der;
}

void BM_AttestWarmWithCrl(benchmark::State& state) {
  const World& w = GetWorld();
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<CrlPtr> crls;
  for (const TestCert* issuer : {&w.root, &w.intermediate_ec}) {
    auto crl = Crl::Create(BenchCrl(*issuer, n), "bench.crl");
    if (!crl.ok()) Die(std::string(crl.status().message()));
    crls.push_back(*std::move(crl));
  }
  Engine engine;
  engine.SetPolicy(SharedSnapshot(),
                   std::make_shared<const CrlSet>(std::move(crls)));
  std::unique_ptr<Evaluator> evaluator = engine.NewEvaluator();
  Attestation a;
  a.chain = {w.warm_leaf.der, w.intermediate_ec.der, w.root.der};
  a.at = absl::Now();
  Decision decision;
  evaluator->Evaluate(a, &decision);
  bool checked = false;
  for (const ExplanationStep& s : decision.explanation()) {
    checked |= s.step == StepId::kCheckRevocation;
  }
  if (!decision.allowed() || !checked) {
    state.SkipWithError(RenderText(decision).c_str());
    return;
  }
  for (auto _ : state) {
    evaluator->Evaluate(a, &decision);
    benchmark::DoNotOptimize(decision.explanation().size());
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CrlLoad(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::string& der = BenchCrl(GetWorld().intermediate_ec, n);
  for (auto _ : state) {
    auto crl = Crl::Create(der, "bench.crl");
    if (!crl.ok() || (*crl)->revoked_count() != n) {
      state.SkipWithError("the CRL does not load");
      return;
    }
    benchmark::DoNotOptimize(crl->get());
  }
  state.counters["serials"] = static_cast<double>(n);
  state.counters["crl_bytes"] = static_cast<double>(der.size());
}

// Warm attestation of a chain of `depth` certificates: leaf, depth - 2
// intermediates, and a root that is group 0's certificate (so the walk
// looks up every certificate of the chain before the deciding one).
void BM_AttestWarmDepth(benchmark::State& state) {
  const World& w = GetWorld();
  const int depth = static_cast<int>(state.range(0));
  std::vector<TestCert> cas = {w.root};
  for (int k = 0; k < depth - 2; ++k) {
    cas.push_back(
        internal::MintIntermediate(absl::StrCat("Depth CA ", k), cas.back()));
  }
  const TestCert leaf = internal::MintLeaf("depth-device", cas.back());
  Attestation a;
  a.chain.push_back(leaf.der);
  for (size_t k = cas.size(); k-- > 0;) a.chain.push_back(cas[k].der);
  a.at = absl::Now();
  std::unique_ptr<Evaluator> evaluator = WarmEngine().NewEvaluator();
  Decision decision;
  evaluator->Evaluate(a, &decision);
  if (decision.reason() != Reason::kEnrollmentGroupEnabled) {
    state.SkipWithError(RenderText(decision).c_str());
    return;
  }
  for (auto _ : state) {
    evaluator->Evaluate(a, &decision);
    benchmark::DoNotOptimize(decision.explanation().size());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AttestWarmDepth)->DenseRange(2, 6)->UseRealTime();

void BM_AttestCold(benchmark::State& state, Alg alg) {
  const World& w = GetWorld();
  const std::vector<std::string>& pool = w.cold_pool(alg);
  const std::string& intermediate = w.cold_issuer(alg);
  std::unique_ptr<Evaluator> evaluator = ColdEngine().NewEvaluator();
  Attestation a;
  a.chain = {pool[0], intermediate, w.root.der};
  a.at = absl::Now();
  Decision decision;
  size_t i = static_cast<size_t>(state.thread_index()) * 7;
  bool all_allowed = true;
  for (auto _ : state) {
    a.chain[0] = pool[i];
    if (++i == pool.size()) i = 0;
    evaluator->Evaluate(a, &decision);
    all_allowed &= decision.allowed();
  }
  if (!all_allowed) state.SkipWithError(RenderText(decision).c_str());
  const CacheStats stats = evaluator->certificate_cache_stats();
  state.counters["cert_cache_misses_per_item"] =
      static_cast<double>(stats.misses) /
      static_cast<double>(state.iterations() == 0 ? 1 : state.iterations());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_AttestCold, ecdsa, Alg::kEcdsa)->UseRealTime();
BENCHMARK_CAPTURE(BM_AttestCold, rsa, Alg::kRsa)->UseRealTime();
BENCHMARK_CAPTURE(BM_AttestCold, ecdsa, Alg::kEcdsa)->UseRealTime()->Threads(2);
BENCHMARK_CAPTURE(BM_AttestCold, rsa, Alg::kRsa)->UseRealTime()->Threads(2);

void BM_SnapshotBuild(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const auto& all = IndividualSpecs(n);
  GetWorld();
  size_t bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<IndividualEnrollmentSpec> specs(all.begin(), all.begin() + n);
    state.ResumeTiming();
    SnapshotPtr snapshot = BuildSnapshot(std::move(specs));
    state.PauseTiming();
    bytes = snapshot->MemoryUsage();
    snapshot.reset();
    state.ResumeTiming();
  }
  state.counters["snapshot_bytes_per_individual"] =
      static_cast<double>(bytes) / static_cast<double>(n);
  state.counters["peak_rss_bytes"] = PeakRssBytes();
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}

// --attest_profile=warm|ecdsa|rsa with --attest_profile_n=N: runs N
// evaluations in ProfileLoop (and nothing else) for
// `valgrind --tool=callgrind --toggle-collect='*ProfileLoop*'`: instruction
// counts per attestation, stable on a noisy machine. "warm" repeats the warm
// chain; "ecdsa"/"rsa" cycle through the cold pool.
size_t g_profile_n = 10000;

__attribute__((noinline)) bool ProfileLoop(Evaluator& evaluator, Attestation& a,
                                           const std::vector<std::string>* pool,
                                           Decision* decision) {
  bool all_allowed = true;
  size_t j = 0;
  for (size_t i = 0; i < g_profile_n; ++i) {
    if (pool != nullptr) {
      a.chain[0] = (*pool)[j];
      if (++j == pool->size()) j = 0;
    }
    evaluator.Evaluate(a, decision);
    all_allowed &= decision->allowed();
  }
  return all_allowed;
}

int RunProfile(absl::string_view mode) {
  const World& w = GetWorld();
  const bool warm = mode == "warm";
  const std::vector<std::string>* pool =
      warm ? nullptr : (mode == "rsa" ? &w.cold_rsa : &w.cold_ec);
  std::unique_ptr<Evaluator> evaluator =
      (warm ? WarmEngine() : ColdEngine()).NewEvaluator();
  Attestation a;
  a.chain = {w.warm_leaf.der,
             mode == "rsa" ? w.intermediate_rsa.der : w.intermediate_ec.der,
             w.root.der};
  a.at = absl::Now();
  Decision decision;
  evaluator->Evaluate(a, &decision);  // warms the caches
  const bool ok = ProfileLoop(*evaluator, a, pool, &decision);
  const CacheStats certs = evaluator->certificate_cache_stats();
  const CacheStats sigs = evaluator->signature_cache_stats();
  std::printf(
      "profile %s: %zu evaluations, all allowed: %s; certificate cache "
      "hits %llu misses %llu; signature cache hits %llu misses %llu\n",
      std::string(mode).c_str(), g_profile_n, ok ? "yes" : "no",
      static_cast<unsigned long long>(certs.hits),
      static_cast<unsigned long long>(certs.misses),
      static_cast<unsigned long long>(sigs.hits),
      static_cast<unsigned long long>(sigs.misses));
  return ok ? 0 : 1;
}

// Resident size of a snapshot of --attest_individuals enrollments (+100
// groups) once its inputs are gone: the specs are made straight into the
// builder, Build() consumes them, freed memory is returned to the system
// (malloc_trim), and the process's resident set is read from /proc.
double ResidentBytes() {
  long pages = 0, resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr || std::fscanf(f, "%ld %ld", &pages, &resident) != 2) {
    Die("cannot read /proc/self/statm");
  }
  std::fclose(f);
  return static_cast<double>(resident) * sysconf(_SC_PAGESIZE);
}

int RunResident() {
  const double before = ResidentBytes();
  const absl::Time start = absl::Now();
  SnapshotPtr snapshot;
  {
    EnrollmentSnapshot::Builder builder;
    builder.Reserve(g_individuals, kGroups);
    SpecMaker maker;
    for (size_t i = 0; i < g_individuals; ++i) {
      builder.AddIndividualEnrollment(maker.Make(i));
    }
    AddGroups(&builder);
    auto built = std::move(builder).Build();
    if (!built.ok()) Die(std::string(built.status().message()));
    snapshot = *std::move(built);
  }
  const absl::Duration took = absl::Now() - start;
  malloc_trim(0);
  const double after = ResidentBytes();
  std::printf(
      "resident: %zu individual enrollments + %d groups; built in %.1f s; "
      "MemoryUsage %.0f MiB (%.0f B/enrollment); process resident %.0f MiB "
      "before, %.0f MiB after (%.0f MiB = %.0f B/enrollment for the "
      "snapshot); peak RSS while building %.0f MiB\n",
      g_individuals, kGroups, absl::ToDoubleSeconds(took),
      snapshot->MemoryUsage() / 1048576.0,
      static_cast<double>(snapshot->MemoryUsage()) / g_individuals,
      before / 1048576.0, after / 1048576.0, (after - before) / 1048576.0,
      (after - before) / g_individuals, PeakRssBytes() / 1048576.0);
  return 0;
}

// This benchmark's own flags, parsed by the command line's parser. Google
// Benchmark reads the rest of argv, so the two are told apart by prefix:
// every flag here starts with --attest_ and is given as --name=value.
const cli::CommandSpec kAttestBench = {
    "attest_bench",
    "  attest_bench [--attest_individuals=N] [--attest_build_max=N]\n"
    "               [--attest_pool=N] [--attest_profile=NAME]\n"
    "               [--attest_profile_n=N] [--attest_crl_max=N]\n"
    "               [--attest_fleet=N] [--attest_fleet_budget=N]\n"
    "               [--attest_store_keys=N] [--benchmark_...]\n",
    {"attest_individuals", "attest_build_max", "attest_pool", "attest_profile",
     "attest_profile_n", "attest_crl_max", "attest_fleet",
     "attest_fleet_budget", "attest_store_keys"}};

// Takes the --attest_ flags out of argv (leaving Google Benchmark's) and
// sets the globals; returns --attest_profile, or exits on a usage error.
std::string TakeFlags(int* argc, char** argv) {
  std::vector<std::string> ours;
  int kept = 1;
  for (int i = 1; i < *argc; ++i) {
    if (absl::StartsWith(argv[i], "--attest_") ||
        absl::string_view(argv[i]) == "--help") {
      ours.push_back(argv[i]);
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  int exit_status = 0;
  auto flags = cli::ParseArgs(kAttestBench, ours, &exit_status);
  if (!flags) std::exit(exit_status);
  for (auto [name, value] : std::vector<std::pair<const char*, size_t*>>{
           {"attest_individuals", &g_individuals},
           {"attest_build_max", &g_build_max},
           {"attest_pool", &g_pool},
           {"attest_profile_n", &g_profile_n},
           {"attest_crl_max", &g_crl_max},
           {"attest_fleet", &g_fleet},
           {"attest_fleet_budget", &g_fleet_budget},
           {"attest_store_keys", &g_store_keys}}) {
    auto n = cli::IntFlag(*flags, name, 0, std::numeric_limits<int64_t>::max(),
                          static_cast<int64_t>(*value));
    if (!n.ok()) std::exit(cli::Fail(kAttestBench.name, n.status().message()));
    *value = static_cast<size_t>(*n);
  }
  return flags->Get("attest_profile");
}

}  // namespace
}  // namespace chaintrust

int main(int argc, char** argv) {
  const std::string profile = chaintrust::TakeFlags(&argc, argv);
  if (chaintrust::g_pool < 64) chaintrust::g_pool = 64;
  if (profile == "resident") return chaintrust::RunResident();
  if (!profile.empty()) return chaintrust::RunProfile(profile);
  auto* build = benchmark::RegisterBenchmark("BM_SnapshotBuild",
                                             chaintrust::BM_SnapshotBuild);
  build->Unit(benchmark::kMillisecond)->UseRealTime();
  for (size_t n = 1000; n <= chaintrust::g_build_max; n *= 10) {
    build->Arg(static_cast<int64_t>(n));
  }
  auto* with_crl = benchmark::RegisterBenchmark(
      "BM_AttestWarmWithCrl", chaintrust::BM_AttestWarmWithCrl);
  auto* crl_load =
      benchmark::RegisterBenchmark("BM_CrlLoad", chaintrust::BM_CrlLoad);
  with_crl->UseRealTime();
  crl_load->Unit(benchmark::kMillisecond)->UseRealTime();
  for (size_t n = 1000; n <= chaintrust::g_crl_max; n *= 1000) {
    with_crl->Arg(static_cast<int64_t>(n));
    crl_load->Arg(static_cast<int64_t>(n));
  }
  chaintrust::FleetBenchOptions fleet;
  if (chaintrust::g_fleet > 0) fleet.devices.push_back(chaintrust::g_fleet);
  fleet.budget_devices = chaintrust::g_fleet_budget;
  fleet.store_keys = chaintrust::g_store_keys;
  fleet.individuals = chaintrust::g_individuals;
  chaintrust::RegisterFleetBenchmarks(fleet);
  chaintrust::RegisterLoadBenchmarks(chaintrust::g_build_max);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
