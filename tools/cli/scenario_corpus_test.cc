// Runs the whole scenario corpus (testdata/scenarios) through every entry
// point — the library API, the policy loaded from DPS JSON, textproto and
// binary proto, and the `chaintrust decide` command line — and checks each
// device's decision against the golden expectation written from DESIGN.md.
#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tools/cli/cli.h"
#include "tools/cli/device_input.h"
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

  DeviceInput Input(const GoldenDevice& g) {
    DeviceInput input;
    input.at = g.at;
    input.registration_id = g.registration_id;
    input.sas_token = g.sas_token;
    if (!g.chain_file.empty()) {
      auto pem = ReadFile(absl::StrCat(dir_, "/", g.chain_file));
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
        DecideDevice(*evaluator, Input(g), &d);
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
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    CheckAll(*snapshot, path);
  }
}

// `chaintrust decide --format=json` per device: exit status and JSON.
TEST_P(ScenarioTest, CommandLine) {
  for (const GoldenDevice& g : scenario_.devices) {
    std::string command =
        absl::StrCat("tools/cli/chaintrust decide --format=json --policy=", dir_,
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

}  // namespace
}  // namespace chaintrust::cli
