// A DPS-shaped enrollment set survives textproto, binary and JSON round
// trips without loss, and the DPS service JSON maps onto the proto.
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::v1 {
namespace {

using ::google::protobuf::TextFormat;
using ::google::protobuf::util::JsonParseOptions;
using ::google::protobuf::util::JsonPrintOptions;
using ::google::protobuf::util::JsonStringToMessage;
using ::google::protobuf::util::MessageDifferencer;
using ::google::protobuf::util::MessageToJsonString;

// As `az iot dps enrollment list` / `enrollment-group list` print it, with
// every field the decision does not read but an export must keep.
constexpr char kDpsBundle[] = R"json({
  "enrollmentGroups": [
    {"enrollmentGroupId": "contoso-intermediate-1",
     "provisioningStatus": "disabled",
     "attestation": {"type": "x509", "x509": {"signingCertificates": {
       "primary": {"certificate": "MIIBfake=="}},
       "caReferences": {"primary": "ca-one"}}},
     "iotHubHostName": "hub-1.azure-devices.net",
     "iotHubs": ["hub-1.azure-devices.net", "hub-2.azure-devices.net"],
     "allocationPolicy": "hashed",
     "reprovisionPolicy": {"updateHubAssignment": true,
                           "migrateDeviceData": false},
     "capabilities": {"iotEdge": true},
     "initialTwin": {"tags": {"site": "berlin", "floor": 3},
                     "properties": {"desired": {"fw": "1.2.3",
                                                "knobs": [1, 2, null]}}},
     "etag": "\"0400b1a5-0000-0800-0000-5f1c2e0d0000\"",
     "createdDateTimeUtc": "2021-07-25T12:00:00.123Z",
     "lastUpdatedDateTimeUtc": "2021-07-26T12:00:00Z",
     "unknownFieldFromTheFuture": {"x": 1}},
    {"enrollmentGroupId": "contoso-root", "provisioningStatus": "enabled",
     "attestation": {"type": "x509", "x509": {"signingCertificates": {
       "primary": {"info": {
         "subjectName": "CN=Contoso Root", "issuerName": "CN=Contoso Root",
         "sha1Thumbprint": "0123456789ABCDEF0123456789ABCDEF01234567",
         "sha256Thumbprint": "5F1C00000000000000000000000000000000000000000000000000000000E2",
         "notBeforeUtc": "2021-01-01T00:00:00Z",
         "notAfterUtc": "2031-01-01T00:00:00Z",
         "serialNumber": "0A1B", "version": 3}},
       "secondary": {"certificate": "MIIBsecond=="}}}},
     "customAllocationDefinition": {"webhookUrl": "https://example.net/alloc",
                                    "apiVersion": "2021-10-01"}}
  ],
  "individualEnrollments": [
    {"registrationId": "device-001", "deviceId": "device-001",
     "provisioningStatus": "disabled",
     "attestation": {"type": "symmetricKey", "symmetricKey": {
       "primaryKey": "AAECAwQFBgcICQoLDA0ODw==",
       "secondaryKey": "EBESExQVFhcYGRobHB0eHw=="}},
     "registrationState": {"registrationId": "device-001",
                           "assignedHub": "hub-1.azure-devices.net",
                           "deviceId": "device-001", "status": "assigned",
                           "substatus": "initialAssignment",
                           "etag": "\"abc\""}},
    {"registrationId": "tpm-device",
     "attestation": {"type": "tpm", "tpm": {"endorsementKey": "AToAAQAL"}}}
  ]
})json";

EnrollmentSet ParseDpsJson(const std::string& json) {
  JsonParseOptions options;
  options.ignore_unknown_fields = true;
  options.case_insensitive_enum_parsing = true;
  EnrollmentSet set;
  const auto status = JsonStringToMessage(json, &set, options);
  EXPECT_TRUE(status.ok()) << status;
  return set;
}

TEST(EnrollmentRoundTripTest, DpsJsonMapsOntoTheProto) {
  const EnrollmentSet set = ParseDpsJson(kDpsBundle);
  ASSERT_EQ(set.enrollment_groups_size(), 2);
  ASSERT_EQ(set.individual_enrollments_size(), 2);

  const EnrollmentGroup& intermediate = set.enrollment_groups(0);
  EXPECT_EQ(intermediate.enrollment_group_id(), "contoso-intermediate-1");
  EXPECT_EQ(intermediate.provisioning_status(), DISABLED);
  EXPECT_EQ(intermediate.attestation().type(), X509);
  EXPECT_EQ(intermediate.attestation()
                .x509()
                .signing_certificates()
                .primary()
                .certificate(),
            "MIIBfake==");
  EXPECT_EQ(intermediate.attestation().x509().ca_references().primary(),
            "ca-one");
  EXPECT_THAT(intermediate.iot_hubs(), testing::SizeIs(2));
  EXPECT_TRUE(intermediate.reprovision_policy().update_hub_assignment());
  EXPECT_TRUE(intermediate.capabilities().iot_edge());
  EXPECT_EQ(
      intermediate.initial_twin().tags().fields().at("site").string_value(),
      "berlin");

  const EnrollmentGroup& root = set.enrollment_groups(1);
  EXPECT_EQ(root.provisioning_status(), ENABLED);
  EXPECT_EQ(root.attestation()
                .x509()
                .signing_certificates()
                .primary()
                .info()
                .sha256_thumbprint()
                .substr(0, 4),
            "5F1C");
  EXPECT_EQ(root.custom_allocation_definition().api_version(), "2021-10-01");

  const IndividualEnrollment& device = set.individual_enrollments(0);
  EXPECT_EQ(device.registration_id(), "device-001");
  EXPECT_EQ(device.attestation().type(), SYMMETRICKEY);
  EXPECT_EQ(device.registration_state().substatus(), "initialAssignment");
  EXPECT_EQ(set.individual_enrollments(1).attestation().type(), TPM);
  EXPECT_EQ(set.individual_enrollments(1).provisioning_status(),
            PROVISIONING_STATUS_UNSPECIFIED);
}

TEST(EnrollmentRoundTripTest, TextprotoRoundTripIsLossless) {
  const EnrollmentSet set = ParseDpsJson(kDpsBundle);
  std::string text;
  ASSERT_TRUE(TextFormat::PrintToString(set, &text));
  EnrollmentSet back;
  ASSERT_TRUE(TextFormat::ParseFromString(text, &back));
  EXPECT_TRUE(MessageDifferencer::Equals(set, back)) << text;
}

TEST(EnrollmentRoundTripTest, BinaryRoundTripIsLossless) {
  const EnrollmentSet set = ParseDpsJson(kDpsBundle);
  std::string bytes;
  ASSERT_TRUE(set.SerializeToString(&bytes));
  EnrollmentSet back;
  ASSERT_TRUE(back.ParseFromString(bytes));
  EXPECT_TRUE(MessageDifferencer::Equals(set, back));
}

TEST(EnrollmentRoundTripTest, JsonRoundTripIsLossless) {
  const EnrollmentSet set = ParseDpsJson(kDpsBundle);
  std::string json;
  ASSERT_TRUE(MessageToJsonString(set, &json, JsonPrintOptions()).ok());
  // The printed JSON uses DPS's field names.
  EXPECT_THAT(json, testing::HasSubstr("\"enrollmentGroupId\""));
  EXPECT_THAT(json, testing::HasSubstr("\"sha256Thumbprint\""));
  const EnrollmentSet back = ParseDpsJson(json);
  EXPECT_TRUE(MessageDifferencer::Equals(set, back)) << json;
}

// Strict checking of DPS JSON (wrong types, unknown enum values, an object
// where an array belongs) is the loader's job: protobuf's own JSON parser is
// lenient about those once unknown fields are ignored. See
// engine/policy_loader_test.cc.

}  // namespace
}  // namespace chaintrust::v1
