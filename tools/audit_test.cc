// Runs the offline audits (audit, whatif, diff, lint, graph) of
// `chaintrust` over the scenario corpus and checks that they flag the DPS
// guide's pitfalls: deleting an intermediate's group while the root group is
// enabled, a disabled individual enrollment overriding its group, orphaned
// registration records. The `fleet` scenario (root -> intermediates ->
// devices, three levels) goes through all four commands.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tools/cli.h"

namespace chaintrust::cli {
namespace {

constexpr char kBinary[] = "tools/chaintrust";
constexpr char kCorpus[] = "testdata/scenarios";
constexpr char kAt[] = " --at=2025-06-01T00:00:00Z";

struct Result {
  int status = -1;
  std::string out;
};

Result RunTool(const std::string& args) {
  const std::string command = absl::StrCat(kBinary, " ", args, " 2>&1");
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Scenario(const std::string& name) {
  return absl::StrCat(kCorpus, "/", name);
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

TEST(AuditTest, FleetSummaryAndDecisions) {
  const std::string out = TempPath("fleet.jsonl");
  Result r = RunTool(absl::StrCat("audit --policy=", Scenario("fleet"),
                                  "/policy.json --devices=", Scenario("fleet"),
                                  kAt, " --format=json --out=", out));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"devices\":10,\"allow\":5,\"deny\":5"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"GROUP contoso-factory-b\":2"))
      << r.out;
  auto text = ReadFile(out);
  ASSERT_TRUE(text.ok());
  std::vector<std::string> lines =
      absl::StrSplit(*text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 10u);
  // Deterministic order: file-name order, "device" first.
  EXPECT_TRUE(absl::StartsWith(lines[0], "{\"device\":\"fleet-dev-001\","))
      << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[9], "{\"device\":\"fleet-dev-010\","));
}

TEST(AuditTest, JsonlCorpusGivesTheSameSummary) {
  const std::string jsonl = TempPath("fleet-corpus.jsonl");
  {
    std::ofstream f(jsonl);
    for (int i = 1; i <= 10; ++i) {
      const std::string id = absl::StrCat("fleet-dev-0", i < 10 ? "0" : "", i);
      auto pem = ReadFile(absl::StrCat(Scenario("fleet"), "/", id, ".pem"));
      ASSERT_TRUE(pem.ok());
      std::string escaped;
      for (char c : *pem)
        escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
      f << "{\"id\":\"" << id << "\",\"chain\":\"" << escaped << "\"}\n";
    }
  }
  Result r = RunTool(absl::StrCat("audit --policy=", Scenario("fleet"),
                                  "/policy.json --devices=", jsonl, kAt));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "devices: 10\nALLOW: 5\nDENY: 5"))
      << r.out;
}

TEST(AuditTest, BadCorpusLineIsAnErrorNamingTheLine) {
  const std::string jsonl = TempPath("bad.jsonl");
  { std::ofstream(jsonl) << "{\"id\":\"a\"}\nnot json\n"; }
  Result r = RunTool(absl::StrCat("audit --policy=", Scenario("fleet"),
                                  "/policy.json --devices=", jsonl, kAt));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(absl::StrContains(r.out, "bad.jsonl:2")) << r.out;
}

// DPS guide: deleting an intermediate's group leaves its devices enrolled
// through the enabled root group.
TEST(WhatIfTest, DeleteIntermediateGroupWithEnabledRoot) {
  const std::string policy =
      absl::StrCat(Scenario("group-nearest-decides"), "/policy.json");
  Result r = RunTool(absl::StrCat(
      "whatif --policy=", policy, " --delete=contoso-int-1 --devices=",
      Scenario("group-nearest-decides"), kAt, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"changed\":3")) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\"stillEnrolledThroughHigherGroup\":[{\"device\":\"contoso-a-001\","
      "\"deletedGroup\":\"contoso-int-1\",\"allowedBy\":\"GROUP "
      "contoso-root\"}"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"stillAllowedAfterRevokingCa\":[{"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "\"before\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP contoso-int-1)\","
      "\"after\":\"ALLOW ENROLLMENT_GROUP_ENABLED (GROUP contoso-root)\","
      "\"count\":3"))
      << r.out;
}

TEST(WhatIfTest, DiffOfTheTwoScenarioPoliciesFlagsTheSame) {
  Result r = RunTool(absl::StrCat(
      "diff --before=", Scenario("group-nearest-decides"),
      "/policy.json --after=", Scenario("group-deleted-intermediate"),
      "/policy.json --devices=", Scenario("group-nearest-decides"), kAt));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "changed: 3")) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "contoso-a-001: group contoso-int-1 deleted, now allowed by "
      "GROUP contoso-root"))
      << r.out;
}

TEST(WhatIfTest, DisablingTheIntermediateDeniesItsDevices) {
  Result r = RunTool(
      absl::StrCat("whatif --policy=", Scenario("group-nearest-decides"),
                   "/policy.json --disable=contoso-int-1 --devices=",
                   Scenario("group-nearest-decides"), kAt, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(
      absl::StrContains(r.out,
                        "\"after\":\"DENY ENROLLMENT_GROUP_DISABLED (GROUP "
                        "contoso-int-1)\",\"count\":3"))
      << r.out;
  EXPECT_TRUE(
      absl::StrContains(r.out, "\"stillEnrolledThroughHigherGroup\":[]"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "\"stillAllowedAfterRevokingCa\":[]"))
      << r.out;
}

TEST(WhatIfTest, UnknownIdIsAnError) {
  Result r = RunTool(absl::StrCat(
      "whatif --policy=", Scenario("fleet"),
      "/policy.json --disable=no-such-group --devices=", Scenario("fleet"),
      kAt));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(absl::StrContains(r.out, "\"no-such-group\"")) << r.out;
}

// DPS guide: a disabled individual enrollment silently overrides its group.
TEST(LintTest, DisabledIndividualOverridingItsGroup) {
  Result r =
      RunTool(absl::StrCat("lint --policy=", Scenario("individual-disabled"),
                           "/policy.json", kAt, " --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "{\"severity\":\"warning\",\"code\":\"INDIVIDUAL_OVERRIDES_GROUP\","
      "\"entry\":\"individualEnrollments[\\\"dis-x509-own-01\\\"]\""))
      << r.out;
  // Symmetric key: flagged, without naming a group.
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "{\"severity\":\"info\",\"code\":\"INDIVIDUAL_OVERRIDES_GROUP\","
      "\"entry\":\"individualEnrollments[\\\"dis-sym-01\\\"]\""))
      << r.out;
}

// DPS guide: orphaned registration records still count against the quota.
TEST(LintTest, OrphanedRegistrationsAndQuota) {
  const std::string records = TempPath("registrations.json");
  {
    std::ofstream(records)
        << R"([{"registrationId": "fleet-dev-001", "enrollmentGroupId": "contoso-factory-a", "status": "assigned"},
 {"registrationId": "old-dev-9", "enrollmentGroupId": "contoso-gone", "status": "assigned"},
 {"registrationId": "fleet-dev-007", "status": "assigned"},
 {"registrationId": "lost-individual", "status": "assigned"}])";
  }
  Result r = RunTool(
      absl::StrCat("lint --policy=", Scenario("fleet"), "/policy.json", kAt,
                   " --registrations=", records, " --max_registrations=4"));
  EXPECT_EQ(r.status, 1) << r.out;  // the quota is full: an error
  EXPECT_TRUE(absl::StrContains(
      r.out, "warning ORPHANED_REGISTRATION registrations[1] (\"old-dev-9\")"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "warning ORPHANED_REGISTRATION registrations[3] (\"lost-individual\")"))
      << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "registrations[0]")) << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "registrations[2]")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "error QUOTA")) << r.out;
  EXPECT_TRUE(
      absl::StrContains(r.out, "4 registration records of a quota of 4"))
      << r.out;
}

TEST(LintTest, FleetFindings) {
  Result r = RunTool(
      absl::StrCat("lint --policy=", Scenario("fleet"), "/policy.json", kAt));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "info GROUP_THUMBPRINT_ONLY enrollmentGroups[\"contoso-factory-a\"]"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "info GROUP_SHADOWED enrollmentGroups[\"contoso-root\"]"))
      << r.out;
  // Far in the future every certificate has expired.
  r = RunTool(absl::StrCat("lint --policy=", Scenario("fleet"),
                           "/policy.json --at=2099-01-01T00:00:00Z"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "error CERTIFICATE_EXPIRED")) << r.out;
}

TEST(GraphTest, FleetHierarchyWithDeviceCounts) {
  Result r =
      RunTool(absl::StrCat("graph --policy=", Scenario("fleet"),
                           "/policy.json --devices=", Scenario("fleet"), kAt));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StartsWith(r.out, "digraph trust {")) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "Contoso Intermediate CA 2\\ngroup contoso-factory-b (primary)"
      "\\ndisabled\\ndevices: 2 (0 allowed)\", fillcolor=lightcoral"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "n2 -> n1;")) << r.out;
  r = RunTool(absl::StrCat("graph --policy=", Scenario("fleet"),
                           "/policy.json --format=json"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "\"enrollment\":\"contoso-factory-b\",\"enabled\":false"))
      << r.out;
  EXPECT_TRUE(
      absl::StrContains(r.out, "\"edges\":[{\"from\":\"n2\",\"to\":\"n1\"}]"))
      << r.out;
}

TEST(GraphTest, SvgWhenDotIsInstalled) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Graphviz dot is not installed";
  }
  const std::string svg = TempPath("fleet.svg");
  Result r = RunTool(absl::StrCat("graph --policy=", Scenario("fleet"),
                                  "/policy.json --out=", svg));
  ASSERT_EQ(r.status, 0) << r.out;
  auto text = ReadFile(svg);
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(absl::StrContains(*text, "<svg")) << *text;
}

}  // namespace
}  // namespace chaintrust::cli
