// End-to-end attestation over a fleet written by //bench:fleet_gen:
// loads the policy and the device corpus, then attests
//   - warm: >= --warm_attestations (default 10,000,000) attestations cycling
//     over the first --warm_devices devices (default 16,384, within one
//     Evaluator's default certificate cache), after one pass that makes
//     them known;
//   - cold: >= --cold_attestations (default 1,000,000) attestations of
//     devices the evaluating Evaluator has never seen (devices after the
//     warm set, each once per Evaluator; a new Evaluator per pass);
// and prints throughput (wall and CPU), verdict counts and peak RSS.
//
//   bazel run -c opt //bench:fleet_gen -- --devices=1000000 --out=/tmp/fleet
//   bazel run -c opt //bench:attest_e2e -- --fleet=/tmp/fleet
//
// Every device of a fleet_gen fleet is enrolled (through its intermediate's
// group or its individual enrollment): any DENY is reported and fails.
#include <sys/resource.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/internal/json.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy_loader.h"
#include "engine/x509/certificate.h"
#include "tools/cli/cli.h"

namespace chaintrust {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "attest_e2e: %s\n", message.c_str());
  std::exit(1);
}

double PeakRssMb() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024;
}

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * ts.tv_nsec;
}

// Device chains as DER, the CA certificates shared: a device's chain is its
// leaf plus indexes into `cas`.
struct Corpus {
  std::vector<std::string> leaves;
  std::vector<std::vector<uint32_t>> ca_indexes;
  std::vector<std::string> cas;
};

Corpus LoadCorpus(const std::string& path, size_t max_devices) {
  std::ifstream in(path);
  if (!in) Die(absl::StrCat("cannot read ", path));
  Corpus corpus;
  std::map<std::string, uint32_t> ca_index;
  std::string line;
  size_t line_number = 0;
  while (corpus.leaves.size() < max_devices && std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    // fleet_gen's records: {"id":"...","chain":"<PEM>"}.
    auto record = internal::ParseJson(line);
    const internal::JsonValue* chain =
        record.ok() && record->is_object() ? record->Find("chain") : nullptr;
    if (chain == nullptr || !chain->is_string()) {
      Die(absl::StrCat(path, ":", line_number,
                       ": not an object with a \"chain\" string",
                       record.ok() ? "" : ": ",
                       record.ok() ? "" : record.status().message()));
    }
    const std::string& pem = chain->string_value();
    auto ders = PemToDer(pem);
    if (!ders.ok() || ders->empty()) {
      Die(absl::StrCat(path, ":", line_number, ": bad chain"));
    }
    corpus.leaves.push_back(std::move((*ders)[0]));
    std::vector<uint32_t> cas;
    for (size_t k = 1; k < ders->size(); ++k) {
      auto [it, inserted] = ca_index.emplace(
          (*ders)[k], static_cast<uint32_t>(corpus.cas.size()));
      if (inserted) corpus.cas.push_back((*ders)[k]);
      cas.push_back(it->second);
    }
    corpus.ca_indexes.push_back(std::move(cas));
  }
  return corpus;
}

struct Tally {
  size_t attestations = 0;
  size_t allowed = 0;
  std::map<std::string, size_t> reasons;
  std::string first_deny;
};

void Attest(Evaluator& evaluator, const Corpus& corpus, size_t device,
            absl::Time at, Attestation* a, Decision* decision, Tally* tally) {
  a->chain.clear();
  a->chain.push_back(corpus.leaves[device]);
  for (uint32_t k : corpus.ca_indexes[device])
    a->chain.push_back(corpus.cas[k]);
  a->at = at;
  evaluator.Evaluate(*a, decision);
  ++tally->attestations;
  if (decision->allowed()) {
    ++tally->allowed;
  } else if (tally->first_deny.empty()) {
    tally->first_deny = RenderText(*decision);
  }
  ++tally->reasons[std::string(ReasonName(decision->reason()))];
}

void Report(const char* phase, const Tally& tally, double wall, double cpu) {
  std::printf(
      "%-5s %12zu attestations  %8.3f s wall  %8.3f s CPU  %12.0f /s wall  "
      "%12.0f /s CPU  %8.1f ns/attestation (CPU)\n",
      phase, tally.attestations, wall, cpu, tally.attestations / wall,
      tally.attestations / cpu, 1e9 * cpu / tally.attestations);
  std::printf("      verdicts:");
  for (const auto& [reason, count] : tally.reasons) {
    std::printf(" %s=%zu", reason.c_str(), count);
  }
  std::printf("\n");
}

const cli::CommandSpec kAttestE2e = {
    "attest_e2e",
    "  attest_e2e --fleet=DIR [--warm_attestations=N] "
    "[--cold_attestations=N]\n"
    "             [--warm_devices=N] [--max_devices=N]\n",
    {"fleet", "warm_attestations", "cold_attestations", "warm_devices",
     "max_devices"}};

int Main(int argc, char** argv) {
  int exit_status = 0;
  auto flags = cli::ParseArgs(kAttestE2e,
                              std::vector<std::string>(argv + 1, argv + argc),
                              &exit_status);
  if (!flags) return exit_status;
  const std::string fleet = flags->Get("fleet");
  size_t warm_attestations = 10000000;
  size_t cold_attestations = 1000000;
  size_t warm_devices = 16384;
  size_t max_devices = std::numeric_limits<int64_t>::max();
  for (auto [name, value] : std::vector<std::pair<const char*, size_t*>>{
           {"warm_attestations", &warm_attestations},
           {"cold_attestations", &cold_attestations},
           {"warm_devices", &warm_devices},
           {"max_devices", &max_devices}}) {
    auto n = cli::IntFlag(*flags, name, 0, std::numeric_limits<int64_t>::max(),
                          static_cast<int64_t>(*value));
    if (!n.ok()) return cli::Fail(kAttestE2e.name, n.status().message());
    *value = static_cast<size_t>(*n);
  }
  if (fleet.empty()) Die("--fleet=DIR (written by fleet_gen) is required");

  absl::Time t = absl::Now();
  auto snapshot = LoadSnapshotFile(fleet + "/policy.json");
  if (!snapshot.ok()) Die(std::string(snapshot.status().message()));
  const double policy_s = absl::ToDoubleSeconds(absl::Now() - t);
  const size_t individuals = (*snapshot)->individual_enrollments().size();
  std::printf(
      "policy: %zu individual enrollments, %zu groups, loaded and built in "
      "%.2f s; snapshot %.1f MB (%.0f bytes per individual enrollment); "
      "peak RSS so far %.0f MB\n",
      individuals, (*snapshot)->enrollment_groups().size(), policy_s,
      static_cast<double>((*snapshot)->MemoryUsage()) / 1e6,
      individuals == 0 ? 0.0
                       : static_cast<double>((*snapshot)->MemoryUsage()) /
                             static_cast<double>(individuals),
      PeakRssMb());

  t = absl::Now();
  const Corpus corpus = LoadCorpus(fleet + "/devices.jsonl", max_devices);
  const size_t n = corpus.leaves.size();
  std::printf("corpus: %zu devices, %zu CA certificates, read in %.2f s\n", n,
              corpus.cas.size(), absl::ToDoubleSeconds(absl::Now() - t));
  if (n == 0) Die("no devices");
  if (warm_devices > n) warm_devices = n;

  Engine engine;
  engine.SetSnapshot(*snapshot);
  const absl::Time at = absl::Now();
  Attestation a;
  Decision decision;
  bool ok = true;

  // Warm: make the warm set known (cold for its leaves), then cycle.
  {
    std::unique_ptr<Evaluator> evaluator = engine.NewEvaluator();
    Tally first;
    for (size_t d = 0; d < warm_devices; ++d) {
      Attest(*evaluator, corpus, d, at, &a, &decision, &first);
    }
    Tally tally;
    const double cpu0 = CpuSeconds();
    const absl::Time wall0 = absl::Now();
    size_t d = 0;
    while (tally.attestations < warm_attestations) {
      Attest(*evaluator, corpus, d, at, &a, &decision, &tally);
      if (++d == warm_devices) d = 0;
    }
    const double wall = absl::ToDoubleSeconds(absl::Now() - wall0);
    Report("warm", tally, wall, CpuSeconds() - cpu0);
    const CacheStats stats = evaluator->certificate_cache_stats();
    std::printf(
        "      over %zu devices; certificate cache: %llu hits, %llu "
        "misses\n",
        warm_devices, static_cast<unsigned long long>(stats.hits),
        static_cast<unsigned long long>(stats.misses));
    if (tally.allowed != tally.attestations ||
        first.allowed != first.attestations) {
      std::printf("      first deny: %s", tally.first_deny.empty()
                                              ? first.first_deny.c_str()
                                              : tally.first_deny.c_str());
      ok = false;
    }
  }

  // Cold: devices after the warm set, never seen by the Evaluator.
  if (cold_attestations > 0) {
    const size_t cold_begin = warm_devices < n ? warm_devices : 0;
    Tally tally;
    const double cpu0 = CpuSeconds();
    const absl::Time wall0 = absl::Now();
    while (tally.attestations < cold_attestations) {
      std::unique_ptr<Evaluator> evaluator = engine.NewEvaluator();
      for (size_t d = cold_begin;
           d < n && tally.attestations < cold_attestations; ++d) {
        Attest(*evaluator, corpus, d, at, &a, &decision, &tally);
      }
    }
    const double wall = absl::ToDoubleSeconds(absl::Now() - wall0);
    Report("cold", tally, wall, CpuSeconds() - cpu0);
    std::printf("      over devices %zu..%zu, each new to its Evaluator\n",
                cold_begin, n - 1);
    if (tally.allowed != tally.attestations) {
      std::printf("      first deny: %s", tally.first_deny.c_str());
      ok = false;
    }
  }
  std::printf("peak RSS: %.0f MB\n", PeakRssMb());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace chaintrust

int main(int argc, char** argv) { return chaintrust::Main(argc, argv); }
