// `chaintrust lint`: the DPS guide's "a disabled individual enrollment
// silently overrides its group" and "orphaned registration records still
// count against the quota", groups that cannot decide, certificate
// validity, weak signatures and thumbprint-only groups, over the scenario
// corpus, the generated three-level fleet (tools/test_fleet.h) and
// certificates minted here.
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/x509/test_certs.h"
#include "gtest/gtest.h"
#include "tools/cli/cli.h"
#include "testdata/test_fleet.h"

namespace chaintrust::cli {
namespace {

constexpr char kAt[] = " --at=2025-06-01T00:00:00Z";

std::string Scenario(const std::string& name) {
  return absl::StrCat("testdata/scenarios/", name);
}

TEST(LintTest, DisabledIndividualOverridingItsGroup) {
  ToolResult r = RunChaintrust(
      absl::StrCat("lint --policy=", Scenario("individual-disabled"),
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

TEST(LintTest, OrphanedRegistrationsAndQuota) {
  const std::string records = TestPath("registrations.json");
  {
    std::ofstream(records)
        << R"([{"registrationId": "fleet-dev-001", "enrollmentGroupId": "contoso-factory-a", "status": "assigned"},
 {"registrationId": "old-dev-9", "enrollmentGroupId": "contoso-gone", "status": "assigned"},
 {"registrationId": "fleet-dev-007", "status": "assigned"},
 {"registrationId": "lost-individual", "status": "assigned"}])";
  }
  ToolResult r = RunChaintrust(
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
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "error QUOTA " + records +
          ": 4 registration records of a quota of 4 (0 left); deleting the "
          "2 orphaned records would free as many"))
      << r.out;
}

TEST(LintTest, ScenarioFleetFindings) {
  ToolResult r = RunChaintrust(
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
  r = RunChaintrust(absl::StrCat("lint --policy=", Scenario("fleet"),
                                 "/policy.json --at=2099-01-01T00:00:00Z"));
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "error CERTIFICATE_EXPIRED")) << r.out;
}

// The generated fleet: the disabled individual for dev-a1-000 overrides a
// group (info: its issuer, Sub CA A1, is sent by the device and not in the
// set, so lint cannot name the group; whatif --delete=dev-a1-000 does);
// disabled fleet-int-b revokes nothing below enabled fleet-sub-b1; two orphaned
// records.
TEST(LintTest, GeneratedFleet) {
  const TestFleet fleet = WriteTestFleet(TestPath("lint-fleet"));
  ToolResult r = RunChaintrust(absl::StrCat(
      "lint --policy=", fleet.policy, " --registrations=", fleet.registrations,
      " --max_registrations=5"));
  EXPECT_EQ(r.status, 1) << r.out;  // 5 of 5: quota full
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "info INDIVIDUAL_OVERRIDES_GROUP individualEnrollments[\"dev-a1-000\"]"
      ": this disabled individual enrollment denies the device whatever an "
      "enabled group says (enabled groups: fleet-root, fleet-int-a, "
      "fleet-sub-b1); its certificate's issuer is not a group certificate "
      "in the set"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "warning GROUP_SHADOWED enrollmentGroups[\"fleet-int-b\"]"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "but the devices of its enabled child groups stay allowed"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "info GROUP_SHADOWED enrollmentGroups[\"fleet-root\"]"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "warning ORPHANED_REGISTRATION registrations[2] (\"dev-old-7\")"))
      << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "warning ORPHANED_REGISTRATION registrations[4] (\"dev-gone\")"))
      << r.out;
  EXPECT_FALSE(absl::StrContains(r.out, "registrations[3]")) << r.out;
  EXPECT_TRUE(absl::StrContains(r.out, "error QUOTA")) << r.out;
  // Expiring within N days: the fleet's certificates live a year.
  r = RunChaintrust(absl::StrCat("lint --policy=", fleet.policy,
                                 " --expiring_within_days=400"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out, "warning CERTIFICATE_EXPIRING enrollmentGroups[\"fleet-root\"]"))
      << r.out;
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
  ToolResult r = RunChaintrust(absl::StrCat("lint --policy=", policy));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(absl::StrContains(
      r.out,
      "warning WEAK_SIGNATURE enrollmentGroups[\"weak-int\"]: primary "
      "signing certificate \"SHA-1 Intermediate\" is signed with"))
      << r.out;
}

}  // namespace
}  // namespace chaintrust::cli
