// BM_LoadDpsJson and friends (see attest_bench_load.h). The export is
// generated in memory, deterministically, in the shape bench/fleet_gen
// writes for --extra_individuals: symmetric-key individual enrollments,
// with one in a hundred an X.509 enrollment by SHA-256 thumbprint, in a
// bundle object, one entry per line.
#include "bench/attest_bench_load.h"

#include <openssl/sha.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "engine/internal/json_reader.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy_load_options.h"
#include "engine/policy_loader.h"

namespace chaintrust {
namespace {

constexpr char kKey[] = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";

std::string Thumbprint(uint32_t i) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const std::string seed = absl::StrCat("load-bench-", i);
  SHA256(reinterpret_cast<const unsigned char*>(seed.data()), seed.size(),
         digest);
  return absl::AsciiStrToUpper(absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest)));
}

std::string MakeExport(size_t entries) {
  std::string json = "{\"individualEnrollments\":[\n";
  json.reserve(entries * 190);
  for (uint32_t i = 0; i < entries; ++i) {
    if (i > 0) json.append(",\n");
    if (i % 100 == 0) {
      absl::StrAppendFormat(
          &json,
          R"({"registrationId":"dev-%08u","provisioningStatus":"enabled",)"
          R"("attestation":{"type":"x509","x509":{"clientCertificates":)"
          R"({"primary":{"info":{"sha256Thumbprint":"%s"}}}}}})",
          i, Thumbprint(i));
    } else {
      absl::StrAppendFormat(
          &json,
          R"({"registrationId":"sym-%08u","provisioningStatus":"enabled",)"
          R"("attestation":{"type":"symmetricKey","symmetricKey":)"
          R"({"primaryKey":"%s"}}})",
          i, kKey);
    }
  }
  json.append("\n]}\n");
  return json;
}

// Each size's export, made once.
const std::string& Export(size_t entries) {
  static auto* exports = new std::map<size_t, std::string>();
  auto it = exports->find(entries);
  if (it == exports->end()) {
    it = exports->emplace(entries, MakeExport(entries)).first;
  }
  return it->second;
}

void Finish(benchmark::State& state, const std::string& json) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(json.size()));
  state.counters["entries"] = static_cast<double>(state.range(0));
  state.counters["text_bytes"] = static_cast<double>(json.size());
}

// Text to built snapshot, as LoadSnapshotFile reads a .json file.
void BM_LoadDpsJson(benchmark::State& state) {
  const std::string& json = Export(state.range(0));
  for (auto _ : state) {
    auto snapshot = DpsJsonToSnapshot(json, "bench.json");
    if (!snapshot.ok()) {
      state.SkipWithError(std::string(snapshot.status().message()).c_str());
      return;
    }
    if ((*snapshot)->individual_enrollments().size() !=
        static_cast<size_t>(state.range(0))) {
      state.SkipWithError("wrong number of entries");
      return;
    }
    benchmark::DoNotOptimize(*snapshot);
  }
  Finish(state, json);
}

// The same through the proto converter (JSON tree, proto by reflection,
// BuildSnapshot): what the streaming path replaced.
void BM_LoadDpsJsonStrict(benchmark::State& state) {
  const std::string& json = Export(state.range(0));
  for (auto _ : state) {
    auto set = ParseDpsJson(json, "bench.json");
    if (!set.ok()) {
      state.SkipWithError(std::string(set.status().message()).c_str());
      return;
    }
    auto snapshot = BuildSnapshot(*set, "bench.json");
    if (!snapshot.ok()) {
      state.SkipWithError(std::string(snapshot.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(*snapshot);
  }
  Finish(state, json);
}

// The JSON pass alone: every byte read and checked (UTF-8, escapes,
// numbers, duplicate keys, nesting) by the reader the loader uses, nothing
// kept.
void BM_ParseDpsJson(benchmark::State& state) {
  const std::string& json = Export(state.range(0));
  for (auto _ : state) {
    internal::JsonReader reader(json, kMaxPolicyJsonNesting);
    if (!reader.SkipValue() || !reader.Finish()) {
      state.SkipWithError(reader.error());
      return;
    }
  }
  Finish(state, json);
}

}  // namespace

void RegisterLoadBenchmarks(size_t max_entries) {
  for (auto [name, function] :
       {std::make_pair("BM_LoadDpsJson", &BM_LoadDpsJson),
        std::make_pair("BM_LoadDpsJsonStrict", &BM_LoadDpsJsonStrict),
        std::make_pair("BM_ParseDpsJson", &BM_ParseDpsJson)}) {
    auto* b = benchmark::RegisterBenchmark(name, function);
    b->Unit(benchmark::kMillisecond)->UseRealTime();
    for (int64_t n : {1000, 100000, 1000000}) {
      if (static_cast<size_t>(n) <= max_entries) b->Arg(n);
    }
  }
}

}  // namespace chaintrust
