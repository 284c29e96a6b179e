// The snapshot builder enforces the policy-set rules (docs/rules.md) and
// names the entry and field of every problem; lookups are case-insensitive.
#include "engine/policy/enrollment_set.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/x509/certificate.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::chaintrust::internal::MintCertificate;
using ::chaintrust::internal::MintIntermediate;
using ::chaintrust::internal::MintLeaf;
using ::chaintrust::internal::MintRoot;
using ::chaintrust::internal::TestCert;
using ::chaintrust::internal::TestCertOptions;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kKey16[] = "AAECAwQFBgcICQoLDA0ODw==";
constexpr char kKey32[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
constexpr char kKey8[] = "AAECAwQFBgc=";

struct Certs {
  TestCert root = MintRoot("Contoso Root");
  TestCert intermediate = MintIntermediate("Contoso Intermediate", root);
  TestCert other_intermediate = MintIntermediate("Contoso Other", root);
  TestCert leaf = MintLeaf("device-1", intermediate);
  TestCert leaf2 = MintLeaf("device-2", intermediate);
  TestCert leaf3 = MintLeaf("device-3", intermediate);
  TestCert ca_without_cert_sign = [this] {
    TestCertOptions options;
    options.common_name = "No Cert Sign";
    options.is_ca = true;
    options.key_usage = internal::kTestKuDigitalSignature;
    return MintCertificate(options, &root);
  }();
};

const Certs& TestCerts() {
  static const Certs* certs = new Certs();
  return *certs;
}

CertificateSpec Body(const TestCert& cert) { return {cert.Pem(), ""}; }
CertificateSpec Thumbprint(const TestCert& cert) {
  return {"", cert.Sha256Hex()};
}

IndividualEnrollmentSpec X509Individual(std::string id, CertificateSpec primary,
                                        bool enabled = true) {
  IndividualEnrollmentSpec spec;
  spec.registration_id = std::move(id);
  spec.enabled = enabled;
  spec.kind = AttestationKind::kX509;
  spec.primary_certificate = std::move(primary);
  return spec;
}

IndividualEnrollmentSpec KeyIndividual(std::string id, std::string primary,
                                       bool enabled = true) {
  IndividualEnrollmentSpec spec;
  spec.registration_id = std::move(id);
  spec.enabled = enabled;
  spec.kind = AttestationKind::kSymmetricKey;
  spec.primary_key = std::move(primary);
  return spec;
}

EnrollmentGroupSpec X509Group(std::string id, CertificateSpec primary,
                              CertificateSpec secondary = {}) {
  EnrollmentGroupSpec spec;
  spec.group_id = std::move(id);
  spec.kind = AttestationKind::kX509;
  spec.primary_certificate = std::move(primary);
  spec.secondary_certificate = std::move(secondary);
  return spec;
}

EnrollmentGroupSpec KeyGroup(std::string id, std::string primary) {
  EnrollmentGroupSpec spec;
  spec.group_id = std::move(id);
  spec.kind = AttestationKind::kSymmetricKey;
  spec.primary_key = std::move(primary);
  return spec;
}

absl::StatusOr<SnapshotPtr> BuildFrom(
    std::vector<IndividualEnrollmentSpec> individuals,
    std::vector<EnrollmentGroupSpec> groups) {
  EnrollmentSnapshot::Builder builder;
  for (auto& spec : individuals) builder.AddIndividualEnrollment(spec);
  for (auto& spec : groups) builder.AddEnrollmentGroup(spec);
  return std::move(builder).Build();
}

struct RuleCase {
  std::string name;
  std::vector<IndividualEnrollmentSpec> individuals;
  std::vector<EnrollmentGroupSpec> groups;
  // Empty: the set is valid. Otherwise every substring must appear.
  std::vector<std::string> errors;
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

class RuleTest : public testing::TestWithParam<RuleCase> {};

TEST_P(RuleTest, EnforcesRule) {
  const RuleCase& c = GetParam();
  auto snapshot = BuildFrom(c.individuals, c.groups);
  if (c.errors.empty()) {
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return;
  }
  ASSERT_FALSE(snapshot.ok());
  EXPECT_EQ(snapshot.status().code(), absl::StatusCode::kInvalidArgument);
  for (const std::string& error : c.errors) {
    EXPECT_THAT(std::string(snapshot.status().message()), HasSubstr(error));
  }
}

// IDs, keys and the set as a whole.
std::vector<RuleCase> IdAndKeyCases() {
  const Certs& certs = TestCerts();
  IndividualEnrollmentSpec two_certs =
      X509Individual("dev-2", Body(certs.leaf3));
  two_certs.secondary_certificate = Body(certs.leaf2);
  IndividualEnrollmentSpec tpm;
  tpm.registration_id = "tpm-1";
  tpm.kind = AttestationKind::kTpm;
  IndividualEnrollmentSpec bad_secondary_key = KeyIndividual("dev-5", kKey16);
  bad_secondary_key.secondary_key = "!!!!";
  return {
      {/*name=*/"ValidMixedSet",
       /*individuals=*/
       {X509Individual("device-1", Body(certs.leaf)),
        KeyIndividual("key-device", kKey32), two_certs, tpm},
       /*groups=*/
       {X509Group("intermediate", Body(certs.intermediate)),
        X509Group("root", Thumbprint(certs.root)), KeyGroup("keys", kKey16)},
       /*errors=*/{}},
      {/*name=*/"InvalidRegistrationId",
       /*individuals=*/{KeyIndividual("bad id!", kKey16)},
       /*groups=*/{},
       /*errors=*/{"individualEnrollments[0] (\"bad id!\"): registrationId: "}},
      {/*name=*/"EmptyRegistrationId",
       /*individuals=*/{KeyIndividual("", kKey16)},
       /*groups=*/{},
       /*errors=*/{"individualEnrollments[0]: registrationId: "}},
      {/*name=*/"DuplicateRegistrationIdIgnoringCase",
       /*individuals=*/
       {KeyIndividual("dev-7", kKey16), KeyIndividual("DEV-7", kKey32)},
       /*groups=*/{},
       /*errors=*/
       {"individualEnrollments[1] (\"DEV-7\"): registrationId: \"DEV-7\" is "
        "already used by individualEnrollments[0] (\"dev-7\")"}},
      {/*name=*/"DuplicateGroupId",
       /*individuals=*/{},
       /*groups=*/{KeyGroup("g", kKey16), KeyGroup("G", kKey32)},
       /*errors=*/
       {"enrollmentGroups[1] (\"G\"): enrollmentGroupId: \"G\" is already used "
        "by enrollmentGroups[0] (\"g\")"}},
      {/*name=*/"EmptyGroupId",
       /*individuals=*/{},
       /*groups=*/{KeyGroup("", kKey16)},
       /*errors=*/{"enrollmentGroups[0]: enrollmentGroupId: required"}},
      {/*name=*/"KeyNotBase64",
       /*individuals=*/{KeyIndividual("dev-7", "not base64!")},
       /*groups=*/{},
       /*errors=*/
       {"individualEnrollments[0] (\"dev-7\"): "
        "attestation.symmetricKey.primaryKey: not base64"}},
      {/*name=*/"KeyWithWhitespace",
       /*individuals=*/{KeyIndividual("dev-7", "AAECAwQF BgcICQoLDA0ODw==")},
       /*groups=*/{},
       /*errors=*/{"attestation.symmetricKey.primaryKey: not base64"}},
      {/*name=*/"KeyTooShort",
       /*individuals=*/{KeyIndividual("dev-7", kKey8)},
       /*groups=*/{},
       /*errors=*/{"primaryKey: key is 8 bytes; must be 16 to 64 bytes"}},
      {/*name=*/"KeyTooLong",
       /*individuals=*/{KeyIndividual("dev-7", std::string(88, 'A'))},
       /*groups=*/{},
       /*errors=*/{"primaryKey: key is 66 bytes"}},
      {/*name=*/"BadSecondaryKey",
       /*individuals=*/{bad_secondary_key},
       /*groups=*/{},
       /*errors=*/{"attestation.symmetricKey.secondaryKey: not base64"}},
      {/*name=*/"GroupKeyTooShort",
       /*individuals=*/{},
       /*groups=*/{KeyGroup("keys", kKey8)},
       /*errors=*/
       {"enrollmentGroups[0] (\"keys\"): attestation.symmetricKey.primaryKey: "
        "key is 8 bytes"}},
      {/*name=*/"EnabledKeyEnrollmentNeedsKey",
       /*individuals=*/{KeyIndividual("dev-7", "")},
       /*groups=*/{},
       /*errors=*/{"attestation.symmetricKey.primaryKey: required"}},
      {/*name=*/"DisabledOverrideNeedsNoKey",
       /*individuals=*/{KeyIndividual("dev-7", "", /*enabled=*/false)},
       /*groups=*/{},
       /*errors=*/{}},
  };
}

// Certificates: bodies, thumbprints, CA checks, one entry per certificate.
std::vector<RuleCase> CertificateCases() {
  const Certs& certs = TestCerts();
  IndividualEnrollmentSpec secondary_only = X509Individual("dev-3", {});
  secondary_only.secondary_certificate = Body(certs.leaf2);
  IndividualEnrollmentSpec same_twice =
      X509Individual("dev-4", Body(certs.leaf));
  same_twice.secondary_certificate = Thumbprint(certs.leaf);
  EnrollmentGroupSpec tpm_group;
  tpm_group.group_id = "tpm-group";
  tpm_group.kind = AttestationKind::kTpm;
  const std::string wrong_thumbprint = certs.root.Sha256Hex();
  return {
      {/*name=*/"EnabledX509NeedsPrimary",
       /*individuals=*/{X509Individual("dev-7", {})},
       /*groups=*/{},
       /*errors=*/{"attestation.x509.clientCertificates.primary: required"}},
      {/*name=*/"SecondaryCertificateAlone",
       /*individuals=*/{secondary_only},
       /*groups=*/{},
       /*errors=*/
       {"attestation.x509.clientCertificates.primary: required when a "
        "secondary"}},
      {/*name=*/"PrimaryEqualsSecondaryIsOneEntry",
       /*individuals=*/{same_twice},
       /*groups=*/{},
       /*errors=*/{}},
      {/*name=*/"ClientCertificateNotACertificate",
       /*individuals=*/{X509Individual("dev-7", {"MIIBnotacert", ""})},
       /*groups=*/{},
       /*errors=*/
       {"individualEnrollments[0] (\"dev-7\"): "
        "attestation.x509.clientCertificates.primary.certificate: "}},
      {/*name=*/"BadThumbprint",
       /*individuals=*/{X509Individual("dev-7", {"", "XYZ"})},
       /*groups=*/{},
       /*errors=*/
       {"attestation.x509.clientCertificates.primary.info.sha256Thumbprint: "}},
      {/*name=*/"BodyAndThumbprintDisagree",
       /*individuals=*/
       {X509Individual("dev-7", {certs.leaf.Pem(), wrong_thumbprint})},
       /*groups=*/{},
       /*errors=*/
       {"attestation.x509.clientCertificates.primary: the certificate's "
        "SHA-256 is"}},
      {/*name=*/"BodyAndThumbprintAgree",
       /*individuals=*/
       {X509Individual("dev-7",
                       {certs.leaf.Base64Der(), certs.leaf.Sha256Hex()})},
       /*groups=*/{},
       /*errors=*/{}},
      {/*name=*/"GroupCertificateNotACa",
       /*individuals=*/{},
       /*groups=*/{X509Group("leafy", Body(certs.leaf))},
       /*errors=*/
       {"enrollmentGroups[0] (\"leafy\"): "
        "attestation.x509.signingCertificates.primary.certificate: not a CA "
        "certificate"}},
      {/*name=*/"GroupCertificateWithoutKeyCertSign",
       /*individuals=*/{},
       /*groups=*/{X509Group("no-sign", Body(certs.ca_without_cert_sign))},
       /*errors=*/{"keyUsage lacks keyCertSign"}},
      {/*name=*/"GroupNeedsPrimary",
       /*individuals=*/{},
       /*groups=*/{X509Group("empty", {})},
       /*errors=*/
       {"enrollmentGroups[0] (\"empty\"): "
        "attestation.x509.signingCertificates.primary: required"}},
      {/*name=*/"TpmGroupRejected",
       /*individuals=*/{},
       /*groups=*/{tpm_group},
       /*errors=*/{"attestation.type: tpm attestation is not supported"}},
      {/*name=*/"SameCertificateInTwoGroups",
       /*individuals=*/{},
       /*groups=*/
       {X509Group("first", Body(certs.intermediate)),
        X509Group("second", Thumbprint(certs.intermediate))},
       /*errors=*/
       {"enrollmentGroups[1] (\"second\"): "
        "attestation.x509.signingCertificates.primary: certificate " +
        certs.intermediate.Sha256Hex() +
        " is already used by enrollmentGroups[0] (\"first\")"}},
      {/*name=*/"SameCertificateInTwoIndividuals",
       /*individuals=*/
       {X509Individual("dev-1", Body(certs.leaf)),
        X509Individual("dev-2", Thumbprint(certs.leaf))},
       /*groups=*/{},
       /*errors=*/
       {"individualEnrollments[1] (\"dev-2\"): "
        "attestation.x509.clientCertificates.primary: certificate",
        "already used by individualEnrollments[0] (\"dev-1\")"}},
      {/*name=*/"SameCertificateInIndividualAndGroup",
       /*individuals=*/{X509Individual("dev-1", Body(certs.intermediate))},
       /*groups=*/{X509Group("g", Body(certs.intermediate))},
       /*errors=*/
       {"enrollmentGroups[0] (\"g\"): attestation.x509.signingCertificates."
        "primary: certificate",
        "already used by individualEnrollments[0] (\"dev-1\")"}},
      {/*name=*/"SameCertificateAsSecondaryOfAnotherGroup",
       /*individuals=*/{},
       /*groups=*/
       {X509Group("a", Body(certs.intermediate)),
        X509Group("b", Body(certs.root), Body(certs.intermediate))},
       /*errors=*/
       {"enrollmentGroups[1] (\"b\"): "
        "attestation.x509.signingCertificates.secondary: certificate"}},
      {/*name=*/"HostileIdIsEscaped",
       /*individuals=*/{KeyIndividual("evil\nline\"", kKey16)},
       /*groups=*/{},
       /*errors=*/{"individualEnrollments[0] (\"evil\\nline\\\"\")"}},
  };
}

std::vector<RuleCase> RuleCases() {
  std::vector<RuleCase> cases = IdAndKeyCases();
  for (RuleCase& c : CertificateCases()) cases.push_back(std::move(c));
  return cases;
}

INSTANTIATE_TEST_SUITE_P(EnrollmentSnapshot, RuleTest,
                         testing::ValuesIn(RuleCases()),
                         [](const testing::TestParamInfo<RuleCase>& info) {
                           return info.param.name;
                         });

TEST(EnrollmentSnapshotTest, ReportsEveryProblemUpToACap) {
  EnrollmentSnapshot::Builder builder;
  for (int i = 0; i < 25; ++i) {
    builder.AddIndividualEnrollment(KeyIndividual(absl::StrCat("d", i), kKey8));
  }
  auto snapshot = std::move(builder).Build();
  ASSERT_FALSE(snapshot.ok());
  const std::string message(snapshot.status().message());
  EXPECT_THAT(message, HasSubstr("individualEnrollments[0] (\"d0\")"));
  EXPECT_THAT(message, HasSubstr("individualEnrollments[19] (\"d19\")"));
  EXPECT_THAT(message, testing::Not(HasSubstr("individualEnrollments[20]")));
  EXPECT_THAT(message, HasSubstr("... and 5 more problems"));
}

TEST(EnrollmentSnapshotTest, WhereAndSourceNameNameTheEntry) {
  EnrollmentSnapshot::Builder builder;
  builder.SetSourceName("policy.json");
  builder.AddIndividualEnrollment(KeyIndividual("a", kKey8));
  builder.AddIndividualEnrollment(KeyIndividual("b", kKey8), "my entry b");
  auto snapshot = std::move(builder).Build();
  ASSERT_FALSE(snapshot.ok());
  EXPECT_THAT(std::string(snapshot.status().message()),
              HasSubstr("policy.json: individualEnrollments[0] (\"a\"): "
                        "attestation.symmetricKey.primaryKey: key is 8 bytes"));
  EXPECT_THAT(std::string(snapshot.status().message()),
              HasSubstr("\nmy entry b: attestation.symmetricKey.primaryKey"));
}

TEST(EnrollmentSnapshotTest, RejectedBuildLeavesBuilderEmpty) {
  EnrollmentSnapshot::Builder builder;
  builder.AddIndividualEnrollment(KeyIndividual("dup", kKey16));
  builder.AddIndividualEnrollment(KeyIndividual("DUP", kKey16));
  auto rejected = std::move(builder).Build();
  ASSERT_FALSE(rejected.ok());
  // Nothing of the rejected set lingers: the builder starts over.
  builder.AddIndividualEnrollment(KeyIndividual("fresh", kKey16));
  auto snapshot = std::move(builder).Build();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  EXPECT_THAT((*snapshot)->individual_enrollments(), SizeIs(1));
  EXPECT_EQ((*snapshot)->FindIndividual("dup"), nullptr);
}

TEST(EnrollmentSnapshotTest, LookupsAreCaseInsensitive) {
  const Certs& certs = TestCerts();
  auto snapshot =
      BuildFrom({X509Individual("Device-1", Body(certs.leaf)),
                 KeyIndividual("key-Device", kKey16, /*enabled=*/false)},
                {});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const EnrollmentSnapshot& s = **snapshot;
  const IndividualEnrollment* e = s.FindIndividual("DEVICE-1");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->registration_id, "Device-1");
  EXPECT_EQ(e->kind, AttestationKind::kX509);
  ASSERT_TRUE(e->primary_thumbprint.has_value());
  EXPECT_EQ(ToHex(*e->primary_thumbprint), certs.leaf.Sha256Hex());
  EXPECT_FALSE(e->secondary_thumbprint.has_value());

  const IndividualEnrollment* k = s.FindIndividual("key-device");
  ASSERT_NE(k, nullptr);
  EXPECT_FALSE(k->enabled);
  EXPECT_EQ(s.FindIndividual("device-2"), nullptr);
  EXPECT_EQ(s.FindIndividual(""), nullptr);
  EXPECT_EQ(s.FindIndividual(std::string(200, 'a')), nullptr);
}

TEST(EnrollmentSnapshotTest, KeysAreDecoded) {
  IndividualEnrollmentSpec spec = KeyIndividual("k", kKey16);
  spec.secondary_key = kKey32;
  auto snapshot = BuildFrom({spec}, {KeyGroup("g", kKey32)});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const IndividualEnrollment* e = (*snapshot)->FindIndividual("k");
  ASSERT_NE(e, nullptr);
  ASSERT_EQ(e->primary_key.size(), 16u);
  EXPECT_EQ(e->primary_key[15], '\x0f');
  EXPECT_EQ(e->secondary_key.size(), 32u);
  EXPECT_EQ((*snapshot)->enrollment_groups()[0].primary_key.size(), 32u);
}

TEST(EnrollmentSnapshotTest, GroupsAreFoundByCertificate) {
  const Certs& certs = TestCerts();
  auto snapshot =
      BuildFrom({}, {KeyGroup("keys-1", kKey16),
                     X509Group("intermediate", Body(certs.intermediate),
                               Body(certs.other_intermediate)),
                     X509Group("root", Thumbprint(certs.root)),
                     KeyGroup("keys-2", kKey32)});
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const EnrollmentSnapshot& s = **snapshot;

  auto intermediate = Certificate::Create(certs.intermediate.der).value();
  auto other = Certificate::Create(certs.other_intermediate.der).value();
  auto root = Certificate::Create(certs.root.der).value();
  auto leaf = Certificate::Create(certs.leaf.der).value();

  auto match = s.FindGroupByCertificate(intermediate->sha256());
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->group->group_id, "intermediate");
  EXPECT_EQ(match->certificate->slot, Slot::kPrimary);
  ASSERT_NE(match->certificate->certificate, nullptr);
  EXPECT_EQ(match->certificate->certificate->der(), certs.intermediate.der);

  match = s.FindGroupByCertificate(other->sha256());
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->group->group_id, "intermediate");
  EXPECT_EQ(match->certificate->slot, Slot::kSecondary);

  // Known by thumbprint only: found, without a body.
  match = s.FindGroupByCertificate(root->sha256());
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->group->group_id, "root");
  EXPECT_EQ(match->certificate->certificate, nullptr);

  EXPECT_FALSE(s.FindGroupByCertificate(leaf->sha256()).has_value());

  // Anchors by subject: only certificates with bodies.
  auto by_subject =
      s.FindCertificatesBySubject(intermediate->subject_name_key());
  ASSERT_THAT(by_subject, SizeIs(1));
  EXPECT_EQ(by_subject[0]->der(), certs.intermediate.der);
  EXPECT_THAT(s.FindCertificatesBySubject(root->subject_name_key()), IsEmpty());

  ASSERT_THAT(s.symmetric_key_groups(), SizeIs(2));
  EXPECT_EQ(s.symmetric_key_groups()[0]->group_id, "keys-1");
  EXPECT_EQ(s.symmetric_key_groups()[1]->group_id, "keys-2");
  EXPECT_GT(s.MemoryUsage(), 0u);
}

TEST(EnrollmentSnapshotTest, LookupsAreThreadSafe) {
  EnrollmentSnapshot::Builder builder;
  builder.Reserve(1000, 0);
  for (int i = 0; i < 1000; ++i) {
    builder.AddIndividualEnrollment(
        KeyIndividual(absl::StrCat("Device-", i), kKey16));
  }
  auto snapshot = std::move(builder).Build();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const EnrollmentSnapshot& s = **snapshot;
  std::vector<std::thread> threads;
  std::vector<int> found(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s, &found, t] {
      for (int i = 0; i < 2000; ++i) {
        if (s.FindIndividual(absl::StrCat("DEVICE-", i)) != nullptr) {
          ++found[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int count : found) EXPECT_EQ(count, 1000);
}

// The ID index answers most misses without probing its set: none of the
// enrolled IDs, in any case, may be answered "not enrolled", and IDs that
// differ from an enrolled one by a character are not enrolled.
TEST(EnrollmentSnapshotTest, EveryIndividualIsFoundAmongMany) {
  constexpr int kIds = 20000;
  EnrollmentSnapshot::Builder builder;
  builder.Reserve(kIds, 0);
  for (int i = 0; i < kIds; ++i) {
    builder.AddIndividualEnrollment(
        KeyIndividual(absl::StrCat("Fleet-Device-", i), kKey16));
  }
  auto snapshot = std::move(builder).Build();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  const EnrollmentSnapshot& s = **snapshot;
  int missing = 0, wrong = 0, extra = 0;
  for (int i = 0; i < kIds; ++i) {
    const std::string id = absl::StrCat("Fleet-Device-", i);
    const IndividualEnrollment* e =
        s.FindIndividual(i % 2 == 0 ? absl::AsciiStrToUpper(id) : id);
    if (e == nullptr) {
      ++missing;
    } else if (e->registration_id != id) {
      ++wrong;
    }
    if (s.FindIndividual(absl::StrCat("fleet-devicf-", i)) != nullptr ||
        s.FindIndividual(absl::StrCat("Fleet-Device-", i + kIds)) != nullptr) {
      ++extra;
    }
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(extra, 0);
}

TEST(EnrollmentSnapshotTest, AttestationKindNames) {
  EXPECT_EQ(AttestationKindName(AttestationKind::kX509), "x509");
  EXPECT_EQ(AttestationKindName(AttestationKind::kSymmetricKey),
            "symmetricKey");
  EXPECT_EQ(AttestationKindName(AttestationKind::kTpm), "tpm");
}

}  // namespace
}  // namespace chaintrust
