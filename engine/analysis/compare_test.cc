// Compare() behind whatif and diff, in-process: the DPS guide's "deleting
// an intermediate's group leaves its devices enrolled through the enabled
// root group" and "disabling a CA's group does not revoke devices that a
// nearer group allows", over the scenario corpus and the generated
// three-level fleet (testdata/test_fleet.h).
#include "engine/analysis/compare.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/analysis/analysis_testing.h"
#include "gtest/gtest.h"
#include "testdata/test_fleet.h"

namespace chaintrust::analysis {
namespace {

using Op = PolicyEdit::Op;

struct CompareRun {
  absl::StatusOr<CompareReport> report;
  std::string lines;  // the streamed per-device lines
  // The last line `whatif --format=json` prints without --out.
  std::string Summary() const {
    return absl::StrCat("{\"summary\":", CompareJson(*report), "}");
  }
};

CompareRun RunCompare(const PolicyChange& change, const std::string& devices,
                      absl::Time at, size_t sample = 5) {
  CompareRun run;
  CompareOptions options;
  options.at = at;
  options.sample = sample;
  options.render_lines = true;
  options.explain = true;
  options.progress = false;
  run.report = Compare(
      change, devices, options,
      [&](const CorpusDevice&, const std::string& line) { run.lines += line; });
  EXPECT_TRUE(run.report.ok()) << run.report.status();
  return run;
}

PolicyChange Edit(const std::string& policy,
                  const std::vector<PolicyEdit>& edits) {
  auto change = EditPolicy(LoadSetOrDie(policy), policy, edits);
  EXPECT_TRUE(change.ok()) << change.status();
  return change.ok() ? *change : PolicyChange();
}

TEST(CompareTest, DeleteIntermediateGroupWithEnabledRoot) {
  const std::string s = Scenario("group-nearest-decides");
  CompareRun r =
      RunCompare(Edit(s + "/policy.json", {{Op::kDelete, "contoso-int-1"}}), s,
                 ScenarioTime());
  ASSERT_TRUE(r.report.ok());
  const std::string summary = r.Summary();
  EXPECT_TRUE(absl::StartsWith(
      summary,
      "{\"summary\":{\"change\":[\"delete contoso-int-1\"],\"devices\":5,"
      "\"changed\":3,\"transitions\":[{\"before\":\"ALLOW "
      "ENROLLMENT_GROUP_ENABLED (GROUP contoso-int-1)\",\"after\":\"ALLOW "
      "ENROLLMENT_GROUP_ENABLED (GROUP contoso-root)\",\"count\":3,"
      "\"sample\":[\"contoso-a-001\",\"contoso-a-002\",\"contoso-a7-001\"]}],"
      "\"stillEnrolledThroughHigherGroup\":{\"count\":3,\"byGroup\":[{"
      "\"deletedGroup\":\"contoso-int-1\",\"allowedBy\":\"GROUP "
      "contoso-root\",\"count\":3,\"wereDenied\":0,"))
      << summary;
  EXPECT_TRUE(absl::StrContains(
      summary, "\"stillAllowedAfterRevokingCa\":{\"count\":3,"))
      << summary;
  // One streamed line per reported device, with both decisions.
  EXPECT_TRUE(absl::StrContains(
      r.lines,
      "{\"device\":\"contoso-a-001\",\"changed\":true,\"transition\":{"
      "\"before\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP contoso-int-1)\","
      "\"after\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP contoso-root)\"},"
      "\"stillEnrolledThroughHigherGroup\":{\"deletedGroup\":"
      "\"contoso-int-1\",\"allowedBy\":\"GROUP contoso-root\","
      "\"wasAllowed\":true},\"stillAllowedAfterRevokingCa\":{"
      "\"revokedGroup\":\"contoso-int-1\",\"allowedBy\":\"GROUP "
      "contoso-root\"},\"before\":{\"verdict\":\"ALLOW\""))
      << r.lines;
  // Text: the call-out a person reads.
  const std::string text = CompareText("whatif", *r.report, "");
  EXPECT_TRUE(absl::StrContains(
      text,
      "!! 3 devices stay enrolled only through a higher group after the "
      "delete:\n   group contoso-int-1 deleted -> now allowed by GROUP "
      "contoso-root: 3 devices\n"))
      << text;
}

TEST(CompareTest, DiffOfTheTwoScenarioPoliciesFlagsTheSame) {
  const std::string before = Scenario("group-nearest-decides") + "/policy.json";
  const std::string after =
      Scenario("group-deleted-intermediate") + "/policy.json";
  CompareRun r = RunCompare(
      DiffPolicies(LoadOrDie(before), LoadOrDie(after), before, after),
      Scenario("group-nearest-decides"), ScenarioTime());
  ASSERT_TRUE(r.report.ok());
  const std::string text = CompareText("diff", *r.report, "");
  EXPECT_TRUE(absl::StrContains(text, "changed: 3")) << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "group contoso-int-1 deleted -> now allowed by GROUP contoso-root: 3 "
      "devices\n     contoso-a-001, contoso-a-002, contoso-a7-001\n"))
      << text;
}

// Disabling the root's group while the intermediate's group stays enabled
// revokes nothing below the intermediate.
TEST(CompareTest, DisablingTheRootLeavesIntermediateDevicesAllowed) {
  const std::string s = Scenario("group-nearest-decides");
  CompareRun r =
      RunCompare(Edit(s + "/policy.json", {{Op::kDisable, "contoso-root"}}), s,
                 ScenarioTime());
  ASSERT_TRUE(r.report.ok());
  EXPECT_TRUE(absl::StrContains(
      r.Summary(),
      "\"stillAllowedAfterRevokingCa\":{\"count\":3,\"byGroup\":[{"
      "\"revokedGroup\":\"contoso-root\",\"allowedBy\":\"GROUP "
      "contoso-int-1\",\"count\":3,"))
      << r.Summary();
  // Reported although their decision did not change.
  EXPECT_TRUE(absl::StrContains(
      r.lines, "{\"device\":\"contoso-a7-001\",\"changed\":false,"))
      << r.lines;
}

TEST(CompareTest, DisablingTheIntermediateDeniesItsDevices) {
  const std::string s = Scenario("group-nearest-decides");
  CompareRun r =
      RunCompare(Edit(s + "/policy.json", {{Op::kDisable, "contoso-int-1"}}), s,
                 ScenarioTime());
  ASSERT_TRUE(r.report.ok());
  const std::string summary = r.Summary();
  EXPECT_TRUE(absl::StrContains(summary,
                                "\"after\":\"DENY ENROLLMENT_GROUP_DISABLED "
                                "(GROUP contoso-int-1)\",\"count\":3"))
      << summary;
  EXPECT_TRUE(absl::StrContains(
      summary, "\"stillEnrolledThroughHigherGroup\":{\"count\":0,"))
      << summary;
  EXPECT_TRUE(absl::StrContains(
      summary, "\"stillAllowedAfterRevokingCa\":{\"count\":0,"))
      << summary;
}

// Group IDs match case-insensitively, like registration IDs; the report
// names the group as the policy spells it.
TEST(CompareTest, IdsAreCaseInsensitive) {
  const std::string s = Scenario("group-nearest-decides");
  CompareRun r =
      RunCompare(Edit(s + "/policy.json", {{Op::kDisable, "CONTOSO-INT-1"}}), s,
                 ScenarioTime());
  ASSERT_TRUE(r.report.ok());
  EXPECT_TRUE(absl::StrContains(r.Summary(),
                                "\"after\":\"DENY ENROLLMENT_GROUP_DISABLED "
                                "(GROUP contoso-int-1)\",\"count\":3"))
      << r.Summary();
}

TEST(CompareTest, UnknownAndContradictoryIdsAreErrors) {
  const std::string policy = Scenario("fleet") + "/policy.json";
  const v1::EnrollmentSet set = LoadSetOrDie(policy);
  auto change = EditPolicy(set, policy, {{Op::kDisable, "no-such-group"}});
  ASSERT_FALSE(change.ok());
  EXPECT_TRUE(absl::StrContains(change.status().message(), "\"no-such-group\""))
      << change.status();
  EXPECT_TRUE(absl::StrContains(change.status().message(), "policy.json"))
      << change.status();
  change = EditPolicy(
      set, policy,
      {{Op::kDisable, "contoso-root"}, {Op::kEnable, "Contoso-Root"}});
  ASSERT_FALSE(change.ok());
  EXPECT_TRUE(
      absl::StrContains(change.status().message(), "contradict each other"))
      << change.status();
}

// The generated fleet: deleting fleet-int-a moves its 29 allowed devices to
// the root; deleting the disabled fleet-int-b re-enrolls its 10 denied
// devices through the root. Changed devices stream to the sink; the report
// keeps only `sample` ids per bucket.
TEST(CompareTest, GeneratedFleetDeletes) {
  const TestFleet fleet = WriteTestFleet(TestPath("whatif-fleet"));
  CompareRun r = RunCompare(Edit(fleet.policy, {{Op::kDelete, "fleet-int-a"},
                                                {Op::kDelete, "fleet-int-b"}}),
                            fleet.jsonl, absl::Now(), /*sample=*/2);
  ASSERT_TRUE(r.report.ok());
  const std::string json = CompareJson(*r.report);
  EXPECT_TRUE(absl::StrContains(json, "\"devices\":50,\"changed\":39,"))
      << json;
  EXPECT_TRUE(absl::StrContains(
      json,
      "\"stillEnrolledThroughHigherGroup\":{\"count\":39,\"byGroup\":[{"
      "\"deletedGroup\":\"fleet-int-a\",\"allowedBy\":\"GROUP fleet-root\","
      "\"count\":29,\"wereDenied\":0,\"sample\":[\"dev-a1-001\","
      "\"dev-a1-002\"]},{\"deletedGroup\":\"fleet-int-b\",\"allowedBy\":"
      "\"GROUP fleet-root\",\"count\":10,\"wereDenied\":10,\"sample\":["
      "\"dev-b2-000\",\"dev-b2-001\"]}]}"))
      << json;
  // 39 changed, plus the 10 dev-b1 devices still allowed by fleet-sub-b1
  // below the deleted fleet-int-b.
  EXPECT_EQ(Lines(r.lines).size(), 49u);
  EXPECT_TRUE(absl::StrContains(
      r.lines,
      "{\"device\":\"dev-b1-000\",\"changed\":false,\"transition\":{"
      "\"before\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP fleet-sub-b1)\","
      "\"after\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP fleet-sub-b1)\"},"
      "\"stillAllowedAfterRevokingCa\":{\"revokedGroup\":\"fleet-int-b\","))
      << r.lines;

  r = RunCompare(Edit(fleet.policy, {{Op::kDelete, "fleet-int-b"}}), fleet.dir,
                 absl::Now(), /*sample=*/3);
  ASSERT_TRUE(r.report.ok());
  const std::string text = CompareText("whatif", *r.report, "");
  EXPECT_TRUE(absl::StrContains(
      text,
      "group fleet-int-b deleted -> now allowed by GROUP fleet-root: 10 "
      "devices (10 of them DENIED before: the delete re-enrolls them)\n"
      "     dev-b2-000, dev-b2-001, dev-b2-002, ... (7 more)\n"))
      << text;
}

// The disabled individual enrollment of dev-a1-000 overrides its group:
// deleting it lets fleet-int-a allow the device.
TEST(CompareTest, GeneratedFleetDisabledIndividualOverridesItsGroup) {
  const TestFleet fleet = WriteTestFleet(TestPath("whatif-individual"));
  CompareRun r = RunCompare(Edit(fleet.policy, {{Op::kDelete, "dev-a1-000"}}),
                            fleet.dir, absl::Now());
  ASSERT_TRUE(r.report.ok());
  EXPECT_TRUE(absl::StrContains(
      r.Summary(),
      "\"changed\":1,\"transitions\":[{\"before\":\"DENY "
      "INDIVIDUAL_ENROLLMENT_DISABLED (INDIVIDUAL dev-a1-000)\",\"after\":"
      "\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP fleet-int-a)\",\"count\":1,"))
      << r.Summary();
}

}  // namespace
}  // namespace chaintrust::analysis
