// Names compared as RFC 5280 §7.1 says: the name key, and chains whose
// issuer fields re-encode their issuer's subject (whitespace, case, string
// type, a multi-valued RDN's order), with the negatives that must never
// chain.
#include "engine/x509/certificate_names.h"

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/certificate.h"
#include "engine/x509/name_constraints.h"
#include "engine/x509/test_certs.h"
#include "engine/x509/test_names.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::C;
using internal::Cn;
using internal::kTestBmp;
using internal::kTestIa5;
using internal::kTestPrintable;
using internal::kTestTeletex;
using internal::kTestUtf8;
using internal::MintIntermediate;
using internal::MintLeaf;
using internal::MintRoot;
using internal::O;
using internal::Ou;
using internal::TestCert;
using internal::TestName;
using internal::TestRdn;
using internal::ToBmp;
using internal::WithNames;

std::string Key(const std::string& name_der) {
  absl::StatusOr<std::string> key = NameKey(name_der);
  EXPECT_TRUE(key.ok()) << key.status();
  return key.value_or("");
}

bool SameName(const std::vector<TestRdn>& a, const std::vector<TestRdn>& b) {
  return Key(TestName(a)) == Key(TestName(b));
}

TEST(PrepareDirectoryStringTest, SpacesAndCase) {
  EXPECT_EQ(PrepareDirectoryString("  Contoso \t  Root\r\nCA  "),
            "contoso root ca");
  EXPECT_EQ(PrepareDirectoryString("   "), "");
  // No-break and ideographic spaces are spaces too.
  EXPECT_EQ(PrepareDirectoryString("A\xc2\xa0\xe3\x80\x80"
                                   "B"),
            "a b");
  // Latin-1, Latin Extended-A, Greek (final sigma too), Cyrillic.
  EXPECT_EQ(PrepareDirectoryString("M\xc3\x9cLLER"), "m\xc3\xbcller");
  EXPECT_EQ(PrepareDirectoryString("\xc5\x81\xc3\x93"
                                   "D\xc5\xb9"),
            PrepareDirectoryString("\xc5\x82\xc3\xb3"
                                   "d\xc5\xba"));
  EXPECT_EQ(PrepareDirectoryString("\xce\xa3\xce\x9f\xce\xa6\xce\x99\xce\x91"),
            PrepareDirectoryString("\xcf\x83\xce\xbf\xcf\x86\xce\xb9\xce\xb1"));
  EXPECT_EQ(PrepareDirectoryString("\xcf\x82"), "\xcf\x83");
  EXPECT_EQ(PrepareDirectoryString("\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92"
                                   "\xd0\x90"),
            "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0");
  // Characters outside the folded blocks are kept as they are.
  EXPECT_EQ(PrepareDirectoryString("\xe6\x9d\xb1\xe4\xba\xac"),
            "\xe6\x9d\xb1\xe4\xba\xac");
}

TEST(NameKeyTest, DirectoryStringsMatchAfterPreparation) {
  EXPECT_TRUE(SameName({{Cn("Contoso Root CA", kTestPrintable)}},
                       {{Cn("  contoso   ROOT ca ", kTestUtf8)}}));
  EXPECT_TRUE(
      SameName({{Cn("Root", kTestUtf8)}}, {{Cn(ToBmp("ROOT"), kTestBmp)}}));
  // Teletex is read as Latin-1: 0xDC is U+00DC.
  EXPECT_TRUE(SameName({{O("M\xc3\xbcller", kTestUtf8)}},
                       {{O("M\xdcLLER", kTestTeletex)}}));
}

TEST(NameKeyTest, WhatDoesNotMatch) {
  // A different value, an internal space removed rather than folded.
  EXPECT_FALSE(SameName({{Cn("Contoso Root CA")}}, {{Cn("Contoso Root CB")}}));
  EXPECT_FALSE(SameName({{Cn("Contoso Root CA")}}, {{Cn("ContosoRoot CA")}}));
  // The same attributes in another RDN order.
  EXPECT_FALSE(
      SameName({{C("US")}, {O("Contoso")}}, {{O("Contoso")}, {C("US")}}));
  // One multi-valued RDN is not two RDNs.
  EXPECT_FALSE(SameName({{O("Contoso"), Ou("Devices")}},
                        {{O("Contoso")}, {Ou("Devices")}}));
  // The same text under another attribute type.
  EXPECT_FALSE(SameName({{O("Contoso")}}, {{Ou("Contoso")}}));
  // IA5String (e.g. emailAddress) is not a directory string: exact bytes.
  EXPECT_FALSE(SameName({{{"1.2.840.113549.1.9.1", kTestIa5, "A@x.example"}}},
                        {{{"1.2.840.113549.1.9.1", kTestIa5, "a@x.example"}}}));
  EXPECT_TRUE(SameName({{{"1.2.840.113549.1.9.1", kTestIa5, "a@x.example"}}},
                       {{{"1.2.840.113549.1.9.1", kTestIa5, "a@x.example"}}}));
}

TEST(NameKeyTest, MultiValuedRdnIsASet) {
  EXPECT_TRUE(
      SameName({{O("Contoso"), Ou("Devices")}, {Cn("CA")}},
               {{Ou("DEVICES"), O("contoso", kTestPrintable)}, {Cn("ca")}}));
  EXPECT_FALSE(SameName({{O("Contoso"), Ou("Devices")}},
                        {{O("Contoso"), Ou("Sensors")}}));
}

TEST(NameKeyTest, SubtreesAreWholeRdnPrefixes) {
  const std::string org = Key(TestName({{C("US")}, {O("Contoso")}}));
  EXPECT_TRUE(NameKeyWithinSubtree(
      Key(TestName({{C("us")}, {O(" CONTOSO")}, {Cn("device-1")}})), org));
  EXPECT_FALSE(NameKeyWithinSubtree(
      Key(TestName({{C("US")}, {O("Contoso Ltd")}, {Cn("device-1")}})), org));
  EXPECT_FALSE(
      NameKeyWithinSubtree(Key(TestName({{O("Contoso")}, {C("US")}})), org));
}

TEST(NameKeyTest, MalformedNameIsAnError) {
  EXPECT_FALSE(NameKey("\x30\x03\x31\x00").ok());
  EXPECT_FALSE(NameKey(std::string("\x30\x02\x31\x00", 4)).ok());
}

// A root CA whose subject (and issuer) is `ca_name`.
TestCert RootNamed(const std::string& ca_name) {
  const TestCert minted = MintRoot("Names Root");
  return WithNames(minted, ca_name, ca_name, minted.key);
}

// `chain` decided against a snapshot whose group "root" holds `root`.
Decision Evaluate(const TestCert& root, const std::vector<std::string>& chain) {
  EnrollmentSnapshot::Builder builder;
  EnrollmentGroupSpec g;
  g.group_id = "root";
  g.kind = AttestationKind::kX509;
  g.primary_certificate.text = root.Base64Der();
  builder.AddEnrollmentGroup(std::move(g));
  auto snapshot = std::move(builder).Build();
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  Decision d;
  if (!snapshot.ok()) return d;
  Attestation a;
  a.chain.assign(chain.begin(), chain.end());
  a.at = absl::Now();
  Resolve(**snapshot, a, ResolverOptions(), nullptr, &d);
  return d;
}

// The device signed by the group's root, its issuer field `issuer_field`,
// presented alone: the root is the unsent anchor found by name.
Decision LeafUnderRoot(const std::vector<TestRdn>& ca_name,
                       const std::vector<TestRdn>& issuer_field) {
  const TestCert root = RootNamed(TestName(ca_name));
  const TestCert leaf = WithNames(MintLeaf("device-1", root), absl::nullopt,
                                  TestName(issuer_field), root.key);
  return Evaluate(root, {leaf.der});
}

// Root -> intermediate (subject `ca_name`) -> device (issuer field
// `issuer_field`), the device presenting itself and the intermediate.
Decision LeafUnderIntermediate(const std::vector<TestRdn>& ca_name,
                               const std::vector<TestRdn>& issuer_field) {
  const TestCert root = RootNamed(TestName({{Cn("Names Root")}}));
  const TestCert intermediate =
      WithNames(MintIntermediate("Names Intermediate", root), TestName(ca_name),
                absl::nullopt, root.key);
  const TestCert leaf =
      WithNames(MintLeaf("device-1", intermediate), absl::nullopt,
                TestName(issuer_field), intermediate.key);
  return Evaluate(root, {leaf.der, intermediate.der});
}

struct Variant {
  const char* what;
  std::vector<TestRdn> ca_name;
  std::vector<TestRdn> issuer_field;
};

std::vector<Variant> Chaining() {
  return {
      {"whitespace",
       {{O("Contoso")}, {Cn("Contoso Root CA")}},
       {{O(" Contoso")}, {Cn("  Contoso \t Root   CA  ")}}},
      {"ASCII case",
       {{C("US")}, {Cn("Contoso Root CA")}},
       {{C("us")}, {Cn("CONTOSO root ca")}}},
      {"non-ASCII case",
       {{O("M\xc3\xbcller GmbH")},
        {Cn("\xd0\x9a\xd0\x9e\xd0\xa0\xd0\x95\xd0"
            "\x9d\xd1\x8c")}},
       {{O("M\xc3\x9cLLER gmbh")},
        {Cn("\xd0\xba\xd0\xbe\xd1\x80\xd0\xb5\xd0"
            "\xbd\xd1\x8c")}}},
      {"PrintableString to UTF8String rollover",
       {{C("US")},
        {O("Contoso", kTestPrintable)},
        {Cn("Contoso Root CA", kTestPrintable)}},
       {{C("US")},
        {O("Contoso", kTestUtf8)},
        {Cn("Contoso Root CA", kTestUtf8)}}},
      {"BMPString",
       {{Cn("Contoso Root CA")}},
       {{Cn(ToBmp("Contoso Root CA"), kTestBmp)}}},
      {"multi-valued RDN in another order",
       {{O("Contoso"), Ou("Devices")}, {Cn("Contoso Root CA")}},
       {{Ou("devices"), O("Contoso")}, {Cn("Contoso Root CA")}}},
  };
}

std::vector<Variant> NotChaining() {
  return {
      {"another RDN order",
       {{C("US")}, {O("Contoso")}, {Cn("Contoso Root CA")}},
       {{O("Contoso")}, {C("US")}, {Cn("Contoso Root CA")}}},
      {"another value",
       {{O("Contoso")}, {Cn("Contoso Root CA")}},
       {{O("Contoso")}, {Cn("Contoso Root CA 2")}}},
      {"a space removed", {{Cn("Contoso Root CA")}}, {{Cn("ContosoRoot CA")}}},
      {"multi-valued RDN split in two",
       {{O("Contoso"), Ou("Devices")}, {Cn("Contoso Root CA")}},
       {{O("Contoso")}, {Ou("Devices")}, {Cn("Contoso Root CA")}}},
      {"another attribute type",
       {{O("Contoso")}, {Cn("Contoso Root CA")}},
       {{Ou("Contoso")}, {Cn("Contoso Root CA")}}},
  };
}

TEST(NameChainingTest, ReEncodedIssuerNamesChain) {
  for (const Variant& v : Chaining()) {
    SCOPED_TRACE(v.what);
    const Decision unsent = LeafUnderRoot(v.ca_name, v.issuer_field);
    EXPECT_TRUE(unsent.allowed()) << RenderText(unsent);
    const Decision presented = LeafUnderIntermediate(v.ca_name, v.issuer_field);
    EXPECT_TRUE(presented.allowed()) << RenderText(presented);
  }
}

// Whether path building reported that no issuer was found.
bool IssuerNotFound(const Decision& d) {
  for (const ExplanationStep& s : d.explanation()) {
    if (s.cause == Cause::kIssuerNotFound) return true;
  }
  return false;
}

TEST(NameChainingTest, DifferentNamesNeverChain) {
  for (const Variant& v : NotChaining()) {
    SCOPED_TRACE(v.what);
    for (const Decision& d :
         {LeafUnderRoot(v.ca_name, v.issuer_field),
          LeafUnderIntermediate(v.ca_name, v.issuer_field)}) {
      EXPECT_FALSE(d.allowed());
      EXPECT_EQ(d.reason(), Reason::kNoEnrollment) << RenderText(d);
      EXPECT_TRUE(IssuerNotFound(d)) << RenderText(d);
    }
  }
}

// A self-signed root whose issuer field differs from its subject only in
// case is self-issued (RFC 5280 §6.1 compares names as §7.1 says).
TEST(NameChainingTest, SelfIssuedComparesByKey) {
  const TestCert minted = MintRoot("Names Root");
  const TestCert root =
      WithNames(minted, TestName({{Cn("Names Root", kTestPrintable)}}),
                TestName({{Cn("NAMES ROOT", kTestUtf8)}}), minted.key);
  auto cert = Certificate::Create(root.der);
  ASSERT_TRUE(cert.ok()) << cert.status();
  EXPECT_NE((*cert)->subject_der(), (*cert)->issuer_der());
  EXPECT_TRUE((*cert)->self_issued());
  EXPECT_EQ((*cert)->subject_name_key(), (*cert)->issuer_name_key());
}

// A directoryName constraint applies to names that differ from it only in
// encoding, in permitted and in excluded subtrees.
TEST(NameChainingTest, DirectoryNameConstraintsCompareByKey) {
  const auto constraint = [](bool permitted) {
    const std::string name =
        TestName({{C("US", kTestPrintable)}, {O("Contoso", kTestPrintable)}});
    std::string base = std::string(1, '\xa4') +
                       std::string(1, static_cast<char>(name.size())) + name;
    std::string subtree = std::string(1, '\x30') +
                          std::string(1, static_cast<char>(base.size())) + base;
    std::string list = std::string(1, permitted ? '\xa0' : '\xa1') +
                       std::string(1, static_cast<char>(subtree.size())) +
                       subtree;
    return std::string(1, '\x30') +
           std::string(1, static_cast<char>(list.size())) + list;
  };
  const TestCert root = MintRoot("NC Names Root");
  const auto device = [&](const std::vector<TestRdn>& subject) {
    const TestCert leaf = WithNames(MintLeaf("device-1", root),
                                    TestName(subject), absl::nullopt, root.key);
    return Certificate::Create(leaf.der).value();
  };
  const CertificatePtr inside =
      device({{C("us", kTestUtf8)}, {O(" CONTOSO ")}, {Cn("device-1")}});
  const CertificatePtr outside =
      device({{C("US")}, {O("Fabrikam")}, {Cn("device-1")}});
  EXPECT_FALSE(CheckNameConstraints(constraint(true), *inside).failed());
  EXPECT_EQ(CheckNameConstraints(constraint(true), *outside).cause,
            Cause::kNameConstraintViolated);
  EXPECT_EQ(CheckNameConstraints(constraint(false), *inside).cause,
            Cause::kNameConstraintViolated);
  EXPECT_FALSE(CheckNameConstraints(constraint(false), *outside).failed());
}

}  // namespace
}  // namespace chaintrust
