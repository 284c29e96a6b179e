// Audit() over the scenario corpus and the generated three-level fleet
// (testdata/test_fleet.h), in-process; and the corpus reader's refusals.
#include "engine/analysis/audit.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/analysis/analysis_testing.h"
#include "engine/analysis/bounded_read.h"
#include "gtest/gtest.h"
#include "testdata/test_fleet.h"

namespace chaintrust::analysis {
namespace {

// Runs the audit collecting each device's JSON line.
struct AuditRun {
  absl::StatusOr<AuditSummary> summary;
  std::vector<std::string> lines;
};

AuditRun RunAudit(const std::string& policy, const std::string& devices,
                  absl::Time at) {
  AuditRun run;
  AuditOptions options;
  options.at = at;
  options.render_lines = true;
  options.progress = false;
  run.summary = Audit(LoadOrDie(policy), devices, options,
                      [&](const CorpusDevice& device, const Decision&) {
                        run.lines.push_back(device.annotation);
                      });
  return run;
}

TEST(AuditTest, FleetSummaryAndDecisions) {
  AuditRun r = RunAudit(Scenario("fleet") + "/policy.json", Scenario("fleet"),
                        ScenarioTime());
  ASSERT_TRUE(r.summary.ok()) << r.summary.status();
  const std::string json = AuditSummaryJson(*r.summary);
  EXPECT_TRUE(absl::StrContains(json, "\"devices\":10,\"allow\":5,\"deny\":5"))
      << json;
  EXPECT_TRUE(absl::StrContains(json, "\"GROUP contoso-factory-b\":2")) << json;
  ASSERT_EQ(r.lines.size(), 10u);
  // Deterministic order: file-name order, "device" first, one line each.
  EXPECT_TRUE(absl::StartsWith(r.lines[0], "{\"device\":\"fleet-dev-001\","))
      << r.lines[0];
  EXPECT_TRUE(absl::StartsWith(r.lines[9], "{\"device\":\"fleet-dev-010\","));
  EXPECT_TRUE(absl::EndsWith(r.lines[9], "}\n"));
}

TEST(AuditTest, JsonlCorpusGivesTheSameSummary) {
  const std::string jsonl = TestPath("fleet-corpus.jsonl");
  {
    std::ofstream f(jsonl);
    for (int i = 1; i <= 10; ++i) {
      const std::string id = absl::StrCat("fleet-dev-0", i < 10 ? "0" : "", i);
      auto pem = ReadFileBounded(
          absl::StrCat(Scenario("fleet"), "/", id, ".pem"), 1 << 20);
      ASSERT_TRUE(pem.ok());
      std::string escaped;
      for (char c : *pem) {
        escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
      }
      f << "{\"id\":\"" << id << "\",\"chain\":\"" << escaped << "\"}\n";
    }
  }
  AuditRun r =
      RunAudit(Scenario("fleet") + "/policy.json", jsonl, ScenarioTime());
  ASSERT_TRUE(r.summary.ok()) << r.summary.status();
  const std::string text = AuditSummaryText(*r.summary);
  EXPECT_TRUE(absl::StrContains(
      text, "devices: 10\n  ALLOW          5   50.0%\n  DENY           5"))
      << text;
}

TEST(AuditTest, BadCorpusLineIsAnErrorNamingTheLine) {
  const std::string jsonl = TestPath("bad.jsonl");
  { std::ofstream(jsonl) << "{\"id\":\"a\"}\nnot json\n"; }
  AuditRun r =
      RunAudit(Scenario("fleet") + "/policy.json", jsonl, ScenarioTime());
  ASSERT_FALSE(r.summary.ok());
  EXPECT_TRUE(absl::StrContains(r.summary.status().message(), "bad.jsonl:2"))
      << r.summary.status();
  EXPECT_TRUE(
      absl::StrContains(r.summary.status().message(), "not a JSON object"))
      << r.summary.status();
}

// The generated three-level fleet, as a directory and as JSONL: the same
// summary.
TEST(AuditTest, GeneratedThreeLevelFleet) {
  const TestFleet fleet = WriteTestFleet(TestPath("audit-fleet"));
  for (const std::string& devices : {fleet.dir, fleet.jsonl}) {
    AuditRun r = RunAudit(fleet.policy, devices, absl::Now());
    ASSERT_TRUE(r.summary.ok()) << r.summary.status();
    ASSERT_EQ(r.lines.size(), 50u);
    EXPECT_TRUE(absl::StartsWith(r.lines[0], "{\"device\":\"dev-a1-000\","))
        << r.lines[0];
    EXPECT_EQ(AuditSummaryJson(*r.summary),
              "{\"devices\":50,\"allow\":39,\"deny\":11,"
              "\"reasons\":{\"ENROLLMENT_GROUP_DISABLED\":10,"
              "\"ENROLLMENT_GROUP_ENABLED\":39,"
              "\"INDIVIDUAL_ENROLLMENT_DISABLED\":1},"
              "\"enrollments\":{\"GROUP fleet-int-a\":29,"
              "\"GROUP fleet-int-b\":10,\"GROUP fleet-sub-b1\":10,"
              "\"INDIVIDUAL dev-a1-000\":1}}");
    EXPECT_TRUE(absl::StrContains(AuditSummaryText(*r.summary),
                                  "devices: 50\n  ALLOW         39   78.0%"))
        << AuditSummaryText(*r.summary);
  }
}

TEST(AuditTest, CorpusShapesThatAreNotCorporaAreRefused) {
  const std::string policy = Scenario("fleet") + "/policy.json";
  // A directory without chain files.
  const std::string empty = TestPath("empty-corpus");
  std::filesystem::create_directories(empty);
  AuditRun r = RunAudit(policy, empty, ScenarioTime());
  ASSERT_FALSE(r.summary.ok());
  EXPECT_TRUE(absl::StrContains(r.summary.status().message(),
                                "holds no device chain files"))
      << r.summary.status();
  // One PEM file given as the corpus.
  r = RunAudit(policy, Scenario("fleet") + "/fleet-dev-001.pem",
               ScenarioTime());
  ASSERT_FALSE(r.summary.ok());
  EXPECT_TRUE(absl::StrContains(r.summary.status().message(),
                                "a single chain file is not a corpus"))
      << r.summary.status();
  // A record longer than the per-record cap: an error naming its line,
  // after reading at most the cap.
  const std::string big = TestPath("big.jsonl");
  {
    std::ofstream f(big);
    f << "{\"id\":\"a\"}\n{\"id\":\"b\",\"chain\":\""
      << std::string(MaxCorpusRecordBytes() + 10, 'A') << "\"}\n";
  }
  r = RunAudit(policy, big, ScenarioTime());
  ASSERT_FALSE(r.summary.ok());
  EXPECT_TRUE(absl::StrContains(r.summary.status().message(),
                                "big.jsonl:2: a line longer than the limit"))
      << r.summary.status();
}

}  // namespace
}  // namespace chaintrust::analysis
