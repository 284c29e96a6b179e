// BuildGraph, in-process: the CA hierarchy, each group with its status,
// individual enrollments, and device counts per certificate node along
// each device's path, over the scenario corpus and the generated
// three-level fleet (testdata/test_fleet.h).
#include "engine/analysis/graph.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/analysis/analysis_testing.h"
#include "gtest/gtest.h"
#include "testdata/test_fleet.h"

namespace chaintrust::analysis {
namespace {

Graph Build(const std::string& policy, const std::string& devices,
            absl::Time at) {
  GraphOptions options;
  options.devices = devices;
  options.at = at;
  options.progress = false;
  auto graph = BuildGraph(LoadOrDie(policy), options);
  EXPECT_TRUE(graph.ok()) << graph.status();
  return graph.ok() ? *std::move(graph) : Graph();
}

TEST(GraphTest, GeneratedFleetCountsPerCertificateNode) {
  const TestFleet fleet = WriteTestFleet(TestPath("graph-fleet"));
  const std::string json =
      GraphJson(Build(fleet.policy, fleet.dir, absl::Now()));
  // Every device passes the root; it decides none of them.
  EXPECT_TRUE(absl::StrContains(
      json,
      "{\"id\":\"n0\",\"kind\":\"certificate\",\"label\":\"Fleet Root CA "
      "group fleet-root (primary)\",\"enrollment\":\"fleet-root\","
      "\"enabled\":true,\"devices\":50,\"allowed\":39,\"decided\":0,"
      "\"decidedAllowed\":0}"))
      << json;
  // Disabled fleet-int-b: 20 devices below it, it decides (denies) the 10
  // that fleet-sub-b1 does not.
  EXPECT_TRUE(absl::StrContains(
      json,
      "\"label\":\"Fleet Intermediate B group fleet-int-b (primary)\","
      "\"enrollment\":\"fleet-int-b\",\"enabled\":false,\"devices\":20,"
      "\"allowed\":10,\"decided\":10,\"decidedAllowed\":0}"))
      << json;
  EXPECT_TRUE(absl::StrContains(
      json,
      "\"enrollment\":\"fleet-sub-b1\",\"enabled\":true,\"devices\":10,"
      "\"allowed\":10,\"decided\":10,\"decidedAllowed\":10}"))
      << json;
  // Sub CAs without a group come from the corpus.
  EXPECT_TRUE(absl::StrContains(
      json,
      "\"kind\":\"ca\",\"label\":\"Fleet Sub CA A1 (CA, no group)\","
      "\"devices\":15,\"allowed\":14,"))
      << json;
  // The disabled individual enrollment decides its device.
  EXPECT_TRUE(absl::StrContains(
      json,
      "\"kind\":\"individual\",\"label\":\"dev-a1-000 (individual, x509)\","
      "\"enrollment\":\"dev-a1-000\",\"enabled\":false,\"devices\":1,"
      "\"allowed\":0,\"decided\":1,"))
      << json;
  // Hierarchy: root -> both intermediates, int-b -> sub-b1.
  EXPECT_TRUE(absl::StrContains(json, "{\"from\":\"n0\",\"to\":\"n1\"}"))
      << json;
  EXPECT_TRUE(absl::StrContains(json, "{\"from\":\"n0\",\"to\":\"n2\"}"))
      << json;
  EXPECT_TRUE(absl::StrContains(json, "{\"from\":\"n2\",\"to\":\"n3\"}"))
      << json;

  const std::string dot =
      GraphDot(Build(fleet.policy, fleet.jsonl, absl::Now()));
  EXPECT_TRUE(absl::StrContains(
      dot,
      "n2 [label=\"Fleet Intermediate B\\ngroup fleet-int-b (primary)"
      "\\ndisabled\\ndevices on path: 20 (10 allowed)\\ndecides: 10 (0 "
      "allowed)\", fillcolor=lightcoral"))
      << dot;
}

TEST(GraphTest, ScenarioFleetHierarchy) {
  const std::string policy = Scenario("fleet") + "/policy.json";
  const std::string dot =
      GraphDot(Build(policy, Scenario("fleet"), ScenarioTime()));
  EXPECT_TRUE(absl::StartsWith(dot, "digraph trust {")) << dot;
  EXPECT_TRUE(absl::StrContains(
      dot,
      "Contoso Intermediate CA 2\\ngroup contoso-factory-b (primary)"
      "\\ndisabled\\ndevices on path: 3 (1 allowed)\\ndecides: 2 (0 "
      "allowed)\", fillcolor=lightcoral"))
      << dot;
  EXPECT_TRUE(absl::StrContains(dot, "n2 -> n1;")) << dot;
  // Without devices: structure only.
  const Graph graph = Build(policy, "", ScenarioTime());
  EXPECT_FALSE(graph.counted);
  const std::string json = GraphJson(graph);
  EXPECT_TRUE(absl::StrContains(
      json, "\"enrollment\":\"contoso-factory-b\",\"enabled\":false}"))
      << json;
  EXPECT_TRUE(absl::StrContains(json, "{\"from\":\"n2\",\"to\":\"n1\"}"))
      << json;
}

TEST(GraphTest, CorpusErrorsAreReturned) {
  GraphOptions options;
  options.devices = TestPath("no-such-corpus.jsonl");
  options.progress = false;
  auto graph =
      BuildGraph(LoadOrDie(Scenario("fleet") + "/policy.json"), options);
  ASSERT_FALSE(graph.ok());
  EXPECT_TRUE(absl::StrContains(graph.status().message(), "no-such-corpus"))
      << graph.status();
}

}  // namespace
}  // namespace chaintrust::analysis
