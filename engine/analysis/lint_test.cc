// LintPolicy and LintRegistrations, in-process: the DPS guide's "a disabled
// individual enrollment silently overrides its group" and "orphaned
// registration records still count against the quota", groups that cannot
// decide, certificate validity, weak signatures and thumbprint-only groups,
// over the scenario corpus, the generated three-level fleet
// (testdata/test_fleet.h) and certificates minted here.
#include "engine/analysis/lint.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/analysis/analysis_testing.h"
#include "engine/analysis/bounded_read.h"
#include "engine/x509/test_certs.h"
#include "gtest/gtest.h"
#include "testdata/test_fleet.h"

namespace chaintrust::analysis {
namespace {

LintReport LintFile(const std::string& policy, absl::Time at,
                    int expiring_within_days = 30) {
  const v1::EnrollmentSet set = LoadSetOrDie(policy);
  auto snapshot = BuildSnapshot(set, policy);
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  LintReport report;
  if (!snapshot.ok()) return report;
  LintOptions options;
  options.at = at;
  options.expiring_within = absl::Hours(24) * expiring_within_days;
  LintPolicy(set, **snapshot, options, &report);
  return report;
}

void AddRegistrations(const std::string& policy, const std::string& path,
                      int64_t quota, LintReport* report) {
  auto text = ReadFileBounded(path, kMaxRegistrationExportBytes);
  ASSERT_TRUE(text.ok()) << text.status();
  auto records = ParseRegistrationExport(*text, path);
  ASSERT_TRUE(records.ok()) << records.status();
  LintRegistrations(LoadSetOrDie(policy), *records, path, quota, report);
}

TEST(LintTest, DisabledIndividualOverridingItsGroup) {
  const std::string json = LintJson(LintFile(
      Scenario("individual-disabled") + "/policy.json", ScenarioTime()));
  EXPECT_TRUE(absl::StrContains(
      json,
      "{\"severity\":\"warning\",\"code\":\"INDIVIDUAL_OVERRIDES_GROUP\","
      "\"entry\":\"individualEnrollments[\\\"dis-x509-own-01\\\"]\""))
      << json;
  // Symmetric key: flagged, without naming a group.
  EXPECT_TRUE(absl::StrContains(
      json,
      "{\"severity\":\"info\",\"code\":\"INDIVIDUAL_OVERRIDES_GROUP\","
      "\"entry\":\"individualEnrollments[\\\"dis-sym-01\\\"]\""))
      << json;
}

TEST(LintTest, OrphanedRegistrationsAndQuota) {
  const std::string policy = Scenario("fleet") + "/policy.json";
  const std::string records = TestPath("registrations.json");
  {
    std::ofstream(records)
        << R"([{"registrationId": "fleet-dev-001", "enrollmentGroupId": "contoso-factory-a", "status": "assigned"},
 {"registrationId": "old-dev-9", "enrollmentGroupId": "contoso-gone", "status": "assigned"},
 {"registrationId": "fleet-dev-007", "status": "assigned"},
 {"registrationId": "lost-individual", "status": "assigned"}])";
  }
  LintReport report = LintFile(policy, ScenarioTime());
  AddRegistrations(policy, records, 4, &report);
  EXPECT_GT(report.errors(), 0);  // the quota is full: an error
  const std::string text = LintText(report);
  EXPECT_TRUE(absl::StrContains(
      text, "warning ORPHANED_REGISTRATION registrations[1] (\"old-dev-9\")"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "warning ORPHANED_REGISTRATION registrations[3] (\"lost-individual\")"))
      << text;
  EXPECT_FALSE(absl::StrContains(text, "registrations[0]")) << text;
  EXPECT_FALSE(absl::StrContains(text, "registrations[2]")) << text;
  EXPECT_TRUE(absl::StrContains(
      text,
      "error QUOTA " + records +
          ": 4 registration records of a quota of 4 (0 left); deleting the "
          "2 orphaned records would free as many"))
      << text;
}

TEST(LintTest, RegistrationExportErrorsNameTheRecord) {
  auto records = ParseRegistrationExport(
      R"([{"registrationId": "a"}, {"enrollmentGroupId": "g"}])", "r.json");
  ASSERT_FALSE(records.ok());
  EXPECT_TRUE(absl::StrContains(records.status().message(), "r.json: [1]"))
      << records.status();
  EXPECT_FALSE(ParseRegistrationExport("{}", "r.json").ok());
}

TEST(LintTest, IgnoredPolicyKeysAreWarnings) {
  constexpr absl::string_view kPolicy = R"({"individualEnrollments": [
      {"registrationId": "dev-1", "futureKey": 1,
       "attestation": {"type": "symmetricKey", "futureAttestation": "x"}}]})";
  PolicyLoadOptions options;
  options.allow_unknown_fields = true;
  PolicyLoadReport load_report;
  auto set = ParseDpsJson(kPolicy, "p.json", options, &load_report);
  ASSERT_TRUE(set.ok()) << set.status();
  LintReport report;
  LintIgnoredFields(load_report, &report);
  ASSERT_EQ(report.findings.size(), 2u);
  EXPECT_EQ(report.warnings(), 2);
  for (const Finding& f : report.findings) {
    EXPECT_EQ(f.code, "UNKNOWN_FIELD_IGNORED");
    EXPECT_TRUE(absl::StrContains(f.entry, "dev-1")) << f.entry;
  }
  EXPECT_TRUE(absl::StrContains(report.findings[0].message, "\"futureKey\""))
      << report.findings[0].message;
  EXPECT_TRUE(absl::StrContains(report.findings[1].message,
                                "\"attestation.futureAttestation\""))
      << report.findings[1].message;
  // Without the option the same policy does not load.
  EXPECT_FALSE(ParseDpsJson(kPolicy, "p.json").ok());
}

TEST(LintTest, ScenarioFleetFindings) {
  const std::string policy = Scenario("fleet") + "/policy.json";
  LintReport report = LintFile(policy, ScenarioTime());
  EXPECT_EQ(report.errors(), 0);
  const std::string text = LintText(report);
  EXPECT_TRUE(absl::StrContains(
      text,
      "info GROUP_THUMBPRINT_ONLY enrollmentGroups[\"contoso-factory-a\"]"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "info GROUP_SHADOWED enrollmentGroups[\"contoso-root\"]"))
      << text;
  // Far in the future every certificate has expired.
  report = LintFile(policy, absl::FromUnixSeconds(4070908800));  // 2099
  EXPECT_GT(report.errors(), 0);
  EXPECT_TRUE(absl::StrContains(LintText(report), "error CERTIFICATE_EXPIRED"))
      << LintText(report);
}

// The generated fleet: the disabled individual for dev-a1-000 overrides a
// group (info: its issuer, Sub CA A1, is sent by the device and not in the
// set, so lint cannot name the group; whatif --delete=dev-a1-000 does);
// disabled fleet-int-b revokes nothing below enabled fleet-sub-b1; two
// orphaned records.
TEST(LintTest, GeneratedFleet) {
  const TestFleet fleet = WriteTestFleet(TestPath("lint-fleet"));
  LintReport report = LintFile(fleet.policy, absl::Now());
  AddRegistrations(fleet.policy, fleet.registrations, 5, &report);
  EXPECT_GT(report.errors(), 0);  // 5 of 5: quota full
  const std::string text = LintText(report);
  EXPECT_TRUE(absl::StrContains(
      text,
      "info INDIVIDUAL_OVERRIDES_GROUP individualEnrollments[\"dev-a1-000\"]"
      ": this disabled individual enrollment denies the device whatever an "
      "enabled group says (enabled groups: fleet-root, fleet-int-a, "
      "fleet-sub-b1); its certificate's issuer is not a group certificate "
      "in the set"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "warning GROUP_SHADOWED enrollmentGroups[\"fleet-int-b\"]"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "but the devices of its enabled child groups stay allowed"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "info GROUP_SHADOWED enrollmentGroups[\"fleet-root\"]"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "warning ORPHANED_REGISTRATION registrations[2] (\"dev-old-7\")"))
      << text;
  EXPECT_TRUE(absl::StrContains(
      text, "warning ORPHANED_REGISTRATION registrations[4] (\"dev-gone\")"))
      << text;
  EXPECT_FALSE(absl::StrContains(text, "registrations[3]")) << text;
  EXPECT_TRUE(absl::StrContains(text, "error QUOTA")) << text;
  // Expiring within N days: the fleet's certificates live a year.
  report = LintFile(fleet.policy, absl::Now(), 400);
  EXPECT_EQ(report.errors(), 0);
  EXPECT_TRUE(absl::StrContains(
      LintText(report),
      "warning CERTIFICATE_EXPIRING enrollmentGroups[\"fleet-root\"]"))
      << LintText(report);
}

std::string GroupJson(const std::string& id, const internal::TestCert& ca) {
  return absl::StrCat(
      "{\"enrollmentGroupId\": \"", id,
      "\", \"attestation\": {\"type\": \"x509\", \"x509\": "
      "{\"signingCertificates\": {\"primary\": {\"certificate\": \"",
      absl::StrReplaceAll(ca.Pem(), {{"\n", "\\n"}}), "\"}}}}}");
}

TEST(LintTest, WeakSignature) {
  const internal::TestCert root = internal::MintRoot("Weak Root");
  internal::TestCertOptions sha1;
  sha1.common_name = "SHA-1 Intermediate";
  sha1.is_ca = true;
  sha1.signature_digest = "SHA1";
  const internal::TestCert weak = internal::MintCertificate(sha1, &root);
  const std::string policy = TestPath("weak.json");
  std::ofstream(policy) << "{\"enrollmentGroups\": ["
                        << GroupJson("weak-int", weak) << "]}";
  LintReport report = LintFile(policy, absl::Now());
  EXPECT_EQ(report.errors(), 0);
  EXPECT_TRUE(absl::StrContains(
      LintText(report),
      "warning WEAK_SIGNATURE enrollmentGroups[\"weak-int\"]: primary "
      "signing certificate \"SHA-1 Intermediate\" is signed with"))
      << LintText(report);
}

TEST(LintTest, RenewedCaWithAnotherStatus) {
  const internal::TestCert root = internal::MintRoot("Renewal Root");
  internal::TestCertOptions options;
  options.common_name = "Renewed Intermediate";
  options.is_ca = true;
  const internal::TestCert old_ca = internal::MintCertificate(options, &root);
  options.key = old_ca.key;  // renewed: same name, same key
  options.serial = 2;
  const internal::TestCert new_ca = internal::MintCertificate(options, &root);
  ASSERT_NE(old_ca.der, new_ca.der);
  const std::string policy = TestPath("renewed.json");
  std::string disabled_old = GroupJson("int-old", old_ca);
  disabled_old.insert(1, "\"provisioningStatus\": \"disabled\", ");
  std::ofstream(policy) << "{\"enrollmentGroups\": [" << disabled_old << ", "
                        << GroupJson("int-new", new_ca) << "]}";
  LintReport report = LintFile(policy, absl::Now());
  EXPECT_TRUE(absl::StrContains(
      LintText(report),
      "warning RENEWED_CA_STATUS_MISMATCH enrollmentGroups[\"int-old\"]: "
      "its certificate and the one of enabled group \"int-new\""))
      << LintText(report);

  // The same pair with the same status is no finding.
  std::ofstream(policy) << "{\"enrollmentGroups\": ["
                        << GroupJson("int-old", old_ca) << ", "
                        << GroupJson("int-new", new_ca) << "]}";
  report = LintFile(policy, absl::Now());
  EXPECT_FALSE(
      absl::StrContains(LintText(report), "RENEWED_CA_STATUS_MISMATCH"))
      << LintText(report);
}

}  // namespace
}  // namespace chaintrust::analysis
