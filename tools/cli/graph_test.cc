// `chaintrust graph`: the CA hierarchy, each group with its status,
// individual enrollments, and device counts per certificate node along
// each device's path, over the scenario corpus and the generated
// three-level fleet (tools/test_fleet.h).
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tools/cli/cli.h"
#include "testdata/test_fleet.h"

namespace chaintrust::cli {
namespace {

constexpr char kAt[] = " --at=2025-06-01T00:00:00Z";

std::string Scenario(const std::string& name) {
  return absl::StrCat("testdata/scenarios/", name);
}

TEST(GraphTest, GeneratedFleetCountsPerCertificateNode) {
  const TestFleet fleet = WriteTestFleet(TestPath("graph-fleet"));
  ToolResult r =
      RunChaintrust(absl::StrCat("graph --policy=", fleet.policy,
                                 " --devices=", fleet.dir, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  // Every device passes the root; it decides none of them.
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "{\"id\":\"n0\",\"kind\":\"certificate\",\"label\":\"Fleet Root CA "
      "group fleet-root (primary)\",\"enrollment\":\"fleet-root\","
      "\"enabled\":true,\"devices\":50,\"allowed\":39,\"decided\":0,"
      "\"decidedAllowed\":0}"))
      << r.out;
  // Disabled fleet-int-b: 20 devices below it, it decides (denies) the 10
  // that fleet-sub-b1 does not.
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\"label\":\"Fleet Intermediate B group fleet-int-b (primary)\","
      "\"enrollment\":\"fleet-int-b\",\"enabled\":false,\"devices\":20,"
      "\"allowed\":10,\"decided\":10,\"decidedAllowed\":0}"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\"enrollment\":\"fleet-sub-b1\",\"enabled\":true,\"devices\":10,"
      "\"allowed\":10,\"decided\":10,\"decidedAllowed\":10}"))
      << r.out;
  // Sub CAs without a group come from the corpus.
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\"kind\":\"ca\",\"label\":\"Fleet Sub CA A1 (CA, no group)\","
      "\"devices\":15,\"allowed\":14,"))
      << r.out;
  // The disabled individual enrollment decides its device.
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\"kind\":\"individual\",\"label\":\"dev-a1-000 (individual, x509)\","
      "\"enrollment\":\"dev-a1-000\",\"enabled\":false,\"devices\":1,"
      "\"allowed\":0,\"decided\":1,"))
      << r.out;
  // Hierarchy: root -> both intermediates, int-b -> sub-b1.
  EXPECT_TRUE(absl::StrContains(r.out, "{\"from\":\"n0\",\"to\":\"n1\"}"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "{\"from\":\"n0\",\"to\":\"n2\"}"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "{\"from\":\"n2\",\"to\":\"n3\"}"))
      << r.out;

  r = RunChaintrust(absl::StrCat("graph --policy=", fleet.policy,
                                 " --devices=", fleet.jsonl));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "n2 [label=\"Fleet Intermediate B\\ngroup fleet-int-b (primary)"
      "\\ndisabled\\ndevices on path: 20 (10 allowed)\\ndecides: 10 (0 "
      "allowed)\", fillcolor=lightcoral"))
      << r.out;
}

TEST(GraphTest, ScenarioFleetHierarchy) {
  ToolResult r = RunChaintrust(
      absl::StrCat("graph --policy=", Scenario("fleet"),
                   "/policy.json --devices=", Scenario("fleet"), kAt));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StartsWith(r.out, "digraph trust {")) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "Contoso Intermediate CA 2\\ngroup contoso-factory-b (primary)"
      "\\ndisabled\\ndevices on path: 3 (1 allowed)\\ndecides: 2 (0 "
      "allowed)\", fillcolor=lightcoral"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "n2 -> n1;")) << r.out;
  // Without devices: structure only.
  r = RunChaintrust(absl::StrCat("graph --policy=", Scenario("fleet"),
                                 "/policy.json --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "\"enrollment\":\"contoso-factory-b\",\"enabled\":false}"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "{\"from\":\"n2\",\"to\":\"n1\"}"))
      << r.out;
}

TEST(GraphTest, SvgWhenDotIsInstalled) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Graphviz dot is not installed";
  }
  const std::string svg = TestPath("fleet.svg");
  ToolResult r = RunChaintrust(absl::StrCat(
      "graph --policy=", Scenario("fleet"), "/policy.json --out=", svg));
  ASSERT_EQ(r.status, 0) << r.out;
  auto text = ReadFile(svg);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(absl::StrContains(*text, "<svg")) << *text;
}

}  // namespace
}  // namespace chaintrust::cli
