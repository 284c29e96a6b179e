#include "engine/x509/test_certs.h"

#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace chaintrust::internal {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "test_certs: %s failed:\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

template <typename T>
T* Check(T* ptr, const char* what) {
  if (ptr == nullptr) Die(what);
  return ptr;
}

void Check(int ok, const char* what) {
  if (ok <= 0) Die(what);
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

X509Ptr ParseDer(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(Check(d2i_X509(nullptr, &p, der.size()), "d2i_X509"));
}

std::string BioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  return std::string(mem->data, mem->length);
}

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                      reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

// SHA-1 of the subjectPublicKey BIT STRING (RFC 5280 §4.2.1.2, method 1).
ASN1_OCTET_STRING* KeyIdentifier(const X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  Check(X509_pubkey_digest(cert, EVP_sha1(), md, &len), "X509_pubkey_digest");
  ASN1_OCTET_STRING* os = Check(ASN1_OCTET_STRING_new(), "ASN1_OCTET_STRING");
  Check(ASN1_OCTET_STRING_set(os, md, static_cast<int>(len)),
        "ASN1_OCTET_STRING_set");
  return os;
}

void AddConfExtension(X509* cert, X509V3_CTX* ctx, int nid,
                      const std::string& value) {
  X509_EXTENSION* ext = Check(
      X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()), value.c_str());
  Check(X509_add_ext(cert, ext, -1), "X509_add_ext");
  X509_EXTENSION_free(ext);
}

// ---- The deterministic random stream: SHA-256(state | counter) blocks ----

std::string Sha256(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

struct Stream {
  std::mutex mu;
  bool installed = false;
  std::string seed;
  std::string state;  // 32 bytes
  uint64_t counter = 0;
};

Stream& TheStream() {
  static Stream* stream = new Stream;
  return *stream;
}

int StreamBytes(unsigned char* out, int size) {
  Stream& s = TheStream();
  std::lock_guard<std::mutex> lock(s.mu);
  while (size > 0) {
    std::string block = s.state;
    for (int i = 0; i < 8; ++i) {
      block.push_back(static_cast<char>((s.counter >> (8 * i)) & 0xff));
    }
    ++s.counter;
    const std::string digest = Sha256(block);
    const int n = size < 32 ? size : 32;
    std::memcpy(out, digest.data(), n);
    out += n;
    size -= n;
  }
  return 1;
}

int StreamStatus() { return 1; }

// OpenSSL 3.0's RAND_bytes_ex/RAND_priv_bytes_ex call a non-default
// RAND_METHOD before touching any DRBG, and key generation, ECDSA nonces and
// RSA blinding in the default provider all draw through them.
const RAND_METHOD kDeterministicMethod = {
    /*seed=*/nullptr,           /*bytes=*/StreamBytes,
    /*cleanup=*/nullptr,        /*add=*/nullptr,
    /*pseudorand=*/StreamBytes, /*status=*/StreamStatus,
};

// seed | label; the stream must be installed.
std::string Labelled(absl::string_view label) {
  Stream& s = TheStream();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.installed) {
    std::fprintf(stderr,
                 "test_certs: deterministic minting without "
                 "UseDeterministicRandom\n");
    std::abort();
  }
  return s.seed + "|" + std::string(label);
}

// Restarts the stream at SHA-256(seed | label).
void Reseed(absl::string_view label) {
  const std::string state = Sha256(Labelled(label));
  Stream& s = TheStream();
  std::lock_guard<std::mutex> lock(s.mu);
  s.state = state;
  s.counter = 0;
}

void AddNameEntry(X509_NAME* name, int nid, int type,
                  const std::string& value) {
  // A plain type (not MBSTRING_*) bypasses OpenSSL's upper bounds.
  Check(
      X509_NAME_add_entry_by_NID(
          name, nid, type, reinterpret_cast<const unsigned char*>(value.data()),
          static_cast<int>(value.size()), -1, 0),
      "X509_NAME_add_entry_by_NID");
}

void AddRawExtension(X509* cert, const TestExtension& extension) {
  ASN1_OBJECT* obj =
      Check(OBJ_txt2obj(extension.oid.c_str(), 1), extension.oid.c_str());
  ASN1_OCTET_STRING* value = Check(ASN1_OCTET_STRING_new(), "OCTET STRING");
  Check(
      ASN1_OCTET_STRING_set(
          value, reinterpret_cast<const unsigned char*>(extension.value.data()),
          static_cast<int>(extension.value.size())),
      "ASN1_OCTET_STRING_set");
  X509_EXTENSION* ext =
      Check(X509_EXTENSION_create_by_OBJ(nullptr, obj,
                                         extension.critical ? 1 : 0, value),
            "extension");
  Check(X509_add_ext(cert, ext, -1), "X509_add_ext");
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(value);
  ASN1_OBJECT_free(obj);
}

}  // namespace

void UseDeterministicRandom(absl::string_view seed) {
  {
    Stream& s = TheStream();
    std::lock_guard<std::mutex> lock(s.mu);
    s.seed = std::string(seed);
    s.installed = true;
  }
  Reseed("initial");
  Check(RAND_set_rand_method(&kDeterministicMethod), "RAND_set_rand_method");
}

bool DeterministicRandomInUse() {
  Stream& s = TheStream();
  std::lock_guard<std::mutex> lock(s.mu);
  return s.installed;
}

std::string DeterministicBytes(absl::string_view label, size_t size) {
  const std::string prefix = Labelled(label) + "|";
  std::string out;
  for (int block = 0; out.size() < size; ++block) {
    out += Sha256(prefix + std::to_string(block));
  }
  out.resize(size);
  return out;
}

TestKey TestKey::Derive(TestKeyType type, absl::string_view label) {
  Reseed("key|" + std::string(label));
  return Generate(type);
}

std::string CertificatePem(absl::string_view der) {
  const std::string b64 = Base64(std::string(der));
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    pem.append(b64, i, 64);
    pem.push_back('\n');
  }
  pem.append("-----END CERTIFICATE-----\n");
  return pem;
}

TestKey TestKey::Generate(TestKeyType type) {
  EVP_PKEY* key = nullptr;
  switch (type) {
    case TestKeyType::kEcP256:
      key = EVP_EC_gen("P-256");
      break;
    case TestKeyType::kEcP384:
      key = EVP_EC_gen("P-384");
      break;
    case TestKeyType::kRsa2048:
      key = EVP_RSA_gen(2048);
      break;
    case TestKeyType::kRsa1024:
      key = EVP_RSA_gen(1024);
      break;
    case TestKeyType::kEd25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
  }
  Check(key, "key generation");
  return TestKey(std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), type);
}

std::string TestKey::PrivateKeyPem() const {
  BioPtr bio(Check(BIO_new(BIO_s_mem()), "BIO_new"));
  Check(PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                                 nullptr, nullptr),
        "PEM_write_bio_PrivateKey");
  return BioContents(bio.get());
}

std::string TestKey::PublicKeyDer() const {
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(key_.get(), &out);
  Check(len, "i2d_PUBKEY");
  std::string der(reinterpret_cast<char*>(out), len);
  OPENSSL_free(out);
  return der;
}

std::string TestCert::Pem() const { return CertificatePem(der); }

std::string TestCert::Base64Der() const { return Base64(der); }

std::string TestCert::Sha256Hex() const {
  unsigned char md[32];
  unsigned int len = 0;
  Check(EVP_Digest(der.data(), der.size(), md, &len, EVP_sha256(), nullptr),
        "EVP_Digest");
  static const char kHex[] = "0123456789ABCDEF";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 15]);
  }
  return hex;
}

TestCert MintCertificate(const TestCertOptions& options,
                         const TestCert* issuer) {
  const std::string label =
      options.label.empty() ? options.common_name : options.label;
  TestKey key = options.key.has_value() ? *options.key
                : DeterministicRandomInUse()
                    ? TestKey::Derive(options.key_type, label)
                    : TestKey::Generate(options.key_type);
  X509Ptr cert(Check(X509_new(), "X509_new"));
  Check(X509_set_version(cert.get(), 2), "X509_set_version");

  uint64_t serial = options.serial;
  while (serial == 0) {
    Check(RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial),
          "RAND_bytes");
    serial &= 0x7fffffffffffffffULL;
  }
  Check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial),
        "ASN1_INTEGER_set_uint64");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (!options.country.empty()) {
    AddNameEntry(subject, NID_countryName, V_ASN1_PRINTABLESTRING,
                 options.country);
  }
  if (!options.organization.empty()) {
    AddNameEntry(subject, NID_organizationName, V_ASN1_UTF8STRING,
                 options.organization);
  }
  if (!options.common_name.empty() || options.keep_empty_common_name) {
    AddNameEntry(subject, NID_commonName, V_ASN1_UTF8STRING,
                 options.common_name);
  }

  X509Ptr issuer_cert;
  if (issuer != nullptr) issuer_cert = ParseDer(issuer->der);
  X509* signer = issuer_cert != nullptr ? issuer_cert.get() : cert.get();
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)),
        "X509_set_issuer_name");

  Check(ASN1_TIME_set(X509_getm_notBefore(cert.get()),
                      absl::ToTimeT(options.not_before)) != nullptr,
        "ASN1_TIME_set(notBefore)");
  Check(ASN1_TIME_set(X509_getm_notAfter(cert.get()),
                      absl::ToTimeT(options.not_after)) != nullptr,
        "ASN1_TIME_set(notAfter)");
  Check(X509_set_pubkey(cert.get(), key.get()), "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, signer, cert.get(), nullptr, nullptr, 0);
  if (options.basic_constraints) {
    std::string value = "critical,CA:";
    value += options.is_ca ? "TRUE" : "FALSE";
    if (options.is_ca && options.path_len.has_value()) {
      value += ",pathlen:" + std::to_string(*options.path_len);
    }
    AddConfExtension(cert.get(), &ctx, NID_basic_constraints, value);
  }
  if (options.key_usage_present) {
    const uint16_t mask = options.key_usage.value_or(
        options.is_ca ? (kTestKuKeyCertSign | kTestKuCrlSign)
                      : kTestKuDigitalSignature);
    ASN1_BIT_STRING* bits = Check(ASN1_BIT_STRING_new(), "ASN1_BIT_STRING");
    for (int bit = 0; bit < 9; ++bit) {
      if (mask & (1u << bit)) {
        Check(ASN1_BIT_STRING_set_bit(bits, bit, 1), "ASN1_BIT_STRING_set_bit");
      }
    }
    Check(X509_add1_ext_i2d(cert.get(), NID_key_usage, bits, 1,
                            X509V3_ADD_DEFAULT),
          "X509_add1_ext_i2d(keyUsage)");
    ASN1_BIT_STRING_free(bits);
  }
  if (!options.extended_key_usages.empty()) {
    std::string value;
    for (const std::string& oid : options.extended_key_usages) {
      if (!value.empty()) value += ",";
      value += oid;
    }
    AddConfExtension(cert.get(), &ctx, NID_ext_key_usage, value);
  }
  if (options.subject_key_identifier) {
    ASN1_OCTET_STRING* id = KeyIdentifier(cert.get());
    Check(X509_add1_ext_i2d(cert.get(), NID_subject_key_identifier, id, 0,
                            X509V3_ADD_DEFAULT),
          "X509_add1_ext_i2d(subjectKeyIdentifier)");
    ASN1_OCTET_STRING_free(id);
  }
  if (options.authority_key_identifier) {
    AUTHORITY_KEYID* akid = Check(AUTHORITY_KEYID_new(), "AUTHORITY_KEYID");
    akid->keyid = KeyIdentifier(signer);
    Check(X509_add1_ext_i2d(cert.get(), NID_authority_key_identifier, akid, 0,
                            X509V3_ADD_DEFAULT),
          "X509_add1_ext_i2d(authorityKeyIdentifier)");
    AUTHORITY_KEYID_free(akid);
  }
  if (!options.subject_alt_name.empty()) {
    AddConfExtension(cert.get(), &ctx, NID_subject_alt_name,
                     options.subject_alt_name);
  }
  if (!options.name_constraints.empty()) {
    AddConfExtension(cert.get(), &ctx, NID_name_constraints,
                     options.name_constraints);
  }
  for (const std::string& oid : options.unknown_critical_extensions) {
    // extnValue: a DER NULL.
    AddRawExtension(cert.get(),
                    {oid, /*critical=*/true, std::string("\x05\x00", 2)});
  }
  for (const TestExtension& extension : options.extensions) {
    AddRawExtension(cert.get(), extension);
  }

  const TestKey& signing_key = options.signing_key.has_value()
                                   ? *options.signing_key
                                   : (issuer != nullptr ? issuer->key : key);
  const EVP_MD* md = nullptr;
  if (signing_key.type() != TestKeyType::kEd25519) {
    md = Check(EVP_get_digestbyname(options.signature_digest.c_str()),
               "EVP_get_digestbyname");
  }
  if (DeterministicRandomInUse()) Reseed("sign|" + label);
  Check(X509_sign(cert.get(), signing_key.get(), md), "X509_sign");

  unsigned char* out = nullptr;
  const int len = i2d_X509(cert.get(), &out);
  Check(len, "i2d_X509");
  TestCert result{std::string(reinterpret_cast<char*>(out), len),
                  std::move(key), options.common_name};
  OPENSSL_free(out);
  return result;
}

TestCert MintRoot(const std::string& common_name) {
  TestCertOptions options;
  options.common_name = common_name;
  options.is_ca = true;
  return MintCertificate(options);
}

TestCert MintIntermediate(const std::string& common_name,
                          const TestCert& issuer) {
  TestCertOptions options;
  options.common_name = common_name;
  options.is_ca = true;
  return MintCertificate(options, &issuer);
}

TestCert MintLeaf(const std::string& common_name, const TestCert& issuer) {
  TestCertOptions options;
  options.common_name = common_name;
  return MintCertificate(options, &issuer);
}

}  // namespace chaintrust::internal
