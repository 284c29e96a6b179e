#include "engine/x509/crl.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/x509/certificate.h"
#include "engine/x509/test_certs.h"
#include "engine/x509/test_crl.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintCrl;
using internal::MintRoot;
using internal::SerialContents;
using internal::TestCert;
using internal::TestCrlOptions;
using ::testing::HasSubstr;

class CrlTest : public ::testing::Test {
 protected:
  CrlTest() : root_(MintRoot("CRL Test Root")) {}

  absl::StatusOr<CrlPtr> Parse(const TestCrlOptions& options) {
    return Crl::Create(MintCrl(options, root_), "test.crl");
  }

  CertificatePtr RootCertificate() { return *Certificate::Create(root_.der); }

  TestCert root_;
};

TEST_F(CrlTest, ParsesAnOrdinaryCrl) {
  TestCrlOptions options;
  options.revoked_serials = {7, 0x80, 123456789};
  options.number = 42;
  auto crl = Parse(options);
  ASSERT_TRUE(crl.ok()) << crl.status();
  EXPECT_EQ((*crl)->revoked_count(), 3u);
  EXPECT_EQ((*crl)->crl_number_low64(), 42u);
  EXPECT_EQ((*crl)->scope(), CrlScope::kAll);
  EXPECT_EQ((*crl)->source(), "test.crl");
  EXPECT_EQ(absl::ToUnixSeconds((*crl)->this_update()),
            absl::ToUnixSeconds(options.this_update));
  EXPECT_EQ(absl::ToUnixSeconds((*crl)->next_update()),
            absl::ToUnixSeconds(options.next_update));
  absl::Time at;
  EXPECT_TRUE((*crl)->IsRevoked(SerialContents(0x80), &at));
  EXPECT_EQ(absl::ToUnixSeconds(at),
            absl::ToUnixSeconds(options.revocation_date));
  EXPECT_TRUE((*crl)->IsRevoked(SerialContents(123456789), nullptr));
  EXPECT_FALSE((*crl)->IsRevoked(SerialContents(8), nullptr));
  EXPECT_FALSE((*crl)->IsRevoked(SerialContents(0x8000), nullptr));
  EXPECT_EQ((*crl)->IssuerString(), RootCertificate()->SubjectString());
}

TEST_F(CrlTest, SignatureVerifiesOnlyWithTheIssuersKey) {
  auto crl = Parse(TestCrlOptions());
  ASSERT_TRUE(crl.ok()) << crl.status();
  const CertificatePtr root = RootCertificate();
  EXPECT_TRUE((*crl)->MayBeIssuedBy(*root));
  EXPECT_TRUE((*crl)->SignatureVerifiesWith(*root));

  TestCrlOptions forged;
  const internal::TestKey other = internal::TestKey::Generate();
  forged.signing_key = &other;
  auto bad = Parse(forged);
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_FALSE((*bad)->SignatureVerifiesWith(*root));

  // Another CA: not the issuer, and its key does not verify the CRL.
  const CertificatePtr stranger =
      *Certificate::Create(MintRoot("Another Root").der);
  EXPECT_FALSE((*crl)->MayBeIssuedBy(*stranger));
  EXPECT_FALSE((*crl)->SignatureVerifiesWith(*stranger));
}

struct Refusal {
  std::string name;
  void (*set)(TestCrlOptions*);
  std::string message;
};

TEST_F(CrlTest, RefusesWhatItCannotHonour) {
  const Refusal refusals[] = {
      {"v1", [](TestCrlOptions* o) { o->v1 = true; }, "only v2 CRLs"},
      {"no crlNumber", [](TestCrlOptions* o) { o->crl_number = false; },
       "no cRLNumber"},
      {"critical crlNumber",
       [](TestCrlOptions* o) { o->crl_number_critical = true; },
       "cRLNumber: critical"},
      {"unknown critical",
       [](TestCrlOptions* o) {
         o->unknown_critical_extensions = {"1.2.3.4.5"};
       },
       "critical extension 1.2.3.4.5 is not understood"},
      {"partitioned",
       [](TestCrlOptions* o) { o->idp_distribution_point = true; },
       "issuingDistributionPoint: distributionPoint"},
      {"indirect", [](TestCrlOptions* o) { o->idp_indirect = true; },
       "indirectCRL"},
      {"delta", [](TestCrlOptions* o) { o->delta_crl_indicator = true; },
       "delta CRLs"},
      {"no nextUpdate", [](TestCrlOptions* o) { o->has_next_update = false; },
       "nextUpdate: absent"},
      {"SHA-1", [](TestCrlOptions* o) { o->signature_digest = "SHA1"; },
       "SHA-1"},
  };
  for (const Refusal& r : refusals) {
    TestCrlOptions options;
    r.set(&options);
    auto crl = Parse(options);
    ASSERT_FALSE(crl.ok()) << r.name;
    EXPECT_THAT(crl.status().message(), HasSubstr("test.crl: CRL: ")) << r.name;
    EXPECT_THAT(crl.status().message(), HasSubstr(r.message)) << r.name;
  }
}

TEST_F(CrlTest, HonoursAnEndEntityOrCaScope) {
  TestCrlOptions users;
  users.idp_only_user_certs = true;
  auto crl = Parse(users);
  ASSERT_TRUE(crl.ok()) << crl.status();
  EXPECT_EQ((*crl)->scope(), CrlScope::kEndEntityOnly);
  const CertificatePtr leaf =
      *Certificate::Create(internal::MintLeaf("dev-1", root_).der);
  const CertificatePtr ca = *Certificate::Create(
      internal::MintIntermediate("CRL Test Int", root_).der);
  EXPECT_TRUE((*crl)->Covers(*leaf));
  EXPECT_FALSE((*crl)->Covers(*ca));

  TestCrlOptions cas;
  cas.idp_only_ca_certs = true;
  auto ca_crl = Parse(cas);
  ASSERT_TRUE(ca_crl.ok()) << ca_crl.status();
  EXPECT_FALSE((*ca_crl)->Covers(*leaf));
  EXPECT_TRUE((*ca_crl)->Covers(*ca));
}

TEST_F(CrlTest, RefusesMalformedBytes) {
  std::string der = MintCrl(TestCrlOptions(), root_);
  EXPECT_FALSE(Crl::Create(der.substr(0, der.size() - 1), "x").ok());
  EXPECT_FALSE(Crl::Create(der + "x", "x").ok());
  EXPECT_FALSE(Crl::Create("", "x").ok());
  EXPECT_FALSE(Crl::Create(root_.der, "x").ok());  // a certificate
}

TEST_F(CrlTest, ParsesDerAndPemFilesWithSeveralCrls) {
  TestCrlOptions first;
  first.revoked_serials = {1};
  TestCrlOptions second;
  second.number = 2;
  second.this_update = absl::Now() - absl::Minutes(5);
  const TestCert other = MintRoot("Other CRL Root");
  const std::string pem =
      absl::StrCat(internal::CrlPem(MintCrl(first, root_)), root_.Pem(),
                   internal::CrlPem(MintCrl(second, root_)),
                   internal::CrlPem(MintCrl(TestCrlOptions(), other)));
  auto crls = ParseCrls(pem, "bundle.pem");
  ASSERT_TRUE(crls.ok()) << crls.status();
  ASSERT_EQ(crls->size(), 3u);
  EXPECT_EQ((*crls)[0]->source(), "bundle.pem#1");
  EXPECT_EQ((*crls)[2]->source(), "bundle.pem#3");

  const CrlSet set(*std::move(crls));
  const CertificatePtr root = RootCertificate();
  auto mine = set.FindByIssuer(root->subject_name_key());
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0]->crl_number_low64(), 2u);  // the newest first
  EXPECT_EQ(set.FindByIssuer("not a name").size(), 0u);

  auto der = ParseCrls(MintCrl(first, root_), "one.crl");
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ((*der)[0]->source(), "one.crl");

  auto none = ParseCrls(root_.Pem(), "certs.pem");
  EXPECT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("certs.pem: no X509 CRL"));
  auto bad_block = ParseCrls(
      "-----BEGIN X509 CRL-----\n!!!\n-----END X509 CRL-----\n", "bad.pem");
  EXPECT_FALSE(bad_block.ok());
  EXPECT_THAT(bad_block.status().message(), HasSubstr("bad.pem: PEM block 1"));
}

TEST_F(CrlTest, LoadCrlFilesNamesTheFile) {
  auto missing = LoadCrlFiles({"/nonexistent/revoked.crl"});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(),
              HasSubstr("/nonexistent/revoked.crl"));
  auto dir = LoadCrlFiles({"/"});
  ASSERT_FALSE(dir.ok());
  EXPECT_THAT(dir.status().message(), HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace chaintrust
