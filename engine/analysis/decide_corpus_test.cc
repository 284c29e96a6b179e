// DecideCorpus: decisions and their order do not depend on the number of
// threads, the batch size or repeated chains (decoded once per thread), and
// equal the engine's own decision of each device's PEM text; the first bad
// record ends the run after the devices before it.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/analysis/analysis_testing.h"
#include "engine/analysis/bounded_read.h"
#include "engine/analysis/device_corpus.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "testdata/test_fleet.h"

namespace chaintrust::analysis {
namespace {

struct Device {
  std::string id, chain, registration_id;
};

// Every device chain of the scenario corpus (malformed ones included), a
// few more malformed texts, then all of them again under other ids (the
// same chains repeated, some with a claimed registration ID).
std::vector<Device> CorpusDevices() {
  std::vector<Device> devices;
  std::vector<std::string> files;
  for (const auto& dir : std::filesystem::directory_iterator(Scenario(""))) {
    if (!dir.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(dir)) {
      if (file.path().extension() == ".pem") {
        files.push_back(file.path().string());
      }
    }
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    auto pem = ReadFileBounded(file, MaxChainPemBytes());
    EXPECT_TRUE(pem.ok()) << pem.status();
    devices.push_back({std::filesystem::path(file).stem().string(), *pem, ""});
  }
  EXPECT_GT(devices.size(), 20u);
  const std::string good = devices[0].chain;
  const size_t end = good.find("-----END CERTIFICATE-----");
  devices.push_back({"no-block", "not PEM at all", ""});
  devices.push_back({"bad-base64",
                     absl::StrCat("-----BEGIN CERTIFICATE-----\n!!!!\n",
                                  "-----END CERTIFICATE-----\n"),
                     ""});
  devices.push_back(
      {"key-first",
       absl::StrCat("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC "
                    "KEY-----\n",
                    good),
       ""});
  devices.push_back({"no-end", good.substr(0, end), ""});
  devices.push_back(
      {"two-in-one",
       absl::StrCat(good.substr(0, end), good.substr(good.find('\n') + 1)),
       ""});
  devices.push_back({"symmetric", "", "sym-device"});
  const size_t n = devices.size();
  for (int round = 1; round <= 2; ++round) {
    for (size_t i = 0; i < n; ++i) {
      Device d = devices[i];
      d.id = absl::StrCat(d.id, "-again-", round);
      if (round == 2 && i % 3 == 0) d.registration_id = "claimed-id";
      devices.push_back(d);
    }
  }
  return devices;
}

std::string WriteJsonl(const std::string& name,
                       const std::vector<Device>& devices) {
  const std::string path = TestPath(name);
  std::ofstream f(path);
  for (const Device& d : devices) {
    f << "{\"id\":" << JsonQuote(d.id) << ",\"chain\":" << JsonQuote(d.chain);
    if (!d.registration_id.empty()) {
      f << ",\"registrationId\":" << JsonQuote(d.registration_id);
    }
    f << "}\n";
  }
  return path;
}

std::vector<SnapshotPtr> Snapshots() {
  return {LoadOrDie(Scenario("fleet") + "/policy.json"),
          LoadOrDie(Scenario("chain-malformed") + "/policy.json")};
}

// Each device's decisions, one JSON line per snapshot, in sink order.
absl::StatusOr<std::vector<std::string>> Decide(const std::string& corpus,
                                                int threads,
                                                size_t batch_size) {
  DecideOptions options;
  options.at = ScenarioTime();
  options.threads = threads;
  options.batch_size = batch_size;
  options.progress = false;
  std::vector<std::string> lines;
  auto n = DecideCorpus(
      corpus, Snapshots(), options,
      [&](const CorpusDevice& device, absl::Span<const Decision> decisions) {
        for (const Decision& d : decisions) {
          lines.push_back(RenderDeviceJson(device.id, d));
        }
      });
  if (!n.ok()) return n.status();
  EXPECT_EQ(*n * 2, lines.size());
  return lines;
}

TEST(DecideCorpusTest, EqualsTheEngineOnThePemTextWhateverTheThreads) {
  const std::vector<Device> devices = CorpusDevices();
  const std::string corpus = WriteJsonl("decide-corpus.jsonl", devices);
  // What one engine per snapshot, without caches, decides from the text.
  std::vector<std::string> expected;
  std::vector<std::unique_ptr<Engine>> engines;
  for (const SnapshotPtr& snapshot : Snapshots()) {
    engines.push_back(std::make_unique<Engine>());
    engines.back()->SetSnapshot(snapshot);
  }
  for (const Device& d : devices) {
    for (const auto& engine : engines) {
      Attestation a;
      a.chain_pem = d.chain;
      a.registration_id = d.registration_id;
      a.at = ScenarioTime();
      expected.push_back(RenderDeviceJson(d.id, engine->Evaluate(a)));
    }
  }
  // The malformed texts are denied as such, not refused.
  EXPECT_TRUE(
      absl::StrContains(expected[expected.size() / 3 - 12], "MALFORMED_CHAIN"))
      << expected[expected.size() / 3 - 12];
  struct Run {
    int threads;
    size_t batch;
  };
  for (const Run run :
       {Run{1, 4096}, Run{1, 5}, Run{2, 1}, Run{4, 3}, Run{3, 64}, Run{8, 7}}) {
    auto lines = Decide(corpus, run.threads, run.batch);
    ASSERT_TRUE(lines.ok()) << lines.status();
    ASSERT_EQ(lines->size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_EQ((*lines)[i], expected[i])
          << "threads " << run.threads << ", batch " << run.batch << ", line "
          << i;
    }
  }
}

TEST(DecideCorpusTest, FirstBadRecordEndsTheRunAfterTheDevicesBeforeIt) {
  std::vector<Device> devices = CorpusDevices();
  devices.resize(20);
  const std::string path = TestPath("decide-bad.jsonl");
  {
    std::ofstream f(path);
    for (size_t i = 0; i < devices.size(); ++i) {
      if (i == 13) f << "{\"id\": 7}\n";  // line 14
      f << "{\"id\":" << JsonQuote(devices[i].id)
        << ",\"chain\":" << JsonQuote(devices[i].chain) << "}\n";
    }
  }
  for (const int threads : {1, 2, 4}) {
    for (const size_t batch : {size_t{1}, size_t{4}, size_t{4096}}) {
      DecideOptions options;
      options.at = ScenarioTime();
      options.threads = threads;
      options.batch_size = batch;
      options.progress = false;
      std::vector<std::string> ids;
      auto n = DecideCorpus(
          path, Snapshots(), options,
          [&](const CorpusDevice& device, absl::Span<const Decision>) {
            ids.push_back(device.id);
          });
      ASSERT_FALSE(n.ok());
      EXPECT_TRUE(absl::StrContains(n.status().message(), ":14: \"id\""))
          << n.status();
      ASSERT_EQ(ids.size(), 13u) << threads << " " << batch;
      for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(ids[i], devices[i].id);
    }
  }
}

TEST(DecideCorpusTest, AnEmptyCorpusDecidesNothing) {
  const std::string path = TestPath("decide-empty.jsonl");
  { std::ofstream(path) << "\n\n"; }
  for (const int threads : {1, 3}) {
    DecideOptions options;
    options.threads = threads;
    options.progress = false;
    int calls = 0;
    auto n = DecideCorpus(
        path, Snapshots(), options,
        [&](const CorpusDevice&, absl::Span<const Decision>) { ++calls; });
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(*n, 0u);
    EXPECT_EQ(calls, 0);
  }
}

}  // namespace
}  // namespace chaintrust::analysis
