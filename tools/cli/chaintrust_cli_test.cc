// docs/contract.md's command line: exit statuses, error messages that name
// what is wrong and where, per-command help, and each subcommand wired to
// its analysis (the analyses themselves are tested in engine/analysis/).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_testing.h"

namespace chaintrust::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kFleet[] = "testdata/scenarios/fleet";
constexpr char kAt[] = " --at=2025-06-01T00:00:00Z";

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  FILE* f = fopen(path.c_str(), "wb");
  fwrite(contents.data(), 1, contents.size(), f);
  fclose(f);
  return path;
}

std::string Policy() { return absl::StrCat(kFleet, "/policy.json"); }

TEST(ChaintrustCliTest, AllowDenyExitStatuses) {
  const std::string base =
      absl::StrCat("decide --at=2025-06-01T00:00:00Z --policy=", kFleet,
                   "/policy.json --chain=", kFleet);
  EXPECT_EQ(Chaintrust(base + "/fleet-dev-001.pem").status, 0);
  CliRun deny = Chaintrust(base + "/fleet-dev-004.pem");
  EXPECT_EQ(deny.status, 1);
  EXPECT_THAT(deny.out, HasSubstr("INDIVIDUAL_ENROLLMENT_DISABLED"));
}

TEST(ChaintrustCliTest, BadFlagsExitTwoOnStderr) {
  for (const std::string& args :
       {std::string("decide --nonsense=1"), std::string("decide"),
        absl::StrCat("decide --policy=", kFleet, "/policy.json"),
        absl::StrCat("decide --policy=", kFleet, "/policy.json --chain=",
                     kFleet, "/fleet-dev-001.pem --format=xml"),
        absl::StrCat("decide --policy=", kFleet, "/policy.json --chain=",
                     kFleet, "/fleet-dev-001.pem --at=yesterday"),
        std::string("no-such-command"), std::string("audit extra"),
        std::string("")}) {
    CliRun run = Chaintrust(args);
    EXPECT_EQ(run.status, 2) << args << "\n" << run.output();
    EXPECT_THAT(run.err, HasSubstr("chaintrust")) << args;
    EXPECT_EQ(run.out, "") << args;
  }
}

TEST(ChaintrustCliTest, HelpForEachCommandOnStdout) {
  for (const std::string command :
       {"decide", "audit", "whatif", "diff", "lint", "graph", "replay",
        "registrations", "conformance"}) {
    for (const std::string& args :
         {absl::StrCat("help ", command), absl::StrCat(command, " --help")}) {
      CliRun run = Chaintrust(args);
      EXPECT_EQ(run.status, 0) << args << "\n" << run.output();
      EXPECT_THAT(run.out, StartsWith("usage:\n  " + command)) << args;
      EXPECT_EQ(run.err, "") << args;
    }
  }
  CliRun run = Chaintrust("help");
  EXPECT_EQ(run.status, 0);
  EXPECT_THAT(run.out, HasSubstr("commands:\n  decide"));
  run = Chaintrust("help no-such-command");
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("unknown command \"no-such-command\""));
  // A usage error names the problem and shows the usage, on stderr.
  run = Chaintrust("lint --nonsense");
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("chaintrust lint: unknown flag --nonsense"));
  EXPECT_THAT(run.err, HasSubstr("usage:\n  lint"));
}

TEST(ChaintrustCliTest, UnreadableFilesExitTwoNamingThem) {
  CliRun run =
      Chaintrust(absl::StrCat("decide --policy=/no/such/policy.json "
                              "--chain=",
                              kFleet, "/fleet-dev-001.pem"));
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("/no/such/policy.json"));
  run = Chaintrust(absl::StrCat("decide --policy=", kFleet,
                                "/policy.json --chain=/no/such/chain.pem"));
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("/no/such/chain.pem"));
}

TEST(ChaintrustCliTest, InvalidPolicyExitsTwoNamingTheEntry) {
  const std::string policy = WriteTemp("bad-policy.json",
                                       R"({"enrollmentGroups": [
            {"enrollmentGroupId": "ok", "attestation": {"type": "symmetricKey",
              "symmetricKey": {"primaryKey": "AAECAwQFBgcICQoLDA0ODw=="}}},
            {"enrollmentGroupId": "broken", "provisioningStatus": "sometimes",
             "attestation": {"type": "x509"}}]})");
  CliRun run = Chaintrust(absl::StrCat(
      "decide --policy=", policy, " --chain=", kFleet, "/fleet-dev-001.pem"));
  EXPECT_EQ(run.status, 2) << run.output();
  EXPECT_THAT(run.err, HasSubstr("bad-policy.json"));
  EXPECT_THAT(run.err, HasSubstr("enrollmentGroups[1]"));
  EXPECT_THAT(run.err, HasSubstr("provisioningStatus"));
}

TEST(ChaintrustCliTest, GarbageChainIsADenyNotAnError) {
  const std::string chain =
      WriteTemp("garbage.pem", "this is not a certificate\n");
  CliRun run = Chaintrust(absl::StrCat("decide --format=json --policy=", kFleet,
                                       "/policy.json --chain=", chain));
  EXPECT_EQ(run.status, 1) << run.output();
  EXPECT_THAT(run.out, HasSubstr("\"reason\":\"MALFORMED_CHAIN\""));
}

// Each analysis subcommand reaches its library and prints what it returns.
TEST(ChaintrustCliTest, AnalysesAreWiredUp) {
  const std::string decisions =
      absl::StrCat(::testing::TempDir(), "/decisions.jsonl");
  CliRun run = Chaintrust(absl::StrCat("audit --policy=", Policy(),
                                       " --devices=", kFleet, kAt,
                                       " --format=json --out=", decisions));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, StartsWith("{\"devices\":10,\"allow\":5,\"deny\":5,"));
  EXPECT_THAT(ReadAll(decisions), StartsWith("{\"device\":\"fleet-dev-001\""));
  run = Chaintrust(
      absl::StrCat("audit --policy=", Policy(), " --devices=", kFleet, kAt));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, StartsWith("devices: 10\n"));

  run = Chaintrust(
      absl::StrCat("whatif --policy=", Policy(),
                   " --disable=contoso-factory-a --devices=", kFleet, kAt));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, StartsWith("whatif: disable contoso-factory-a\n"));
  run =
      Chaintrust(absl::StrCat("diff --before=", Policy(), " --after=", Policy(),
                              " --devices=", kFleet, kAt, " --format=json"));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, HasSubstr("{\"summary\":{\"change\":[\"before "));
  EXPECT_THAT(run.out, HasSubstr("\"devices\":10,\"changed\":0,"));

  run = Chaintrust(
      absl::StrCat("lint --policy=", Policy(), kAt, " --format=json"));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, StartsWith("{\"findings\":["));
  run = Chaintrust(
      absl::StrCat("lint --policy=", Policy(), " --at=2099-01-01T00:00:00Z"));
  EXPECT_EQ(run.status, 1) << run.output();  // error findings

  const std::string dot = absl::StrCat(::testing::TempDir(), "/fleet.dot");
  run = Chaintrust(absl::StrCat("graph --policy=", Policy(),
                                " --devices=", kFleet, kAt, " --out=", dot));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(ReadAll(dot), StartsWith("digraph trust {"));
  run = Chaintrust(absl::StrCat("graph --policy=", Policy(), " --format=json"));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, StartsWith("{\"nodes\":["));
}

// A corpus of many devices (the fleet's ten chains over and over) decided on
// one thread and on several: the same output, byte for byte.
TEST(ChaintrustCliTest, AnalysesPrintTheSameWhateverTheThreads) {
  std::string jsonl;
  for (int round = 0; round < 150; ++round) {
    for (int i = 1; i <= 10; ++i) {
      const std::string pem = ReadAll(
          absl::StrCat(kFleet, "/fleet-dev-0", i < 10 ? "0" : "", i, ".pem"));
      std::string escaped;
      for (char c : pem) {
        escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
      }
      absl::StrAppend(&jsonl, "{\"id\":\"d", round, "-", i, "\",\"chain\":\"",
                      escaped, "\"}\n");
    }
  }
  const std::string corpus = WriteTemp("many.jsonl", jsonl);
  for (const std::string& command :
       {absl::StrCat("audit --policy=", Policy()),
        absl::StrCat("whatif --policy=", Policy(),
                     " --disable=contoso-factory-a"),
        absl::StrCat("diff --before=", Policy(), " --after=", kFleet,
                     "/../group-disabled-root/policy.json")}) {
    const std::string base = absl::StrCat(command, " --devices=", corpus, kAt,
                                          " --format=json --progress=false");
    const CliRun one = Chaintrust(base + " --threads=1");
    EXPECT_EQ(one.status, 0) << one.output();
    EXPECT_GT(one.out.size(), 10000u) << command;
    for (const char* threads : {" --threads=2", " --threads=5", ""}) {
      const CliRun many = Chaintrust(base + threads);
      EXPECT_EQ(many.status, 0) << many.output();
      EXPECT_TRUE(many.out == one.out) << command << threads;
    }
  }
  for (const char* bad :
       {" --threads=-1", " --threads=x", " --progress=maybe"}) {
    const CliRun run = Chaintrust(absl::StrCat(
        "audit --policy=", Policy(), " --devices=", corpus, kAt, bad));
    EXPECT_EQ(run.status, 2) << bad << run.output();
    EXPECT_EQ(run.out, "") << bad;
  }
}

TEST(ChaintrustCliTest, GraphSvgWhenDotIsInstalled) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "Graphviz dot is not installed";
  }
  const std::string svg = absl::StrCat(::testing::TempDir(), "/fleet.svg");
  CliRun run =
      Chaintrust(absl::StrCat("graph --policy=", Policy(), " --out=", svg));
  ASSERT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(ReadAll(svg), HasSubstr("<svg"));
}

}  // namespace
}  // namespace chaintrust::cli
