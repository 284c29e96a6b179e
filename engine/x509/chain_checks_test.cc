// Chain verification checks of docs/rules.md §4 added for conformance
// with external suites (x509-limbo, BoringSSL, OpenSSL): each test names
// the check and the limbo case it mirrors.
#include "engine/x509/chain_checks.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
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

// The first failed step (the check that decided a DENY).
ExplanationStep FailedStep(const Decision& d) {
  for (const ExplanationStep& s : d.explanation()) {
    if (s.outcome == Outcome::kFailed) return s;
  }
  return ExplanationStep();
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
  EXPECT_EQ(d.cause(), Cause::kWeakSignatureAlgorithm);
  EXPECT_EQ(FailedStep(d).step, StepId::kCheckKeyStrength);
}

// Rule 4, key identifiers (limbo rfc5280::aki::leaf-missing-aki,
// rfc5280::ski::intermediate-missing-ski): not required by default (no
// weakness; DPS provisions such devices), required with
// require_key_identifiers or Profile::kStrict.
TEST(ChainChecksTest, Rule4_KeyIdentifiersFollowOptions) {
  TestCert root = MintRoot("Root");
  TestCertOptions o;
  o.common_name = "device-no-aki";
  o.authority_key_identifier = false;
  TestCert no_aki = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  EXPECT_EQ(Evaluate(*snapshot, {&no_aki}).reason(),
            Reason::kEnrollmentGroupEnabled);
  ResolverOptions required;
  required.require_key_identifiers = true;
  ResolverOptions strict;
  strict.profile = ResolverOptions::Profile::kStrict;
  for (const ResolverOptions& options : {required, strict}) {
    Decision d = Evaluate(*snapshot, {&no_aki}, options);
    EXPECT_EQ(d.reason(), Reason::kChainUnverified);
    EXPECT_EQ(d.certificate_index(), 0);
    EXPECT_EQ(d.cause(), Cause::kAuthorityKeyIdMissing);
    EXPECT_EQ(FailedStep(d).step, StepId::kCheckProfile);
  }

  TestCertOptions ca;
  ca.common_name = "Intermediate Without SKI";
  ca.is_ca = true;
  ca.subject_key_identifier = false;
  TestCert int_no_ski = MintCertificate(ca, &root);
  TestCertOptions leaf_options;
  leaf_options.common_name = "device-under-no-ski";
  leaf_options.authority_key_identifier = false;  // nothing to point at
  TestCert leaf = MintCertificate(leaf_options, &int_no_ski);
  EXPECT_EQ(Evaluate(*snapshot, {&leaf, &int_no_ski}).reason(),
            Reason::kEnrollmentGroupEnabled);
  Decision d = Evaluate(*snapshot, {&leaf, &int_no_ski}, required);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.cause(), Cause::kAuthorityKeyIdMissing);  // the leaf's, first
  leaf_options.common_name = "device-with-aki-under-no-ski";
  leaf_options.authority_key_identifier = true;
  TestCert leaf_aki = MintCertificate(leaf_options, &int_no_ski);
  d = Evaluate(*snapshot, {&leaf_aki, &int_no_ski}, strict);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 1);
  EXPECT_EQ(d.cause(), Cause::kSubjectKeyIdMissing);
}

// Rule 4, require_anchor_authority_key_id: a group certificate that is not
// self-signed (a cross-signed CA) carries an AKI (limbo
// rfc5280::aki::cross-signed-root-missing-aki, pedantic-rfc5280); neither
// the default nor Profile::kStrict asks it (limbo cve::cve-2024-0567
// expects such an anchor accepted). Profile::kStrict: only issuers carry
// nameConstraints; the default accepts it.
TEST(ChainChecksTest, Rule4_AnchorAkiAndEndEntityNameConstraints) {
  TestCert other_root = MintRoot("Other Root");
  TestCertOptions cross;
  cross.common_name = "Cross-signed CA";
  cross.is_ca = true;
  cross.authority_key_identifier = false;
  TestCert cross_ca = MintCertificate(cross, &other_root);
  TestCert leaf = MintLeaf("device-under-cross", cross_ca);
  auto snapshot = Snapshot({&cross_ca});
  EXPECT_EQ(Evaluate(*snapshot, {&leaf}).reason(),
            Reason::kEnrollmentGroupEnabled);
  ResolverOptions strict;
  strict.profile = ResolverOptions::Profile::kStrict;
  EXPECT_EQ(Evaluate(*snapshot, {&leaf}, strict).reason(),
            Reason::kEnrollmentGroupEnabled);
  ResolverOptions pedantic;
  pedantic.require_anchor_authority_key_id = true;
  Decision d = Evaluate(*snapshot, {&leaf}, pedantic);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 1);
  EXPECT_EQ(d.cause(), Cause::kAuthorityKeyIdMissing);
  // A self-signed group certificate needs no AKI.
  TestCertOptions self;
  self.common_name = "Root without AKI";
  self.is_ca = true;
  self.authority_key_identifier = false;
  TestCert root = MintCertificate(self);
  TestCert under_root = MintLeaf("device-under-root", root);
  auto root_snapshot = Snapshot({&root});
  EXPECT_EQ(Evaluate(*root_snapshot, {&under_root}, pedantic).reason(),
            Reason::kEnrollmentGroupEnabled);

  TestCertOptions nc;
  nc.common_name = "device-with-nc";
  nc.name_constraints = "critical,permitted;DNS:.example.com";
  TestCert nc_leaf = MintCertificate(nc, &root);
  EXPECT_EQ(Evaluate(*root_snapshot, {&nc_leaf}).reason(),
            Reason::kEnrollmentGroupEnabled);
  d = Evaluate(*root_snapshot, {&nc_leaf}, strict);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.cause(), Cause::kNameConstraintsOnEndEntity);
}

// Rule 4, Profile::kStrict: a certificate with an empty subject has a
// critical subjectAltName (RFC 5280 §4.2.1.6, limbo
// rfc5280::san::noncritical-with-empty-subject); the default accepts it.
TEST(ChainChecksTest, Rule4_StrictProfileEmptySubjectNeedsCriticalSan) {
  TestCert root = MintRoot("Root");
  TestCertOptions o;
  o.common_name = "";
  o.subject_alt_name = "DNS:device.example";
  TestCert non_critical = MintCertificate(o, &root);
  o.subject_alt_name = "critical,DNS:device.example";
  TestCert critical = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  ResolverOptions plain;
  plain.check_registration_id = false;  // no CN to take an ID from
  ResolverOptions strict = plain;
  strict.profile = ResolverOptions::Profile::kStrict;
  EXPECT_EQ(Evaluate(*snapshot, {&non_critical}, plain).reason(),
            Reason::kEnrollmentGroupEnabled);
  EXPECT_EQ(Evaluate(*snapshot, {&critical}, strict).reason(),
            Reason::kEnrollmentGroupEnabled);
  Decision d = Evaluate(*snapshot, {&non_critical}, strict);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_EQ(d.cause(), Cause::kSubjectAltNameNotCritical);
}

// Rule 4, Profile::kWebPki (limbo webpki::eku::*, webpki::ca-as-leaf,
// webpki::ee-basicconstraints-ca): the leaf is an end entity with an
// extendedKeyUsage that has no anyExtendedKeyUsage, the group's
// certificate has no extendedKeyUsage. None of it applies by default.
TEST(ChainChecksTest, Rule4_WebPkiProfile) {
  const std::string server(kEkuServerAuth);
  TestCert root = MintRoot("Root");
  auto snapshot = Snapshot({&root});
  ResolverOptions webpki;
  webpki.profile = ResolverOptions::Profile::kWebPki;
  webpki.required_eku = server;
  const auto leaf = [&](const std::string& cn, std::vector<std::string> ekus) {
    TestCertOptions o;
    o.common_name = cn;
    o.extended_key_usages = std::move(ekus);
    return MintCertificate(o, &root);
  };
  TestCert good = leaf("device-server", {server});
  EXPECT_EQ(Evaluate(*snapshot, {&good}, webpki).reason(),
            Reason::kEnrollmentGroupEnabled);
  struct Case {
    std::string name;
    TestCert leaf;
    Cause cause;
  };
  const std::vector<Case> cases = {
      {"no EKU", leaf("device-no-eku", {}), Cause::kEkuMissing},
      {"anyEKU",
       leaf("device-any", {server, std::string(kEkuAnyExtendedKeyUsage)}),
       Cause::kEkuForbidden},
      {"CA leaf", MintIntermediate("ca-as-device", root), Cause::kCaLeaf},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Decision d = Evaluate(*snapshot, {&c.leaf}, webpki);
    EXPECT_EQ(d.reason(), Reason::kChainUnverified);
    EXPECT_EQ(d.certificate_index(), 0);
    EXPECT_EQ(d.cause(), c.cause);
    ResolverOptions plain;
    plain.required_eku = c.cause == Cause::kCaLeaf ? "" : server;
    EXPECT_EQ(Evaluate(*snapshot, {&c.leaf}, plain).reason(),
              Reason::kEnrollmentGroupEnabled);
  }
  TestCertOptions r;
  r.common_name = "Root with EKU";
  r.is_ca = true;
  r.extended_key_usages = {server};
  TestCert eku_root = MintCertificate(r);
  TestCert under = MintCertificate(
      [&] {
        TestCertOptions o;
        o.common_name = "device-under-eku-root";
        o.extended_key_usages = {server};
        return o;
      }(),
      &eku_root);
  auto eku_snapshot = Snapshot({&eku_root});
  Decision d = Evaluate(*eku_snapshot, {&under}, webpki);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 1);
  EXPECT_EQ(d.cause(), Cause::kEkuOnAnchor);
  EXPECT_EQ(FailedStep(d).detail.find(server) != std::string::npos, true);
}

// Rule 4, required_leaf_key_usage (limbo key_usage): a leaf whose keyUsage
// lacks a required bit is refused, naming the bit; a leaf without keyUsage
// is unrestricted.
TEST(ChainChecksTest, Rule4_RequiredLeafKeyUsage) {
  TestCert root = MintRoot("Root");
  TestCert signing = MintLeaf("device-ds", root);  // digitalSignature
  TestCertOptions o;
  o.common_name = "device-no-ku";
  o.key_usage = 0;
  o.key_usage_present = false;
  TestCert no_ku = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  ResolverOptions options;
  options.required_leaf_key_usage = kDigitalSignature;
  EXPECT_EQ(Evaluate(*snapshot, {&signing}, options).reason(),
            Reason::kEnrollmentGroupEnabled);
  EXPECT_EQ(Evaluate(*snapshot, {&no_ku}, options).reason(),
            Reason::kEnrollmentGroupEnabled);
  options.required_leaf_key_usage = kDigitalSignature | kKeyEncipherment;
  Decision d = Evaluate(*snapshot, {&signing}, options);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.cause(), Cause::kLeafKeyUsageMissing);
  EXPECT_EQ(FailedStep(d).step, StepId::kCheckProfile);
  EXPECT_NE(FailedStep(d).detail.find("keyEncipherment"), std::string::npos)
      << FailedStep(d).detail;
  EXPECT_EQ(FailedStep(d).detail.find("digitalSignature"), std::string::npos)
      << FailedStep(d).detail;
}

// Weak keys and signatures stay refused by default, naming the cause and
// the legacy-fleet option; min_rsa_bits and allow_sha1_signatures let a
// legacy fleet through, never below 1024-bit RSA.
TEST(ChainChecksTest, Rule4_LegacyCryptoOptions) {
  TestCert root = MintRoot("Root");
  TestCertOptions o;
  o.common_name = "device-rsa1024";
  o.key_type = internal::TestKeyType::kRsa1024;
  TestCert rsa1024 = MintCertificate(o, &root);
  o.common_name = "device-sha1";
  o.key_type = internal::TestKeyType::kEcP256;
  o.signature_digest = "SHA1";
  TestCert sha1 = MintCertificate(o, &root);
  auto snapshot = Snapshot({&root});
  Decision d = Evaluate(*snapshot, {&rsa1024});
  EXPECT_EQ(d.cause(), Cause::kWeakKey);
  EXPECT_NE(FailedStep(d).detail.find("min_rsa_bits"), std::string::npos);
  d = Evaluate(*snapshot, {&sha1});
  EXPECT_EQ(d.cause(), Cause::kWeakSignatureAlgorithm);
  EXPECT_NE(FailedStep(d).detail.find("allow_sha1_signatures"),
            std::string::npos);
  ResolverOptions legacy;
  legacy.min_rsa_bits = 1024;
  legacy.allow_sha1_signatures = true;
  EXPECT_EQ(Evaluate(*snapshot, {&rsa1024}, legacy).reason(),
            Reason::kEnrollmentGroupEnabled);
  EXPECT_EQ(Evaluate(*snapshot, {&sha1}, legacy).reason(),
            Reason::kEnrollmentGroupEnabled);
  // MD5 (here md5WithRSAEncryption) stays refused, named as an
  // unsupported algorithm.
  TestCertOptions r;
  r.common_name = "RSA Root";
  r.is_ca = true;
  r.key_type = internal::TestKeyType::kRsa2048;
  TestCert rsa_root = MintCertificate(r);
  o.common_name = "device-md5";
  o.signature_digest = "MD5";
  TestCert md5 = MintCertificate(o, &rsa_root);
  auto rsa_snapshot = Snapshot({&rsa_root});
  for (const ResolverOptions& options : {ResolverOptions(), legacy}) {
    d = Evaluate(*rsa_snapshot, {&md5}, options);
    EXPECT_EQ(d.reason(), Reason::kChainUnverified);
    EXPECT_EQ(d.cause(), Cause::kSignatureAlgorithmNotSupported);
    EXPECT_NE(FailedStep(d).detail.find("MD5"), std::string::npos);
  }
  auto cert = Certificate::Create(rsa1024.der);
  ASSERT_TRUE(cert.ok());
  const CheckFailure f = CheckKeyStrength(**cert, 512);
  EXPECT_FALSE(f.failed());  // 1024 >= the floor
  const CheckFailure g = CheckKeyStrength(**cert, 2048);
  EXPECT_EQ(g.cause, Cause::kWeakKey);
  EXPECT_EQ(g.value, 1024);
  EXPECT_EQ(g.limit, 2048);
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
  EXPECT_EQ(d.cause(), Cause::kKeyCertSignWithoutCa);
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
  EXPECT_EQ(d.cause(), Cause::kCaLeaf);
}

// Rule 4, required_eku under EkuPolicy::kStrict (BoringSSL
// CLIENT_AUTH_STRICT): the leaf must list clientAuth itself (target-eku-none,
// target-eku-any), must not list codeSigning/OCSPSigning/timeStamping
// (target-eku-many); its issuer must list clientAuth (target-eku-
// clientauth/clientauth-strict), anyEKU beside it is fine (intermediate-eku-
// any-and-clientauth/clientauth-strict). kPermissive, the default, accepts
// all of these.
TEST(ChainChecksTest, Rule4_StrictEkuPolicy) {
  const std::string client(kEkuClientAuth);
  const std::string any(kEkuAnyExtendedKeyUsage);
  // Above the leaf's issuer kStrict needs the extension, the group's
  // certificate included (unless check_group_certificate_eku is off).
  TestCertOptions root_options;
  root_options.common_name = "Root anyEKU";
  root_options.is_ca = true;
  root_options.extended_key_usages = {any};
  TestCert root = MintCertificate(root_options);
  const auto ca = [&](const std::string& cn, std::vector<std::string> ekus) {
    TestCertOptions o;
    o.common_name = cn;
    o.is_ca = true;
    o.extended_key_usages = std::move(ekus);
    return MintCertificate(o, &root);
  };
  TestCert int_client = ca("Intermediate clientAuth", {client});
  TestCert int_any_client = ca("Intermediate any+clientAuth", {any, client});
  TestCert int_none = ca("Intermediate no EKU", {});
  TestCert int_any = ca("Intermediate anyEKU", {any});
  const auto leaf = [](const std::string& cn, std::vector<std::string> ekus,
                       const TestCert& issuer) {
    TestCertOptions o;
    o.common_name = cn;
    o.extended_key_usages = std::move(ekus);
    return MintCertificate(o, &issuer);
  };
  auto snapshot = Snapshot({&root});
  ResolverOptions permissive;
  permissive.required_eku = client;
  ResolverOptions strict = permissive;
  strict.eku_policy = ResolverOptions::EkuPolicy::kStrict;
  ResolverOptions strict_leaf = permissive;
  strict_leaf.eku_policy = ResolverOptions::EkuPolicy::kStrictLeaf;

  struct Case {
    std::string name;
    TestCert leaf;
    const TestCert* issuer;
    Reason permissive, strict, strict_leaf;
    int strict_index;  // the failing certificate under kStrict
  };
  const Reason ok = Reason::kEnrollmentGroupEnabled;
  const Reason bad = Reason::kChainUnverified;
  const std::vector<Case> cases = {
      {"client under client", leaf("d1", {client}, int_client), &int_client, ok,
       ok, ok, -1},
      {"client under any+client", leaf("d2", {client}, int_any_client),
       &int_any_client, ok, ok, ok, -1},
      {"no EKU leaf", leaf("d3", {}, int_client), &int_client, ok, bad, bad, 0},
      {"anyEKU leaf", leaf("d4", {any}, int_client), &int_client, ok, bad, bad,
       0},
      {"client+codeSigning leaf",
       leaf("d5", {client, "1.3.6.1.5.5.7.3.3"}, int_client), &int_client, ok,
       bad, bad, 0},
      {"client+OCSPSigning leaf",
       leaf("d6", {client, "1.3.6.1.5.5.7.3.9"}, int_client), &int_client, ok,
       bad, bad, 0},
      {"issuer without EKU", leaf("d7", {client}, int_none), &int_none, ok, bad,
       ok, 1},
      {"issuer with anyEKU only", leaf("d8", {client}, int_any), &int_any, ok,
       bad, ok, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Evaluate(*snapshot, {&c.leaf, c.issuer}, permissive).reason(),
              c.permissive);
    Decision d = Evaluate(*snapshot, {&c.leaf, c.issuer}, strict);
    EXPECT_EQ(d.reason(), c.strict);
    if (c.strict == bad) {
      EXPECT_EQ(d.certificate_index(), c.strict_index);
      const bool forbidden = c.name.find("Signing") != std::string::npos;
      EXPECT_EQ(d.cause(),
                forbidden ? Cause::kEkuForbidden : Cause::kEkuMissing);
      EXPECT_EQ(FailedStep(d).step, StepId::kCheckEku);
    }
    EXPECT_EQ(Evaluate(*snapshot, {&c.leaf, c.issuer}, strict_leaf).reason(),
              c.strict_leaf);
  }

  // Above the leaf's issuer, anyEKU stands for clientAuth even in kStrict,
  // but the extension must be present.
  TestCertOptions upper;
  upper.common_name = "Upper anyEKU";
  upper.is_ca = true;
  upper.extended_key_usages = {any};
  TestCert upper_any = MintCertificate(upper, &root);
  upper.common_name = "Upper no EKU";
  upper.extended_key_usages = {};
  TestCert upper_none = MintCertificate(upper, &root);
  TestCertOptions mid;
  mid.common_name = "Mid under anyEKU";
  mid.is_ca = true;
  mid.extended_key_usages = {client};
  TestCert mid_any = MintCertificate(mid, &upper_any);
  mid.common_name = "Mid under no EKU";
  TestCert mid_none = MintCertificate(mid, &upper_none);
  TestCert d9 = leaf("d9", {client}, mid_any);
  TestCert d10 = leaf("d10", {client}, mid_none);
  EXPECT_EQ(Evaluate(*snapshot, {&d9, &mid_any, &upper_any}, strict).reason(),
            ok);
  Decision d = Evaluate(*snapshot, {&d10, &mid_none, &upper_none}, strict);
  EXPECT_EQ(d.reason(), bad);
  EXPECT_EQ(d.certificate_index(), 2);
  EXPECT_EQ(
      Evaluate(*snapshot, {&d10, &mid_none, &upper_none}, permissive).reason(),
      ok);

  // A group certificate without the extension, two above the leaf.
  TestCert plain_root = MintRoot("Plain Root");
  TestCertOptions pi;
  pi.common_name = "Intermediate under Plain Root";
  pi.is_ca = true;
  pi.extended_key_usages = {client};
  TestCert plain_int = MintCertificate(pi, &plain_root);
  TestCert d11 = leaf("d11", {client}, plain_int);
  auto plain_snapshot = Snapshot({&plain_root});
  d = Evaluate(*plain_snapshot, {&d11, &plain_int}, strict);
  EXPECT_EQ(d.reason(), bad);
  EXPECT_EQ(d.certificate_index(), 2);
  ResolverOptions strict_no_group = strict;
  strict_no_group.check_group_certificate_eku = false;
  EXPECT_EQ(
      Evaluate(*plain_snapshot, {&d11, &plain_int}, strict_no_group).reason(),
      ok);
}

// Rule 4, required_eku and the group's own certificate: checked by default
// (like every certificate of the path), skipped with
// check_group_certificate_eku = false (BoringSSL's plain TRUSTED_ANCHOR,
// root-eku-clientauth/serverauth).
TEST(ChainChecksTest, Rule4_GroupCertificateEkuFollowsOption) {
  TestCertOptions r;
  r.common_name = "Root clientAuth";
  r.is_ca = true;
  r.extended_key_usages = {std::string(kEkuClientAuth)};
  TestCert root = MintCertificate(r);
  TestCertOptions l;
  l.common_name = "device-server";
  l.extended_key_usages = {std::string(kEkuServerAuth)};
  TestCert leaf = MintCertificate(l, &root);
  auto snapshot = Snapshot({&root});
  for (auto policy : {ResolverOptions::EkuPolicy::kPermissive,
                      ResolverOptions::EkuPolicy::kStrict}) {
    ResolverOptions options;
    options.required_eku = std::string(kEkuServerAuth);
    options.eku_policy = policy;
    Decision d = Evaluate(*snapshot, {&leaf}, options);
    EXPECT_EQ(d.reason(), Reason::kChainUnverified);
    EXPECT_EQ(d.certificate_index(), 1);
    options.check_group_certificate_eku = false;
    EXPECT_EQ(Evaluate(*snapshot, {&leaf}, options).reason(),
              Reason::kEnrollmentGroupEnabled);
  }
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
  EXPECT_FALSE(CheckKeyStrength(**ec_cert).failed());
  TestCertOptions o;
  o.common_name = "RSA Root";
  o.is_ca = true;
  o.key_type = internal::TestKeyType::kRsa2048;
  TestCert rsa = MintCertificate(o, nullptr);
  auto rsa_cert = Certificate::Create(rsa.der);
  ASSERT_TRUE(rsa_cert.ok());
  EXPECT_FALSE(CheckKeyStrength(**rsa_cert).failed());
}

}  // namespace
}  // namespace chaintrust
