// Path choice does not depend on the order of the presented certificates:
// every issuer candidate that verifies is followed and a disabled group
// found on any candidate path wins (ranking 5 of resolver.h).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/test_certs.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintCertificate;
using internal::MintIntermediate;
using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;
using internal::TestCertOptions;

struct Group {
  std::string id;
  const TestCert* certificate;
  bool enabled;
};

std::shared_ptr<const EnrollmentSnapshot> Snapshot(
    const std::vector<Group>& groups) {
  EnrollmentSnapshot::Builder builder;
  for (const Group& group : groups) {
    EnrollmentGroupSpec g;
    g.group_id = group.id;
    g.enabled = group.enabled;
    g.kind = AttestationKind::kX509;
    g.primary_certificate.text = group.certificate->Base64Der();
    builder.AddEnrollmentGroup(std::move(g));
  }
  auto snapshot = std::move(builder).Build();
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *std::move(snapshot) : nullptr;
}

Decision Evaluate(const EnrollmentSnapshot& snapshot,
                  const std::vector<const TestCert*>& chain) {
  Attestation a;
  for (const TestCert* c : chain) a.chain.push_back(c->der);
  a.at = absl::Now();
  Decision d;
  Resolve(snapshot, a, ResolverOptions(), nullptr, &d);
  return d;
}

// An intermediate renewed with the same name and key: both certificates
// verify the leaf. The old one's group is disabled, the root's enabled.
class RenewedIntermediateTest : public ::testing::Test {
 protected:
  RenewedIntermediateTest()
      : root_(MintRoot("Renewal Root")),
        old_(MintIntermediate("Issuing CA", root_)),
        new_(Renew(old_, root_)),
        leaf_(MintLeaf("device-renewal", old_)) {}

  static TestCert Renew(const TestCert& old, const TestCert& root) {
    TestCertOptions o;
    o.common_name = "Issuing CA";
    o.is_ca = true;
    o.key = old.key;
    o.not_before = absl::Now() - absl::Minutes(5);
    return MintCertificate(o, &root);
  }

  TestCert root_, old_, new_, leaf_;
};

TEST_F(RenewedIntermediateTest, DisabledOldCertificateWinsInEitherOrder) {
  auto snapshot = Snapshot({{"old-int", &old_, false}, {"root", &root_, true}});
  ASSERT_NE(old_.der, new_.der);
  for (const auto& chain :
       {std::vector<const TestCert*>{&leaf_, &new_, &old_},
        std::vector<const TestCert*>{&leaf_, &old_, &new_},
        std::vector<const TestCert*>{&leaf_, &new_, &old_, &root_},
        std::vector<const TestCert*>{&leaf_, &root_, &old_, &new_}}) {
    const Decision d = Evaluate(*snapshot, chain);
    SCOPED_TRACE(RenderText(d));
    EXPECT_EQ(d.reason(), Reason::kEnrollmentGroupDisabled);
    EXPECT_EQ(d.enrollment_id(), "old-int");
    EXPECT_EQ(d.certificate_index(), 1);
  }
  // A device that presents only the renewed certificate is decided by that
  // certificate's own enrollment (none here), so by the root's group.
  const Decision only_new = Evaluate(*snapshot, {&leaf_, &new_});
  EXPECT_EQ(only_new.reason(), Reason::kEnrollmentGroupEnabled)
      << RenderText(only_new);
  EXPECT_EQ(only_new.enrollment_id(), "root");
}

TEST_F(RenewedIntermediateTest, BothEnabledDecideAlikeInEitherOrder) {
  auto snapshot = Snapshot({{"old-int", &old_, true},
                            {"new-int", &new_, true},
                            {"root", &root_, true}});
  const Decision a = Evaluate(*snapshot, {&leaf_, &new_, &old_});
  const Decision b = Evaluate(*snapshot, {&leaf_, &old_, &new_});
  EXPECT_TRUE(a.allowed()) << RenderText(a);
  EXPECT_EQ(RenderJson(a), RenderJson(b));
}

// A candidate that does not verify is not followed when another does: an
// impostor intermediate (same name, another key) in a disabled group does
// not deny a device whose real issuer verifies.
TEST_F(RenewedIntermediateTest, ImpostorThatDoesNotVerifyIsNotFollowed) {
  TestCertOptions o;
  o.common_name = "Issuing CA";
  o.is_ca = true;
  o.authority_key_identifier = false;
  o.subject_key_identifier = false;
  TestCert impostor = MintCertificate(o, &root_);
  TestCertOptions leaf_options;
  leaf_options.common_name = "device-no-akid";
  leaf_options.authority_key_identifier = false;
  TestCert leaf = MintCertificate(leaf_options, &old_);
  auto snapshot =
      Snapshot({{"impostor", &impostor, false}, {"root", &root_, true}});
  ResolverOptions options;
  options.require_key_identifiers = false;
  for (const auto& chain :
       {std::vector<std::string>{leaf.der, impostor.der, old_.der},
        std::vector<std::string>{leaf.der, old_.der, impostor.der}}) {
    Attestation a;
    a.chain.assign(chain.begin(), chain.end());
    a.at = absl::Now();
    Decision d;
    Resolve(*snapshot, a, options, nullptr, &d);
    EXPECT_EQ(d.reason(), Reason::kEnrollmentGroupEnabled) << RenderText(d);
    EXPECT_EQ(d.enrollment_id(), "root");
  }
}

}  // namespace
}  // namespace chaintrust
