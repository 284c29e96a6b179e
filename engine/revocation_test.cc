// Revocation through the public Engine API: ranking X.509 5c' of
// engine/core/resolver.h.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/crl.h"
#include "engine/x509/test_certs.h"
#include "engine/x509/test_crl.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintCertificate;
using internal::MintCrl;
using internal::MintRoot;
using internal::TestCert;
using internal::TestCertOptions;
using internal::TestCrlOptions;
using ::testing::HasSubstr;

constexpr uint64_t kLeafSerial = 0x1001;
constexpr uint64_t kIntermediateSerial = 0x2002;

const absl::Time kNow = absl::Now();

// root (group) -> intermediate -> device-1, with chosen serials.
class RevocationTest : public ::testing::Test {
 protected:
  RevocationTest()
      : root_(MintRoot("Revocation Root")),
        intermediate_(MintCa(root_, 0)),
        leaf_(MintDevice(intermediate_)) {
    EnrollmentSnapshot::Builder builder;
    EnrollmentGroupSpec g;
    g.group_id = "root-group";
    g.kind = AttestationKind::kX509;
    g.primary_certificate.text = root_.Base64Der();
    builder.AddEnrollmentGroup(std::move(g));
    auto snapshot = std::move(builder).Build();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    snapshot_ = *std::move(snapshot);
  }

  // Parses CRLs minted by `issuers` with `options` into a set.
  static CrlSetPtr Crls(
      const std::vector<std::pair<TestCrlOptions, const TestCert*>>& specs) {
    std::vector<CrlPtr> crls;
    for (size_t i = 0; i < specs.size(); ++i) {
      auto crl = Crl::Create(MintCrl(specs[i].first, *specs[i].second),
                             absl::StrCat("crl-", i + 1, ".pem"));
      EXPECT_TRUE(crl.ok()) << crl.status();
      if (crl.ok()) crls.push_back(*std::move(crl));
    }
    return std::make_shared<const CrlSet>(std::move(crls));
  }

  Decision Decide(CrlSetPtr crls, ResolverOptions options = {},
                  absl::Time at = kNow) {
    EngineOptions engine_options;
    engine_options.resolver = options;
    Engine engine(engine_options);
    engine.SetPolicy(snapshot_, std::move(crls));
    Attestation a;
    a.chain = {leaf_.der, intermediate_.der};
    a.at = at;
    // The cached and the uncached evaluation agree.
    Decision uncached = engine.Evaluate(a);
    Decision cached = engine.NewEvaluator()->Evaluate(a);
    EXPECT_EQ(RenderJson(uncached), RenderJson(cached));
    return cached;
  }

  static TestCert MintCa(const TestCert& root, uint16_t key_usage) {
    TestCertOptions o;
    o.common_name = "Revocation Intermediate";
    o.is_ca = true;
    o.serial = kIntermediateSerial;
    if (key_usage != 0) o.key_usage = key_usage;
    return MintCertificate(o, &root);
  }

  static TestCert MintDevice(const TestCert& issuer) {
    TestCertOptions o;
    o.common_name = "device-1";
    o.serial = kLeafSerial;
    return MintCertificate(o, &issuer);
  }

  static TestCrlOptions Revoking(std::vector<uint64_t> serials) {
    TestCrlOptions o;
    o.revoked_serials = std::move(serials);
    return o;
  }

  TestCert root_, intermediate_, leaf_;
  SnapshotPtr snapshot_;
};

TEST_F(RevocationTest, NoCrlsChangeNothing) {
  EXPECT_TRUE(Decide(nullptr).allowed());
  EXPECT_TRUE(Decide(Crls({})).allowed());
}

TEST_F(RevocationTest, AListedLeafIsRevokedWithItsIndexAndTheCrl) {
  const Decision d = Decide(Crls({{Revoking({kLeafSerial}), &intermediate_}}));
  EXPECT_EQ(d.reason(), Reason::kCertificateRevoked) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kCertificateRevoked);
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_EQ(d.enrollment_id(), "root-group");
  const std::string json = RenderJson(d);
  EXPECT_THAT(json, HasSubstr("\"reason\":\"CERTIFICATE_REVOKED\""));
  EXPECT_THAT(json, HasSubstr("\"cause\":\"CERTIFICATE_REVOKED\""));
  EXPECT_THAT(RenderText(d), HasSubstr("according to CRL crl-1.pem"));
}

TEST_F(RevocationTest, AListedIntermediateIsRevokedAtIndexOne) {
  const Decision d = Decide(Crls({{Revoking({kIntermediateSerial}), &root_},
                                  {Revoking({}), &intermediate_}}));
  EXPECT_EQ(d.reason(), Reason::kCertificateRevoked) << RenderText(d);
  EXPECT_EQ(d.certificate_index(), 1);
}

TEST_F(RevocationTest, UnlistedSerialsAndOtherIssuersAllow) {
  // The leaf's serial on the root's CRL: another issuer's numbering.
  const Decision d = Decide(Crls({{Revoking({kLeafSerial + 1}), &intermediate_},
                                  {Revoking({kLeafSerial}), &root_}}));
  EXPECT_TRUE(d.allowed()) << RenderText(d);
  bool checked = false;
  for (const ExplanationStep& s : d.explanation()) {
    checked |= s.step == StepId::kCheckRevocation && s.outcome == Outcome::kOk;
  }
  EXPECT_TRUE(checked) << RenderText(d);
}

TEST_F(RevocationTest, AStaleCrlFailsClosedUnlessAccepted) {
  TestCrlOptions stale = Revoking({});
  stale.this_update = kNow - absl::Hours(24 * 10);
  stale.next_update = kNow - absl::Hours(24 * 3);
  const Decision d = Decide(Crls({{stale, &intermediate_}}));
  EXPECT_EQ(d.reason(), Reason::kChainUnverified) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kCrlStale);
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_THAT(RenderText(d), HasSubstr("crl-1.pem is stale"));
  EXPECT_THAT(RenderText(d), HasSubstr("3 days before"));

  ResolverOptions accept;
  accept.accept_stale_crls = true;
  EXPECT_TRUE(Decide(Crls({{stale, &intermediate_}}), accept).allowed());
  // A stale CRL that lists the leaf still revokes it when accepted.
  stale.revoked_serials = {kLeafSerial};
  EXPECT_EQ(Decide(Crls({{stale, &intermediate_}}), accept).reason(),
            Reason::kCertificateRevoked);
}

TEST_F(RevocationTest, ACrlFromAfterTheValidationTimeIsNotUsed) {
  TestCrlOptions future = Revoking({kLeafSerial});
  future.this_update = kNow + absl::Hours(1);
  future.next_update = kNow + absl::Hours(48);
  Decision d = Decide(Crls({{future, &intermediate_}}));
  EXPECT_EQ(d.reason(), Reason::kChainUnverified) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kCrlNotYetValid);
  // An older CRL of the same issuer is used instead.
  d = Decide(Crls({{future, &intermediate_}, {Revoking({}), &intermediate_}}));
  EXPECT_TRUE(d.allowed()) << RenderText(d);
}

TEST_F(RevocationTest, ACrlThatDoesNotVerifyFailsClosed) {
  TestCrlOptions forged = Revoking({});
  const internal::TestKey other = internal::TestKey::Generate();
  forged.signing_key = &other;
  forged.authority_key_identifier = false;
  const Decision d = Decide(Crls({{forged, &intermediate_}}));
  EXPECT_EQ(d.reason(), Reason::kChainUnverified) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kCrlSignatureInvalid);
  // A good CRL beside it is used.
  EXPECT_TRUE(
      Decide(Crls({{forged, &intermediate_}, {Revoking({}), &intermediate_}}))
          .allowed());
}

TEST_F(RevocationTest, TheIssuerMustBeAllowedToSignCrls) {
  intermediate_ = MintCa(root_, internal::kTestKuKeyCertSign);
  leaf_ = MintDevice(intermediate_);
  const Decision d = Decide(Crls({{Revoking({}), &intermediate_}}));
  EXPECT_EQ(d.reason(), Reason::kChainUnverified) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kCrlIssuerNotCrlSigner);
  EXPECT_THAT(RenderText(d), HasSubstr("lacks cRLSign"));
}

TEST_F(RevocationTest, RevocationOutranksExpiryButNotForgery) {
  // Expired and revoked: revoked.
  const absl::Time later = kNow + absl::Hours(24 * 400);
  TestCrlOptions current = Revoking({kLeafSerial});
  current.this_update = later - absl::Hours(1);
  current.next_update = later + absl::Hours(24);
  current.revocation_date = later - absl::Hours(2);
  Decision d = Decide(Crls({{current, &intermediate_}}), {}, later);
  EXPECT_EQ(d.reason(), Reason::kCertificateRevoked) << RenderText(d);
  // Forged and revoked: forged.
  // Signed by another key under the intermediate's name.
  const TestCert impostor = MintCa(MintRoot("Elsewhere"), 0);
  TestCertOptions o;
  o.common_name = "device-1";
  o.serial = kLeafSerial;
  o.authority_key_identifier = false;
  leaf_ = MintCertificate(o, &impostor);
  ResolverOptions options;
  options.require_key_identifiers = false;
  d = Decide(Crls({{Revoking({kLeafSerial}), &intermediate_}}), options);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kSignatureInvalid);
}

TEST_F(RevocationTest, AScopedCrlCoversOnlyItsScope) {
  TestCrlOptions cas = Revoking({kLeafSerial});
  cas.idp_only_ca_certs = true;
  EXPECT_TRUE(Decide(Crls({{cas, &intermediate_}})).allowed());
  TestCrlOptions users = Revoking({kLeafSerial});
  users.idp_only_user_certs = true;
  EXPECT_EQ(Decide(Crls({{users, &intermediate_}})).reason(),
            Reason::kCertificateRevoked);
}

TEST_F(RevocationTest, SetCrlsTakesEffectForLiveEvaluators) {
  Engine engine;
  engine.SetSnapshot(snapshot_);
  auto evaluator = engine.NewEvaluator();
  Attestation a;
  a.chain = {leaf_.der, intermediate_.der};
  a.at = kNow;
  EXPECT_TRUE(evaluator->Evaluate(a).allowed());
  engine.SetCrls(Crls({{Revoking({kLeafSerial}), &intermediate_}}));
  EXPECT_EQ(evaluator->Evaluate(a).reason(), Reason::kCertificateRevoked);
  engine.SetCrls(nullptr);
  EXPECT_TRUE(evaluator->Evaluate(a).allowed());
}

TEST_F(RevocationTest, SwapsNeverBlockOrTearReaders) {
  Engine engine;
  engine.SetSnapshot(snapshot_);
  const CrlSetPtr revoking = Crls({{Revoking({kLeafSerial}), &intermediate_}});
  const CrlSetPtr clean = Crls({{Revoking({}), &intermediate_}});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200; ++i) engine.SetCrls(i % 2 ? revoking : clean);
    stop = true;
  });
  auto evaluator = engine.NewEvaluator();
  Attestation a;
  a.chain = {leaf_.der, intermediate_.der};
  a.at = kNow;
  int n = 0;
  while (!stop || n == 0) {
    const Decision d = evaluator->Evaluate(a);
    ASSERT_TRUE(d.allowed() || d.reason() == Reason::kCertificateRevoked)
        << RenderText(d);
    ++n;
  }
  writer.join();
}

}  // namespace
}  // namespace chaintrust
