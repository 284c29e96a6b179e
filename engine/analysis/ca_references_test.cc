// Enrollment groups that name their CA by reference
// (attestation.x509.caReferences) in the DPS instance's certificate list:
// the list's shapes (the bundle's "certificates", a `az iot dps certificate
// list` file), resolution at snapshot build, the decision for devices under
// an unverified CA, and lint's findings.
#include <cstdio>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/analysis/lint.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy_loader.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::chaintrust::internal::MintLeaf;
using ::chaintrust::internal::MintRoot;
using ::chaintrust::internal::TestCert;
using ::testing::HasSubstr;
using ::testing::SizeIs;

struct Certs {
  TestCert verified = MintRoot("Verified Root");
  TestCert unverified = MintRoot("Unverified Root");
  TestCert spare = MintRoot("Spare Root");
  TestCert device_ok = MintLeaf("device-ok", verified);
  TestCert device_bad = MintLeaf("device-bad", unverified);
};

const Certs& TestCerts() {
  static const Certs* certs = new Certs();
  return *certs;
}

std::string JsonString(const std::string& text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\n", "\\n"}}), "\"");
}

// One entry as `az iot dps certificate list` prints it.
std::string CertificateJson(const std::string& name, const std::string& body,
                            bool verified) {
  return absl::StrCat(R"({"name": ")", name, R"(", "etag": "AAAAAAExpNs=",
      "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Devices/provisioningServices/dps/certificates/)",
                      name, R"(",
      "type": "Microsoft.Devices/ProvisioningServices/Certificates",
      "properties": {"subject": "CN=)",
                      name, R"(", "expiry": "Sat, 31 Dec 2039 23:59:59 GMT",
        "thumbprint": "97388663832D0393C9246CAB4FBA2C8677185A25",
        "isVerified": )",
                      verified ? "true" : "false", R"(,
        "created": "Thu, 12 Oct 2017 19:23:50 GMT",
        "updated": "Thu, 12 Oct 2017 19:23:50 GMT",
        "certificate": )",
                      JsonString(body), "}}");
}

std::string Groups() {
  return R"("enrollmentGroups": [
    {"enrollmentGroupId": "by-verified",
     "attestation": {"type": "x509", "x509": {"caReferences": {
       "primary": "verified-root"}}}},
    {"enrollmentGroupId": "by-unverified",
     "attestation": {"type": "x509", "x509": {"caReferences": {
       "primary": "unverified-root"}}}}
  ])";
}

// The three certificate body forms: PEM text, base64 DER, base64 of PEM.
std::string CertificateList() {
  const Certs& c = TestCerts();
  return absl::StrCat(
      CertificateJson("verified-root", c.verified.Pem(), true), ",",
      CertificateJson("unverified-root", c.unverified.Base64Der(), false), ",",
      CertificateJson("spare-root", absl::Base64Escape(c.spare.Pem()), true));
}

std::string BundleWithCertificates() {
  return absl::StrCat("{", Groups(), ", \"certificates\": [", CertificateList(),
                      "]}");
}

SnapshotPtr Load(const std::string& json) {
  auto set = ParseDpsJson(json, "policy.json");
  EXPECT_TRUE(set.ok()) << set.status();
  if (!set.ok()) return nullptr;
  auto snapshot = BuildSnapshot(*set, "policy.json");
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : nullptr;
}

Decision Decide(const EnrollmentSnapshot& snapshot, const TestCert& leaf) {
  Attestation a;
  a.chain = {leaf.der};
  a.at = absl::Now();
  Decision d;
  Resolve(snapshot, a, ResolverOptions(), nullptr, &d);
  return d;
}

TEST(CaReferencesTest, BundleCertificatesResolveByName) {
  const SnapshotPtr snapshot = Load(BundleWithCertificates());
  ASSERT_NE(snapshot, nullptr);
  ASSERT_THAT(snapshot->ca_certificates(), SizeIs(3));
  EXPECT_NE(snapshot->ca_certificates()[2].certificate, nullptr);  // b64 PEM
  const auto groups = snapshot->enrollment_groups();
  ASSERT_THAT(groups[0].certificates, SizeIs(1));
  EXPECT_EQ(groups[0].certificates[0].ca_reference, "verified-root");
  EXPECT_TRUE(groups[0].certificates[0].verified);
  EXPECT_EQ(groups[0].certificates[0].certificate->der(),
            TestCerts().verified.der);
  ASSERT_THAT(groups[1].certificates, SizeIs(1));
  EXPECT_FALSE(groups[1].certificates[0].verified);
}

TEST(CaReferencesTest, DevicesUnderAnUnverifiedCaAreDenied) {
  const SnapshotPtr snapshot = Load(BundleWithCertificates());
  ASSERT_NE(snapshot, nullptr);
  const Decision ok = Decide(*snapshot, TestCerts().device_ok);
  EXPECT_TRUE(ok.allowed()) << RenderText(ok);
  const Decision bad = Decide(*snapshot, TestCerts().device_bad);
  EXPECT_FALSE(bad.allowed());
  EXPECT_EQ(bad.reason(), Reason::kChainUnverified) << RenderText(bad);
  EXPECT_EQ(bad.cause(), Cause::kCaNotVerified);
  EXPECT_EQ(CauseName(bad.cause()), "CA_NOT_VERIFIED");
  EXPECT_THAT(RenderText(bad), HasSubstr("\"unverified-root\""));
  EXPECT_THAT(RenderText(bad), HasSubstr("not verified"));
}

TEST(CaReferencesTest, ReferenceProblemsAreLoadErrors) {
  const auto build_error = [](const std::string& json) {
    auto set = ParseDpsJson(json, "policy.json");
    EXPECT_TRUE(set.ok()) << set.status();
    if (!set.ok()) return std::string();
    auto snapshot = BuildSnapshot(*set, "policy.json");
    EXPECT_FALSE(snapshot.ok());
    return std::string(snapshot.status().message());
  };
  // No certificate list at all, and a name the list lacks.
  EXPECT_THAT(build_error(absl::StrCat("{", Groups(), "}")),
              HasSubstr("policy.json: enrollmentGroups[0] (\"by-verified\"): "
                        "attestation.x509.caReferences.primary: no CA "
                        "certificate named \"verified-root\""));
  EXPECT_THAT(
      build_error(absl::StrCat(
          R"({"enrollmentGroups": [{"enrollmentGroupId": "g",
           "attestation": {"type": "x509", "x509": {"caReferences": {
             "primary": "verified-root", "secondary": "nope"}}}}],
           "certificates": [)",
          CertificateList(), "]}")),
      HasSubstr("enrollmentGroups[0] (\"g\"): "
                "attestation.x509.caReferences.secondary: no CA certificate "
                "named \"nope\""));
  // Certificates and references together.
  EXPECT_THAT(build_error(absl::StrCat(
                  R"({"enrollmentGroups": [{"enrollmentGroupId": "g",
           "attestation": {"type": "x509", "x509": {
             "signingCertificates": {"primary": {"certificate": )",
                  JsonString(TestCerts().spare.Pem()),
                  R"(}}, "caReferences": {"primary": "verified-root"}}}}],
           "certificates": [)",
                  CertificateList(), "]}")),
              HasSubstr("not both"));
  // A listed certificate without its body; a duplicate name.
  EXPECT_THAT(
      build_error(absl::StrCat("{", Groups(), R"(, "certificates": [
                  {"name": "verified-root", "properties": {"isVerified": true}},
                  {"name": "unverified-root", "properties": {}},
                  {"name": "unverified-root", "properties": {}}]})")),
      testing::AllOf(HasSubstr("has no properties.certificate"),
                     HasSubstr("certificates[2] (\"unverified-root\"): "
                               "name: \"unverified-root\" is already "
                               "used by policy.json: certificates[1]")));
}

TEST(CaReferencesTest, CertificateKeysAreStrict) {
  auto set = ParseDpsJson(
      R"({"certificates": [{"name": "x", "properties": {"isverified": true}}]})",
      "policy.json");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(),
              HasSubstr("policy.json: certificates[0] (\"x\"): "
                        "properties.isverified: unknown key; did you mean "
                        "\"isVerified\"?"));
  set =
      ParseDpsJson(R"({"certificates": [{"properties": {}}]})", "policy.json");
  ASSERT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("name: required"));
}

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  FILE* f = fopen(path.c_str(), "wb");
  fwrite(contents.data(), 1, contents.size(), f);
  fclose(f);
  return path;
}

TEST(CaReferencesTest, CertificateListFileAsAzPrintsIt) {
  const std::string list = WriteTemp(
      "certs.json", absl::StrCat("{\"value\": [", CertificateList(), "]}"));
  auto parsed = LoadCertificateListFile(list);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_THAT(parsed->value(), SizeIs(3));
  EXPECT_EQ(parsed->value(1).name(), "unverified-root");
  EXPECT_FALSE(parsed->value(1).properties().is_verified());

  const std::string policy =
      WriteTemp("by-reference.json", absl::StrCat("{", Groups(), "}"));
  EXPECT_FALSE(LoadSnapshotFile(policy).ok());
  PolicyLoadOptions options;
  options.certificates_path = list;
  auto snapshot = LoadSnapshotFile(policy, options);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_EQ(Decide(**snapshot, TestCerts().device_bad).cause(),
            Cause::kCaNotVerified);

  // A bad body is reported against the list file and its entry.
  const std::string bad =
      WriteTemp("bad-certs.json",
                absl::StrCat("{\"value\": [",
                             CertificateJson("broken", "AAAA", true), "]}"));
  auto broken = LoadCertificateListFile(bad);
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(broken.status().message(),
              HasSubstr("bad-certs.json: value[0] (\"broken\"): "
                        "properties.certificate"));
  // Not a list.
  auto not_list = LoadCertificateListFile(WriteTemp("x.json", "{\"a\": 1}"));
  ASSERT_FALSE(not_list.ok());
  EXPECT_THAT(not_list.status().message(), HasSubstr("x.json"));
}

TEST(CaReferencesTest, LintReportsUnverifiedAndUnreferencedCas) {
  auto set = ParseDpsJson(BundleWithCertificates(), "policy.json");
  ASSERT_TRUE(set.ok()) << set.status();
  auto snapshot = BuildSnapshot(*set, "policy.json");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  analysis::LintOptions options;
  options.at = absl::Now();
  analysis::LintReport report;
  analysis::LintPolicy(*set, **snapshot, options, &report);
  const auto find = [&](const std::string& code, const std::string& entry) {
    for (const analysis::Finding& f : report.findings) {
      if (f.code == code && f.entry == entry) return f.severity;
    }
    return std::string();
  };
  EXPECT_EQ(find("CA_NOT_VERIFIED", "certificate \"unverified-root\""),
            "error");
  EXPECT_EQ(find("CA_NOT_VERIFIED", "certificate \"verified-root\""), "");
  EXPECT_EQ(find("CA_UNREFERENCED", "certificate \"spare-root\""), "info");
  EXPECT_EQ(find("CA_UNREFERENCED", "certificate \"verified-root\""), "");
}

}  // namespace
}  // namespace chaintrust
