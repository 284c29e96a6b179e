// RFC 5280 §4.2.1.10 name constraints over minted certificates: permitted
// and excluded subtrees of each supported form (dNSName, rfc822Name,
// iPAddress, directoryName), forms that fail closed, and the check inside
// chain verification.
#include "engine/x509/name_constraints.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/certificate.h"
#include "engine/x509/test_certs.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintCertificate;
using internal::MintRoot;
using internal::TestCert;
using internal::TestCertOptions;

// DER, by hand: the NameConstraints value is what the unit checks.
std::string Tlv(uint8_t tag, const std::string& content) {
  std::string out(1, static_cast<char>(tag));
  if (content.size() < 0x80) {
    out.push_back(static_cast<char>(content.size()));
  } else {
    out.push_back(static_cast<char>(0x82));
    out.push_back(static_cast<char>(content.size() >> 8));
    out.push_back(static_cast<char>(content.size() & 0xff));
  }
  return out + content;
}

constexpr uint8_t kEmail = 0x81, kDns = 0x82, kDirectory = 0xa4, kIp = 0x87;

// One GeneralSubtree whose base is the GeneralName (tag, value).
std::string Subtree(uint8_t tag, const std::string& value) {
  return Tlv(0x30, Tlv(tag, value));
}

// NameConstraints with the given permitted and excluded subtrees.
std::string Constraints(const std::vector<std::string>& permitted,
                        const std::vector<std::string>& excluded = {}) {
  std::string body;
  if (!permitted.empty()) body += Tlv(0xa0, absl::StrJoin(permitted, ""));
  if (!excluded.empty()) body += Tlv(0xa1, absl::StrJoin(excluded, ""));
  return Tlv(0x30, body);
}

std::string Ip(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

CertificatePtr Parse(const TestCert& c) {
  auto cert = Certificate::Create(c.der);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return cert.ok() ? *cert : nullptr;
}

// A device certificate with `san` (OpenSSL syntax) and subject O=org,CN=cn.
CertificatePtr Device(const std::string& san, const std::string& org = "",
                      const std::string& cn = "device") {
  static const TestCert* root = new TestCert(MintRoot("NC Root"));
  TestCertOptions o;
  o.common_name = cn;
  o.organization = org;
  o.subject_alt_name = san;
  return Parse(MintCertificate(o, root));
}

// The failure for `c` under `constraints`. The failure's name views the
// certificate, so every certificate checked is kept for the whole test.
CheckFailure Check(const std::string& constraints, const CertificatePtr& c) {
  static auto* kept = new std::vector<CertificatePtr>();
  kept->push_back(c);
  return CheckNameConstraints(constraints, *c);
}

TEST(NameConstraintsTest, PermittedDns) {
  const std::string nc = Constraints({Subtree(kDns, "example.com")});
  EXPECT_FALSE(Check(nc, Device("DNS:example.com")).failed());
  EXPECT_FALSE(Check(nc, Device("DNS:device.EXAMPLE.com")).failed());
  for (const std::string name : {"badexample.com", "example.org"}) {
    SCOPED_TRACE(name);
    const CheckFailure f = Check(nc, Device("DNS:" + name));
    EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
    EXPECT_EQ(f.value, 0);  // outside the permitted subtrees
    EXPECT_EQ(f.name_form, NameForm::kDns);
    EXPECT_EQ(f.name, name);
  }
  // A leading dot permits subdomains only.
  const std::string dot = Constraints({Subtree(kDns, ".example.com")});
  EXPECT_FALSE(Check(dot, Device("DNS:a.example.com")).failed());
  EXPECT_EQ(Check(dot, Device("DNS:example.com")).cause,
            Cause::kNameConstraintViolated);
  // Names of other forms are not restricted by a dNSName constraint.
  EXPECT_FALSE(Check(nc, Device("email:a@elsewhere.org")).failed());
  EXPECT_FALSE(Check(nc, Device("")).failed());
}

TEST(NameConstraintsTest, ExcludedDns) {
  const std::string nc = Constraints({}, {Subtree(kDns, "bad.example.com")});
  EXPECT_FALSE(Check(nc, Device("DNS:good.example.com")).failed());
  const CheckFailure f =
      Check(nc, Device("DNS:good.example.com,DNS:x.bad.example.com"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.value, 1);  // within an excluded subtree
  EXPECT_EQ(f.name, "x.bad.example.com");
  // Excluded wins over permitted.
  const std::string both = Constraints({Subtree(kDns, "example.com")},
                                       {Subtree(kDns, "bad.example.com")});
  EXPECT_EQ(Check(both, Device("DNS:bad.example.com")).value, 1);
}

TEST(NameConstraintsTest, PermittedAndExcludedEmail) {
  const std::string host = Constraints({Subtree(kEmail, "example.com")});
  EXPECT_FALSE(Check(host, Device("email:a@example.com")).failed());
  CheckFailure f = Check(host, Device("email:a@sub.example.com"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.name_form, NameForm::kEmail);
  EXPECT_EQ(f.name, "a@sub.example.com");
  const std::string domain = Constraints({Subtree(kEmail, ".example.com")});
  EXPECT_FALSE(Check(domain, Device("email:a@sub.example.com")).failed());
  EXPECT_TRUE(Check(domain, Device("email:a@example.com")).failed());
  const std::string mailbox = Constraints({Subtree(kEmail, "ops@example.com")});
  EXPECT_FALSE(Check(mailbox, Device("email:ops@example.com")).failed());
  EXPECT_TRUE(Check(mailbox, Device("email:dev@example.com")).failed());
  const std::string excluded =
      Constraints({}, {Subtree(kEmail, "spam.example")});
  f = Check(excluded, Device("email:x@spam.example"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.value, 1);
  EXPECT_FALSE(Check(excluded, Device("email:x@ham.example")).failed());
}

TEST(NameConstraintsTest, PermittedAndExcludedIp) {
  // 10.0.0.0/8 permitted, 10.9.0.0/16 excluded.
  const std::string nc =
      Constraints({Subtree(kIp, Ip({10, 0, 0, 0, 255, 0, 0, 0}))},
                  {Subtree(kIp, Ip({10, 9, 0, 0, 255, 255, 0, 0}))});
  EXPECT_FALSE(Check(nc, Device("IP:10.1.2.3")).failed());
  CheckFailure f = Check(nc, Device("IP:192.168.1.1"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.value, 0);
  EXPECT_EQ(f.name_form, NameForm::kIp);
  EXPECT_EQ(f.name, Ip({192, 168, 1, 1}));
  f = Check(nc, Device("IP:10.9.8.7"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.value, 1);
  // An IPv6 address is outside an IPv4-only permitted set.
  f = Check(nc, Device("IP:2001:db8::1"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.name.size(), 16u);
}

TEST(NameConstraintsTest, PermittedAndExcludedDirectoryName) {
  // The constraint is the Name O=Contoso, taken from a minted certificate
  // so that its encoding is the one the device certificates use.
  TestCertOptions o;
  o.common_name = "";
  o.organization = "Contoso";
  o.is_ca = true;
  const CertificatePtr contoso = Parse(MintCertificate(o));
  const std::string name(contoso->subject_der());
  const std::string permitted = Constraints({Subtree(kDirectory, name)});
  EXPECT_FALSE(Check(permitted, Device("", "Contoso", "dev-1")).failed());
  CheckFailure f = Check(permitted, Device("", "Fabrikam", "dev-1"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.value, 0);
  EXPECT_EQ(f.name_form, NameForm::kDirectory);
  // A device without O (CN only) is not under O=Contoso either.
  EXPECT_TRUE(Check(permitted, Device("", "", "dev-1")).failed());
  const std::string excluded = Constraints({}, {Subtree(kDirectory, name)});
  f = Check(excluded, Device("", "Contoso", "dev-1"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(f.value, 1);
  EXPECT_FALSE(Check(excluded, Device("", "Fabrikam", "dev-1")).failed());
}

TEST(NameConstraintsTest, WhatCannotBeCheckedFailsClosed) {
  // A minimum in a subtree.
  const std::string with_minimum =
      Tlv(0x30, Tlv(0xa0, Tlv(0x30, Tlv(kDns, "example.com") +
                                        Tlv(0x80, std::string(1, '\x01')))));
  EXPECT_EQ(Check(with_minimum, Device("DNS:a.example.com")).cause,
            Cause::kNameConstraintUnsupported);
  // Malformed DER, and neither permitted nor excluded subtrees.
  EXPECT_EQ(Check("\x30\x05", Device("DNS:a.example.com")).cause,
            Cause::kNameConstraintUnsupported);
  EXPECT_EQ(Check(Tlv(0x30, ""), Device("DNS:a.example.com")).cause,
            Cause::kNameConstraintUnsupported);
  // A URI constraint restricts the device's URI, which is not checked.
  const std::string uri = Constraints({Subtree(0x86, "https://example.com")});
  const CheckFailure f = Check(uri, Device("URI:https://example.com/d"));
  EXPECT_EQ(f.cause, Cause::kNameConstraintUnsupported);
  EXPECT_EQ(f.value, 6);  // the GeneralName form [6]
  // ...but a device without a URI is not concerned.
  EXPECT_FALSE(Check(uri, Device("DNS:a.example.com")).failed());
}

// Through chain verification: a constrained intermediate (minted with the
// extension) denies a device outside its subtree with the cause, the index
// of the device and that of the constraining CA.
TEST(NameConstraintsTest, ChainVerificationReportsTheViolation) {
  TestCert root = MintRoot("NC Chain Root");
  TestCertOptions ca;
  ca.common_name = "Constrained CA";
  ca.is_ca = true;
  ca.name_constraints = "critical,permitted;DNS:.example.com";
  TestCert intermediate = MintCertificate(ca, &root);
  const auto device = [&](const std::string& cn, const std::string& dns) {
    TestCertOptions o;
    o.common_name = cn;
    o.subject_alt_name = "DNS:" + dns;
    return MintCertificate(o, &intermediate);
  };
  TestCert inside = device("dev-in", "dev-in.example.com");
  TestCert outside = device("dev-out", "dev-out.example.org");

  EnrollmentSnapshot::Builder builder;
  EnrollmentGroupSpec g;
  g.group_id = "root";
  g.kind = AttestationKind::kX509;
  g.primary_certificate.text = root.Base64Der();
  builder.AddEnrollmentGroup(std::move(g));
  auto snapshot = std::move(builder).Build();
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();

  const auto evaluate = [&](const TestCert& leaf) {
    Attestation a;
    a.chain = {leaf.der, intermediate.der};
    a.at = absl::Now();
    Decision d;
    Resolve(**snapshot, a, ResolverOptions(), nullptr, &d);
    return d;
  };
  EXPECT_TRUE(evaluate(inside).allowed()) << RenderText(evaluate(inside));
  const Decision d = evaluate(outside);
  EXPECT_EQ(d.reason(), Reason::kChainUnverified) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kNameConstraintViolated);
  EXPECT_EQ(d.certificate_index(), 0);
  const ExplanationStep* failed = nullptr;
  for (const ExplanationStep& s : d.explanation()) {
    if (s.outcome == Outcome::kFailed && s.step != StepId::kDecide) {
      failed = &s;
    }
  }
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->step, StepId::kCheckNameConstraints);
  EXPECT_EQ(failed->cause, Cause::kNameConstraintViolated);
  EXPECT_EQ(failed->params.other_index, 1);
  EXPECT_EQ(failed->params.name, "dev-out.example.org");
  EXPECT_EQ(failed->params.name_form, NameForm::kDns);
}

}  // namespace
}  // namespace chaintrust
