// --certificates=FILE: a DPS instance's CA certificate list, as `az iot dps
// certificate list` prints it, beside a policy whose groups name their CAs
// by reference (caReferences): wired into every command that takes a
// policy, decided (an unverified CA denies), linted, and refused with an
// error naming the file when it is wrong.
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_testing.h"

namespace chaintrust::cli {
namespace {

using ::chaintrust::internal::MintLeaf;
using ::chaintrust::internal::MintRoot;
using ::chaintrust::internal::TestCert;
using ::testing::HasSubstr;

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  FILE* f = fopen(path.c_str(), "wb");
  fwrite(contents.data(), 1, contents.size(), f);
  fclose(f);
  return path;
}

std::string Entry(const std::string& name, const TestCert& cert,
                  bool verified) {
  return absl::StrCat(
      R"({"name": ")", name,
      R"(", "etag": "AAAAAAExpNs=", "properties": {"isVerified": )",
      verified ? "true" : "false", R"(, "subject": "CN=)", name,
      R"(", "certificate": ")",
      absl::StrReplaceAll(cert.Pem(), {{"\n", "\\n"}}), "\"}}");
}

struct Files {
  std::string policy, certificates, ok_chain, bad_chain, devices;
};

const Files& TestFiles() {
  static const Files* files = [] {
    const TestCert verified = MintRoot("CLI Verified Root");
    const TestCert unverified = MintRoot("CLI Unverified Root");
    const TestCert spare = MintRoot("CLI Spare Root");
    auto* f = new Files;
    f->policy = WriteTemp("refs-policy.json", R"({"enrollmentGroups": [
      {"enrollmentGroupId": "by-verified", "attestation": {"type": "x509",
        "x509": {"caReferences": {"primary": "verified"}}}},
      {"enrollmentGroupId": "by-unverified", "attestation": {"type": "x509",
        "x509": {"caReferences": {"primary": "unverified"}}}}]})");
    f->certificates = WriteTemp(
        "refs-certificates.json",
        absl::StrCat("{\"value\": [", Entry("verified", verified, true), ",",
                     Entry("unverified", unverified, false), ",",
                     Entry("spare", spare, true), "]}"));
    const TestCert ok = MintLeaf("cli-device-ok", verified);
    const TestCert bad = MintLeaf("cli-device-bad", unverified);
    f->ok_chain = WriteTemp("refs-ok.pem", ok.Pem());
    f->bad_chain = WriteTemp("refs-bad.pem", bad.Pem());
    f->devices = WriteTemp(
        "refs-devices.jsonl",
        absl::StrCat("{\"id\": \"ok\", \"chain\": \"",
                     absl::StrReplaceAll(ok.Pem(), {{"\n", "\\n"}}), "\"}\n",
                     "{\"id\": \"bad\", \"chain\": \"",
                     absl::StrReplaceAll(bad.Pem(), {{"\n", "\\n"}}), "\"}\n"));
    return f;
  }();
  return *files;
}

std::string Common() {
  return absl::StrCat(" --policy=", TestFiles().policy,
                      " --certificates=", TestFiles().certificates);
}

TEST(CertificatesCliTest, DecideUsesTheList) {
  EXPECT_EQ(Chaintrust(absl::StrCat("decide", Common(),
                                    " --chain=", TestFiles().ok_chain))
                .status,
            0);
  const CliRun bad = Chaintrust(
      absl::StrCat("decide", Common(), " --chain=", TestFiles().bad_chain));
  EXPECT_EQ(bad.status, 1) << bad.output();
  EXPECT_THAT(bad.out, HasSubstr("CHAIN_UNVERIFIED"));
  EXPECT_THAT(bad.out, HasSubstr("CA_NOT_VERIFIED"));
  // Without the list the references name nothing: a load error.
  const CliRun missing =
      Chaintrust(absl::StrCat("decide --policy=", TestFiles().policy,
                              " --chain=", TestFiles().ok_chain));
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.err,
              HasSubstr("enrollmentGroups[0] (\"by-verified\"): "
                        "attestation.x509.caReferences.primary: no CA "
                        "certificate named \"verified\""));
}

TEST(CertificatesCliTest, LintReportsTheList) {
  const CliRun lint = Chaintrust(absl::StrCat("lint", Common()));
  EXPECT_EQ(lint.status, 1) << lint.output();  // an unverified CA in use
  EXPECT_THAT(lint.out, HasSubstr("CA_NOT_VERIFIED"));
  EXPECT_THAT(lint.out, HasSubstr("certificate \"unverified\""));
  EXPECT_THAT(lint.out, HasSubstr("CA_UNREFERENCED"));
  EXPECT_THAT(lint.out, HasSubstr("certificate \"spare\""));
}

TEST(CertificatesCliTest, EveryPolicyCommandTakesIt) {
  const CliRun audit = Chaintrust(
      absl::StrCat("audit", Common(), " --devices=", TestFiles().devices));
  EXPECT_NE(audit.status, 2) << audit.output();
  EXPECT_THAT(audit.out, HasSubstr("CHAIN_UNVERIFIED"));
  const CliRun whatif = Chaintrust(
      absl::StrCat("whatif", Common(), " --devices=", TestFiles().devices,
                   " --disable=by-verified"));
  EXPECT_NE(whatif.status, 2) << whatif.output();
  const CliRun diff = Chaintrust(absl::StrCat(
      "diff --before=", TestFiles().policy, " --after=", TestFiles().policy,
      " --certificates=", TestFiles().certificates,
      " --devices=", TestFiles().devices));
  EXPECT_NE(diff.status, 2) << diff.output();
  const CliRun graph = Chaintrust(absl::StrCat("graph", Common()));
  EXPECT_EQ(graph.status, 0) << graph.output();
  for (const char* command : {"replay"}) {
    const CliRun help = Chaintrust(absl::StrCat(command, " --help"));
    EXPECT_THAT(help.out, HasSubstr("--certificates=FILE")) << command;
  }
}

TEST(CertificatesCliTest, BadListIsAnErrorNamingTheFile) {
  const std::string bad = WriteTemp("refs-bad-list.json",
                                    R"({"value": [{"name": "x",
      "properties": {"isVerified": "yes"}}]})");
  const CliRun run = Chaintrust(
      absl::StrCat("decide --policy=", TestFiles().policy,
                   " --certificates=", bad, " --chain=", TestFiles().ok_chain));
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr("refs-bad-list.json: value[0] (\"x\"): "
                                 "properties.isVerified: expected a boolean"));
  const CliRun missing = Chaintrust(
      absl::StrCat("decide --policy=", TestFiles().policy,
                   " --certificates=/nonexistent/certs.json --chain=",
                   TestFiles().ok_chain));
  EXPECT_EQ(missing.status, 2);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/certs.json"));
}

}  // namespace
}  // namespace chaintrust::cli
