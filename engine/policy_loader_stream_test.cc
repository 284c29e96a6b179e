// DpsJsonToSnapshot and LoadSnapshotFile read DPS JSON straight into the
// snapshot builder (engine/policy/dps_json_stream.h). These tests hold that
// path to the strict converter (ParseDpsJson, then BuildSnapshot): the same
// snapshot for every text the converter accepts, the same report for every
// text it refuses, including every one-byte change of a full policy.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/policy/dps_json_stream.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy_loader.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::chaintrust::internal::MintIntermediate;
using ::chaintrust::internal::MintLeaf;
using ::chaintrust::internal::MintRoot;
using ::chaintrust::internal::TestCert;

constexpr char kKey16[] = "AAECAwQFBgcICQoLDA0ODw==";
constexpr char kKey32[] = "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=";

struct Certs {
  TestCert root = MintRoot("Stream Root");
  TestCert intermediate = MintIntermediate("Stream Intermediate", root);
  TestCert leaf = MintLeaf("device-x509", intermediate);
  TestCert leaf2 = MintLeaf("device-two", intermediate);
};

const Certs& TestCerts() {
  static const Certs* certs = new Certs();
  return *certs;
}

std::string Quoted(const std::string& s) {
  return absl::StrCat("\"", absl::CEscape(s), "\"");
}

// Every kind of entry and every object of the schema, with nulls, escapes
// and free-form values. Without `bodies`, enrollments give certificates by
// thumbprint only (cheaper to build, for the mutation test).
std::string Policy(bool bodies = true) {
  const Certs& c = TestCerts();
  auto body = [bodies](const TestCert& cert) {
    return bodies ? Quoted(cert.Pem()) : std::string("null");
  };
  return absl::StrCat(
      R"({"enrollmentGroups": [
  {"enrollmentGroupId": "grp-int", "provisioningStatus": "Enabled",
   "attestation": {"type": "x509", "x509": {"signingCertificates": {
     "primary": {"certificate": )",
      body(c.intermediate), R"(, "info": {"subjectName": "CN=x",
       "version": 3, "sha1Thumbprint": null, "sha256Thumbprint": ")",
      c.intermediate.Sha256Hex(), R"("}}, "secondary": null}},
     "tpm": null},
   "initialTwin": {"tags": {"a": [1, {"b": null}]},
                   "properties": {"desired": {"k": "v"}}},
   "iotHubs": ["hub-1", "hub\u002d2"], "capabilities": {"iotEdge": false},
   "reprovisionPolicy": {"updateHubAssignment": true,
                         "migrateDeviceData": false},
   "customAllocationDefinition": {"webhookUrl": "https://x",
                                  "apiVersion": "2021"},
   "etag": "e", "createdDateTimeUtc": "2024-01-01T00:00:00Z",
   "allocationPolicy": "hashed", "credentialPolicyName": {"any": 1}},
  {"enrollmentGroupId": "by-ref", "attestation": {"type": "X509",
   "x509": {"caReferences": {"primary": "root-ca", "secondary": null}}}},
  {"enrollmentGroupId": "keys", "provisioningStatus": "disabled",
   "attestation": {"type": "symmetricKey", "symmetricKey": {
     "primaryKey": ")",
      kKey16, R"(", "secondaryKey": ")", kKey32, R"("}}}
 ],
 "certificates": [
  {"name": "root-ca", "etag": "x", "id": "/subs/1", "type": "t",
   "resourceGroup": "rg", "properties": {"subject": "CN=Stream Root",
   "isVerified": true, "certificate": )",
      Quoted(c.root.Pem()), R"(, "expiry": "soon"},
   "systemData": {"createdBy": "me", "lastModifiedAt": "now"}}
 ],
 "individualEnrollments": [
  {"registrationId": "dev-\u0065", "deviceId": "d", "provisioningStatus":
   "ENABLED", "attestation": {"type": "symmetricKey", "symmetricKey": {
     "primaryKey": ")",
      kKey32, R"("}},
   "registrationState": {"registrationId": "dev", "errorCode": -2,
                         "payload": {"p": [true]}},
   "optionalDeviceInformation": {"free": "form"}},
  {"registrationId": "device-x509", "attestation": {"type": "x509",
   "x509": {"clientCertificates": {"primary": {"certificate": ")",
      c.leaf.Base64Der(), R"("}, "secondary": {"info": {"sha256Thumbprint": ")",
      c.leaf2.Sha256Hex(), R"("}}}}}},
  {"registrationId": "tpm-1", "attestation": {"type": "tpm",
   "tpm": {"endorsementKey": "AToAAQAL", "storageRootKey": null}}},
  {"registrationId": "off", "provisioningStatus": "disabled",
   "attestation": {"type": "x509"}}
 ]
})");
}

// A snapshot's whole content.
std::string Describe(const EnrollmentSnapshot& s) {
  auto thumb = [](const absl::optional<Sha256Digest>& d) {
    return d ? ToHex(*d) : std::string("-");
  };
  std::string out;
  for (const IndividualEnrollment& e : s.individual_enrollments()) {
    absl::StrAppend(
        &out, "I ", absl::CHexEscape(e.registration_id), " ", e.enabled, " ",
        AttestationKindName(e.kind), " ", thumb(e.primary_thumbprint), " ",
        thumb(e.secondary_thumbprint), " ", absl::CHexEscape(e.primary_key),
        " ", absl::CHexEscape(e.secondary_key), "\n");
  }
  for (const EnrollmentGroup& g : s.enrollment_groups()) {
    absl::StrAppend(&out, "G ", g.group_id, " ", g.enabled, " ",
                    AttestationKindName(g.kind), " ",
                    absl::CHexEscape(g.primary_key), " ",
                    absl::CHexEscape(g.secondary_key));
    for (const GroupCertificate& c : g.certificates) {
      absl::StrAppend(&out, " ", ToHex(c.sha256), "/", static_cast<int>(c.slot),
                      c.certificate ? "+" : "", c.ca_reference,
                      c.verified ? "v" : "");
    }
    out.push_back('\n');
  }
  for (const CaCertificate& c : s.ca_certificates()) {
    absl::StrAppend(&out, "C ", c.name, " ", c.verified,
                    c.certificate ? "+" : "", "\n");
  }
  return out;
}

// The converter's answer for `json`.
absl::StatusOr<SnapshotPtr> Strict(const std::string& json,
                                   const PolicyLoadOptions& options = {},
                                   PolicyLoadReport* report = nullptr) {
  auto set = ParseDpsJson(json, "policy.json", options, report);
  if (!set.ok()) return set.status();
  return BuildSnapshot(*set, "policy.json");
}

bool Streams(const std::string& json) {
  EnrollmentSnapshot::Builder builder;
  return policy::StreamDpsJsonIntoBuilder(json, &builder);
}

// DpsJsonToSnapshot and the converter agree on `json`; returns whether the
// converter accepts it.
bool ExpectSameAsStrict(const std::string& json) {
  auto strict = Strict(json);
  auto streamed = DpsJsonToSnapshot(json, "policy.json");
  EXPECT_EQ(streamed.ok(), strict.ok())
      << json << "\n"
      << (streamed.ok() ? strict.status() : streamed.status());
  if (streamed.ok() != strict.ok()) return strict.ok();
  if (strict.ok()) {
    EXPECT_EQ(Describe(**streamed), Describe(**strict)) << json;
  } else {
    EXPECT_EQ(streamed.status(), strict.status()) << json;
  }
  return strict.ok();
}

TEST(DpsJsonToSnapshotTest, StreamsAFullPolicyToTheConvertersSnapshot) {
  const std::string json = Policy();
  ASSERT_TRUE(Streams(json));
  auto strict = Strict(json);
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_EQ((*strict)->individual_enrollments().size(), 4u);
  EXPECT_EQ((*strict)->enrollment_groups().size(), 3u);
  ExpectSameAsStrict(json);
}

TEST(DpsJsonToSnapshotTest, StreamsTopLevelArrays) {
  const std::string individuals = absl::StrCat(
      R"([{"registrationId": "a", "attestation": {"type": "symmetricKey",)"
      R"( "symmetricKey": {"primaryKey": ")",
      kKey16, R"("}}}, {"registrationId": "b", "attestation": )",
      R"({"type": "tpm"}}])");
  const std::string groups = absl::StrCat(
      R"([{"enrollmentGroupId": "g", "attestation": {"type": "symmetricKey",)"
      R"( "symmetricKey": {"primaryKey": ")",
      kKey16, R"("}}}])");
  for (const std::string& json :
       {individuals, groups, std::string("[]"), std::string("{}")}) {
    EXPECT_TRUE(Streams(json)) << json;
    ExpectSameAsStrict(json);
  }
}

// Shapes the stream leaves to the converter load all the same.
TEST(DpsJsonToSnapshotTest, LeavesRareShapesToTheConverter) {
  const std::string single = absl::StrCat(
      R"({"registrationId": "one", "attestation": {"type": "symmetricKey",)"
      R"( "symmetricKey": {"primaryKey": ")",
      kKey16, R"("}}})");
  const std::string sha1_only =
      R"({"individualEnrollments": [{"registrationId": "x", "attestation":)"
      R"( {"type": "x509", "x509": {"clientCertificates": {"primary":)"
      R"( {"info": {"sha1Thumbprint": "AB"}}}}}}]})";
  const std::string mixed = absl::StrCat(
      "[", R"({"registrationId": "a", "attestation": {"type": "tpm"}},)",
      R"({"enrollmentGroupId": "g", "attestation": {"type": "tpm"}}])");
  for (const std::string& json : {single, sha1_only, mixed}) {
    EXPECT_FALSE(Streams(json)) << json;
    ExpectSameAsStrict(json);
  }
  auto loaded = DpsJsonToSnapshot(single, "one.json");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->individual_enrollments().size(), 1u);
}

TEST(DpsJsonToSnapshotTest, UnknownKeysStillReachTheReport) {
  const std::string json = absl::StrCat(
      R"({"individualEnrollments": [{"registrationId": "a", "newKey": 1,)"
      R"( "attestation": {"type": "tpm"}}]})");
  EXPECT_FALSE(Streams(json));
  PolicyLoadOptions options;
  options.allow_unknown_fields = true;
  PolicyLoadReport report;
  auto snapshot = DpsJsonToSnapshot(json, "policy.json", options, &report);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  ASSERT_EQ(report.ignored_fields.size(), 1u);
  EXPECT_EQ(report.ignored_fields[0].ToString(),
            "policy.json: individualEnrollments[0] (\"a\"): newKey");
  EXPECT_FALSE(DpsJsonToSnapshot(json, "policy.json").ok());
}

// Problems of the policy itself (found by the builder) read the same.
TEST(DpsJsonToSnapshotTest, BuilderProblemsReadTheSame) {
  const std::string json = absl::StrCat(
      R"({"individualEnrollments": [)",
      R"({"registrationId": "dup", "attestation": {"type": "tpm"}},)",
      R"({"registrationId": "DUP", "attestation": {"type": "tpm"}},)",
      R"({"registrationId": "k", "attestation": {"type": "symmetricKey",)",
      R"( "symmetricKey": {"primaryKey": "bm90IGEga2V5"}}}]})");
  EXPECT_TRUE(Streams(json));
  ExpectSameAsStrict(json);
  EXPECT_FALSE(DpsJsonToSnapshot(json, "policy.json").ok());
}

// Every deletion of one byte of the policy, and at every position an
// insertion or a replacement (of a byte from a sample): the same snapshot
// or the same report.
TEST(DpsJsonToSnapshotTest, AgreesWithTheConverterOnEveryMutation) {
  const std::string base = Policy(/*bodies=*/false);
  ASSERT_TRUE(Streams(base));
  const char kBytes[] = {'"', '}', ',', '\\', 'n', '1', 'x', '\x80', ' '};
  size_t accepted = 0, streamed = 0;
  for (size_t i = 0; i < base.size(); ++i) {
    const char c = kBytes[i % sizeof kBytes];
    std::string changed = base;
    if (i % 2 == 0) {
      changed.insert(changed.begin() + i, c);
    } else {
      changed[i] = c;
    }
    for (const std::string& json :
         {base.substr(0, i) + base.substr(i + 1), changed}) {
      const bool ok = ExpectSameAsStrict(json);
      if (::testing::Test::HasFailure()) return;
      accepted += ok;
      streamed += Streams(json);
    }
  }
  // Whitespace and value changes keep many variants valid, and the stream
  // takes them itself.
  EXPECT_GT(accepted, 100u);
  EXPECT_GT(streamed, accepted / 2);
}

TEST(DpsJsonToSnapshotTest, LoadSnapshotFileAddsTheCertificateList) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string base = dir != nullptr ? dir : "/tmp";
  const std::string policy = base + "/by-ref.json";
  const std::string list = base + "/cas.json";
  std::ofstream(policy) << R"({"enrollmentGroups": [{"enrollmentGroupId":)"
                           R"( "g", "attestation": {"type": "x509", "x509":)"
                           R"( {"caReferences": {"primary": "ca"}}}}]})";
  std::ofstream(list) << absl::StrCat(
      R"({"value": [{"name": "ca", "properties": {"isVerified": true,)",
      R"( "certificate": )", Quoted(TestCerts().root.Pem()), "}}]}");
  PolicyLoadOptions options;
  options.certificates_path = list;
  auto snapshot = LoadSnapshotFile(policy, options);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  auto set = LoadEnrollmentSetFile(policy, options);
  ASSERT_TRUE(set.ok()) << set.status();
  auto strict = BuildSnapshot(*set, policy);
  ASSERT_TRUE(strict.ok()) << strict.status();
  EXPECT_EQ(Describe(**snapshot), Describe(**strict));
  EXPECT_EQ((*snapshot)->ca_certificates().size(), 1u);
}

}  // namespace
}  // namespace chaintrust
