// The test PKI's deterministic mode: keys and certificates that depend only
// on the seed, their labels and their options, plus the options the
// scenario corpus relies on (country, empty CN, raw extensions, forgeries).
#include "engine/x509/test_certs.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace chaintrust::internal {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr Parse(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

TestCertOptions FixedOptions(const std::string& cn) {
  TestCertOptions options;
  options.common_name = cn;
  options.label = cn;
  options.serial = 7;
  options.not_before = absl::FromUnixSeconds(1700000000);
  options.not_after = absl::FromUnixSeconds(1800000000);
  return options;
}

class DeterministicTest : public testing::Test {
 protected:
  static void SetUpTestSuite() { UseDeterministicRandom("test_certs_test"); }
};

TEST_F(DeterministicTest, DerivedKeysDependOnlyOnTheirLabel) {
  ASSERT_TRUE(DeterministicRandomInUse());
  const std::string a =
      TestKey::Derive(TestKeyType::kEcP256, "a").PublicKeyDer();
  TestKey::Generate();  // draws from the stream in between
  EXPECT_EQ(TestKey::Derive(TestKeyType::kEcP256, "a").PublicKeyDer(), a);
  EXPECT_NE(TestKey::Derive(TestKeyType::kEcP256, "b").PublicKeyDer(), a);
  EXPECT_EQ(TestKey::Derive(TestKeyType::kEd25519, "a").PublicKeyDer(),
            TestKey::Derive(TestKeyType::kEd25519, "a").PublicKeyDer());
}

TEST_F(DeterministicTest, CertificatesAreByteReproducible) {
  auto mint = [] {
    TestCertOptions root_options = FixedOptions("Root");
    root_options.is_ca = true;
    root_options.key = TestKey::Derive(TestKeyType::kEcP256, "root");
    const TestCert root = MintCertificate(root_options);
    TestCertOptions leaf_options = FixedOptions("leaf");
    leaf_options.key = TestKey::Derive(TestKeyType::kRsa2048, "leaf");
    return MintCertificate(leaf_options, &root).der;
  };
  const std::string first = mint();
  MintLeaf("unrelated", MintRoot("Unrelated Root"));
  EXPECT_EQ(mint(), first);
}

TEST_F(DeterministicTest, GeneratedKeysFollowTheLabel) {
  TestCertOptions options = FixedOptions("device");
  const std::string first = MintCertificate(options).der;
  TestKey::Generate();
  EXPECT_EQ(MintCertificate(options).der, first);
  options.label = "another device";
  EXPECT_NE(MintCertificate(options).der, first);
}

TEST_F(DeterministicTest, BytesDependOnTheLabel) {
  EXPECT_EQ(DeterministicBytes("x", 40), DeterministicBytes("x", 40));
  EXPECT_EQ(DeterministicBytes("x", 40).size(), 40u);
  EXPECT_NE(DeterministicBytes("x", 32), DeterministicBytes("y", 32));
}

TEST(TestCertsTest, EncodesCountryAndAnEmptyCommonName) {
  TestCertOptions options = FixedOptions("");
  options.country = "US";
  options.organization = "Contoso";
  options.keep_empty_common_name = true;
  X509Ptr with_empty = Parse(MintCertificate(options).der);
  ASSERT_NE(with_empty, nullptr);
  X509_NAME* name = X509_get_subject_name(with_empty.get());
  ASSERT_EQ(X509_NAME_entry_count(name), 3);
  EXPECT_EQ(
      OBJ_obj2nid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(name, 0))),
      NID_countryName);
  EXPECT_EQ(X509_NAME_get_index_by_NID(name, NID_commonName, -1), 2);

  options.keep_empty_common_name = false;
  X509Ptr without = Parse(MintCertificate(options).der);
  EXPECT_EQ(X509_NAME_get_index_by_NID(X509_get_subject_name(without.get()),
                                       NID_commonName, -1),
            -1);
}

TEST(TestCertsTest, AddsRawExtensionsAsGiven) {
  TestCertOptions options = FixedOptions("ext");
  options.extensions.push_back({"1.3.6.1.4.1.55555.7.1", /*critical=*/false,
                                std::string("\x05\x00", 2)});
  X509Ptr cert = Parse(MintCertificate(options).der);
  ASSERT_NE(cert, nullptr);
  const int last = X509_get_ext_count(cert.get()) - 1;
  X509_EXTENSION* ext = X509_get_ext(cert.get(), last);
  char oid[64];
  OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(ext), 1);
  EXPECT_STREQ(oid, "1.3.6.1.4.1.55555.7.1");
  EXPECT_EQ(X509_EXTENSION_get_critical(ext), 0);
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(value->data), value->length),
      std::string("\x05\x00", 2));
}

TEST(TestCertsTest, SigningKeyForgesTheIssuersSignature) {
  const TestCert root = MintRoot("Root");
  const TestKey rogue = TestKey::Generate();
  TestCertOptions options = FixedOptions("forged");
  options.signing_key = rogue;
  X509Ptr forged = Parse(MintCertificate(options, &root).der);
  X509Ptr issuer = Parse(root.der);
  ASSERT_NE(forged, nullptr);
  // Names the root as its issuer, but only the rogue key verifies it.
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(forged.get()),
                          X509_get_subject_name(issuer.get())),
            0);
  EXPECT_NE(X509_verify(forged.get(), root.key.get()), 1);
  EXPECT_EQ(X509_verify(forged.get(), rogue.get()), 1);
}

}  // namespace
}  // namespace chaintrust::internal
