#include "engine/x509/certificate.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/internal/openssl_util.h"
#include "engine/x509/certificate_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::EvpPkeyPtr;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using x509_test::CertSpec;
using x509_test::Der;
using x509_test::I2d;
using x509_test::KeyKind;
using x509_test::MakeCert;
using x509_test::MakePair;
using x509_test::MustParse;
using x509_test::Pair;
using x509_test::Pem;
using x509_test::TestKey;
using x509_test::X509Ptr;

absl::string_view View(const unsigned char* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

absl::Time OpenSslTime(const ASN1_TIME* time) {
  struct tm tm = {};
  EXPECT_EQ(ASN1_TIME_to_tm(time, &tm), 1);
  return absl::FromTimeT(timegm(&tm));
}

std::string OpenSslRfc2253(const X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
  char* data;
  const long size = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int)
  std::string text(data, size);
  BIO_free(bio);
  return text;
}

uint16_t OpenSslKeyUsage(X509* cert) {
  const uint32_t ku = X509_get_key_usage(cert);
  uint16_t mask = 0;
  if (ku & KU_DIGITAL_SIGNATURE) mask |= kDigitalSignature;
  if (ku & KU_NON_REPUDIATION) mask |= kNonRepudiation;
  if (ku & KU_KEY_ENCIPHERMENT) mask |= kKeyEncipherment;
  if (ku & KU_DATA_ENCIPHERMENT) mask |= kDataEncipherment;
  if (ku & KU_KEY_AGREEMENT) mask |= kKeyAgreement;
  if (ku & KU_KEY_CERT_SIGN) mask |= kKeyCertSign;
  if (ku & KU_CRL_SIGN) mask |= kCrlSign;
  if (ku & KU_ENCIPHER_ONLY) mask |= kEncipherOnly;
  if (ku & KU_DECIPHER_ONLY) mask |= kDecipherOnly;
  return mask;
}

std::vector<std::string> OpenSslEkus(X509* cert) {
  std::vector<std::string> out;
  auto* ekus = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(cert, NID_ext_key_usage, nullptr, nullptr));
  if (ekus == nullptr) return out;
  for (int i = 0; i < sk_ASN1_OBJECT_num(ekus); ++i) {
    char text[128];
    OBJ_obj2txt(text, sizeof(text), sk_ASN1_OBJECT_value(ekus, i), 1);
    out.push_back(text);
  }
  EXTENDED_KEY_USAGE_free(ekus);
  return out;
}

SignatureAlgorithm ExpectedAlgorithm(int nid, bool pss, const EVP_MD* md) {
  if (pss) {
    switch (EVP_MD_get_type(md)) {
      case NID_sha256:
        return SignatureAlgorithm::kRsaPssSha256;
      case NID_sha384:
        return SignatureAlgorithm::kRsaPssSha384;
      case NID_sha512:
        return SignatureAlgorithm::kRsaPssSha512;
    }
  }
  switch (nid) {
    case NID_sha1WithRSAEncryption:
      return SignatureAlgorithm::kRsaPkcs1Sha1;
    case NID_sha256WithRSAEncryption:
      return SignatureAlgorithm::kRsaPkcs1Sha256;
    case NID_sha384WithRSAEncryption:
      return SignatureAlgorithm::kRsaPkcs1Sha384;
    case NID_sha512WithRSAEncryption:
      return SignatureAlgorithm::kRsaPkcs1Sha512;
    case NID_ecdsa_with_SHA1:
      return SignatureAlgorithm::kEcdsaSha1;
    case NID_ecdsa_with_SHA256:
      return SignatureAlgorithm::kEcdsaSha256;
    case NID_ecdsa_with_SHA384:
      return SignatureAlgorithm::kEcdsaSha384;
    case NID_ecdsa_with_SHA512:
      return SignatureAlgorithm::kEcdsaSha512;
    case NID_ED25519:
      return SignatureAlgorithm::kEd25519;
  }
  return SignatureAlgorithm::kUnknown;
}

// Checks every parsed field against what OpenSSL reports for `x509`.
void ExpectMatchesOpenSsl(X509* x509, const Certificate& cert, bool pss,
                          const EVP_MD* md) {
  const std::string der = Der(x509);
  EXPECT_EQ(cert.der(), der);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size;
  X509_digest(x509, EVP_sha256(), digest, &digest_size);
  EXPECT_EQ(ToHex(cert.sha256()), ToHex(absl::MakeSpan(digest, digest_size)));
  X509_digest(x509, EVP_sha1(), digest, &digest_size);
  EXPECT_EQ(ToHex(cert.sha1()), ToHex(absl::MakeSpan(digest, digest_size)));

  unsigned char* tbs = nullptr;
  const int tbs_size = i2d_re_X509_tbs(x509, &tbs);
  EXPECT_EQ(cert.tbs_der(), View(tbs, tbs_size));
  OPENSSL_free(tbs);

  const ASN1_BIT_STRING* signature;
  const X509_ALGOR* algorithm;
  X509_get0_signature(&signature, &algorithm, x509);
  EXPECT_EQ(cert.signature(), View(ASN1_STRING_get0_data(signature),
                                   ASN1_STRING_length(signature)));
  EXPECT_EQ(cert.signature_algorithm(),
            ExpectedAlgorithm(X509_get_signature_nid(x509), pss, md));

  EXPECT_EQ(cert.version(), X509_get_version(x509) + 1);
  const std::string serial =
      I2d<ASN1_INTEGER, i2d_ASN1_INTEGER>(X509_get0_serialNumber(x509));
  EXPECT_EQ(cert.serial_number(), absl::string_view(serial).substr(2));

  EXPECT_EQ(cert.subject_der(),
            (I2d<X509_NAME, i2d_X509_NAME>(X509_get_subject_name(x509))));
  EXPECT_EQ(cert.issuer_der(),
            (I2d<X509_NAME, i2d_X509_NAME>(X509_get_issuer_name(x509))));
  EXPECT_EQ(cert.SubjectString(), OpenSslRfc2253(X509_get_subject_name(x509)));
  EXPECT_EQ(cert.IssuerString(), OpenSslRfc2253(X509_get_issuer_name(x509)));
  EXPECT_EQ(cert.self_issued(), X509_NAME_cmp(X509_get_subject_name(x509),
                                              X509_get_issuer_name(x509)) == 0);

  EXPECT_EQ(cert.not_before(), OpenSslTime(X509_get0_notBefore(x509)));
  EXPECT_EQ(cert.not_after(), OpenSslTime(X509_get0_notAfter(x509)));

  EXPECT_EQ(cert.spki_der(),
            (I2d<X509_PUBKEY, i2d_X509_PUBKEY>(X509_get_X509_PUBKEY(x509))));
  EVP_PKEY* pkey = X509_get0_pubkey(x509);
  EXPECT_EQ(cert.key_bits(), EVP_PKEY_get_bits(pkey));
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
      EXPECT_EQ(cert.key_type(), KeyType::kRsa);
      break;
    case EVP_PKEY_ED25519:
      EXPECT_EQ(cert.key_type(), KeyType::kEd25519);
      break;
    case EVP_PKEY_EC:
      EXPECT_EQ(cert.key_type(), EVP_PKEY_get_bits(pkey) == 256
                                     ? KeyType::kEcP256
                                     : KeyType::kEcP384);
      break;
    default:
      ADD_FAILURE() << "unexpected key type";
  }

  const uint32_t flags = X509_get_extension_flags(x509);
  EXPECT_EQ(cert.has_basic_constraints(),
            X509_get_ext_by_NID(x509, NID_basic_constraints, -1) >= 0);
  EXPECT_EQ(cert.is_ca(), (flags & EXFLAG_CA) != 0);
  const long path_len = X509_get_pathlen(x509);  // NOLINT(runtime/int)
  EXPECT_EQ(cert.path_len_constraint(),
            path_len < 0 ? absl::nullopt : absl::optional<int>(path_len));
  EXPECT_EQ(cert.has_key_usage(), (flags & EXFLAG_KUSAGE) != 0);
  // OpenSSL reports all bits set when keyUsage is absent.
  EXPECT_EQ(cert.key_usage(),
            (flags & EXFLAG_KUSAGE) ? OpenSslKeyUsage(x509) : 0);
  EXPECT_EQ(cert.has_extended_key_usage(), (flags & EXFLAG_XKUSAGE) != 0);
  EXPECT_THAT(cert.extended_key_usages(), ElementsAreArray(OpenSslEkus(x509)));
  const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(x509);
  EXPECT_EQ(
      cert.subject_key_identifier(),
      skid ? View(ASN1_STRING_get0_data(skid), ASN1_STRING_length(skid)) : "");
  const ASN1_OCTET_STRING* akid = X509_get0_authority_key_id(x509);
  EXPECT_EQ(
      cert.authority_key_identifier(),
      akid ? View(ASN1_STRING_get0_data(akid), ASN1_STRING_length(akid)) : "");

  const int cn_index = X509_NAME_get_index_by_NID(X509_get_subject_name(x509),
                                                  NID_commonName, -1);
  if (cn_index < 0) {
    EXPECT_THAT(cert.subject_common_name(), IsEmpty());
  }
}

struct ParseCase {
  std::string name;
  KeyKind issuer_key;
  KeyKind subject_key;
  const EVP_MD* md;
  bool pss;
  const char* basic_constraints;
  const char* key_usage;
  const char* ext_key_usage;
  bool skid;
  int64_t not_after;
};

class CertificateParseTest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(CertificateParseTest, FieldsMatchOpenSslAndSignatureVerifies) {
  const ParseCase& test = GetParam();
  CertSpec ca_spec;
  ca_spec.common_name = "Test Root CA";
  ca_spec.key = TestKey(test.issuer_key);
  ca_spec.basic_constraints = "critical,CA:TRUE";
  ca_spec.key_usage = "critical,keyCertSign,cRLSign";
  ca_spec.md = test.md;
  ca_spec.pss = test.pss;
  X509Ptr ca = MakeCert(ca_spec);

  CertSpec spec;
  spec.key = TestKey(test.subject_key, 1);
  spec.issuer = ca.get();
  spec.issuer_key = ca_spec.key;
  spec.md = test.md;
  spec.pss = test.pss;
  spec.basic_constraints = test.basic_constraints;
  spec.key_usage = test.key_usage;
  spec.ext_key_usage = test.ext_key_usage;
  spec.skid = test.skid;
  spec.not_after = test.not_after;
  X509Ptr leaf = MakeCert(spec);

  CertificatePtr parsed_ca = MustParse(Der(ca.get()));
  CertificatePtr parsed = MustParse(Der(leaf.get()));
  ASSERT_NE(parsed_ca, nullptr);
  ASSERT_NE(parsed, nullptr);
  ExpectMatchesOpenSsl(ca.get(), *parsed_ca, test.pss, test.md);
  ExpectMatchesOpenSsl(leaf.get(), *parsed, test.pss, test.md);
  EXPECT_EQ(parsed->subject_common_name(), "device-1");
  EXPECT_EQ(parsed_ca->subject_common_name(), "Test Root CA");
  EXPECT_EQ(parsed->SubjectString(), "CN=device-1,O=Contoso");
  EXPECT_TRUE(parsed_ca->self_issued());
  EXPECT_FALSE(parsed->self_issued());
  EXPECT_THAT(parsed->unhandled_critical_extensions(), IsEmpty());
  EXPECT_EQ(parsed->authority_key_identifier(),
            parsed_ca->subject_key_identifier());

  EXPECT_TRUE(VerifySignedBy(*parsed_ca, *parsed_ca));
  EXPECT_TRUE(VerifySignedBy(*parsed, *parsed_ca));
  EXPECT_FALSE(VerifySignedBy(*parsed, *parsed));
  // Sanity: OpenSSL agrees.
  EXPECT_EQ(X509_verify(leaf.get(), X509_get0_pubkey(ca.get())), 1);
}

INSTANTIATE_TEST_SUITE_P(
    Keys, CertificateParseTest,
    ::testing::Values(
        ParseCase{/*name=*/"EcP256Leaf", /*issuer_key=*/KeyKind::kEcP256,
                  /*subject_key=*/KeyKind::kEcP256, /*md=*/EVP_sha256(),
                  /*pss=*/false, /*basic_constraints=*/nullptr,
                  /*key_usage=*/"critical,digitalSignature",
                  /*ext_key_usage=*/"clientAuth", /*skid=*/true,
                  /*not_after=*/2682374400},
        ParseCase{/*name=*/"EcP384Intermediate",
                  /*issuer_key=*/KeyKind::kEcP384,
                  /*subject_key=*/KeyKind::kEcP256, /*md=*/EVP_sha384(),
                  /*pss=*/false,
                  /*basic_constraints=*/"critical,CA:TRUE,pathlen:0",
                  /*key_usage=*/"critical,keyCertSign,cRLSign,digitalSignature",
                  /*ext_key_usage=*/nullptr, /*skid=*/true,
                  /*not_after=*/1893456000},
        ParseCase{/*name=*/"EcdsaSha512", /*issuer_key=*/KeyKind::kEcP256,
                  /*subject_key=*/KeyKind::kRsa2048, /*md=*/EVP_sha512(),
                  /*pss=*/false, /*basic_constraints=*/"CA:FALSE",
                  /*key_usage=*/"keyAgreement,encipherOnly,decipherOnly",
                  /*ext_key_usage=*/"serverAuth,clientAuth,1.2.3.4.5",
                  /*skid=*/false, /*not_after=*/1893456000},
        ParseCase{/*name=*/"Rsa2048", /*issuer_key=*/KeyKind::kRsa2048,
                  /*subject_key=*/KeyKind::kEcP256, /*md=*/EVP_sha256(),
                  /*pss=*/false, /*basic_constraints=*/"critical,CA:TRUE",
                  /*key_usage=*/nullptr, /*ext_key_usage=*/nullptr,
                  /*skid=*/true, /*not_after=*/2682374400},
        ParseCase{/*name=*/"Rsa2048Sha384", /*issuer_key=*/KeyKind::kRsa2048,
                  /*subject_key=*/KeyKind::kRsa2048, /*md=*/EVP_sha384(),
                  /*pss=*/false, /*basic_constraints=*/nullptr,
                  /*key_usage=*/
                  "nonRepudiation,keyEncipherment,"
                  "dataEncipherment",
                  /*ext_key_usage=*/"anyExtendedKeyUsage", /*skid=*/true,
                  /*not_after=*/1893456000},
        ParseCase{/*name=*/"Rsa2048Sha1", /*issuer_key=*/KeyKind::kRsa2048,
                  /*subject_key=*/KeyKind::kEd25519, /*md=*/EVP_sha1(),
                  /*pss=*/false, /*basic_constraints=*/nullptr,
                  /*key_usage=*/nullptr, /*ext_key_usage=*/nullptr,
                  /*skid=*/false, /*not_after=*/1893456000},
        ParseCase{/*name=*/"RsaPssSha256", /*issuer_key=*/KeyKind::kRsa2048,
                  /*subject_key=*/KeyKind::kEcP256, /*md=*/EVP_sha256(),
                  /*pss=*/true, /*basic_constraints=*/nullptr,
                  /*key_usage=*/"digitalSignature", /*ext_key_usage=*/nullptr,
                  /*skid=*/true, /*not_after=*/1893456000},
        ParseCase{/*name=*/"RsaPssSha512", /*issuer_key=*/KeyKind::kRsa2048,
                  /*subject_key=*/KeyKind::kEcP256, /*md=*/EVP_sha512(),
                  /*pss=*/true, /*basic_constraints=*/nullptr,
                  /*key_usage=*/nullptr, /*ext_key_usage=*/nullptr,
                  /*skid=*/true, /*not_after=*/1893456000},
        ParseCase{/*name=*/"Ed25519", /*issuer_key=*/KeyKind::kEd25519,
                  /*subject_key=*/KeyKind::kEd25519, /*md=*/nullptr,
                  /*pss=*/false, /*basic_constraints=*/"critical,CA:TRUE",
                  /*key_usage=*/"critical,keyCertSign",
                  /*ext_key_usage=*/nullptr,
                  /*skid=*/true, /*not_after=*/2682374400}),
    [](const ::testing::TestParamInfo<ParseCase>& info) {
      return info.param.name;
    });

// Builds a CA and a leaf it signed, both EC P-256, for the tests below.

TEST(CertificateTest, CaFields) {
  Pair pair = MakePair();
  CertificatePtr ca = MustParse(pair.ca_der);
  ASSERT_NE(ca, nullptr);
  EXPECT_TRUE(ca->has_basic_constraints());
  EXPECT_TRUE(ca->is_ca());
  EXPECT_EQ(ca->path_len_constraint(), 1);
  EXPECT_TRUE(ca->has_key_usage());
  EXPECT_EQ(ca->key_usage(), kKeyCertSign);
  EXPECT_FALSE(ca->has_extended_key_usage());
  EXPECT_EQ(ca->key_type(), KeyType::kEcP256);
  EXPECT_EQ(ca->key_bits(), 256);
  EXPECT_EQ(ca->version(), 3);
  EXPECT_EQ(ca->serial_number(), absl::string_view("\x00\x81\x02\x03\x04", 5));
  EXPECT_EQ(ca->not_before(), absl::FromUnixSeconds(1577836800));
  EXPECT_EQ(ca->not_after(), absl::FromUnixSeconds(2682374400));
  EXPECT_EQ(ca->signature_algorithm(), SignatureAlgorithm::kEcdsaSha256);
  EXPECT_EQ(ca->subject_key_identifier().size(), 20);
  EXPECT_TRUE(ca->authority_key_identifier().empty());
}

TEST(CertificateTest, UnhandledCriticalExtensionsAreListed) {
  CertSpec spec;
  spec.key = TestKey(KeyKind::kEcP256);
  spec.basic_constraints = "critical,CA:TRUE";
  spec.name_constraints = "critical,permitted;DNS:example.com";
  spec.unknown_critical = true;
  spec.ext_key_usage = "critical,clientAuth";
  X509Ptr x509 = MakeCert(spec);
  CertificatePtr cert = MustParse(Der(x509.get()));
  ASSERT_NE(cert, nullptr);
  // nameConstraints is handled (by the chain verifier, docs/rules.md §4).
  EXPECT_THAT(cert->unhandled_critical_extensions(),
              ElementsAreArray({"1.3.6.1.4.1.99999.1"}));
  EXPECT_FALSE(cert->name_constraints_der().empty());
  EXPECT_THAT(cert->extended_key_usages(),
              ElementsAreArray({std::string(kEkuClientAuth)}));
}

TEST(CertificateTest, NonCriticalUnknownExtensionsAreNotListed) {
  CertSpec spec;
  spec.key = TestKey(KeyKind::kEcP256);
  spec.name_constraints = "permitted;DNS:example.com";
  X509Ptr x509 = MakeCert(spec);
  CertificatePtr cert = MustParse(Der(x509.get()));
  ASSERT_NE(cert, nullptr);
  EXPECT_THAT(cert->unhandled_critical_extensions(), IsEmpty());
  EXPECT_FALSE(cert->has_basic_constraints());
  EXPECT_FALSE(cert->is_ca());
  EXPECT_FALSE(cert->has_key_usage());
  EXPECT_EQ(cert->key_usage(), 0);
}

TEST(CertificateTest, Version1) {
  CertSpec spec;
  spec.key = TestKey(KeyKind::kEcP256);
  spec.v1 = true;
  X509Ptr x509 = MakeCert(spec);
  CertificatePtr cert = MustParse(Der(x509.get()));
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->version(), 1);
  ExpectMatchesOpenSsl(x509.get(), *cert, false, EVP_sha256());
}

TEST(CertificateTest, DuplicateExtensionIsAnError) {
  CertSpec spec;
  spec.key = TestKey(KeyKind::kEcP256);
  spec.key_usage = "digitalSignature";
  spec.duplicate_key_usage = true;
  X509Ptr x509 = MakeCert(spec);
  absl::StatusOr<CertificatePtr> cert = Certificate::Create(Der(x509.get()));
  ASSERT_FALSE(cert.ok());
  EXPECT_THAT(cert.status().message(), HasSubstr("duplicate extension"));
}

TEST(CertificateTest, NameStringTypes) {
  CertSpec spec;
  spec.key = TestKey(KeyKind::kEcP256);
  spec.common_name = "";
  spec.organization = "";
  X509Ptr x509 = MakeCert(spec);
  X509_NAME* name = X509_NAME_new();
  // T61String read as Latin-1, then a BMPString CN: the last CN wins.
  X509_NAME_add_entry_by_NID(name, NID_organizationName, V_ASN1_T61STRING,
                             reinterpret_cast<const unsigned char*>("Caf\xe9"),
                             4, -1, 0);
  X509_NAME_add_entry_by_NID(name, NID_commonName, V_ASN1_PRINTABLESTRING,
                             reinterpret_cast<const unsigned char*>("first"), 5,
                             -1, 0);
  X509_NAME_add_entry_by_NID(
      name, NID_commonName, V_ASN1_BMPSTRING,
      reinterpret_cast<const unsigned char*>("\x00"
                                             "d\x00"
                                             "1\x20\xac"),
      6, -1, 0);
  X509_NAME_add_entry_by_NID(
      name, NID_organizationalUnitName, V_ASN1_UTF8STRING,
      reinterpret_cast<const unsigned char*>(" a,b+c "), 7, -1, 0);
  X509_set_subject_name(x509.get(), name);
  X509_NAME_free(name);
  X509_sign(x509.get(), spec.key, EVP_sha256());
  CertificatePtr cert = MustParse(Der(x509.get()));
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->subject_common_name(), "d1\xe2\x82\xac");
  EXPECT_EQ(cert->SubjectString(),
            "OU=\\ a\\,b\\+c\\ ,CN=d1\xe2\x82\xac,CN=first,O=Caf\xc3\xa9");
}

TEST(CertificateTest, NoCommonName) {
  CertSpec spec;
  spec.key = TestKey(KeyKind::kEcP256);
  spec.common_name = "";
  X509Ptr x509 = MakeCert(spec);
  CertificatePtr cert = MustParse(Der(x509.get()));
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(cert->subject_common_name(), "");
  EXPECT_EQ(cert->SubjectString(), "O=Contoso");
}

TEST(CertificateTest, SignatureChecks) {
  Pair pair = MakePair();
  Pair other = MakePair(KeyKind::kEcP256, 1);  // Same name, other key.
  Pair rsa = MakePair(KeyKind::kRsa2048, 0);
  CertificatePtr ca = MustParse(pair.ca_der);
  CertificatePtr leaf = MustParse(pair.leaf_der);
  CertificatePtr other_ca = MustParse(other.ca_der);
  CertificatePtr rsa_ca = MustParse(rsa.ca_der);
  CertificatePtr rsa_leaf = MustParse(rsa.leaf_der);
  ASSERT_TRUE(ca && leaf && other_ca && rsa_ca && rsa_leaf);
  EXPECT_TRUE(VerifySignedBy(*leaf, *ca));
  EXPECT_FALSE(VerifySignedBy(*leaf, *other_ca));
  EXPECT_FALSE(VerifySignedBy(*leaf, *rsa_ca));  // ECDSA sig, RSA key.
  EXPECT_TRUE(VerifySignedBy(*rsa_leaf, *rsa_ca));
  EXPECT_FALSE(VerifySignedBy(*rsa_leaf, *ca));  // RSA sig, EC key.

  // A flipped bit in the serial number (inside the TBS) or in the last
  // octet of the signature still parses, but no longer verifies.
  std::string tampered = pair.leaf_der;
  const size_t serial_at = leaf->der().find(leaf->serial_number());
  tampered[serial_at + leaf->serial_number().size() - 1] ^= 0x01;
  CertificatePtr tampered_tbs = MustParse(tampered);
  ASSERT_NE(tampered_tbs, nullptr);
  EXPECT_FALSE(VerifySignedBy(*tampered_tbs, *ca));

  tampered = pair.leaf_der;
  tampered[tampered.size() - 1] ^= 0x01;
  CertificatePtr tampered_sig = MustParse(tampered);
  ASSERT_NE(tampered_sig, nullptr);
  EXPECT_FALSE(VerifySignedBy(*tampered_sig, *ca));

  for (KeyKind kind : {KeyKind::kRsa2048, KeyKind::kEd25519}) {
    Pair p = MakePair(kind);
    CertificatePtr c = MustParse(p.ca_der);
    std::string bad = p.leaf_der;
    bad[bad.size() - 1] ^= 0x80;
    CertificatePtr l = MustParse(p.leaf_der);
    CertificatePtr b = MustParse(bad);
    ASSERT_TRUE(c && l && b);
    EXPECT_TRUE(VerifySignedBy(*l, *c));
    EXPECT_FALSE(VerifySignedBy(*b, *c));
  }
}

TEST(CertificateTest, VerificationKeyIsSharedAndThreadSafe) {
  Pair pair = MakePair();
  Pair rsa = MakePair(KeyKind::kRsa2048);
  CertificatePtr ca = MustParse(pair.ca_der);
  CertificatePtr leaf = MustParse(pair.leaf_der);
  CertificatePtr rsa_ca = MustParse(rsa.ca_der);
  CertificatePtr rsa_leaf = MustParse(rsa.leaf_der);
  ASSERT_TRUE(ca && leaf && rsa_ca && rsa_leaf);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (!VerifySignedBy(*leaf, *ca)) ++failures;
        if (!VerifySignedBy(*rsa_leaf, *rsa_ca)) ++failures;
        if (VerifySignedBy(*leaf, *rsa_ca)) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ca->verification_key(), ca->verification_key());
  EXPECT_NE(ca->verification_key(), nullptr);
}

}  // namespace
}  // namespace chaintrust
