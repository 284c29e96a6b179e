// Hostile-input limits of chain verification (docs/rules.md §4 and
// rule 5): each is a DENY with its reason, never a crash or an
// unbounded amount of work.
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

std::shared_ptr<const EnrollmentSnapshot> Snapshot(const TestCert& anchor) {
  EnrollmentSnapshot::Builder builder;
  EnrollmentGroupSpec g;
  g.group_id = "root";
  g.enabled = true;
  g.kind = AttestationKind::kX509;
  g.primary_certificate.text = anchor.Base64Der();
  builder.AddEnrollmentGroup(std::move(g));
  auto snapshot = std::move(builder).Build();
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return *std::move(snapshot);
}

Decision Evaluate(const EnrollmentSnapshot& snapshot,
                  const std::vector<std::string>& chain,
                  const ResolverOptions& options = ResolverOptions()) {
  Attestation a;
  for (const std::string& der : chain) a.chain.push_back(der);
  a.at = kNow;
  Decision d;
  Resolve(snapshot, a, options, nullptr, &d);
  return d;
}

// Many presented certificates with the issuer's name whose signatures do
// not verify: the candidates considered and the signature checks spent are
// bounded, and the result is a DENY.
TEST(HostileInputTest, ManyCandidateIssuersWithTheSameName) {
  TestCert root = MintRoot("Root");
  TestCert real = MintIntermediate("Issuing CA", root);
  // No AKI: candidates are matched by name alone.
  TestCertOptions leaf_options;
  leaf_options.common_name = "device-1";
  leaf_options.authority_key_identifier = false;
  TestCert leaf = MintCertificate(leaf_options, &real);
  std::vector<std::string> chain = {leaf.der};
  for (int i = 0; i < 20; ++i) {
    TestCertOptions o;
    o.common_name = "Issuing CA";
    o.is_ca = true;
    o.authority_key_identifier = false;
    chain.push_back(MintCertificate(o, &root).der);  // other keys
  }
  chain.push_back(real.der);  // the real issuer, past the candidate limit
  auto snapshot = Snapshot(root);
  ResolverOptions options;
  options.require_key_identifiers = false;
  Decision d = Evaluate(*snapshot, chain, options);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.cause(), Cause::kTooManyIssuerCandidates);
  // Refused whatever the order: the real issuer first changes nothing.
  std::vector<std::string> reordered = {leaf.der, real.der};
  reordered.insert(reordered.end(), chain.begin() + 1, chain.end() - 1);
  EXPECT_EQ(Evaluate(*snapshot, reordered, options).cause(),
            Cause::kTooManyIssuerCandidates);
  // Within the limits, the real issuer is found among the impostors.
  std::vector<std::string> few = {leaf.der, chain[1], chain[2], real.der};
  EXPECT_EQ(Evaluate(*snapshot, few, options).reason(),
            Reason::kEnrollmentGroupEnabled);
}

// Cross-signed CAs forming a cycle (the CVE-2024-0567 shape): A signs B,
// B signs A, neither reaches an enrollment group. The walk ends.
TEST(HostileInputTest, CyclicCrossSignedCas) {
  TestCert root = MintRoot("Root");
  TestCert a_self = MintRoot("CA A");
  TestCert b_self = MintRoot("CA B");
  TestCertOptions a;
  a.common_name = "CA A";
  a.is_ca = true;
  a.key = a_self.key;
  TestCertOptions b;
  b.common_name = "CA B";
  b.is_ca = true;
  b.key = b_self.key;
  TestCert a_by_b = MintCertificate(a, &b_self);
  TestCert b_by_a = MintCertificate(b, &a_self);
  TestCert leaf = MintLeaf("device-cycle", a_by_b);
  auto snapshot = Snapshot(root);
  Decision d = Evaluate(*snapshot, {leaf.der, a_by_b.der, b_by_a.der});
  EXPECT_EQ(d.reason(), Reason::kNoEnrollment);
  // The walk ends where no further issuer exists (B signs A, A signs B).
  EXPECT_EQ(d.explanation()[d.explanation().size() - 2].cause,
            Cause::kIssuerNotFound);
}

TEST(HostileInputTest, OversizedCertificate) {
  TestCert root = MintRoot("Root");
  TestCert leaf = MintLeaf("device-big", root);
  auto snapshot = Snapshot(root);
  ResolverOptions options;
  options.max_certificate_bytes = leaf.der.size() - 1;
  Decision d = Evaluate(*snapshot, {leaf.der}, options);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_EQ(d.cause(), Cause::kCertificateTooLarge);
}

TEST(HostileInputTest, TotalBytesAndCount) {
  TestCert root = MintRoot("Root");
  TestCert int1 = MintIntermediate("Issuing CA", root);
  TestCert leaf = MintLeaf("device-many", int1);
  auto snapshot = Snapshot(root);
  ResolverOptions options;
  options.max_chain_bytes = leaf.der.size() + int1.der.size() - 1;
  Decision d = Evaluate(*snapshot, {leaf.der, int1.der}, options);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.cause(), Cause::kChainTooLarge);
  std::vector<std::string> many(40, int1.der);
  many[0] = leaf.der;
  d = Evaluate(*snapshot, many);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified);
  EXPECT_EQ(d.cause(), Cause::kTooManyCertificates);
}

// Nothing presented: one DECIDE step, which carries the cause.
TEST(HostileInputTest, NothingPresented) {
  TestCert root = MintRoot("Root");
  auto snapshot = Snapshot(root);
  Decision d = Evaluate(*snapshot, {});
  EXPECT_EQ(d.reason(), Reason::kAttestationMismatch);
  EXPECT_EQ(d.cause(), Cause::kNoAttestation);
  ASSERT_EQ(d.explanation().size(), 1u);
  EXPECT_EQ(d.explanation()[0].step, StepId::kDecide);
  EXPECT_EQ(d.explanation()[0].cause, Cause::kNoAttestation);
}

}  // namespace
}  // namespace chaintrust
