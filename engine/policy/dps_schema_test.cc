// The DPS schema table: the chaintrust.v1 proto models exactly its keys
// (less the few it drops), names, and near-miss detection.
#include "engine/policy/dps_schema.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::dps {
namespace {

TEST(DpsSchemaTest, ProtoFieldsAreSchemaKeys) {
  // Schema keys the proto does not model (accepted and dropped).
  const std::set<std::string> unmodelled = {
      "chaintrust.v1.IndividualEnrollment.optionalDeviceInformation",
      "chaintrust.v1.IndividualEnrollment.credentialPolicyName",
      "chaintrust.v1.EnrollmentGroup.credentialPolicyName",
      "chaintrust.v1.DeviceRegistrationState.payload",
  };
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  int messages = 0;
  for (const SchemaObject& object : ServiceSchema()) {
    const google::protobuf::Descriptor* descriptor =
        pool->FindMessageTypeByName(std::string(object.message));
    if (descriptor == nullptr) continue;  // the bundle, initialTwin.properties
    ++messages;
    std::set<std::string> fields;
    for (int i = 0; i < descriptor->field_count(); ++i) {
      fields.insert(descriptor->field(i)->json_name());
    }
    std::set<std::string> keys;
    for (absl::string_view key : object.keys) {
      keys.insert(std::string(key));
      if (fields.count(std::string(key)) == 0) {
        EXPECT_EQ(unmodelled.count(absl::StrCat(object.message, ".", key)), 1u)
            << object.message << " does not model " << key;
      }
    }
    for (const std::string& field : fields) {
      EXPECT_EQ(keys.count(field), 1u)
          << object.message << "." << field << " is not in the DPS schema";
    }
  }
  EXPECT_EQ(messages, 19);
}

TEST(DpsSchemaTest, FindsNearMisses) {
  const SchemaObject& enrollment =
      *FindSchemaObject("chaintrust.v1.IndividualEnrollment");
  EXPECT_TRUE(CheckKey("provisioningStatus", enrollment).known);
  EXPECT_EQ(CheckKey("provisioningstatus", enrollment).nearest,
            "provisioningStatus");
  EXPECT_EQ(CheckKey("provisionigStatus", enrollment).nearest,
            "provisioningStatus");
  EXPECT_EQ(CheckKey("registraitonId", enrollment).nearest, "registrationId");
  const KeyCheck far = CheckKey("futureField", enrollment);
  EXPECT_FALSE(far.known);
  EXPECT_FALSE(far.near_miss());
  EXPECT_EQ(CheckKey("enrollmentGroup", ServiceSchema().front()).nearest,
            "enrollmentGroups");
  EXPECT_EQ(CheckKey("individualEnrolments", ServiceSchema().front()).nearest,
            "individualEnrollments");
  const KeyCheck misplaced =
      CheckKey("provisioningStatus",
               *FindSchemaObject("chaintrust.v1.AttestationMechanism"));
  EXPECT_TRUE(misplaced.nearest.empty());
  EXPECT_EQ(misplaced.belongs_to, "an enrollment");
}

TEST(DpsSchemaTest, KeyDistance) {
  EXPECT_EQ(KeyDistance("abc", "abc", 2), 0u);
  EXPECT_EQ(KeyDistance("abc", "ABC", 2), 0u);
  EXPECT_EQ(KeyDistance("abcd", "abdc", 2), 1u);  // transposition
  EXPECT_EQ(KeyDistance("kitten", "sitting", 5), 3u);
  EXPECT_EQ(KeyDistance("kitten", "sitting", 1), 2u);  // capped at limit + 1
  EXPECT_EQ(KeyDistance("", "abc", 5), 3u);
}

TEST(DpsSchemaTest, Names) {
  EXPECT_EQ(EntryLabel(true, 3), "enrollmentGroups[3]");
  EXPECT_EQ(EntryLabel(false, 0), "individualEnrollments[0]");
  EXPECT_EQ(CertificateBodyField(true, true),
            "attestation.x509.signingCertificates.secondary.certificate");
  EXPECT_EQ(CertificateThumbprintField(false, false),
            "attestation.x509.clientCertificates.primary.info."
            "sha256Thumbprint");
}

}  // namespace
}  // namespace chaintrust::dps
