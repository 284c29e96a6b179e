// The policy loaders: DPS service JSON (strictly checked), text and binary
// protos, and the conversion into snapshots; hostile input fails cleanly.
#include "engine/policy_loader.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/policy/dps_json_stream.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "proto/enrollment.pb.h"

namespace chaintrust {
namespace {

using ::chaintrust::internal::MintIntermediate;
using ::chaintrust::internal::MintLeaf;
using ::chaintrust::internal::MintRoot;
using ::chaintrust::internal::TestCert;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kKey16[] = "AAECAwQFBgcICQoLDA0ODw==";

struct Certs {
  TestCert root = MintRoot("Contoso Root");
  TestCert intermediate = MintIntermediate("Contoso Intermediate", root);
  TestCert leaf = MintLeaf("device-x509", intermediate);
};

const Certs& TestCerts() {
  static const Certs* certs = new Certs();
  return *certs;
}

// A JSON string literal (certificates contain newlines).
std::string JsonString(const std::string& text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\n", "\\n"}}), "\"");
}

std::string Bundle() {
  const Certs& certs = TestCerts();
  return absl::StrCat(R"json({
  "enrollmentGroups": [
    {"enrollmentGroupId": "contoso-intermediate-1",
     "provisioningStatus": "disabled",
     "attestation": {"type": "x509", "x509": {"signingCertificates": {
       "primary": {"certificate": )json",
                      JsonString(certs.intermediate.Pem()), R"json(}}}},
     "initialTwin": {"tags": {"site": "berlin"},
                     "properties": {"desired": {"knobs": [1, null, "x"]}}},
     "iotHubs": ["hub-1"], "capabilities": {"iotEdge": true},
     "credentialPolicyName": "default"},
    {"enrollmentGroupId": "contoso-root", "provisioningStatus": "Enabled",
     "attestation": {"type": "X509", "x509": {"signingCertificates": {
       "primary": {"info": {"sha256Thumbprint": ")json",
                      certs.root.Sha256Hex(), R"json(", "version": 3}}}}}},
    {"enrollmentGroupId": "keys",
     "attestation": {"type": "symmetricKey",
                     "symmetricKey": {"primaryKey": ")json",
                      kKey16, R"json("}}}
  ],
  "individualEnrollments": [
    {"registrationId": "device-001", "deviceId": "device-001",
     "provisioningStatus": "disabled",
     "attestation": {"type": "symmetricKey", "symmetricKey": {
       "primaryKey": ")json",
                      kKey16, R"json("}},
     "registrationState": {"registrationId": "device-001", "errorCode": 0,
                           "payload": {"any": ["thing"]}},
     "optionalDeviceInformation": {"free": {"form": 1}}},
    {"registrationId": "device-x509",
     "attestation": {"type": "x509", "x509": {"clientCertificates": {
       "primary": {"certificate": ")json",
                      certs.leaf.Base64Der(), R"json("}}}}},
    {"registrationId": "tpm-device",
     "attestation": {"type": "tpm", "tpm": {"endorsementKey": "AToAAQAL"}}}
  ]
})json");
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
}

// A snapshot's content, for comparing snapshots built from different files.
std::string Describe(const EnrollmentSnapshot& s) {
  std::string out;
  for (const IndividualEnrollment& e : s.individual_enrollments()) {
    absl::StrAppend(&out, "I ", e.registration_id, " ", e.enabled, " ",
                    AttestationKindName(e.kind), " ",
                    e.primary_thumbprint ? ToHex(*e.primary_thumbprint) : "-",
                    " ", absl::CHexEscape(e.primary_key), "\n");
  }
  for (const EnrollmentGroup& g : s.enrollment_groups()) {
    absl::StrAppend(&out, "G ", g.group_id, " ", g.enabled, " ",
                    AttestationKindName(g.kind), " ",
                    absl::CHexEscape(g.primary_key));
    for (const GroupCertificate& c : g.certificates) {
      absl::StrAppend(&out, " ", ToHex(c.sha256), c.certificate ? "+" : "");
    }
    out.push_back('\n');
  }
  return out;
}

TEST(PolicyLoaderTest, LoadsTheBundle) {
  auto set = ParseDpsJson(Bundle(), "policy.json");
  ASSERT_TRUE(set.ok()) << set.status();
  ASSERT_EQ(set->enrollment_groups_size(), 3);
  ASSERT_EQ(set->individual_enrollments_size(), 3);
  const v1::EnrollmentGroup& intermediate = set->enrollment_groups(0);
  EXPECT_EQ(intermediate.provisioning_status(), v1::DISABLED);
  EXPECT_EQ(
      intermediate.initial_twin().tags().fields().at("site").string_value(),
      "berlin");
  EXPECT_EQ(intermediate.initial_twin()
                .properties()
                .fields()
                .at("desired")
                .struct_value()
                .fields()
                .at("knobs")
                .list_value()
                .values_size(),
            3);
  EXPECT_THAT(intermediate.iot_hubs(), SizeIs(1));
  EXPECT_TRUE(intermediate.capabilities().iot_edge());
  EXPECT_EQ(set->enrollment_groups(1).provisioning_status(), v1::ENABLED);
  EXPECT_EQ(set->enrollment_groups(1)
                .attestation()
                .x509()
                .signing_certificates()
                .primary()
                .info()
                .version(),
            3);
  EXPECT_EQ(set->individual_enrollments(2).attestation().type(), v1::TPM);

  auto snapshot = BuildSnapshot(*set, "policy.json");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const EnrollmentSnapshot& s = **snapshot;
  const IndividualEnrollment* disabled = s.FindIndividual("DEVICE-001");
  ASSERT_NE(disabled, nullptr);
  EXPECT_FALSE(disabled->enabled);
  const IndividualEnrollment* x509 = s.FindIndividual("device-x509");
  ASSERT_NE(x509, nullptr);
  EXPECT_TRUE(x509->enabled);  // no provisioningStatus: enabled
  EXPECT_EQ(ToHex(*x509->primary_thumbprint), TestCerts().leaf.Sha256Hex());
  EXPECT_THAT(s.symmetric_key_groups(), SizeIs(1));
  EXPECT_FALSE(s.enrollment_groups()[0].enabled);
  EXPECT_NE(s.enrollment_groups()[0].certificates[0].certificate, nullptr);
  EXPECT_EQ(s.enrollment_groups()[1].certificates[0].certificate, nullptr);
}

TEST(PolicyLoaderTest, LoadsTopLevelArraysAndSingleEntries) {
  auto set = ParseDpsJson(Bundle(), "policy.json");
  ASSERT_TRUE(set.ok()) << set.status();
  std::string individuals_json;
  std::string groups_json;
  {
    v1::EnrollmentSet only;
    *only.mutable_individual_enrollments() = set->individual_enrollments();
    individuals_json = EnrollmentSetToDpsJson(only);
    only.Clear();
    *only.mutable_enrollment_groups() = set->enrollment_groups();
    groups_json = EnrollmentSetToDpsJson(only);
  }
  // Strip the bundle: {"individualEnrollments": [...]} -> [...].
  auto array_of = [](const std::string& bundle) {
    const size_t open = bundle.find('[');
    const size_t close = bundle.rfind(']');
    return bundle.substr(open, close - open + 1);
  };
  auto individuals = ParseDpsJson(array_of(individuals_json), "list.json");
  ASSERT_TRUE(individuals.ok()) << individuals.status();
  EXPECT_EQ(individuals->individual_enrollments_size(), 3);
  EXPECT_EQ(individuals->enrollment_groups_size(), 0);
  EXPECT_TRUE(MessageDifferencer::Equals(individuals->individual_enrollments(0),
                                         set->individual_enrollments(0)));

  auto groups = ParseDpsJson(array_of(groups_json), "list.json");
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_EQ(groups->enrollment_groups_size(), 3);
  EXPECT_EQ(groups->individual_enrollments_size(), 0);

  auto empty = ParseDpsJson("[]", "list.json");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->ByteSizeLong(), 0u);

  auto single = ParseDpsJson(
      R"({"registrationId": "one", "attestation": {"type": "tpm"}})",
      "one.json");
  ASSERT_TRUE(single.ok()) << single.status();
  EXPECT_EQ(single->individual_enrollments(0).registration_id(), "one");
}

TEST(PolicyLoaderTest, TextAndBinaryGiveTheSameSnapshot) {
  auto set = ParseDpsJson(Bundle(), "policy.json");
  ASSERT_TRUE(set.ok()) << set.status();
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(*set, &text));
  const std::string text_path = TempPath("policy.textproto");
  const std::string txtpb_path = TempPath("policy.txtpb");
  const std::string binary_path = TempPath("policy.binpb");
  const std::string json_path = TempPath("policy.json");
  WriteFile(text_path, text);
  WriteFile(txtpb_path, text);
  WriteFile(binary_path, set->SerializeAsString());
  WriteFile(json_path, Bundle());

  std::vector<std::string> descriptions;
  for (const std::string& path :
       {json_path, text_path, txtpb_path, binary_path}) {
    auto snapshot = LoadSnapshotFile(path);
    ASSERT_TRUE(snapshot.ok()) << path << ": " << snapshot.status();
    descriptions.push_back(Describe(**snapshot));
  }
  EXPECT_THAT(descriptions[0], HasSubstr("device-x509"));
  for (const std::string& d : descriptions) EXPECT_EQ(d, descriptions[0]);
}

TEST(PolicyLoaderTest, FileErrors) {
  auto unknown = LoadEnrollmentSetFile("/tmp/policy.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()),
              HasSubstr("unknown policy file extension \".yaml\""));

  auto missing = LoadEnrollmentSetFile(TempPath("does-not-exist.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("does-not-exist.json"));

  const std::string empty_path = TempPath("empty.json");
  WriteFile(empty_path, "");
  auto empty = LoadEnrollmentSetFile(empty_path);
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(std::string(empty.status().message()),
              HasSubstr("empty.json: empty file"));

  const std::string text_path = TempPath("bad.textproto");
  WriteFile(text_path,
            "individual_enrollments {\n  registration_id: \"a\"\n"
            "  no_such_field: 1\n}\n");
  auto text = LoadEnrollmentSetFile(text_path);
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(std::string(text.status().message()),
              HasSubstr("bad.textproto:3:"));
  EXPECT_THAT(std::string(text.status().message()), HasSubstr("no_such_field"));

  // Empty text and binary policies are refused like an empty JSON one; a
  // text policy of comments only is empty too.
  for (const auto& [name, contents] :
       {std::make_pair("empty.binpb", ""), std::make_pair("empty.txtpb", ""),
        std::make_pair("blank.textproto", " \n# nothing here\n\t\n")}) {
    const std::string path = TempPath(name);
    WriteFile(path, contents);
    auto set = LoadEnrollmentSetFile(path);
    ASSERT_FALSE(set.ok()) << name;
    EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(set.status().message()),
                HasSubstr(absl::StrCat(name, ": empty file")));
  }
  // An explicitly empty text policy is not an empty file.
  const std::string explicit_path = TempPath("explicit.textproto");
  WriteFile(explicit_path, "individual_enrollments: []\n");
  auto explicit_set = LoadEnrollmentSetFile(explicit_path);
  ASSERT_TRUE(explicit_set.ok()) << explicit_set.status();
  EXPECT_EQ(explicit_set->individual_enrollments_size(), 0);

  const std::string binary_path = TempPath("bad.binpb");
  WriteFile(binary_path, "\x0a\xff\xff\xff\xff\x0f garbage");
  auto binary = LoadEnrollmentSetFile(binary_path);
  ASSERT_FALSE(binary.ok());
  EXPECT_THAT(std::string(binary.status().message()),
              HasSubstr("bad.binpb: not a valid binary"));
}

struct HostileCase {
  std::string name;
  std::string json;
  std::string error;  // a substring of the message
};

void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

class HostileJsonTest : public testing::TestWithParam<HostileCase> {};

TEST_P(HostileJsonTest, FailsCleanlyNamingTheProblem) {
  auto set = ParseDpsJson(GetParam().json, "policy.json");
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()), HasSubstr(GetParam().error));
  EXPECT_THAT(std::string(set.status().message()), HasSubstr("policy.json"));
  EXPECT_LT(set.status().message().size(), 4000u);
}

std::string Group(const std::string& attestation) {
  return absl::StrCat(
      R"({"enrollmentGroups": [{"enrollmentGroupId": "ok", "attestation": )"
      R"({"type": "symmetricKey"}}, {"enrollmentGroupId": "ok2", )"
      R"("attestation": {"type": "symmetricKey"}}, )"
      R"({"enrollmentGroupId": "contoso-int", "attestation": )",
      attestation, "}]}");
}

// Text that is not JSON, or JSON the strict reader refuses.
std::vector<HostileCase> JsonSyntaxCases() {
  return {
      {/*name=*/"Empty", /*json=*/"", /*error=*/"empty file"},
      {/*name=*/"Whitespace", /*json=*/" \n\t ", /*error=*/"empty file"},
      {/*name=*/"Truncated", /*json=*/R"({"individualEnrollments": [{"reg)",
       /*error=*/"policy.json: invalid JSON"},
      {/*name=*/"TrailingGarbage", /*json=*/"{} x",
       /*error=*/"invalid JSON"},
      {/*name=*/"NotJson", /*json=*/std::string("\x00\x01\xff", 3),
       /*error=*/"invalid JSON"},
      {/*name=*/"InvalidUtf8",
       /*json=*/"[{\"registrationId\": \"a\xff\"}]",
       /*error=*/"invalid JSON at line 1, column 23: invalid UTF-8"},
      {/*name=*/"LoneSurrogate", /*json=*/R"(["\ud800"])",
       /*error=*/"unpaired high surrogate"},
      {/*name=*/"BadEscape", /*json=*/R"(["\q"])",
       /*error=*/"invalid escape"},
      {/*name=*/"ControlCharacter", /*json=*/"[\"a\tb\"]",
       /*error=*/"control character"},
      {/*name=*/"LeadingZero", /*json=*/"[01]",
       /*error=*/"expected ',' or ']'"},
      {/*name=*/"HugeNumber", /*json=*/"[1e400]",
       /*error=*/"number out of range"},
      {/*name=*/"BareMinus", /*json=*/"[-]", /*error=*/"expected a value"},
      {/*name=*/"ErrorOnLaterLine", /*json=*/"{\n  \"a\": tru\n}",
       /*error=*/"invalid JSON at line 2, column 8: invalid literal"},
      {/*name=*/"DeeplyNestedArrays", /*json=*/std::string(100000, '['),
       /*error=*/"nested more than 40 levels"},
      {/*name=*/"DeeplyNestedBalanced",
       /*json=*/std::string(100000, '[') + std::string(100000, ']'),
       /*error=*/"nested more than 40 levels"},
      {/*name=*/"DeeplyNestedTwin",
       /*json=*/
       absl::StrCat(
           R"({"registrationId": "a", "attestation": {"type": "tpm"}, )"
           R"("initialTwin": {"tags": )",
           std::string(1000, '['), std::string(1000, ']'), "}}"),
       /*error=*/"nested more than 40 levels"},
      {/*name=*/"TopLevelString", /*json=*/R"("hello")",
       /*error=*/
       "expected an object or an array at the top level, got a "
       "string"},
      {/*name=*/"TopLevelNumber", /*json=*/"42",
       /*error=*/"got a number"},
      {/*name=*/"DuplicateKeys",
       /*json=*/R"({"individualEnrollments": [], "individualEnrollments": []})",
       /*error=*/"invalid JSON"},
  };
}

// JSON whose top level or bundle is not a policy.
std::vector<HostileCase> DocumentShapeCases() {
  return {
      {/*name=*/"MisspeltBundle",
       /*json=*/R"({"individualEnrolments": []})",
       /*error=*/
       "policy.json: individualEnrolments: unknown key; did you mean "
       "\"individualEnrollments\"?"},
      {/*name=*/"NoBundleKey",
       /*json=*/R"({"something": []})",
       /*error=*/"policy.json: something: unknown key (not in the DPS"},
      {/*name=*/"ObjectInsteadOfArray",
       /*json=*/R"({"individualEnrollments": {"registrationId": "a"}})",
       /*error=*/
       "policy.json: individualEnrollments: expected an array, got "
       "an object"},
      {/*name=*/"EntryNotAnObject",
       /*json=*/R"({"enrollmentGroups": ["contoso"]})",
       /*error=*/
       "policy.json: enrollmentGroups[0]: expected an object, got a "
       "string"},
      {/*name=*/"MixedArray",
       /*json=*/
       R"([{"registrationId": "a", "attestation": {"type": "tpm"}},)"
       R"( {"enrollmentGroupId": "g", "attestation": {"type": "tpm"}}])",
       /*error=*/
       "[1]: an enrollment group in an array of individual "
       "enrollments"},
      {/*name=*/"ArrayOfUnknownThings", /*json=*/R"([{"x": 1}])",
       /*error=*/"cannot tell whether the array holds"},
  };
}

// Entries whose fields have the wrong type, value or presence.
std::vector<HostileCase> FieldCases() {
  return {
      {/*name=*/"CertificateIsAString",
       /*json=*/
       Group(R"({"type": "x509", "x509": {"signingCertificates": )"
             R"({"primary": "MIIB"}}})"),
       /*error=*/
       "policy.json: enrollmentGroups[2] (\"contoso-int\"): "
       "attestation.x509.signingCertificates.primary: expected an "
       "object, got a string"},
      {/*name=*/"AttestationIsAnArray",
       /*json=*/Group("[]"),
       /*error=*/
       "enrollmentGroups[2] (\"contoso-int\"): attestation: "
       "expected an object, got an array"},
      {/*name=*/"UnknownAttestationType",
       /*json=*/Group(R"({"type": "x510"})"),
       /*error=*/
       "attestation.type: unknown value \"x510\" (expected one of "
       "\"x509\", \"symmetricKey\", \"tpm\")"},
      {/*name=*/"UnknownStatus",
       /*json=*/
       R"([{"registrationId": "dev-7", "provisioningStatus": "on",)"
       R"( "attestation": {"type": "tpm"}}])",
       /*error=*/
       "[0] (\"dev-7\"): provisioningStatus: unknown value \"on\" "
       "(expected one of \"enabled\", \"disabled\")"},
      {/*name=*/"StatusIsABoolean",
       /*json=*/
       R"([{"registrationId": "dev-7", "provisioningStatus": true,)"
       R"( "attestation": {"type": "tpm"}}])",
       /*error=*/"provisioningStatus: expected a string, got a boolean"},
      {/*name=*/"MissingRegistrationId",
       /*json=*/
       R"({"individualEnrollments": [{"attestation": )"
       R"({"type": "tpm"}}]})",
       /*error=*/"individualEnrollments[0]: registrationId: required"},
      {/*name=*/"NullRegistrationId",
       /*json=*/
       R"({"individualEnrollments": [{"registrationId": null, )"
       R"("attestation": {"type": "tpm"}}]})",
       /*error=*/"individualEnrollments[0]: registrationId: required"},
      {/*name=*/"RegistrationIdIsANumber",
       /*json=*/
       R"({"individualEnrollments": [{"registrationId": 7, )"
       R"("attestation": {"type": "tpm"}}]})",
       /*error=*/
       "individualEnrollments[0]: registrationId: expected a "
       "string, got a number"},
      {/*name=*/"MissingAttestation",
       /*json=*/R"({"individualEnrollments": [{"registrationId": "a"}]})",
       /*error=*/"individualEnrollments[0] (\"a\"): attestation: required"},
      {/*name=*/"MissingAttestationType",
       /*json=*/Group(R"({"x509": {}})"),
       /*error=*/"(\"contoso-int\"): attestation.type: required"},
      {/*name=*/"KeyIsANumber",
       /*json=*/
       Group(R"({"type": "symmetricKey", "symmetricKey": )"
             R"({"primaryKey": 12}})"),
       /*error=*/
       "attestation.symmetricKey.primaryKey: expected a string, got "
       "a number"},
      {/*name=*/"IotHubsNotAnArray",
       /*json=*/
       R"([{"registrationId": "a", "attestation": {"type": "tpm"},)"
       R"( "iotHubs": "hub"}])",
       /*error=*/"iotHubs: expected an array, got a string"},
      {/*name=*/"IotHubsElementWrong",
       /*json=*/
       R"([{"registrationId": "a", "attestation": {"type": "tpm"},)"
       R"( "iotHubs": ["hub", 3]}])",
       /*error=*/"iotHubs[1]: expected a string, got a number"},
      {/*name=*/"TwinTagsNotAnObject",
       /*json=*/
       R"([{"registrationId": "a", "attestation": {"type": "tpm"},)"
       R"( "initialTwin": {"tags": [1]}}])",
       /*error=*/"initialTwin.tags: expected an object, got an array"},
      {/*name=*/"VersionNotAnInteger",
       /*json=*/
       Group(R"({"type": "x509", "x509": {"signingCertificates": )"
             R"({"primary": {"info": {"version": 3.5}}}}})"),
       /*error=*/
       "signingCertificates.primary.info.version: expected a 32-bit "
       "integer"},
      {/*name=*/"EdgeNotABoolean",
       /*json=*/
       R"([{"registrationId": "a", "attestation": {"type": "tpm"},)"
       R"( "capabilities": {"iotEdge": "yes"}}])",
       /*error=*/"capabilities.iotEdge: expected a boolean, got a string"},
      {/*name=*/"HugeIdIsTruncatedInMessages",
       /*json=*/
       absl::StrCat(R"([{"registrationId": ")", std::string(10 << 20, 'a'),
                    R"(", "attestation": {"type": "x51"}}])"),
       /*error=*/"aaaa...\"): attestation.type: unknown value \"x51\""},
  };
}

std::vector<HostileCase> HostileCases() {
  std::vector<HostileCase> cases = JsonSyntaxCases();
  for (const std::vector<HostileCase>& more :
       {DocumentShapeCases(), FieldCases()}) {
    cases.insert(cases.end(), more.begin(), more.end());
  }
  return cases;
}

// Straight to a snapshot, the same text fails with the same report: the
// stream never vouches for what the converter refuses.
TEST_P(HostileJsonTest, StraightToSnapshotReportsTheSame) {
  EnrollmentSnapshot::Builder builder;
  EXPECT_FALSE(policy::StreamDpsJsonIntoBuilder(GetParam().json, &builder));
  auto set = ParseDpsJson(GetParam().json, "policy.json");
  ASSERT_FALSE(set.ok());
  auto snapshot = DpsJsonToSnapshot(GetParam().json, "policy.json");
  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status(), set.status());
}

INSTANTIATE_TEST_SUITE_P(PolicyLoader, HostileJsonTest,
                         testing::ValuesIn(HostileCases()),
                         [](const testing::TestParamInfo<HostileCase>& info) {
                           return info.param.name;
                         });

TEST(PolicyLoaderTest, DecodesStringEscapes) {
  auto set = ParseDpsJson(
      R"([{"registrationId": "a", "deviceId": "\u00e9\ud83d\ude00\n\"\/",)"
      R"( "etag": "é", "attestation": {"type": "tpm"}}])",
      "policy.json");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->individual_enrollments(0).device_id(),
            "\xc3\xa9\xf0\x9f\x98\x80\n\"/");
  EXPECT_EQ(set->individual_enrollments(0).etag(), "\xc3\xa9");
}

TEST(PolicyLoaderTest, ManyProblemsAreCapped) {
  std::string json = "[";
  for (int i = 0; i < 30; ++i) {
    absl::StrAppend(&json, i ? "," : "", R"({"registrationId": 1})");
  }
  json += "]";
  auto set = ParseDpsJson(json, "policy.json");
  ASSERT_FALSE(set.ok());
  // Two problems per entry (registrationId, attestation): 60 in all.
  EXPECT_THAT(std::string(set.status().message()),
              HasSubstr("... and 40 more problems"));
}

struct SnapshotCase {
  std::string name;
  std::string textproto;
  std::string error;
};

void PrintTo(const SnapshotCase& c, std::ostream* os) { *os << c.name; }

class BuildSnapshotTest : public testing::TestWithParam<SnapshotCase> {};

TEST_P(BuildSnapshotTest, NamesTheEntryAndField) {
  v1::EnrollmentSet set;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      GetParam().textproto, &set));
  auto snapshot = BuildSnapshot(set, "policy.textproto");
  ASSERT_FALSE(snapshot.ok());
  EXPECT_THAT(std::string(snapshot.status().message()),
              HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    PolicyLoader, BuildSnapshotTest,
    testing::ValuesIn(std::vector<SnapshotCase>{
        {/*name=*/"CaReferencesOnly",
         /*textproto=*/R"pb(enrollment_groups {
                              enrollment_group_id: "by-name"
                              attestation {
                                type: X509
                                x509 { ca_references { primary: "ca-one" } }
                              }
                            })pb",
         /*error=*/
         "policy.textproto: enrollmentGroups[0] (\"by-name\"): "
         "attestation.x509.caReferences.primary: no CA certificate named "
         "\"ca-one\""},
        {/*name=*/"Sha1Only",
         /*textproto=*/R"pb(individual_enrollments {
                              registration_id: "dev-7"
                              attestation {
                                type: X509
                                x509 {
                                  client_certificates {
                                    primary { info { sha1_thumbprint: "00" } }
                                  }
                                }
                              }
                            })pb",
         /*error=*/
         "policy.textproto: individualEnrollments[0] (\"dev-7\"): "
         "attestation.x509.clientCertificates.primary.info."
         "sha256Thumbprint: required"},
        {/*name=*/"NoAttestation",
         /*textproto=*/R"pb(individual_enrollments { registration_id: "a" })pb",
         /*error=*/"individualEnrollments[0] (\"a\"): attestation: required"},
        {/*name=*/"UnspecifiedType",
         /*textproto=*/R"pb(enrollment_groups {
                              enrollment_group_id: "g"
                              attestation {}
                            })pb",
         /*error=*/"enrollmentGroups[0] (\"g\"): attestation.type: required"},
        {/*name=*/"BadKey",
         /*textproto=*/R"pb(individual_enrollments {
                              registration_id: "dev-7"
                              attestation {
                                type: SYMMETRICKEY
                                symmetric_key { primary_key: "short" }
                              }
                            })pb",
         /*error=*/
         "policy.textproto: individualEnrollments[0] (\"dev-7\"): "
         "attestation.symmetricKey.primaryKey: not base64"},
        {/*name=*/"TpmEndorsementKeyNotBase64",
         /*textproto=*/R"pb(individual_enrollments {
                              registration_id: "tpm-7"
                              attestation {
                                type: TPM
                                tpm { endorsement_key: "not base64!" }
                              }
                            })pb",
         /*error=*/
         "policy.textproto: individualEnrollments[0] (\"tpm-7\"): "
         "attestation.tpm.endorsementKey: not base64"},
        {/*name=*/"TpmStorageRootKeyNotBase64",
         /*textproto=*/R"pb(individual_enrollments {
                              registration_id: "tpm-7"
                              attestation {
                                type: TPM
                                tpm {
                                  endorsement_key: "AToAAQAL"
                                  storage_root_key: "AToA*QAL"
                                }
                              }
                            })pb",
         /*error=*/"attestation.tpm.storageRootKey: not base64"},
    }),
    [](const testing::TestParamInfo<SnapshotCase>& info) {
      return info.param.name;
    });

// The option and the report reach through the file loaders.
TEST(PolicyLoaderTest, UnknownKeysThroughTheFileLoaders) {
  const std::string path = TempPath("future.json");
  WriteFile(path,
            absl::StrCat(R"({"enrollmentGroups": [{"enrollmentGroupId":)"
                         R"( "g", "attestation": {"type": "symmetricKey",)"
                         R"( "symmetricKey": {"primaryKey": ")",
                         kKey16, R"("}}, "futureField": 1}]})"));
  auto strict = LoadSnapshotFile(path);
  ASSERT_FALSE(strict.ok());
  EXPECT_THAT(std::string(strict.status().message()),
              HasSubstr("future.json: enrollmentGroups[0] (\"g\"): "
                        "futureField: unknown key"));
  PolicyLoadOptions options;
  options.allow_unknown_fields = true;
  PolicyLoadReport report;
  auto tolerant = LoadSnapshotFile(path, options, &report);
  ASSERT_TRUE(tolerant.ok()) << tolerant.status();
  EXPECT_EQ((*tolerant)->enrollment_groups().size(), 1u);
  ASSERT_EQ(report.ignored_fields.size(), 1u);
  EXPECT_EQ(report.ignored_fields[0].path, "futureField");
}

TEST(PolicyLoaderTest, DpsJsonRoundTrip) {
  auto set = ParseDpsJson(Bundle(), "policy.json");
  ASSERT_TRUE(set.ok()) << set.status();
  const std::string json = EnrollmentSetToDpsJson(*set);
  EXPECT_THAT(json, HasSubstr("\"provisioningStatus\": \"disabled\""));
  EXPECT_THAT(json, HasSubstr("\"type\": \"symmetricKey\""));
  EXPECT_THAT(json, HasSubstr("\"type\": \"x509\""));
  EXPECT_THAT(json, HasSubstr("\"type\": \"tpm\""));
  EXPECT_THAT(json, testing::Not(HasSubstr("SYMMETRICKEY")));
  auto back = ParseDpsJson(json, "exported.json");
  ASSERT_TRUE(back.ok()) << back.status();
  std::string diff;
  MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&diff);
  EXPECT_TRUE(differencer.Compare(*set, *back)) << diff;
}

// Hostile input: a policy file over kMaxPolicyFileBytes is refused before
// it is read (a sparse file: no disk or memory is spent on it).
TEST(PolicyLoaderTest, OversizedFileIsRefusedUnread) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/huge.json");
  WriteFile(path, "{}");
  ASSERT_EQ(truncate(path.c_str(), kMaxPolicyFileBytes + 1), 0);
  auto set = LoadEnrollmentSetFile(path);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(set.status().message()),
              ::testing::HasSubstr("huge.json: larger than 1024 MiB"));
  // At the limit it is read (and then fails as JSON, not as a size).
  ASSERT_EQ(truncate(path.c_str(), 16), 0);
  EXPECT_FALSE(LoadEnrollmentSetFile(path).ok());
}

}  // namespace
}  // namespace chaintrust
