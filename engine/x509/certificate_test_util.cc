#include "engine/x509/certificate_test_util.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace chaintrust::x509_test {

EVP_PKEY* TestKey(KeyKind kind, int index) {
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

std::string Pem(X509* x509) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x509);
  char* data;
  const long size = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int)
  std::string text(data, size);
  BIO_free(bio);
  return text;
}

Pair MakePair(KeyKind ca_key, int ca_index, const std::string& ca_cn) {
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

}  // namespace chaintrust::x509_test
