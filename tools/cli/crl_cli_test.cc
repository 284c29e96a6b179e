// The revocation flags of the command line: --crl on decide, audit,
// whatif, diff and lint, --accept_stale_crls, and errors that name the CRL
// file. Fixtures are minted (engine/x509/test_certs.h, test_crl.h).
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/x509/test_certs.h"
#include "engine/x509/test_crl.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_testing.h"

namespace chaintrust::cli {
namespace {

using internal::MintCertificate;
using internal::MintCrl;
using internal::MintIntermediate;
using internal::MintRoot;
using internal::TestCert;
using internal::TestCertOptions;
using internal::TestCrlOptions;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint64_t kRevokedSerial = 0x5151;

std::string Write(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  FILE* f = fopen(path.c_str(), "wb");
  fwrite(contents.data(), 1, contents.size(), f);
  fclose(f);
  return path;
}

TestCert Device(const std::string& name, uint64_t serial,
                const TestCert& issuer) {
  TestCertOptions o;
  o.common_name = name;
  o.serial = serial;
  return MintCertificate(o, &issuer);
}

// root (group "fleet") -> intermediate -> dev-ok, dev-revoked.
class CrlCliTest : public ::testing::Test {
 protected:
  CrlCliTest()
      : root_(MintRoot("CLI CRL Root")),
        int_(MintIntermediate("CLI CRL Intermediate", root_)),
        ok_(Device("dev-ok", 0x4141, int_)),
        revoked_(Device("dev-revoked", kRevokedSerial, int_)) {
    policy_ =
        Write("crl-policy.json",
              absl::StrCat("{\"enrollmentGroups\": [{\"enrollmentGroupId\": "
                           "\"fleet\", \"attestation\": {\"type\": \"x509\", "
                           "\"x509\": {\"signingCertificates\": {\"primary\": "
                           "{\"certificate\": \"",
                           absl::StrReplaceAll(root_.Pem(), {{"\n", "\\n"}}),
                           "\"}}}}}]}"));
    ok_chain_ = Write("dev-ok.pem", ok_.Pem() + int_.Pem());
    revoked_chain_ = Write("dev-revoked.pem", revoked_.Pem() + int_.Pem());
    devices_ = absl::StrCat(::testing::TempDir(), "/crl-devices");
    mkdir(devices_.c_str(), 0755);
    Write("crl-devices/dev-ok.pem", ok_.Pem() + int_.Pem());
    Write("crl-devices/dev-revoked.pem", revoked_.Pem() + int_.Pem());
    TestCrlOptions o;
    o.revoked_serials = {kRevokedSerial};
    crl_ = Write("int.crl", MintCrl(o, int_));  // DER
    o.this_update = absl::Now() - absl::Hours(24 * 9);
    o.next_update = absl::Now() - absl::Hours(24 * 2);
    o.revoked_serials = {};
    stale_ = Write("stale.pem", internal::CrlPem(MintCrl(o, int_)));
    o = TestCrlOptions();
    o.next_update = absl::Now() + absl::Hours(3);
    const TestCert stranger = MintRoot("Somebody Else");
    soon_and_foreign_ =
        Write("others.pem",
              internal::CrlPem(MintCrl(o, int_)) +
                  internal::CrlPem(MintCrl(TestCrlOptions(), stranger)));
  }

  std::string Decide(const std::string& chain) const {
    return absl::StrCat("decide --format=json --policy=", policy_,
                        " --chain=", chain);
  }

  TestCert root_, int_, ok_, revoked_;
  std::string policy_, ok_chain_, revoked_chain_, devices_, crl_, stale_,
      soon_and_foreign_;
};

TEST_F(CrlCliTest, DecideDeniesARevokedDeviceOnlyWithTheCrl) {
  EXPECT_EQ(Chaintrust(Decide(revoked_chain_)).status, 0);
  CliRun run = Chaintrust(Decide(revoked_chain_) + " --crl=" + crl_);
  EXPECT_EQ(run.status, 1) << run.output();
  EXPECT_THAT(run.out, HasSubstr("\"reason\":\"CERTIFICATE_REVOKED\""));
  EXPECT_THAT(run.out, HasSubstr(crl_));
  run = Chaintrust(Decide(ok_chain_) + " --crl=" + crl_);
  EXPECT_EQ(run.status, 0) << run.output();
  // Repeatable: the stale CRL beside a current one of the same issuer is
  // not used (the newest is).
  run = Chaintrust(Decide(ok_chain_) + " --crl=" + stale_ + " --crl=" + crl_);
  EXPECT_EQ(run.status, 0) << run.output();
}

TEST_F(CrlCliTest, AStaleCrlDeniesUnlessAccepted) {
  CliRun run = Chaintrust(Decide(ok_chain_) + " --crl=" + stale_);
  EXPECT_EQ(run.status, 1) << run.output();
  EXPECT_THAT(run.out, HasSubstr("\"cause\":\"CRL_STALE\""));
  EXPECT_THAT(run.out, HasSubstr("stale.pem is stale"));
  run = Chaintrust(Decide(ok_chain_) + " --crl=" + stale_ +
                   " --accept_stale_crls");
  EXPECT_EQ(run.status, 0) << run.output();
}

TEST_F(CrlCliTest, ABadCrlFileIsAnErrorNamingIt) {
  const std::string junk = Write("junk.crl", "not a CRL at all");
  for (const std::string& path : {junk, std::string("/nonexistent.crl")}) {
    CliRun run = Chaintrust(Decide(ok_chain_) + " --crl=" + path);
    EXPECT_EQ(run.status, 2) << run.output();
    EXPECT_THAT(run.err, HasSubstr("chaintrust decide: --crl: " + path));
    EXPECT_EQ(run.out, "");
  }
  TestCrlOptions o;
  o.idp_distribution_point = true;
  const std::string partitioned = Write("partitioned.crl", MintCrl(o, int_));
  CliRun run = Chaintrust(Decide(ok_chain_) + " --crl=" + partitioned);
  EXPECT_EQ(run.status, 2);
  EXPECT_THAT(run.err, HasSubstr(partitioned + ": CRL: issuingDistribution"));
}

TEST_F(CrlCliTest, AuditAndWhatIfCountTheRevokedDevice) {
  CliRun run = Chaintrust(absl::StrCat(
      "audit --policy=", policy_, " --devices=", devices_, " --crl=", crl_));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, HasSubstr("CERTIFICATE_REVOKED"));
  run = Chaintrust(absl::StrCat("whatif --format=json --policy=", policy_,
                                " --devices=", devices_, " --crl=", crl_));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, HasSubstr("\"device\":\"dev-revoked\""));
  EXPECT_THAT(run.out, Not(HasSubstr("\"device\":\"dev-ok\"")));
  EXPECT_THAT(run.out, HasSubstr("CERTIFICATE_REVOKED"));
  // diff: the same CRLs on both sides change nothing.
  run = Chaintrust(absl::StrCat("diff --format=json --before=", policy_,
                                " --after=", policy_, " --devices=", devices_,
                                " --crl=", crl_));
  EXPECT_EQ(run.status, 0) << run.output();
  EXPECT_THAT(run.out, Not(HasSubstr("\"device\":\"dev-revoked\"")));
}

TEST_F(CrlCliTest, LintFlagsStaleSoonStaleAndForeignCrls) {
  CliRun run =
      Chaintrust(absl::StrCat("lint --policy=", policy_, " --crl=", stale_,
                              " --crl=", soon_and_foreign_));
  EXPECT_EQ(run.status, 1) << run.output();  // a stale CRL is an error
  EXPECT_THAT(run.out, HasSubstr("CRL_STALE " + stale_));
  EXPECT_THAT(run.out, HasSubstr("CRL_EXPIRING " + soon_and_foreign_ + "#1"));
  EXPECT_THAT(run.out, HasSubstr("CRL_ISSUER_NOT_IN_POLICY " +
                                 soon_and_foreign_ + "#2"));
  run = Chaintrust(absl::StrCat("lint --policy=", policy_, " --crl=", crl_));
  EXPECT_THAT(run.out, Not(HasSubstr("CRL_STALE")));
  EXPECT_THAT(run.out, Not(HasSubstr("CRL_EXPIRING")));
}

}  // namespace
}  // namespace chaintrust::cli
