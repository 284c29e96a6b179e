// The precedence rules of docs/rules.md, through the public Engine API. Each
// test names the rule and the step of the ranking in engine/resolver.h.
#include "engine/engine.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy/sas_token.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintCertificate;
using internal::MintIntermediate;
using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;
using internal::TestCertOptions;
using ::testing::Contains;
using ::testing::Field;

}  // namespace

// Decisions print as their text rendering in test failures.
void PrintTo(const Decision& d, std::ostream* os) { *os << RenderText(d); }

namespace {

MATCHER_P(HasReason, reason, "") {
  *result_listener << "reason " << ReasonName(arg.reason()) << "\n"
                   << RenderText(arg);
  return arg.reason() == reason;
}

MATCHER_P2(DecidedBy, kind, id, "") {
  *result_listener << "decided by " << EnrollmentKindName(arg.enrollment_kind())
                   << " \"" << arg.enrollment_id() << "\"";
  return arg.enrollment_kind() == kind && arg.enrollment_id() == id;
}

const absl::Time kNow = absl::Now();

// root -> int1 -> device-1, root -> int2 -> device-2.
class EngineTest : public ::testing::Test {
 protected:
  EngineTest()
      : root_(MintRoot("Contoso Root")),
        int1_(MintIntermediate("Contoso Intermediate 1", root_)),
        int2_(MintIntermediate("Contoso Intermediate 2", root_)),
        device1_(MintLeaf("device-1", int1_)),
        device2_(MintLeaf("device-2", int2_)) {}

  static EnrollmentGroupSpec Group(const std::string& id, const TestCert& ca,
                                   bool enabled = true) {
    EnrollmentGroupSpec g;
    g.group_id = id;
    g.enabled = enabled;
    g.kind = AttestationKind::kX509;
    g.primary_certificate.text = ca.Base64Der();
    return g;
  }

  void Use(std::vector<EnrollmentGroupSpec> groups,
           std::vector<IndividualEnrollmentSpec> individuals = {}) {
    EnrollmentSnapshot::Builder builder;
    for (auto& g : groups) builder.AddEnrollmentGroup(std::move(g));
    for (auto& i : individuals) builder.AddIndividualEnrollment(std::move(i));
    auto snapshot = std::move(builder).Build();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    engine_.SetSnapshot(*std::move(snapshot));
  }

  Decision Attest(std::vector<const TestCert*> chain, absl::Time at = kNow) {
    Attestation a;
    for (const TestCert* c : chain) a.chain.push_back(c->der);
    a.at = at;
    Decision uncached = engine_.Evaluate(a);
    // The cached path must agree with the uncached one, cold and warm.
    auto evaluator = engine_.NewEvaluator();
    for (int round = 0; round < 2; ++round) {
      Decision cached = evaluator->Evaluate(a);
      EXPECT_EQ(cached.reason(), uncached.reason()) << RenderText(cached);
      EXPECT_EQ(cached.enrollment_id(), uncached.enrollment_id());
      EXPECT_EQ(cached.certificate_index(), uncached.certificate_index());
    }
    EXPECT_FALSE(uncached.explanation().empty());
    return uncached;
  }

  Engine engine_;
  TestCert root_, int1_, int2_, device1_, device2_;
};

// Rule 3: the root's group covers every device below it.
TEST_F(EngineTest, Rule3_RootGroupAllowsDevicesBelowIt) {
  Use({Group("root", root_)});
  Decision d = Attest({&device1_, &int1_, &root_});
  EXPECT_THAT(d, HasReason(Reason::kEnrollmentGroupEnabled));
  EXPECT_THAT(d, DecidedBy(EnrollmentKind::kGroup, "root"));
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.registration_id(), "device-1");
}

// Rule 3: the nearest group decides.
TEST_F(EngineTest, Rule3_NearestGroupDecides) {
  Use({Group("root", root_), Group("int1", int1_)});
  EXPECT_THAT(Attest({&device1_, &int1_, &root_}),
              DecidedBy(EnrollmentKind::kGroup, "int1"));
  EXPECT_THAT(Attest({&device2_, &int2_, &root_}),
              DecidedBy(EnrollmentKind::kGroup, "root"));
}

// Rule 3: a disabled group on an intermediate blocks every device below it,
// even with an enabled root group; siblings stay allowed.
TEST_F(EngineTest, Rule3_DisabledIntermediateGroupBlocksDespiteEnabledRoot) {
  Use({Group("root", root_), Group("int1", int1_, /*enabled=*/false)});
  Decision d = Attest({&device1_, &int1_, &root_});
  EXPECT_THAT(d, HasReason(Reason::kEnrollmentGroupDisabled));
  EXPECT_THAT(d, DecidedBy(EnrollmentKind::kGroup, "int1"));
  EXPECT_THAT(Attest({&device2_, &int2_, &root_}),
              HasReason(Reason::kEnrollmentGroupEnabled));
}

// Rule 3: a deleted group is absent; the walk goes on upward.
TEST_F(EngineTest, Rule3_DeletedIntermediateGroupFallsThroughToRoot) {
  Use({Group("root", root_)});  // "int1" deleted
  EXPECT_THAT(Attest({&device1_, &int1_, &root_}),
              DecidedBy(EnrollmentKind::kGroup, "root"));
}

TEST_F(EngineTest, Rule3_NoGroupAnywhereIsNoEnrollment) {
  Use({});
  Decision d = Attest({&device1_, &int1_, &root_});
  EXPECT_THAT(d, HasReason(Reason::kNoEnrollment));
  EXPECT_EQ(d.enrollment_kind(), EnrollmentKind::kNone);
}

TEST_F(EngineTest, Rule3_DisabledRootGroupDenies) {
  Use({Group("root", root_, /*enabled=*/false)});
  EXPECT_THAT(Attest({&device1_, &int1_, &root_}),
              HasReason(Reason::kEnrollmentGroupDisabled));
}

// Rule 3: the anchor the device did not send is found among the group
// certificates by name.
TEST_F(EngineTest, Rule3_RootNotSentIsFoundInTheEnrollmentSet) {
  Use({Group("root", root_)});
  Decision d = Attest({&device1_, &int1_});
  EXPECT_THAT(d, HasReason(Reason::kEnrollmentGroupEnabled));
  EXPECT_THAT(d.explanation(),
              Contains(Field(&ExplanationStep::from_enrollment_set, true)));
}

// Rule 3: a group known by thumbprint only matches a presented certificate.
TEST_F(EngineTest, Rule3_ThumbprintOnlyGroupMatchesPresentedCertificate) {
  EnrollmentGroupSpec g;
  g.group_id = "int1-by-thumbprint";
  g.primary_certificate.sha256_thumbprint = int1_.Sha256Hex();
  Use({g});
  EXPECT_THAT(Attest({&device1_, &int1_}),
              DecidedBy(EnrollmentKind::kGroup, "int1-by-thumbprint"));
}

// Rule 3: a CA rolled to the secondary slot still matches.
TEST_F(EngineTest, Rule3_SecondarySigningCertificateMatches) {
  TestCert other = MintRoot("Some Other Root");
  EnrollmentGroupSpec g = Group("rolled", other);
  g.secondary_certificate.text = int1_.Base64Der();
  Use({g});
  Decision d = Attest({&device1_, &int1_, &root_});
  EXPECT_THAT(d, DecidedBy(EnrollmentKind::kGroup, "rolled"));
  EXPECT_THAT(d.explanation(),
              Contains(Field(&ExplanationStep::slot, Slot::kSecondary)));
}

// Rule 2: a disabled individual enrollment (symmetric key, keys irrelevant)
// disallows one device inside an enabled group.
TEST_F(EngineTest, Rule2_DisabledIndividualOverridesEnabledGroup) {
  IndividualEnrollmentSpec e;
  e.registration_id = "DEVICE-1";  // registration IDs are case-insensitive
  e.enabled = false;
  e.kind = AttestationKind::kSymmetricKey;
  e.primary_key = "AAECAwQFBgcICQoLDA0ODw==";
  Use({Group("root", root_)}, {e});
  Decision d = Attest({&device1_, &int1_, &root_});
  EXPECT_THAT(d, HasReason(Reason::kIndividualEnrollmentDisabled));
  EXPECT_THAT(d, DecidedBy(EnrollmentKind::kIndividual, "DEVICE-1"));
  EXPECT_THAT(Attest({&device2_, &int2_, &root_}),
              HasReason(Reason::kEnrollmentGroupEnabled));
}

// Rule 2: an enabled individual enrollment decides alone; a leaf that is
// not its certificate is a mismatch, with no fall-through to the group.
TEST_F(EngineTest, Rule2_IndividualEnrollmentDecidesWithoutFallThrough) {
  IndividualEnrollmentSpec e;
  e.registration_id = "device-1";
  e.primary_certificate.text = device1_.Pem();
  Use({Group("root", root_)}, {e});
  Decision d = Attest({&device1_});
  EXPECT_THAT(d, HasReason(Reason::kIndividualEnrollmentEnabled));

  TestCert impostor = MintLeaf("device-1", int1_);  // same CN, other cert
  EXPECT_THAT(Attest({&impostor, &int1_, &root_}),
              HasReason(Reason::kAttestationMismatch));
}

TEST_F(EngineTest, Rule2_ExpiredEnrolledLeafIsDenied) {
  TestCertOptions o;
  o.common_name = "old-device";
  o.not_before = kNow - absl::Hours(48);
  o.not_after = kNow - absl::Hours(24);
  TestCert old = MintCertificate(o, &int1_);
  IndividualEnrollmentSpec e;
  e.registration_id = "old-device";
  e.secondary_certificate.text = old.Base64Der();
  e.primary_certificate.text = device2_.Base64Der();
  Use({}, {e});
  Decision d = Attest({&old});
  EXPECT_THAT(d, HasReason(Reason::kCertificateExpired));
  EXPECT_EQ(d.certificate_index(), 0);
}

// Rule 4: a forged signature.
TEST_F(EngineTest, Rule4_ForgedLeafSignatureIsUnverified) {
  TestCert fake_int1 = MintRoot("Contoso Intermediate 1");  // same name
  TestCertOptions o;
  o.common_name = "forged";
  o.authority_key_identifier = false;
  TestCert forged = MintCertificate(o, &fake_int1);
  Use({Group("root", root_)});
  Decision d = Attest({&forged, &int1_, &root_});
  EXPECT_THAT(d, HasReason(Reason::kChainUnverified));
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_EQ(d.cause(), Cause::kSignatureInvalid);
}

TEST_F(EngineTest, Rule4_ExpiredIntermediate) {
  TestCertOptions o;
  o.common_name = "Expired Intermediate";
  o.is_ca = true;
  o.not_before = kNow - absl::Hours(48);
  o.not_after = kNow - absl::Minutes(10);
  TestCert expired = MintCertificate(o, &root_);
  TestCert leaf = MintLeaf("device-9", expired);
  Use({Group("root", root_)});
  Decision d = Attest({&leaf, &expired, &root_});
  EXPECT_THAT(d, HasReason(Reason::kCertificateExpired));
  EXPECT_EQ(d.certificate_index(), 1);
  EXPECT_EQ(d.cause(), Cause::kExpired);
  EXPECT_THAT(Attest({&leaf, &expired, &root_}, kNow - absl::Minutes(20)),
              HasReason(Reason::kEnrollmentGroupEnabled));
}

TEST_F(EngineTest, Rule4_NotYetValidLeaf) {
  TestCertOptions o;
  o.common_name = "future-device";
  o.not_before = kNow + absl::Hours(24);
  TestCert future = MintCertificate(o, &int1_);
  Use({Group("root", root_)});
  Decision d = Attest({&future, &int1_, &root_});
  EXPECT_THAT(d, HasReason(Reason::kCertificateNotYetValid));
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_EQ(d.cause(), Cause::kNotYetValid);
}

TEST_F(EngineTest, Rule4_NonCaIssuerIsUnverified) {
  TestCertOptions o;
  o.common_name = "Not A CA";
  o.is_ca = false;
  o.key_usage = internal::kTestKuKeyCertSign;
  TestCert not_ca = MintCertificate(o, &root_);
  TestCert leaf = MintLeaf("device-7", not_ca);
  Use({Group("root", root_)});
  Decision d = Attest({&leaf, &not_ca, &root_});
  EXPECT_THAT(d, HasReason(Reason::kChainUnverified));
  EXPECT_EQ(d.certificate_index(), 1);
  EXPECT_EQ(d.cause(), Cause::kIssuerNotCa);
}

TEST_F(EngineTest, Rule4_IssuerWithoutKeyCertSignIsUnverified) {
  TestCertOptions o;
  o.common_name = "No Cert Sign";
  o.is_ca = true;
  o.key_usage = internal::kTestKuDigitalSignature;
  TestCert ca = MintCertificate(o, &root_);
  TestCert leaf = MintLeaf("device-8", ca);
  Use({Group("root", root_)});
  const Decision d = Attest({&leaf, &ca, &root_});
  EXPECT_THAT(d, HasReason(Reason::kChainUnverified));
  EXPECT_EQ(d.cause(), Cause::kKeyCertSignMissing);
}

TEST_F(EngineTest, Rule4_PathLenViolation) {
  TestCertOptions o;
  o.common_name = "Strict Root";
  o.is_ca = true;
  o.path_len = 0;
  TestCert strict = MintCertificate(o, nullptr);
  TestCert mid = MintIntermediate("Mid", strict);
  TestCert leaf = MintLeaf("device-5", mid);
  TestCert direct = MintLeaf("device-6", strict);
  Use({Group("strict", strict)});
  Decision d = Attest({&leaf, &mid, &strict});
  EXPECT_THAT(d, HasReason(Reason::kChainUnverified));
  EXPECT_EQ(d.certificate_index(), 2);
  EXPECT_EQ(d.cause(), Cause::kPathLengthExceeded);
  const ExplanationStep& failed = d.explanation()[d.explanation().size() - 2];
  EXPECT_EQ(failed.step, StepId::kCheckPathLength);
  EXPECT_EQ(failed.params.value, 1);  // intermediates below
  EXPECT_EQ(failed.params.limit, 0);  // pathLenConstraint
  EXPECT_THAT(Attest({&direct, &strict}),
              HasReason(Reason::kEnrollmentGroupEnabled));
}

TEST_F(EngineTest, Rule4_UnknownCriticalExtensionIsUnverified) {
  TestCertOptions o;
  o.common_name = "device-x";
  o.unknown_critical_extensions = {"1.3.6.1.4.1.99999.1"};
  TestCert leaf = MintCertificate(o, &int1_);
  Use({Group("root", root_)});
  Decision d = Attest({&leaf, &int1_, &root_});
  EXPECT_THAT(d, HasReason(Reason::kChainUnverified));
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_EQ(d.cause(), Cause::kUnhandledCriticalExtension);
  EXPECT_EQ(d.explanation()[d.explanation().size() - 2].params.name,
            "1.3.6.1.4.1.99999.1");
}

// Rule 4: presented certificates may come in any order after the leaf.
TEST_F(EngineTest, Rule4_OutOfOrderChainIsBuilt) {
  TestCert int1b = MintIntermediate("Contoso Sub", int1_);
  TestCert leaf = MintLeaf("device-deep", int1b);
  Use({Group("root", root_)});
  EXPECT_THAT(Attest({&leaf, &root_, &int1_, &int1b}),
              HasReason(Reason::kEnrollmentGroupEnabled));
}

TEST_F(EngineTest, Rule4_MalformedCertificate) {
  Use({Group("root", root_)});
  TestCert garbage = int1_;
  garbage.der.resize(garbage.der.size() / 2);
  Decision d = Attest({&device1_, &garbage});
  EXPECT_THAT(d, HasReason(Reason::kMalformedChain));
  EXPECT_EQ(d.certificate_index(), 1);
}

TEST_F(EngineTest, Rule4_TooManyCertificatesPresented) {
  Use({Group("root", root_)});
  std::vector<const TestCert*> chain(33, &int1_);
  chain[0] = &device1_;
  Decision d = Attest(chain);
  EXPECT_THAT(d, HasReason(Reason::kChainUnverified));
  EXPECT_EQ(d.enrollment_kind(), EnrollmentKind::kNone);
}

// Rule 4: the path up to the deciding group is at most 10 certificates.
TEST_F(EngineTest, Rule4_PathLongerThanTheDepthLimit) {
  std::vector<TestCert> cas = {root_};
  for (int i = 0; i < 10; ++i) {
    cas.push_back(MintIntermediate(absl::StrCat("Level ", i), cas.back()));
  }
  TestCert leaf = MintLeaf("deep-device", cas.back());
  Use({Group("root", root_)});
  std::vector<const TestCert*> chain = {&leaf};
  for (auto it = cas.rbegin(); it != cas.rend(); ++it) chain.push_back(&*it);
  Decision d = Attest(chain);  // 12 certificates
  EXPECT_THAT(d, HasReason(Reason::kChainUnverified));
  EXPECT_THAT(d, DecidedBy(EnrollmentKind::kGroup, "root"));
  chain.erase(chain.begin() + 1, chain.begin() + 3);  // 10: leaf, 8 ints, root
  // The leaf's issuer is now missing: no path.
  EXPECT_THAT(Attest(chain), HasReason(Reason::kNoEnrollment));
}

// Two CAs that issued each other: the walk ends, bounded.
TEST_F(EngineTest, Rule4_CyclesEnd) {
  TestCertOptions a_options;
  a_options.common_name = "Cycle A";
  a_options.is_ca = true;
  TestCert a = MintCertificate(a_options, nullptr);
  TestCert b = MintIntermediate("Cycle B", a);
  TestCertOptions a2_options = a_options;
  a2_options.key = a.key;
  TestCert a_by_b = MintCertificate(a2_options, &b);
  TestCert leaf = MintLeaf("device-c", a_by_b);
  Use({});
  EXPECT_THAT(Attest({&leaf, &a_by_b, &b, &a}),
              HasReason(Reason::kNoEnrollment));
}

TEST_F(EngineTest, Rule1_InvalidRegistrationId) {
  Use({Group("root", root_)});
  TestCert bad = MintLeaf("bad id/with slash", int1_);
  EXPECT_THAT(Attest({&bad, &int1_, &root_}),
              HasReason(Reason::kInvalidRegistrationId));
  TestCert dot = MintLeaf("ends-with-dot.", int1_);
  EXPECT_THAT(Attest({&dot, &int1_, &root_}),
              HasReason(Reason::kInvalidRegistrationId));
  // A CN over 64 characters: testdata/scenarios/registration-id-syntax
  // (OpenSSL's X509_NAME API refuses to mint one).
}

class SymmetricKeyTest : public ::testing::Test {
 protected:
  // kKeyA is the bytes 0..15 in base64, kKeyB the bytes 16..31.
  static constexpr char kKeyA[] = "AAECAwQFBgcICQoLDA0ODw==";
  static constexpr char kKeyB[] = "EBESExQVFhcYGRobHB0eHw==";
  static std::string RawBytes(int first) {
    std::string raw;
    for (int i = 0; i < 16; ++i) raw.push_back(static_cast<char>(first + i));
    return raw;
  }

  Decision Attest(const std::string& id, const std::string& token) {
    Attestation a;
    a.registration_id = id;
    a.sas_token = token;
    a.at = kNow;
    return engine_.Evaluate(a);
  }

  void Use(std::vector<EnrollmentGroupSpec> groups,
           std::vector<IndividualEnrollmentSpec> individuals) {
    EnrollmentSnapshot::Builder builder;
    for (auto& g : groups) builder.AddEnrollmentGroup(std::move(g));
    for (auto& i : individuals) builder.AddIndividualEnrollment(std::move(i));
    auto snapshot = std::move(builder).Build();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    engine_.SetSnapshot(*std::move(snapshot));
  }

  Engine engine_;
};

TEST_F(SymmetricKeyTest, IndividualAndGroupKeys) {
  IndividualEnrollmentSpec e;
  e.registration_id = "sas-1";
  e.kind = AttestationKind::kSymmetricKey;
  e.primary_key = kKeyA;
  e.secondary_key = kKeyB;
  EnrollmentGroupSpec g;
  g.group_id = "sas-group";
  g.kind = AttestationKind::kSymmetricKey;
  g.primary_key = kKeyA;
  g.secondary_key = kKeyB;
  Use({g}, {e});
  const absl::Time later = kNow + absl::Hours(1);
  EXPECT_THAT(
      Attest("sas-1", MakeSasToken("0ne00", "sas-1", RawBytes(16), later)),
      HasReason(Reason::kIndividualEnrollmentEnabled));
  EXPECT_THAT(
      Attest("sas-1", MakeSasToken("0ne00", "sas-1", "wrong key", later)),
      HasReason(Reason::kAttestationMismatch));
  EXPECT_THAT(Attest("sas-1", MakeSasToken("0ne00", "sas-1", RawBytes(0),
                                           kNow - absl::Hours(1))),
              HasReason(Reason::kAttestationMismatch));
  const std::string derived = DeriveDeviceKey(RawBytes(0), "sas-2");
  Decision d = Attest("sas-2", MakeSasToken("0ne00", "sas-2", derived, later));
  EXPECT_THAT(d, HasReason(Reason::kEnrollmentGroupEnabled));
  EXPECT_THAT(d, DecidedBy(EnrollmentKind::kGroup, "sas-group"));
  EXPECT_THAT(Attest("sas-3", MakeSasToken("0ne00", "sas-3", derived, later)),
              HasReason(Reason::kNoEnrollment));
}

// Snapshots swap atomically while other threads evaluate (run under tsan).
TEST_F(EngineTest, SnapshotSwapUnderLoad) {
  Use({Group("root", root_)});
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      auto evaluator = engine_.NewEvaluator();
      Attestation a;
      a.chain = {device1_.der, int1_.der, root_.der};
      a.at = kNow;
      Decision d;
      while (!stop.load()) {
        evaluator->Evaluate(a, &d);
        // Either snapshot's answer, never anything else.
        if (d.reason() != Reason::kEnrollmentGroupEnabled &&
            d.reason() != Reason::kEnrollmentGroupDisabled) {
          bad.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    Use({Group("root", root_, /*enabled=*/i % 2 == 1)});
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  // The last snapshot is in force at once.
  EXPECT_THAT(Attest({&device1_, &int1_, &root_}),
              HasReason(Reason::kEnrollmentGroupEnabled));
}

TEST_F(EngineTest, EvaluatorCachesProofsNotVerdicts) {
  Use({Group("root", root_)});
  auto evaluator = engine_.NewEvaluator();
  Attestation a;
  a.chain = {device1_.der, int1_.der, root_.der};
  a.at = kNow;
  EXPECT_TRUE(evaluator->Evaluate(a).allowed());
  EXPECT_TRUE(evaluator->Evaluate(a).allowed());
  EXPECT_EQ(evaluator->certificate_cache_stats().hits, 3u);
  EXPECT_GE(evaluator->signature_cache_stats().hits, 2u);
  // A policy change takes effect at once despite the cached proofs.
  Use({Group("root", root_, /*enabled=*/false)});
  EXPECT_THAT(evaluator->Evaluate(a),
              HasReason(Reason::kEnrollmentGroupDisabled));
  // So does time.
  a.at = kNow + absl::Hours(24 * 400);
  Use({Group("root", root_)});
  EXPECT_THAT(evaluator->Evaluate(a), HasReason(Reason::kCertificateExpired));
}

TEST_F(EngineTest, JsonRenderingFollowsTheContract) {
  Use({Group("root", root_)});
  const std::string json = RenderJson(Attest({&device1_, &int1_, &root_}));
  EXPECT_THAT(json, ::testing::StartsWith(
                        "{\"verdict\":\"ALLOW\",\"reason\":"
                        "\"ENROLLMENT_GROUP_ENABLED\",\"registrationId\":"
                        "\"device-1\",\"enrollment\":{\"kind\":\"GROUP\","
                        "\"id\":\"root\"},\"explanation\":[{"));
}

#ifndef NDEBUG
// Debug builds check that an Engine outlives the Evaluators it made.
TEST(EngineDeathTest, EngineMustOutliveItsEvaluators) {
  EXPECT_DEATH(
      {
        auto engine = std::make_unique<Engine>();
        auto evaluator = engine->NewEvaluator();
        engine.reset();
      },
      "outlive");
}
#endif

}  // namespace
}  // namespace chaintrust
