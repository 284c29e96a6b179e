// `chaintrust audit` over the scenario corpus and the generated three-level
// fleet (tools/test_fleet.h). whatif/diff, lint and graph have their own
// tests (whatif_test.cc, lint_test.cc, graph_test.cc).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "tools/cli/cli.h"
#include "testdata/test_fleet.h"

namespace chaintrust::cli {
namespace {

constexpr char kBinary[] = "tools/cli/chaintrust";
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
  EXPECT_TRUE(absl::StrContains(
      r.out, "devices: 10\n  ALLOW          5   50.0%\n  DENY           5"))
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

// The generated three-level fleet (tools/test_fleet.h), as a directory and
// as JSONL: the same summary.
TEST(AuditTest, GeneratedThreeLevelFleet) {
  const TestFleet fleet = WriteTestFleet(TempPath("audit-fleet"));
  for (const std::string& devices : {fleet.dir, fleet.jsonl}) {
    Result r = RunTool(absl::StrCat("audit --policy=", fleet.policy,
                                    " --devices=", devices, " --format=json"));
    ASSERT_EQ(r.status, 0) << r.out;
    std::vector<std::string> lines =
        absl::StrSplit(r.out, '\n', absl::SkipEmpty());
    ASSERT_EQ(lines.size(), 51u) << r.out;
    EXPECT_TRUE(absl::StartsWith(lines[0], "{\"device\":\"dev-a1-000\","))
        << lines[0];
    EXPECT_EQ(lines[50],
              "{\"summary\":{\"devices\":50,\"allow\":39,\"deny\":11,"
              "\"reasons\":{\"ENROLLMENT_GROUP_DISABLED\":10,"
              "\"ENROLLMENT_GROUP_ENABLED\":39,"
              "\"INDIVIDUAL_ENROLLMENT_DISABLED\":1},"
              "\"enrollments\":{\"GROUP fleet-int-a\":29,"
              "\"GROUP fleet-int-b\":10,\"GROUP fleet-sub-b1\":10,"
              "\"INDIVIDUAL dev-a1-000\":1}}}");
  }
  Result r = RunTool(
      absl::StrCat("audit --policy=", fleet.policy, " --devices=", fleet.dir));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(
      absl::StrContains(r.out, "devices: 50\n  ALLOW         39   78.0%"))
      << r.out;
}

}  // namespace
}  // namespace chaintrust::cli
