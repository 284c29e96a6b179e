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
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::EvpPkeyPtr;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

using X509Ptr = internal::OpenSslPtr<X509, X509_free>;
using X509ExtensionPtr =
    internal::OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;

enum class KeyKind { kEcP256, kEcP384, kRsa2048, kEd25519 };

// Keys are generated once: RSA key generation dominates the test's time.
EVP_PKEY* TestKey(KeyKind kind, int index = 0) {
  static EVP_PKEY* keys[4][3] = {};
  EVP_PKEY*& key = keys[static_cast<int>(kind)][index];
  if (key == nullptr) {
    switch (kind) {
      case KeyKind::kEcP256:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
        break;
      case KeyKind::kEcP384:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
        break;
      case KeyKind::kRsa2048:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
        break;
      case KeyKind::kEd25519:
        key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
        break;
    }
  }
  return key;
}

std::string Der(X509* x509) {
  unsigned char* out = nullptr;
  const int size = i2d_X509(x509, &out);
  std::string der(reinterpret_cast<char*>(out), size);
  OPENSSL_free(out);
  return der;
}

template <typename T, int (*kI2d)(const T*, unsigned char**)>
std::string I2d(const T* value) {
  unsigned char* out = nullptr;
  const int size = kI2d(value, &out);
  std::string der(reinterpret_cast<char*>(out), size);
  OPENSSL_free(out);
  return der;
}

// What to put in a test certificate.
struct CertSpec {
  std::string common_name = "device-1";
  std::string organization = "Contoso";
  EVP_PKEY* key = nullptr;         // subject key
  X509* issuer = nullptr;          // null: self-signed
  EVP_PKEY* issuer_key = nullptr;  // null: `key`
  std::string serial_hex = "81020304";
  int64_t not_before = 1577836800;          // 2020-01-01, UTCTime
  int64_t not_after = 2682374400;           // 2055-01-01, GeneralizedTime
  const char* basic_constraints = nullptr;  // X509V3 config text
  const char* key_usage = nullptr;
  const char* ext_key_usage = nullptr;
  const char* name_constraints = nullptr;
  bool skid = true;
  bool akid = true;
  bool unknown_critical = false;
  bool duplicate_key_usage = false;
  bool v1 = false;
  const EVP_MD* md = EVP_sha256();  // ignored for Ed25519
  bool pss = false;
};

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509ExtensionPtr ext(
      X509V3_EXT_conf_nid(nullptr, ctx, nid, const_cast<char*>(value)));
  ASSERT_NE(ext, nullptr) << nid << " " << value;
  ASSERT_EQ(X509_add_ext(cert, ext.get(), -1), 1);
}

X509Ptr MakeCert(const CertSpec& spec) {
  X509Ptr cert(X509_new());
  EVP_PKEY* signing_key = spec.issuer_key ? spec.issuer_key : spec.key;
  X509_set_version(cert.get(), spec.v1 ? X509_VERSION_1 : X509_VERSION_3);
  BIGNUM* serial = nullptr;
  BN_hex2bn(&serial, spec.serial_hex.c_str());
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (!spec.organization.empty()) {
    X509_NAME_add_entry_by_txt(
        name, "O", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>(spec.organization.c_str()), -1,
        -1, 0);
  }
  if (!spec.common_name.empty()) {
    X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC,
        reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
        -1, 0);
  }
  X509_set_issuer_name(cert.get(),
                       spec.issuer ? X509_get_subject_name(spec.issuer) : name);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), spec.not_before);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.not_after);
  X509_set_pubkey(cert.get(), spec.key);
  if (!spec.v1) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, spec.issuer ? spec.issuer : cert.get(), cert.get(),
                   nullptr, nullptr, 0);
    if (spec.basic_constraints) {
      AddExtension(cert.get(), &ctx, NID_basic_constraints,
                   spec.basic_constraints);
    }
    if (spec.key_usage) {
      AddExtension(cert.get(), &ctx, NID_key_usage, spec.key_usage);
      if (spec.duplicate_key_usage) {
        AddExtension(cert.get(), &ctx, NID_key_usage, spec.key_usage);
      }
    }
    if (spec.ext_key_usage) {
      AddExtension(cert.get(), &ctx, NID_ext_key_usage, spec.ext_key_usage);
    }
    if (spec.name_constraints) {
      AddExtension(cert.get(), &ctx, NID_name_constraints,
                   spec.name_constraints);
    }
    if (spec.skid) {
      AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
    }
    if (spec.akid && spec.issuer != nullptr) {
      AddExtension(cert.get(), &ctx, NID_authority_key_identifier,
                   "keyid:always");
    }
    if (spec.unknown_critical) {
      ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
      ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(
          value, reinterpret_cast<const unsigned char*>("\x05\x00"), 2);
      X509ExtensionPtr ext(
          X509_EXTENSION_create_by_OBJ(nullptr, oid, /*crit=*/1, value));
      X509_add_ext(cert.get(), ext.get(), -1);
      ASN1_OBJECT_free(oid);
      ASN1_OCTET_STRING_free(value);
    }
  }
  const bool ed25519 = EVP_PKEY_get_base_id(signing_key) == EVP_PKEY_ED25519;
  internal::EvpMdCtxPtr md_ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(md_ctx.get(), &pctx, ed25519 ? nullptr : spec.md,
                               nullptr, signing_key),
            1);
  if (spec.pss) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, spec.md);
  }
  EXPECT_GT(X509_sign_ctx(cert.get(), md_ctx.get()), 0);
  return cert;
}

std::shared_ptr<const Certificate> MustParse(const std::string& der) {
  absl::StatusOr<CertificatePtr> cert = Certificate::Create(der);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return cert.ok() ? *cert : nullptr;
}

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
struct Pair {
  X509Ptr ca;
  X509Ptr leaf;
  std::string ca_der;
  std::string leaf_der;
};

Pair MakePair(KeyKind ca_key = KeyKind::kEcP256, int ca_index = 0,
              const std::string& ca_cn = "Test Root CA") {
  Pair pair;
  CertSpec ca_spec;
  ca_spec.common_name = ca_cn;
  ca_spec.key = TestKey(ca_key, ca_index);
  ca_spec.basic_constraints = "critical,CA:TRUE,pathlen:1";
  ca_spec.key_usage = "critical,keyCertSign";
  pair.ca = MakeCert(ca_spec);
  CertSpec spec;
  spec.key = TestKey(KeyKind::kEcP256, 2);
  spec.issuer = pair.ca.get();
  spec.issuer_key = ca_spec.key;
  pair.leaf = MakeCert(spec);
  pair.ca_der = Der(pair.ca.get());
  pair.leaf_der = Der(pair.leaf.get());
  return pair;
}

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
  // nameConstraints is handled (by the chain verifier, DESIGN.md rule 4).
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

// --- Malformed input ------------------------------------------------------

// DER length octets for `size`, minimal unless `extra` zero octets pad it.
std::string Length(size_t size, int extra = 0) {
  std::string bytes;
  for (size_t s = size; s > 0; s >>= 8) {
    bytes.insert(bytes.begin(), static_cast<char>(s & 0xff));
  }
  if (size < 0x80 && extra == 0) return std::string(1, static_cast<char>(size));
  bytes.insert(0, std::string(extra, '\0'));
  return absl::StrCat(std::string(1, static_cast<char>(0x80 | bytes.size())),
                      bytes);
}

std::string Tlv(uint8_t tag, absl::string_view contents, int extra = 0) {
  return absl::StrCat(std::string(1, static_cast<char>(tag)),
                      Length(contents.size(), extra), contents);
}

// The three parts of a certificate, to reassemble with defects.
struct Parts {
  std::string tbs;        // TLV
  std::string algorithm;  // TLV
  std::string signature;  // TLV
};

Parts Split(const Certificate& cert) {
  Parts parts;
  parts.tbs = std::string(cert.tbs_der());
  absl::string_view rest = cert.der();
  rest.remove_prefix(rest.find(cert.tbs_der()) + cert.tbs_der().size());
  // The signature BIT STRING is the last element: tag, length, 0x00, bytes.
  const size_t signature_size = cert.signature().size() + 1;
  const size_t header =
      signature_size < 0x80 ? 2 : (signature_size < 0x100 ? 3 : 4);
  parts.signature =
      std::string(rest.substr(rest.size() - signature_size - header));
  parts.algorithm =
      std::string(rest.substr(0, rest.size() - parts.signature.size()));
  return parts;
}

std::string Join(const Parts& parts) {
  return Tlv(0x30, absl::StrCat(parts.tbs, parts.algorithm, parts.signature));
}

TEST(CertificateMalformedTest, ReassemblyIsFaithful) {
  Pair pair = MakePair(KeyKind::kRsa2048);
  CertificatePtr cert = MustParse(pair.leaf_der);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(Join(Split(*cert)), pair.leaf_der);
}

TEST(CertificateMalformedTest, EveryTruncationIsAnError) {
  for (KeyKind kind : {KeyKind::kEcP256, KeyKind::kRsa2048}) {
    const std::string der = MakePair(kind).leaf_der;
    for (size_t size = 0; size < der.size(); ++size) {
      EXPECT_FALSE(Certificate::Create(der.substr(0, size)).ok()) << size;
    }
  }
}

TEST(CertificateMalformedTest, EverySingleByteChangeIsHandled) {
  // Must never crash; most changes are errors, some still parse.
  const std::string der = MakePair().leaf_der;
  for (size_t i = 0; i < der.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      std::string changed = der;
      changed[i] ^= mask;
      absl::StatusOr<CertificatePtr> cert = Certificate::Create(changed);
      if (cert.ok()) EXPECT_EQ((*cert)->der(), changed);
    }
  }
}

struct MalformedCase {
  std::string name;
  std::function<std::string(const Parts&)> make;
  std::string message;  // expected substring of the error
};

class CertificateMalformedCaseTest
    : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(CertificateMalformedCaseTest, IsAnError) {
  // The CA: it has a version, a long serial, critical extensions.
  const Pair pair = MakePair();
  CertificatePtr cert = MustParse(pair.ca_der);
  ASSERT_NE(cert, nullptr);
  const std::string der = GetParam().make(Split(*cert));
  absl::StatusOr<CertificatePtr> parsed = Certificate::Create(der);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr(GetParam().message));
}

// Replaces the first occurrence of `from` in `s` (which must be there).
std::string Replace(std::string s, absl::string_view from,
                    absl::string_view to) {
  const size_t at = s.find(std::string(from));
  if (at == std::string::npos) return "not found";
  return s.replace(at, from.size(), std::string(to));
}

// Rewraps the TBS after changing its contents.
std::string WithTbsContents(const Parts& parts,
                            const std::function<std::string(std::string)>& f) {
  Parts copy = parts;
  // The TBS header is 30 81 xx or 30 82 xx xx for these certificates.
  const size_t header = static_cast<uint8_t>(parts.tbs[1]) == 0x81 ? 3 : 4;
  copy.tbs = Tlv(0x30, f(parts.tbs.substr(header)));
  return Join(copy);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CertificateMalformedCaseTest,
    ::testing::Values(
        MalformedCase{"Empty", [](const Parts&) { return std::string(); },
                      "truncated"},
        MalformedCase{
            "TrailingGarbage",
            [](const Parts& p) { return Join(p) + std::string(1, '\0'); },
            "trailing data"},
        MalformedCase{"TrailingElementInside",
                      [](const Parts& p) {
                        return Tlv(0x30,
                                   absl::StrCat(p.tbs, p.algorithm, p.signature,
                                                std::string("\x05\x00", 2)));
                      },
                      "trailing data"},
        MalformedCase{"IndefiniteLength",
                      [](const Parts& p) {
                        return absl::StrCat("\x30\x80", p.tbs, p.algorithm,
                                            p.signature,
                                            std::string("\x00\x00", 2));
                      },
                      "indefinite length"},
        MalformedCase{"NonMinimalOuterLength",
                      [](const Parts& p) {
                        return Tlv(
                            0x30, absl::StrCat(p.tbs, p.algorithm, p.signature),
                            /*extra=*/1);
                      },
                      "non-minimal length"},
        MalformedCase{"NonMinimalShortLength",
                      [](const Parts& p) {
                        Parts copy = p;
                        // 30 0a ... -> 30 81 0a ...
                        copy.algorithm =
                            absl::StrCat("\x30\x81", p.algorithm.substr(1));
                        return Join(copy);
                      },
                      "non-minimal length"},
        MalformedCase{"Oversized",
                      [](const Parts& p) {
                        return Tlv(0x30, std::string(70000, '\x05'));
                      },
                      "larger than 64 KiB"},
        MalformedCase{"LengthBeyondInput",
                      [](const Parts& p) {
                        std::string der = Join(p);
                        der[2] = static_cast<char>(0xff);
                        return der;
                      },
                      "truncated"},
        MalformedCase{"OuterSet",
                      [](const Parts& p) {
                        std::string der = Join(p);
                        der[0] = 0x31;
                        return der;
                      },
                      "not a SEQUENCE"},
        MalformedCase{"HighTagNumber",
                      [](const Parts& p) {
                        std::string der = Join(p);
                        der[0] = 0x3f;
                        return der;
                      },
                      "high tag"},
        MalformedCase{"SignatureAsOctetString",
                      [](const Parts& p) {
                        Parts copy = p;
                        copy.signature[0] = 0x04;
                        return Join(copy);
                      },
                      "signatureValue"},
        MalformedCase{"SignatureUnusedBits",
                      [](const Parts& p) {
                        Parts copy = p;
                        const size_t at =
                            copy.signature.find(std::string("\x00\x30", 2));
                        copy.signature[at] = 0x01;
                        return Join(copy);
                      },
                      "signatureValue"},
        MalformedCase{"AlgorithmMismatch",
                      [](const Parts& p) {
                        Parts copy = p;
                        copy.algorithm =
                            Tlv(0x30,
                                Tlv(0x06, "\x2a\x86\x48\xce\x3d\x04\x03\x03"));
                        return Join(copy);
                      },
                      "differs from tbsCertificate.signature"},
        MalformedCase{"EcdsaWithParameters",
                      [](const Parts& p) {
                        const std::string with_null = Tlv(
                            0x30,
                            absl::StrCat(
                                Tlv(0x06, "\x2a\x86\x48\xce\x3d\x04\x03\x02"),
                                std::string("\x05\x00", 2)));
                        Parts copy = p;
                        copy.algorithm = with_null;
                        return WithTbsContents(copy, [&](std::string tbs) {
                          return Replace(tbs, p.algorithm, with_null);
                        });
                      },
                      "unexpected parameters"},
        MalformedCase{"ExplicitVersion1",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(
                              tbs, "\xa0\x03\x02\x01\x02",
                              absl::string_view("\xa0\x03\x02\x01\x00", 5));
                        });
                      },
                      "explicit v1"},
        MalformedCase{"Version4",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(tbs, "\xa0\x03\x02\x01\x02",
                                         "\xa0\x03\x02\x01\x03");
                        });
                      },
                      "version"},
        MalformedCase{"NonMinimalSerial",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(
                              tbs, absl::string_view("\x02\x05\x00\x81", 4),
                              absl::string_view("\x02\x06\x00\x00\x81", 5));
                        });
                      },
                      "non-minimal INTEGER"},
        MalformedCase{"BadTime",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(tbs, "200101000000Z", "200230000000Z");
                        });
                      },
                      "validity.notBefore"},
        MalformedCase{"LocalTime",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return Replace(tbs, "200101000000Z", "2001010000000");
                        });
                      },
                      "UTC"},
        MalformedCase{"TrailingDataInTbs",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          return tbs + std::string("\x05\x00", 2);
                        });
                      },
                      "tbsCertificate"},
        MalformedCase{"CriticalNotDer",
                      [](const Parts& p) {
                        return WithTbsContents(p, [](std::string tbs) {
                          // basicConstraints critical TRUE as 0x01.
                          return Replace(tbs, "\x55\x1d\x13\x01\x01\xff",
                                         "\x55\x1d\x13\x01\x01\x01");
                        });
                      },
                      "BOOLEAN"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) {
      return info.param.name;
    });

TEST(CertificateMalformedTest, DeepNestingIsBounded) {
  std::string der = std::string("\x05\x00", 2);
  for (int i = 0; i < 100; ++i) der = Tlv(0x30, der);
  EXPECT_FALSE(Certificate::Create(der).ok());
}

// --- Text forms -------------------------------------------------------------

std::string Pem(X509* x509) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x509);
  char* data;
  const long size = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int)
  std::string text(data, size);
  BIO_free(bio);
  return text;
}

TEST(PemTest, SplitsCertificatesAndSkipsOtherBlocks) {
  Pair pair = MakePair();
  const std::string text = absl::StrCat(
      "leading text\n", Pem(pair.leaf.get()),
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\r\n",
      Pem(pair.ca.get()));
  absl::StatusOr<std::vector<std::string>> ders = PemToDer(text);
  ASSERT_TRUE(ders.ok()) << ders.status();
  EXPECT_THAT(*ders, ElementsAreArray({pair.leaf_der, pair.ca_der}));
}

TEST(PemTest, Errors) {
  EXPECT_THAT(PemToDer("").status().message(), HasSubstr("no CERTIFICATE"));
  EXPECT_THAT(
      PemToDer("-----BEGIN CERTIFICATE-----\nAAAA\n").status().message(),
      HasSubstr("PEM block 1 (CERTIFICATE): no END line"));
  Pair pair = MakePair();
  EXPECT_THAT(PemToDer(absl::StrCat(Pem(pair.leaf.get()),
                                    "-----BEGIN CERTIFICATE-----\n!!!!\n"
                                    "-----END CERTIFICATE-----\n"))
                  .status()
                  .message(),
              HasSubstr("PEM block 2 (CERTIFICATE): invalid base64"));
}

TEST(PemTest, ReadsAChainBlockByBlock) {
  Pair pair = MakePair();
  const std::string leaf = Pem(pair.leaf.get());
  const std::string ca = Pem(pair.ca.get());
  const std::string key =
      "-----BEGIN PRIVATE KEY-----\nnot even base64\n";  // skipped unread
  PemChain chain = ReadPemChain(absl::StrCat("text\n", leaf, key, ca));
  EXPECT_EQ(chain.problem, "");
  EXPECT_THAT(chain.ders, ElementsAreArray({pair.leaf_der, pair.ca_der}));

  // The third block is the second certificate, and it is bad.
  chain = ReadPemChain(absl::StrCat(
      leaf, key,
      "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", ca));
  EXPECT_EQ(chain.problem, "PEM block 3 (CERTIFICATE): invalid base64");
  EXPECT_THAT(chain.ders, ElementsAreArray({pair.leaf_der}));

  // A block's END line must come before the next BEGIN line.
  chain = ReadPemChain(absl::StrCat("-----BEGIN CERTIFICATE-----\nAAAA\n", ca));
  EXPECT_EQ(chain.problem, "PEM block 1 (CERTIFICATE): no END line");
  EXPECT_TRUE(chain.ders.empty());

  EXPECT_EQ(ReadPemChain("just text").problem, "no PEM block");
  EXPECT_EQ(ReadPemChain(key).problem, "no CERTIFICATE block");
}

TEST(PemTest, CertificateTextToDer) {
  Pair pair = MakePair();
  absl::StatusOr<std::string> der = CertificateTextToDer(Pem(pair.leaf.get()));
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(*der, pair.leaf_der);
  std::string base64 = absl::Base64Escape(pair.leaf_der);
  base64.insert(10, "\n ");
  base64.insert(40, "\r\n");
  der = CertificateTextToDer(base64);
  ASSERT_TRUE(der.ok()) << der.status();
  EXPECT_EQ(*der, pair.leaf_der);
  EXPECT_FALSE(CertificateTextToDer("not base64!").ok());
  EXPECT_FALSE(CertificateTextToDer("").ok());
  EXPECT_FALSE(
      CertificateTextToDer(Pem(pair.leaf.get()) + Pem(pair.ca.get())).ok());
}

TEST(HexTest, ToHexAndThumbprints) {
  const uint8_t bytes[] = {0x00, 0x5f, 0xab, 0xff};
  EXPECT_EQ(ToHex(bytes), "005FABFF");
  EXPECT_EQ(ToHex({}), "");
  Pair pair = MakePair();
  CertificatePtr cert = MustParse(pair.leaf_der);
  ASSERT_NE(cert, nullptr);
  const std::string hex = ToHex(cert->sha256());
  absl::StatusOr<Sha256Digest> parsed = ParseSha256Thumbprint(hex);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, cert->sha256());
  std::string lower_colons;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) lower_colons += ':';
    lower_colons += absl::AsciiStrToLower(hex.substr(i, 2));
  }
  parsed = ParseSha256Thumbprint(absl::StrCat(" ", lower_colons, "\n"));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, cert->sha256());

  EXPECT_THAT(ParseSha256Thumbprint(hex.substr(2)).status().message(),
              HasSubstr("expected 64 hex digits, got 62"));
  EXPECT_THAT(ParseSha256Thumbprint(hex + "00").status().message(),
              HasSubstr("more than 64"));
  EXPECT_THAT(ParseSha256Thumbprint("G" + hex.substr(1)).status().message(),
              HasSubstr("invalid character 'G' at position 0"));
  EXPECT_THAT(ParseSha256Thumbprint("A:" + hex.substr(1)).status().message(),
              HasSubstr("misplaced separator at position 1"));
}

TEST(SignatureAlgorithmNameTest, Names) {
  EXPECT_EQ(SignatureAlgorithmName(SignatureAlgorithm::kEcdsaSha256),
            "ecdsa-with-SHA256");
  EXPECT_EQ(SignatureAlgorithmName(SignatureAlgorithm::kRsaPkcs1Sha256),
            "sha256WithRSAEncryption");
  EXPECT_EQ(SignatureAlgorithmName(SignatureAlgorithm::kUnknown), "unknown");
}

// Not a benchmark (bench/ has those); prints a rough cost per operation so
// regressions are visible in the test log.
TEST(CertificateTimingTest, ParseAndVerify) {
  Pair pair = MakePair();
  CertificatePtr ca = MustParse(pair.ca_der);
  ASSERT_NE(ca, nullptr);
  constexpr int kParses = 2000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kParses; ++i) {
    ASSERT_TRUE(Certificate::Create(pair.leaf_der).ok());
  }
  auto parse = std::chrono::steady_clock::now() - start;
  CertificatePtr leaf = MustParse(pair.leaf_der);
  constexpr int kVerifies = 200;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kVerifies; ++i) ASSERT_TRUE(VerifySignedBy(*leaf, *ca));
  auto verify = std::chrono::steady_clock::now() - start;
  std::printf(
      "parse: %.2f us/cert, ECDSA P-256 verify: %.1f us (DER %zu bytes)\n",
      std::chrono::duration<double, std::micro>(parse).count() / kParses,
      std::chrono::duration<double, std::micro>(verify).count() / kVerifies,
      pair.leaf_der.size());
}

}  // namespace
}  // namespace chaintrust
