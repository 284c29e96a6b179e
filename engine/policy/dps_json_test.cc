// DPS JSON keys are checked against the service schema: typos fail the
// load, naming the key and its nearest known spelling; keys of newer
// service versions pass only when asked for, and are reported.
#include "engine/policy/dps_json.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace chaintrust::policy {
namespace {

using ::testing::HasSubstr;

constexpr char kKey[] = "AAECAwQFBgcICQoLDA0ODw==";

// One individual enrollment with `extra` members added to it.
std::string Individual(const std::string& extra,
                       const std::string& attestation_extra = "") {
  return absl::StrCat(
      R"({"individualEnrollments": [{"registrationId": "dev-1", )",
      R"("attestation": {"type": "symmetricKey", )", attestation_extra,
      R"("symmetricKey": {"primaryKey": ")", kKey, R"("}})", extra, "}]}");
}

absl::StatusOr<v1::EnrollmentSet> Load(const std::string& json,
                                       bool allow_unknown = false,
                                       PolicyLoadReport* report = nullptr) {
  PolicyLoadOptions options;
  options.allow_unknown_fields = allow_unknown;
  return DpsJsonToEnrollmentSet(json, "policy.json", options, report);
}

std::string ErrorOf(const std::string& json, bool allow_unknown = false) {
  auto set = Load(json, allow_unknown);
  EXPECT_FALSE(set.ok()) << json;
  return std::string(set.status().message());
}

TEST(DpsJsonKeysTest, KnownKeysLoad) {
  auto set = Load(Individual(R"(, "provisioningStatus": "disabled")"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->individual_enrollments(0).provisioning_status(), v1::DISABLED);
}

TEST(DpsJsonKeysTest, StatusKeyInTheWrongCaseIsAnError) {
  EXPECT_THAT(ErrorOf(Individual(R"(, "provisioningstatus": "disabled")")),
              HasSubstr("policy.json: individualEnrollments[0] (\"dev-1\"): "
                        "provisioningstatus: unknown key; did you mean "
                        "\"provisioningStatus\"?"));
  // A near miss is an error even when unknown keys are allowed.
  EXPECT_THAT(ErrorOf(Individual(R"(, "provisioningstatus": "disabled")"),
                      /*allow_unknown=*/true),
              HasSubstr("did you mean \"provisioningStatus\"?"));
}

TEST(DpsJsonKeysTest, MisspeltListsAreErrors) {
  EXPECT_THAT(
      ErrorOf(R"({"enrollmentGroup": [], "individualEnrollments": []})"),
      HasSubstr("policy.json: enrollmentGroup: unknown key; did you mean "
                "\"enrollmentGroups\"?"));
  EXPECT_THAT(ErrorOf(R"({"individualEnrolments": []})", true),
              HasSubstr("did you mean \"individualEnrollments\"?"));
}

TEST(DpsJsonKeysTest, StatusInsideAttestationIsAnError) {
  const std::string json =
      Individual("", R"("provisioningStatus": "disabled", )");
  EXPECT_THAT(ErrorOf(json),
              HasSubstr("(\"dev-1\"): attestation.provisioningStatus: "
                        "unknown key: \"provisioningStatus\" is a key of an "
                        "enrollment, not of attestation"));
  EXPECT_THAT(ErrorOf(json, true), HasSubstr("is a key of an enrollment"));
}

TEST(DpsJsonKeysTest, DeepKeysAreChecked) {
  EXPECT_THAT(
      ErrorOf(Individual(R"(, "capabilities": {"iotedge": true})")),
      HasSubstr("capabilities.iotedge: unknown key; did you mean \"iotEdge\""));
  EXPECT_THAT(
      ErrorOf(Individual(R"(, "initialTwin": {"properties": {"desird": {}}})")),
      HasSubstr("initialTwin.properties.desird: unknown key; did you mean "
                "\"desired\""));
  EXPECT_THAT(ErrorOf(Individual("", R"("symetricKey": {}, )")),
              HasSubstr("attestation.symetricKey: unknown key; did you mean "
                        "\"symmetricKey\""));
}

TEST(DpsJsonKeysTest, FreeFormObjectsAreNotChecked) {
  auto set = Load(
      Individual(R"(, "initialTwin": {"tags": {"provisioningstatus": 1}, )"
                 R"("properties": {"desired": {"anything": {"goes": true}}}}, )"
                 R"("optionalDeviceInformation": {"x": 1}, )"
                 R"("registrationState": {"payload": {"y": [2]}})"));
  ASSERT_TRUE(set.ok()) << set.status();
}

TEST(DpsJsonKeysTest, UnknownKeysNeedTheOptionAndAreReported) {
  const std::string json = Individual(
      R"(, "futureField": {"a": 1}, "capabilities": {"gpuCount": 2})",
      R"("quantumKey": "x", )");
  const std::string error = ErrorOf(json);
  EXPECT_THAT(error, HasSubstr("(\"dev-1\"): futureField: unknown key (not "
                               "in the DPS service schema"));
  EXPECT_THAT(error, HasSubstr("attestation.quantumKey: unknown key"));
  EXPECT_THAT(error, HasSubstr("capabilities.gpuCount: unknown key"));

  PolicyLoadReport report;
  auto set = Load(json, /*allow_unknown=*/true, &report);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->individual_enrollments(0).registration_id(), "dev-1");
  ASSERT_EQ(report.ignored_field_count, 3u);
  ASSERT_EQ(report.ignored_fields.size(), 3u);
  // An object's own keys, then those of the objects inside it.
  EXPECT_EQ(report.ignored_fields[0].ToString(),
            "policy.json: individualEnrollments[0] (\"dev-1\"): futureField");
  EXPECT_EQ(report.ignored_fields[1].path, "attestation.quantumKey");
  EXPECT_EQ(report.ignored_fields[2].path, "capabilities.gpuCount");
}

TEST(DpsJsonKeysTest, UnknownTopLevelKeysWithTheOption) {
  PolicyLoadReport report;
  auto set =
      Load(R"({"enrollmentGroups": [], "nextLink": "x"})", true, &report);
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(report.ignored_fields.size(), 1u);
  EXPECT_EQ(report.ignored_fields[0].ToString(), "policy.json: nextLink");
  // An object with no list at all is still not a policy.
  EXPECT_THAT(ErrorOf(R"({"nextLink": "x"})", true),
              HasSubstr("neither individualEnrollments nor enrollmentGroups"));
}

TEST(DpsJsonKeysTest, OddKeysAreQuotedInPaths) {
  EXPECT_THAT(ErrorOf(Individual(R"(, "a b\n": 1)")),
              HasSubstr("(\"dev-1\"): [\"a b\\n\"]: unknown key"));
}

TEST(DpsJsonEnumTest, StatusValuesAreStrict) {
  // The service reads enum values ignoring case: so does the loader, and
  // "Disabled" disables.
  auto set = Load(Individual(R"(, "provisioningStatus": "Disabled")"));
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->individual_enrollments(0).provisioning_status(), v1::DISABLED);
  // Anything else is an error, never the default (enabled).
  for (const char* value : {"disable", "disabled ", "off", "", "DISABLED!"}) {
    EXPECT_THAT(ErrorOf(Individual(absl::StrCat(R"(, "provisioningStatus": ")",
                                                value, R"(")"))),
                HasSubstr("provisioningStatus: unknown value"))
        << value;
  }
}

TEST(DpsJsonWriteTest, WritesWhatItReads) {
  const std::string json = Individual(
      R"(, "provisioningStatus": "disabled", "iotHubs": ["h1", "h2"], )"
      R"("initialTwin": {"tags": {"b": 1, "a": [true, null, "s", 2.5]}})");
  auto set = Load(json);
  ASSERT_TRUE(set.ok()) << set.status();
  const std::string written = EnrollmentSetToDpsJson(*set);
  EXPECT_THAT(written, HasSubstr("\"provisioningStatus\": \"disabled\""));
  EXPECT_THAT(written, HasSubstr("\"type\": \"symmetricKey\""));
  auto back = Load(written);
  ASSERT_TRUE(back.ok()) << back.status() << "\n" << written;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*back, *set));
  EXPECT_EQ(EnrollmentSetToDpsJson(*back), written);
}

}  // namespace
}  // namespace chaintrust::policy
