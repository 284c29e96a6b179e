// CONTRACT.md's command line: exit statuses and error messages that name
// what is wrong and where.
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::HasSubstr;

constexpr char kFleet[] = "testdata/scenarios/fleet";

struct CliRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

CliRun Chaintrust(const std::string& args) {
  CliRun run;
  FILE* pipe =
      popen(absl::StrCat("tools/cli/chaintrust ", args, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    run.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  FILE* f = fopen(path.c_str(), "wb");
  fwrite(contents.data(), 1, contents.size(), f);
  fclose(f);
  return path;
}

TEST(ChaintrustCliTest, AllowDenyExitStatuses) {
  const std::string base =
      absl::StrCat("decide --at=2025-06-01T00:00:00Z --policy=", kFleet,
                   "/policy.json --chain=", kFleet);
  EXPECT_EQ(Chaintrust(base + "/fleet-dev-001.pem").status, 0);
  CliRun deny = Chaintrust(base + "/fleet-dev-004.pem");
  EXPECT_EQ(deny.status, 1);
  EXPECT_THAT(deny.output, HasSubstr("INDIVIDUAL_ENROLLMENT_DISABLED"));
}

TEST(ChaintrustCliTest, BadFlagsExitTwo) {
  for (const std::string& args :
       {std::string("decide --nonsense=1"), std::string("decide"),
        absl::StrCat("decide --policy=", kFleet, "/policy.json"),
        absl::StrCat("decide --policy=", kFleet, "/policy.json --chain=",
                     kFleet, "/fleet-dev-001.pem --format=xml"),
        absl::StrCat("decide --policy=", kFleet, "/policy.json --chain=",
                     kFleet, "/fleet-dev-001.pem --at=yesterday"),
        std::string("no-such-command")}) {
    CliRun run = Chaintrust(args);
    EXPECT_EQ(run.status, 2) << args << "\n" << run.output;
    EXPECT_THAT(run.output, HasSubstr("chaintrust")) << args;
  }
}

TEST(ChaintrustCliTest, UnreadableFilesExitTwoNamingThem) {
  CliRun run =
      Chaintrust(absl::StrCat("decide --policy=/no/such/policy.json "
                              "--chain=",
                              kFleet, "/fleet-dev-001.pem"));
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.output, HasSubstr("/no/such/policy.json"));
  run = Chaintrust(absl::StrCat("decide --policy=", kFleet,
                                "/policy.json --chain=/no/such/chain.pem"));
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.output, HasSubstr("/no/such/chain.pem"));
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
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("bad-policy.json"));
  EXPECT_THAT(run.output, HasSubstr("enrollmentGroups[1]"));
  EXPECT_THAT(run.output, HasSubstr("provisioningStatus"));
}

TEST(ChaintrustCliTest, GarbageChainIsADenyNotAnError) {
  const std::string chain =
      WriteTemp("garbage.pem", "this is not a certificate\n");
  CliRun run = Chaintrust(absl::StrCat("decide --format=json --policy=", kFleet,
                                       "/policy.json --chain=", chain));
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_THAT(run.output, HasSubstr("\"reason\":\"MALFORMED_CHAIN\""));
}

}  // namespace
