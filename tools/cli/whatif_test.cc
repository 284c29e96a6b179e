// `chaintrust whatif` and `chaintrust diff`: the DPS guide's "deleting an
// intermediate's group leaves its devices enrolled through the enabled root
// group" and "disabling a CA's group does not revoke devices that a nearer
// group allows", over the scenario corpus and the generated three-level
// fleet (tools/test_fleet.h).
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tools/cli/cli.h"
#include "testdata/test_fleet.h"

namespace chaintrust::cli {
namespace {

constexpr char kAt[] = " --at=2025-06-01T00:00:00Z";

std::string Scenario(const std::string& name) {
  return absl::StrCat("testdata/scenarios/", name);
}

// The last line: whatif's summary object.
std::string Summary(const std::string& out) {
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  return lines.empty() ? "" : lines.back();
}

TEST(WhatIfTest, DeleteIntermediateGroupWithEnabledRoot) {
  const std::string s = Scenario("group-nearest-decides");
  ToolResult r = RunChaintrust(
      absl::StrCat("whatif --policy=", s, "/policy.json --delete=contoso-int-1",
                   " --devices=", s, kAt, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string summary = Summary(r.out);
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
      r.out,
      "{\"device\":\"contoso-a-001\",\"changed\":true,\"transition\":{"
      "\"before\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP contoso-int-1)\","
      "\"after\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP contoso-root)\"},"
      "\"stillEnrolledThroughHigherGroup\":{\"deletedGroup\":"
      "\"contoso-int-1\",\"allowedBy\":\"GROUP contoso-root\","
      "\"wasAllowed\":true},\"stillAllowedAfterRevokingCa\":{"
      "\"revokedGroup\":\"contoso-int-1\",\"allowedBy\":\"GROUP "
      "contoso-root\"},\"before\":{\"verdict\":\"ALLOW\""))
      << r.out;
  // Text: the call-out a person reads.
  r = RunChaintrust(absl::StrCat("whatif --policy=", s,
                                 "/policy.json --delete=contoso-int-1",
                                 " --devices=", s, kAt));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "!! 3 devices stay enrolled only through a higher group after the "
      "delete:\n   group contoso-int-1 deleted -> now allowed by GROUP "
      "contoso-root: 3 devices\n"))
      << r.out;
}

TEST(WhatIfTest, DiffOfTheTwoScenarioPoliciesFlagsTheSame) {
  ToolResult r = RunChaintrust(absl::StrCat(
      "diff --before=", Scenario("group-nearest-decides"),
      "/policy.json --after=", Scenario("group-deleted-intermediate"),
      "/policy.json --devices=", Scenario("group-nearest-decides"), kAt));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "changed: 3")) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "group contoso-int-1 deleted -> now allowed by GROUP contoso-root: 3 "
      "devices\n     contoso-a-001, contoso-a-002, contoso-a7-001\n"))
      << r.out;
}

// Disabling the root's group while the intermediate's group stays enabled
// revokes nothing below the intermediate.
TEST(WhatIfTest, DisablingTheRootLeavesIntermediateDevicesAllowed) {
  const std::string s = Scenario("group-nearest-decides");
  ToolResult r = RunChaintrust(
      absl::StrCat("whatif --policy=", s, "/policy.json --disable=contoso-root",
                   " --devices=", s, kAt, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      Summary(r.out),
      "\"stillAllowedAfterRevokingCa\":{\"count\":3,\"byGroup\":[{"
      "\"revokedGroup\":\"contoso-root\",\"allowedBy\":\"GROUP "
      "contoso-int-1\",\"count\":3,"))
      << r.out;
  // Reported although their decision did not change.
  EXPECT_TRUE(absl::StrContains(
      r.out, "{\"device\":\"contoso-a7-001\",\"changed\":false,"))
      << r.out;
}

TEST(WhatIfTest, DisablingTheIntermediateDeniesItsDevices) {
  const std::string s = Scenario("group-nearest-decides");
  ToolResult r = RunChaintrust(absl::StrCat(
      "whatif --policy=", s, "/policy.json --disable=contoso-int-1",
      " --devices=", s, kAt, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string summary = Summary(r.out);
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

TEST(WhatIfTest, UnknownIdIsAnError) {
  ToolResult r = RunChaintrust(absl::StrCat(
      "whatif --policy=", Scenario("fleet"),
      "/policy.json --disable=no-such-group --devices=", Scenario("fleet"),
      kAt));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(absl::StrContains(r.out, "\"no-such-group\"")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "policy.json")) << r.out;
}

// The generated fleet: deleting fleet-int-a moves its 29 allowed devices to
// the root; deleting the disabled fleet-int-b re-enrolls its 10 denied
// devices through the root. Changed devices stream to --out; the summary
// keeps only --sample ids per bucket.
TEST(WhatIfTest, GeneratedFleetDeletes) {
  const TestFleet fleet = WriteTestFleet(TestPath("whatif-fleet"));
  const std::string out = TestPath("whatif-changes.jsonl");
  ToolResult r = RunChaintrust(absl::StrCat(
      "whatif --policy=", fleet.policy,
      " --delete=fleet-int-a --delete=fleet-int-b --devices=", fleet.jsonl,
      " --sample=2 --format=json --out=", out));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"devices\":50,\"changed\":39,"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\"stillEnrolledThroughHigherGroup\":{\"count\":39,\"byGroup\":[{"
      "\"deletedGroup\":\"fleet-int-a\",\"allowedBy\":\"GROUP fleet-root\","
      "\"count\":29,\"wereDenied\":0,\"sample\":[\"dev-a1-001\","
      "\"dev-a1-002\"]},{\"deletedGroup\":\"fleet-int-b\",\"allowedBy\":"
      "\"GROUP fleet-root\",\"count\":10,\"wereDenied\":10,\"sample\":["
      "\"dev-b2-000\",\"dev-b2-001\"]}]}"))
      << r.out;
  auto lines = ReadFile(out);
  ASSERT_TRUE(lines.ok());
  // 39 changed, plus the 10 dev-b1 devices still allowed by fleet-sub-b1
  // below the deleted fleet-int-b.
  EXPECT_EQ(
      std::vector<std::string>(absl::StrSplit(*lines, '\n', absl::SkipEmpty()))
          .size(),
      49u);
  EXPECT_TRUE(absl::StrContains(
      *lines,
      "{\"device\":\"dev-b1-000\",\"changed\":false,\"transition\":{"
      "\"before\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP fleet-sub-b1)\","
      "\"after\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP fleet-sub-b1)\"},"
      "\"stillAllowedAfterRevokingCa\":{\"revokedGroup\":\"fleet-int-b\","))
      << *lines;

  r = RunChaintrust(absl::StrCat("whatif --policy=", fleet.policy,
                                 " --delete=fleet-int-b --devices=", fleet.dir,
                                 " --sample=3"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "group fleet-int-b deleted -> now allowed by GROUP fleet-root: 10 "
      "devices (10 of them DENIED before: the delete re-enrolls them)\n"
      "     dev-b2-000, dev-b2-001, dev-b2-002, ... (7 more)\n"))
      << r.out;
}

// The disabled individual enrollment of dev-a1-000 overrides its group:
// deleting it lets fleet-int-a allow the device.
TEST(WhatIfTest, GeneratedFleetDisabledIndividualOverridesItsGroup) {
  const TestFleet fleet = WriteTestFleet(TestPath("whatif-individual"));
  ToolResult r = RunChaintrust(absl::StrCat(
      "whatif --policy=", fleet.policy,
      " --delete=dev-a1-000 --devices=", fleet.dir, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      Summary(r.out),
      "\"changed\":1,\"transitions\":[{\"before\":\"DENY "
      "INDIVIDUAL_ENROLLMENT_DISABLED (INDIVIDUAL dev-a1-000)\",\"after\":"
      "\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP fleet-int-a)\",\"count\":1,"))
      << r.out;
}

}  // namespace
}  // namespace chaintrust::cli
