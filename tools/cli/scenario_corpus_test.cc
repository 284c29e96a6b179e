// Runs the whole scenario corpus (testdata/scenarios) through every entry
// point — the library API, the policy loaded from DPS JSON, textproto and
// binary proto, and the `chaintrust decide` command line — and checks each
// device's decision against the golden expectation written from docs/rules.md.
#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/analysis/device_input.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "engine/x509/certificate.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tools/cli/cli.h"
#include "tools/cli/golden.h"

namespace chaintrust::cli {
namespace {

constexpr char kCorpus[] = "testdata/scenarios";

std::vector<std::string> ScenarioNames() {
  auto names = ReadScenarioIndex(kCorpus);
  if (!names.ok()) {
    ADD_FAILURE() << names.status();
    return {};
  }
  return *names;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(kCorpus, "/", GetParam());
    auto scenario = ReadGoldenScenario(dir_);
    ASSERT_TRUE(scenario.ok()) << scenario.status();
    scenario_ = *std::move(scenario);
    ASSERT_FALSE(scenario_.devices.empty());
  }

  analysis::DeviceInput Input(const GoldenDevice& g) {
    analysis::DeviceInput input;
    input.at = g.at;
    input.registration_id = g.registration_id;
    input.sas_token = g.sas_token;
    if (!g.chain_file.empty()) {
      auto pem = ReadFile(absl::StrCat(dir_, "/", g.chain_file),
                          analysis::MaxChainPemBytes());
      EXPECT_TRUE(pem.ok()) << pem.status();
      input.chain_pem = pem.ok() ? *pem : "";
    }
    return input;
  }

  // Checks every device against `snapshot`, cold and warm.
  void CheckAll(const SnapshotPtr& snapshot, absl::string_view via) {
    Engine engine;
    engine.SetSnapshot(snapshot);
    auto evaluator = engine.NewEvaluator();
    for (int round = 0; round < 2; ++round) {
      for (const GoldenDevice& g : scenario_.devices) {
        Decision d;
        analysis::DecideDevice(*evaluator, Input(g), &d);
        SCOPED_TRACE(absl::StrCat(via, ": ", GetParam(), "/", g.device,
                                  round ? " (warm)" : " (cold)", "\n",
                                  RenderText(d), "why expected: ", g.why));
        EXPECT_EQ(VerdictName(d.verdict()), g.verdict);
        EXPECT_EQ(ReasonName(d.reason()), g.reason);
        if (g.enrollment_kind.empty()) {
          EXPECT_EQ(d.enrollment_kind(), EnrollmentKind::kNone);
        } else {
          EXPECT_EQ(EnrollmentKindName(d.enrollment_kind()), g.enrollment_kind);
          EXPECT_EQ(d.enrollment_id(), g.enrollment_id);
        }
        if (g.certificate_index >= 0) {
          EXPECT_EQ(d.certificate_index(), g.certificate_index);
        }
        // Every chain or certificate DENY of the corpus names its cause,
        // and the engine reports that cause on the failed step.
        Reason reason;
        ASSERT_TRUE(ParseReason(g.reason, &reason)) << g.reason;
        if (g.verdict == "DENY" && IsChainReason(reason)) {
          EXPECT_FALSE(g.cause.empty()) << "the golden names no cause";
          EXPECT_EQ(CauseName(d.cause()), g.cause);
          bool on_step = false;
          for (const ExplanationStep& s : d.explanation()) {
            if (s.outcome == Outcome::kFailed && s.step != StepId::kDecide) {
              on_step = on_step || s.cause == d.cause();
            }
          }
          EXPECT_TRUE(on_step) << "no failed step carries the cause";
        } else {
          EXPECT_TRUE(g.cause.empty()) << g.cause;
        }
        EXPECT_FALSE(d.explanation().empty());
      }
    }
  }

  std::string dir_;
  GoldenScenario scenario_;
};

TEST_P(ScenarioTest, LibraryFromDpsJson) {
  auto snapshot = LoadSnapshotFile(absl::StrCat(dir_, "/policy.json"));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  CheckAll(*snapshot, "DPS JSON");
}

// The same policy through textproto and binary proto decides the same.
TEST_P(ScenarioTest, LibraryFromTextprotoAndBinaryProto) {
  auto set = LoadEnrollmentSetFile(absl::StrCat(dir_, "/policy.json"));
  ASSERT_TRUE(set.ok()) << set.status();
  const std::string tmp = ::testing::TempDir();
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(*set, &text));
  const std::string textproto = absl::StrCat(tmp, "/", GetParam(), ".txtpb");
  const std::string binpb = absl::StrCat(tmp, "/", GetParam(), ".binpb");
  for (const auto& [path, bytes] :
       {std::make_pair(textproto, text),
        std::make_pair(binpb, set->SerializeAsString())}) {
    FILE* f = fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    fwrite(bytes.data(), 1, bytes.size(), f);
    fclose(f);
    auto snapshot = LoadSnapshotFile(path);
    if (bytes.empty()) {
      // An empty set is an empty file in these formats, refused as an
      // empty JSON file is.
      ASSERT_FALSE(snapshot.ok());
      EXPECT_NE(snapshot.status().message().find("empty file"),
                absl::string_view::npos)
          << snapshot.status();
      continue;
    }
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    CheckAll(*snapshot, path);
  }
}

// `chaintrust decide --format=json` per device: exit status and JSON.
TEST_P(ScenarioTest, CommandLine) {
  for (const GoldenDevice& g : scenario_.devices) {
    std::string command = absl::StrCat(
        "tools/cli/chaintrust decide --format=json --policy=", dir_,
        "/policy.json --at=", FormatRfc3339(g.at));
    if (!g.chain_file.empty()) {
      absl::StrAppend(&command, " --chain=", dir_, "/", g.chain_file);
    }
    if (!g.sas_token.empty()) {
      absl::StrAppend(&command, " '--sas_token=", g.sas_token, "'");
    }
    if (!g.registration_id.empty()) {
      absl::StrAppend(&command, " '--registration_id=", g.registration_id, "'");
    }
    SCOPED_TRACE(command);
    FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string out;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
      out.append(buffer, n);
    const int status = pclose(pipe);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), g.verdict == "ALLOW" ? 0 : 1) << out;
    google::protobuf::Struct json;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out, &json).ok())
        << out;
    const auto& f = json.fields();
    EXPECT_EQ(f.at("verdict").string_value(), g.verdict);
    EXPECT_EQ(f.at("reason").string_value(), g.reason) << out;
    if (g.cause.empty()) {
      EXPECT_EQ(f.count("cause"), 0u) << out;
    } else {
      ASSERT_EQ(f.count("cause"), 1u) << out;
      EXPECT_EQ(f.at("cause").string_value(), g.cause) << out;
    }
    EXPECT_GT(f.at("explanation").list_value().values_size(), 0);
    if (g.enrollment_kind.empty()) {
      EXPECT_EQ(f.count("enrollment"), 0u) << out;
    } else {
      ASSERT_EQ(f.count("enrollment"), 1u) << out;
      const auto& e = f.at("enrollment").struct_value().fields();
      EXPECT_EQ(e.at("kind").string_value(), g.enrollment_kind);
      EXPECT_EQ(e.at("id").string_value(), g.enrollment_id);
    }
  }
}

// Metamorphic: the verdict never depends on the order of the presented
// intermediates. Every device chain of the scenario is evaluated with its
// intermediates in every order (or, past 5 of them, rotated and reversed)
// and must decide exactly as in the order of the corpus.
TEST_P(ScenarioTest, PermutedIntermediatesDecideAlike) {
  auto snapshot = LoadSnapshotFile(absl::StrCat(dir_, "/policy.json"));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  Engine engine;
  engine.SetSnapshot(*snapshot);
  auto evaluator = engine.NewEvaluator();
  int permuted = 0;
  for (const GoldenDevice& g : scenario_.devices) {
    if (g.chain_file.empty()) continue;
    auto pem = ReadFile(absl::StrCat(dir_, "/", g.chain_file),
                        analysis::MaxChainPemBytes());
    ASSERT_TRUE(pem.ok()) << pem.status();
    auto ders = PemToDer(*pem);
    if (!ders.ok() || ders->size() < 3) continue;  // nothing to permute
    Attestation a;
    a.at = g.at;
    a.chain.assign(ders->begin(), ders->end());
    const Decision base = evaluator->Evaluate(a);
    ASSERT_EQ(ReasonName(base.reason()), g.reason) << RenderText(base);
    std::vector<absl::string_view> rest(a.chain.begin() + 1, a.chain.end());
    std::vector<std::vector<absl::string_view>> orders;
    if (rest.size() <= 5) {
      std::sort(rest.begin(), rest.end());
      do {
        orders.push_back(rest);
      } while (std::next_permutation(rest.begin(), rest.end()));
    } else {
      for (size_t r = 0; r < rest.size(); ++r) {
        std::rotate(rest.begin(), rest.begin() + 1, rest.end());
        orders.push_back(rest);
        orders.emplace_back(rest.rbegin(), rest.rend());
      }
    }
    for (const auto& order : orders) {
      a.chain.resize(1);
      a.chain.insert(a.chain.end(), order.begin(), order.end());
      const Decision d = evaluator->Evaluate(a);
      SCOPED_TRACE(absl::StrCat(GetParam(), "/", g.device, "\n",
                                RenderText(base), "permuted:\n",
                                RenderText(d)));
      EXPECT_EQ(d.verdict(), base.verdict());
      EXPECT_EQ(d.reason(), base.reason());
      EXPECT_EQ(d.enrollment_kind(), base.enrollment_kind());
      EXPECT_EQ(d.enrollment_id(), base.enrollment_id());
      EXPECT_EQ(d.cause(), base.cause());
      if (base.reason() != Reason::kMalformedChain) {
        // Path indexes, not presentation indexes.
        EXPECT_EQ(d.certificate_index(), base.certificate_index());
      }
      ++permuted;
    }
  }
  RecordProperty("permutations", permuted);
}

INSTANTIATE_TEST_SUITE_P(Corpus, ScenarioTest,
                         ::testing::ValuesIn(ScenarioNames()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c)))
                               c = '_';
                           }
                           return name;
                         });

// The x509-limbo suite's directory: $CHAINTRUST_TESTSUITES, else
// ../shared/testsuites beside the source tree this test's data links to.
std::string TestsuitesDir() {
  if (const char* env = std::getenv("CHAINTRUST_TESTSUITES")) return env;
  char resolved[PATH_MAX];
  const std::string probe = absl::StrCat(kCorpus, "/index.json");
  if (realpath(probe.c_str(), resolved) == nullptr) return "";
  std::string path = resolved;
  const size_t at = path.rfind("/testdata/scenarios/");
  if (at == std::string::npos) return "";
  return absl::StrCat(path.substr(0, at), "/../shared/testsuites");
}

// Metamorphic, over the x509-limbo chains with two or more untrusted
// intermediates: every trusted certificate an enabled group, path
// validation only; permuting the intermediates changes no decision.
// Skipped, visibly, when the suite is absent.
TEST(ConformancePermutationTest, LimboChainsDecideAlikeInAnyOrder) {
  const std::string dir = TestsuitesDir();
  auto text = ReadFile(absl::StrCat(dir, "/x509-limbo/limbo.json"),
                       analysis::kMaxSuiteFileBytes);
  if (dir.empty() || !text.ok()) {
    GTEST_SKIP() << "x509-limbo not found under \"" << dir
                 << "\" (set CHAINTRUST_TESTSUITES)";
  }
  google::protobuf::Struct limbo;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(*text, &limbo).ok());
  int cases = 0;
  for (const auto& value :
       limbo.fields().at("testcases").list_value().values()) {
    const auto& c = value.struct_value().fields();
    const auto& untrusted = c.at("untrusted_intermediates").list_value();
    if (untrusted.values_size() < 2) continue;
    EnrollmentSnapshot::Builder builder;
    int n = 0;
    for (const auto& t : c.at("trusted_certs").list_value().values()) {
      EnrollmentGroupSpec spec;
      spec.group_id = absl::StrCat("anchor-", n++);
      spec.primary_certificate.text = t.string_value();
      EnrollmentSnapshot::Builder trial;
      trial.AddEnrollmentGroup(spec);
      if (std::move(trial).Build().ok()) {
        builder.AddEnrollmentGroup(std::move(spec));
      }
    }
    auto snapshot = std::move(builder).Build();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    EngineOptions engine_options;  // path validation only, as conformance
    engine_options.resolver.check_registration_id = false;
    Engine engine(engine_options);
    engine.SetSnapshot(*snapshot);
    auto evaluator = engine.NewEvaluator();
    std::vector<std::string> ders;
    auto leaf = PemToDer(c.at("peer_certificate").string_value());
    if (!leaf.ok() || leaf->size() != 1) continue;
    ders.push_back((*leaf)[0]);
    for (const auto& u : untrusted.values()) {
      auto der = PemToDer(u.string_value());
      if (der.ok()) ders.insert(ders.end(), der->begin(), der->end());
    }
    Attestation a;
    a.chain.assign(ders.begin(), ders.end());
    const auto time = c.find("validation_time");
    a.at = absl::Now();
    if (time != c.end() && time->second.has_string_value()) {
      auto at = ParseRfc3339(time->second.string_value());
      if (at.ok()) a.at = *at;
    }
    const Decision base = evaluator->Evaluate(a);
    std::vector<absl::string_view> rest(a.chain.begin() + 1, a.chain.end());
    std::vector<std::vector<absl::string_view>> orders;
    if (rest.size() <= 4) {
      std::sort(rest.begin(), rest.end());
      do {
        orders.push_back(rest);
      } while (std::next_permutation(rest.begin(), rest.end()));
    } else {
      for (int r = 0; r < 4; ++r) {
        std::rotate(rest.begin(), rest.begin() + 1, rest.end());
        orders.push_back(rest);
        orders.emplace_back(rest.rbegin(), rest.rend());
      }
    }
    for (const auto& order : orders) {
      a.chain.resize(1);
      a.chain.insert(a.chain.end(), order.begin(), order.end());
      const Decision d = evaluator->Evaluate(a);
      SCOPED_TRACE(absl::StrCat(c.at("id").string_value(), "\n",
                                RenderText(base), "permuted:\n",
                                RenderText(d)));
      EXPECT_EQ(d.reason(), base.reason());
      EXPECT_EQ(d.enrollment_id(), base.enrollment_id());
      EXPECT_EQ(d.cause(), base.cause());
    }
    ++cases;
  }
  EXPECT_GT(cases, 0);
  RecordProperty("limbo_cases", cases);
}

}  // namespace
}  // namespace chaintrust::cli
