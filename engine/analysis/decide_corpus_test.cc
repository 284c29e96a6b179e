// DecideCorpus: decisions and their order do not depend on the number of
// threads, the batch size or repeated chains and CA blocks (decoded once
// per thread), and equal the engine's own decision of each device's PEM
// text; the first bad record ends the run after the devices before it.
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
#include "engine/policy/enrollment_set.h"
#include "engine/x509/test_certs.h"
#include "gtest/gtest.h"
#include "testdata/test_fleet.h"

namespace chaintrust::analysis {
namespace {

using internal::MintIntermediate;
using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;

// The validation time: the minted certificates are valid around now.
absl::Time At() {
  static const absl::Time at = absl::Now();
  return at;
}

struct Device {
  std::string id, chain, registration_id;
};

// A hierarchy minted for the test: a root, two intermediates, leaves.
struct Pki {
  TestCert root = MintRoot("Corpus Root");
  TestCert int1 = MintIntermediate("Corpus Intermediate 1", root);
  TestCert int2 = MintIntermediate("Corpus Intermediate 2", root);
  std::vector<TestCert> leaves;
  Pki() {
    for (int i = 0; i < 12; ++i) {
      leaves.push_back(
          MintLeaf(absl::StrCat("corpus-dev-", i), i % 2 ? int1 : int2));
    }
  }
};

const Pki& TestPki() {
  static const Pki* pki = new Pki();
  return *pki;
}

EnrollmentGroupSpec Group(const std::string& id, const TestCert& ca,
                          bool enabled) {
  EnrollmentGroupSpec g;
  g.group_id = id;
  g.enabled = enabled;
  g.primary_certificate.text = ca.Base64Der();
  return g;
}

// Two policies over the minted hierarchy (built directly: the decisions,
// not the loaders, are under test, also under ThreadSanitizer).
std::vector<SnapshotPtr> Snapshots() {
  const Pki& pki = TestPki();
  std::vector<SnapshotPtr> snapshots;
  for (const bool int1_enabled : {true, false}) {
    EnrollmentSnapshot::Builder builder;
    builder.AddEnrollmentGroup(Group("root", pki.root, true));
    builder.AddEnrollmentGroup(Group("int-1", pki.int1, int1_enabled));
    IndividualEnrollmentSpec individual;
    individual.registration_id = "corpus-dev-3";
    individual.enabled = !int1_enabled;
    individual.primary_certificate.text = pki.leaves[3].Base64Der();
    builder.AddIndividualEnrollment(std::move(individual));
    auto snapshot = std::move(builder).Build();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    snapshots.push_back(*snapshot);
  }
  return snapshots;
}

// The minted devices (full chains, chains without the root, leaves alone),
// every device chain of the scenario corpus (malformed ones included), a
// few more malformed texts, then all of them again under other ids (the
// same chains repeated, some with a claimed registration ID).
std::vector<Device> CorpusDevices() {
  const Pki& pki = TestPki();
  std::vector<Device> devices;
  for (size_t i = 0; i < pki.leaves.size(); ++i) {
    const TestCert& leaf = pki.leaves[i];
    const TestCert& parent = i % 2 ? pki.int1 : pki.int2;
    std::string chain = leaf.Pem();
    if (i % 3 != 2) chain += parent.Pem();
    if (i % 3 == 0) chain += pki.root.Pem();
    devices.push_back({absl::StrCat("minted-", i), chain, ""});
  }
  // Distinct leaves above the same CA blocks, seen often enough to be
  // decoded from the block memo, then followed by a block that does not
  // decode: the whole chain is decided from its text.
  const std::string bad_block =
      "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
  for (size_t i = 0; i < pki.leaves.size(); ++i) {
    const TestCert& parent = i % 2 ? pki.int1 : pki.int2;
    const std::string chain = pki.leaves[i].Pem() + parent.Pem();
    devices.push_back(
        {absl::StrCat("shared-ca-", i), chain + pki.root.Pem(), ""});
    devices.push_back(
        {absl::StrCat("bad-after-ca-", i), chain + bad_block, ""});
  }
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
  EXPECT_GT(devices.size(), 30u);
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

// Each device's decisions, one JSON line per snapshot, in sink order.
absl::StatusOr<std::vector<std::string>> Decide(const std::string& corpus,
                                                int threads,
                                                size_t batch_size) {
  DecideOptions options;
  options.at = At();
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
      a.at = At();
      expected.push_back(RenderDeviceJson(d.id, engine->Evaluate(a)));
    }
  }
  // A device under intermediate 1 is allowed by the first policy and
  // denied by the second (its nearest group disabled); the malformed texts
  // are denied as such, not refused.
  EXPECT_TRUE(absl::StrContains(expected[2], "\"ALLOW\"")) << expected[2];
  EXPECT_TRUE(absl::StrContains(expected[3], "ENROLLMENT_GROUP_DISABLED"))
      << expected[3];
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
      options.at = At();
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
