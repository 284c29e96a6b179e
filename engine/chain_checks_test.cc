// Chain verification checks of DESIGN.md §1 rule 4 added for conformance
// with external suites (x509-limbo, BoringSSL, OpenSSL): each test names
// the check and the limbo case it mirrors.
#include "engine/chain_checks.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/decision.h"
#include "engine/enrollment_set.h"
#include "engine/internal/test_certs.h"
#include "engine/resolver.h"
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
using ::testing::HasSubstr;

const absl::Time kNow = absl::Now();

std::shared_ptr<const EnrollmentSnapshot> Snapshot(
    const std::vector<const TestCert*>& anchors) {
  EnrollmentSnapshot::Builder builder;
  int n = 0;
  for (const TestCert* ca : anchors) {
    EnrollmentGroupSpec g;
    g.group_id = "group-" + std::to_string(n++);
    g.enabled = true;
    g.kind = AttestationKind::kX509;
    g.primary_certificate.text = ca->Base64Der();
    builder.AddEnrollmentGroup(std::move(g));
  }
  auto snapshot = std::move(builder).Build();
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *std::move(snapshot) : nullptr;
}

Decision Evaluate(const EnrollmentSnapshot& snapshot,
                  const std::vector<const TestCert*>& chain,
                  const ResolverOptions& options = ResolverOptions(),
                  absl::Time at = kNow) {
  Attestation a;
  for (const TestCert* c : chain) a.chain.push_back(c->der);
  a.at = at;
  Decision d;
  Resolve(snapshot, a, options, nullptr, &d);
  return d;
}

std::string FailedDetail(const Decision& d) {
  for (const ExplanationStep& s : d.explanation()) {
    if (s.outcome == Outcome::kFailed) return s.detail;
  }
  return "";
}

// Rule 4, signature algorithm: SHA-1 signatures are rejected
// (BoringSSL target-signed-with-sha1).
TEST(ChainChecksTest, Rule4_Sha1SignedLeafIsUnverified) {
  TestCert root = MintRoot("Root");
  TestCertOptions o;
  o.common_name = "device-sha1";
  o.signature_digest = "SHA1";
  TestCert leaf = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  Decision d = Evaluate(*snapshot, {&leaf});
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_THAT(FailedDetail(d), HasSubstr("SHA-1"));
}

// Rule 4, key identifiers (limbo rfc5280::aki::leaf-missing-aki,
// rfc5280::ski::intermediate-missing-ski); off with
// require_key_identifiers = false.
TEST(ChainChecksTest, Rule4_MissingKeyIdentifiers) {
  TestCert root = MintRoot("Root");
  TestCertOptions o;
  o.common_name = "device-no-aki";
  o.authority_key_identifier = false;
  TestCert no_aki = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  Decision d = Evaluate(*snapshot, {&no_aki});
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_THAT(FailedDetail(d), HasSubstr("authorityKeyIdentifier"));
  ResolverOptions lenient;
  lenient.require_key_identifiers = false;
  EXPECT_EQ(Evaluate(*snapshot, {&no_aki}, lenient).reason(),
            Reason::kEnrollmentGroupEnabled);

  TestCertOptions ca;
  ca.common_name = "Intermediate Without SKI";
  ca.is_ca = true;
  ca.subject_key_identifier = false;
  TestCert int_no_ski = MintCertificate(ca, &root);
  TestCertOptions leaf_options;
  leaf_options.common_name = "device-under-no-ski";
  leaf_options.authority_key_identifier = false;  // nothing to point at
  TestCert leaf = MintCertificate(leaf_options, &int_no_ski);
  d = Evaluate(*snapshot, {&leaf, &int_no_ski});
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(Evaluate(*snapshot, {&leaf, &int_no_ski}, lenient).reason(),
            Reason::kEnrollmentGroupEnabled);
}

// Rule 4, profile: keyCertSign on a certificate whose basicConstraints say
// cA=FALSE (limbo rfc5280::leaf-ku-keycertsign).
TEST(ChainChecksTest, Rule4_KeyCertSignWithoutCaIsUnverified) {
  TestCert root = MintRoot("Root");
  TestCertOptions o;
  o.common_name = "device-kcs";
  o.key_usage =
      internal::kTestKuDigitalSignature | internal::kTestKuKeyCertSign;
  TestCert leaf = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  Decision d = Evaluate(*snapshot, {&leaf});
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_THAT(FailedDetail(d), HasSubstr("keyCertSign"));
}

// Rule 4, a CA certificate as the device certificate: accepted by default
// (RFC 5280, limbo rfc5280::ca-as-leaf), refused with allow_ca_leaf=false.
TEST(ChainChecksTest, Rule4_CaLeafFollowsAllowCaLeaf) {
  TestCert root = MintRoot("Root");
  TestCert ca_leaf = MintIntermediate("ca-as-device", root);
  auto snapshot = Snapshot({&root});
  EXPECT_EQ(Evaluate(*snapshot, {&ca_leaf}).reason(),
            Reason::kEnrollmentGroupEnabled);
  ResolverOptions strict;
  strict.allow_ca_leaf = false;
  Decision d = Evaluate(*snapshot, {&ca_leaf}, strict);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 0);
}

// Rule 4, validity at the encoding's granularity: a time within the second
// of notAfter is valid (limbo rfc5280::validity::notafter-fractional).
TEST(ChainChecksTest, Rule4_FractionalSecondAfterNotAfterIsValid) {
  TestCert root = MintRoot("Root");
  TestCertOptions o;
  o.common_name = "device-frac";
  o.not_after = absl::FromUnixSeconds(absl::ToUnixSeconds(kNow) + 3600);
  TestCert leaf = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  EXPECT_EQ(Evaluate(*snapshot, {&leaf}, ResolverOptions(),
                     o.not_after + absl::Milliseconds(5))
                .reason(),
            Reason::kEnrollmentGroupEnabled);
  EXPECT_EQ(Evaluate(*snapshot, {&leaf}, ResolverOptions(),
                     o.not_after + absl::Seconds(1))
                .reason(),
            Reason::kCertificateExpired);
}

// Rule 4, path building: among issuers with the same name and key, an
// expired cross-certificate is passed over for the valid anchor (limbo
// pathological::multiple-chains-expired-intermediate, "chain of pain").
TEST(ChainChecksTest, Rule4_PathBuildingSkipsExpiredCrossCertificate) {
  TestCert old_root = MintRoot("Old Root");
  TestCert root = MintRoot("Root");
  TestCertOptions cross;
  cross.common_name = "Root";
  cross.is_ca = true;
  cross.key = root.key;
  cross.not_before = kNow - absl::Hours(48);
  cross.not_after = kNow - absl::Hours(24);
  TestCert expired_cross = MintCertificate(cross, &old_root);
  TestCert leaf = MintLeaf("device-pain", root);
  auto snapshot = Snapshot({&old_root, &root});
  Decision d = Evaluate(*snapshot, {&leaf, &expired_cross});
  EXPECT_EQ(d.reason(), Reason::kEnrollmentGroupEnabled) << RenderText(d);
  EXPECT_EQ(d.enrollment_id(), "group-1");
}

// Rule 4, self-issued intermediates (key rollover) are followed and not
// counted toward the depth (limbo pathlen::max-chain-depth-1-self-issued).
TEST(ChainChecksTest, Rule4_SelfIssuedIntermediateIsFollowed) {
  TestCert root = MintRoot("Root");
  TestCert ica = MintIntermediate("ICA", root);
  TestCertOptions rolled;
  rolled.common_name = "ICA";
  rolled.is_ca = true;
  TestCert ica_new = MintCertificate(rolled, &ica);  // self-issued: ICA->ICA
  TestCert leaf = MintLeaf("device-roll", ica_new);
  auto snapshot = Snapshot({&root});
  ResolverOptions options;
  options.max_chain_length = 3;  // leaf, one intermediate, anchor
  Decision d = Evaluate(*snapshot, {&leaf, &ica_new, &ica}, options);
  EXPECT_EQ(d.reason(), Reason::kEnrollmentGroupEnabled) << RenderText(d);
}

// Key strength (unit): the accepted key types.
TEST(ChainChecksTest, KeyStrengthAcceptsP256AndRsa2048) {
  TestCert ec = MintRoot("EC Root");
  auto ec_cert = Certificate::Create(ec.der);
  ASSERT_TRUE(ec_cert.ok());
  EXPECT_EQ(KeyStrengthProblem(**ec_cert), "");
  TestCertOptions o;
  o.common_name = "RSA Root";
  o.is_ca = true;
  o.key_type = internal::TestKeyType::kRsa2048;
  TestCert rsa = MintCertificate(o, nullptr);
  auto rsa_cert = Certificate::Create(rsa.der);
  ASSERT_TRUE(rsa_cert.ok());
  EXPECT_EQ(KeyStrengthProblem(**rsa_cert), "");
}

}  // namespace
}  // namespace chaintrust
