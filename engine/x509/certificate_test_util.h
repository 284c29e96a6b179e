// Test certificates made with OpenSSL for the certificate parser's tests:
// keys made once, certificates from a CertSpec, DER and PEM text.
#ifndef CHAINTRUST_ENGINE_X509_CERTIFICATE_TEST_UTIL_H_
#define CHAINTRUST_ENGINE_X509_CERTIFICATE_TEST_UTIL_H_

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "engine/internal/openssl_util.h"
#include "engine/x509/certificate.h"

namespace chaintrust::x509_test {

using X509Ptr = internal::OpenSslPtr<X509, X509_free>;
using X509ExtensionPtr =
    internal::OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;

enum class KeyKind { kEcP256, kEcP384, kRsa2048, kEd25519 };

// Keys are generated once: RSA key generation dominates the tests' time.
EVP_PKEY* TestKey(KeyKind kind, int index = 0);

std::string Der(X509* x509);
std::string Pem(X509* x509);

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

void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value);
X509Ptr MakeCert(const CertSpec& spec);
// Parses `der`, failing the test when it does not parse.
std::shared_ptr<const Certificate> MustParse(const std::string& der);

struct Pair {
  X509Ptr ca;
  X509Ptr leaf;
  std::string ca_der;
  std::string leaf_der;
};

Pair MakePair(KeyKind ca_key = KeyKind::kEcP256, int ca_index = 0,
              const std::string& ca_cn = "Test Root CA");

}  // namespace chaintrust::x509_test

#endif  // CHAINTRUST_ENGINE_X509_CERTIFICATE_TEST_UTIL_H_
