// Byte-deterministic test PKI for the scenario corpus: keys, certificates,
// symmetric keys and SAS tokens minted with OpenSSL's C API, plus a tiny
// ordered JSON writer.
//
// Determinism: every random byte OpenSSL asks for (key generation, ECDSA
// nonces, RSA blinding) comes from a SHA-256 counter-mode stream installed
// as the process-wide RAND_METHOD. The stream is reseeded from a label
// before each key generation and each signature, so every artifact depends
// only on its own name and definition, never on the order in which
// artifacts are minted: adding a scenario leaves every other byte unchanged.
//
// This is test-only code: it never uses the engine (which it exists to
// test) and must never be linked into anything that needs real randomness.
#ifndef CHAINTRUST_TESTDATA_TEST_PKI_H_
#define CHAINTRUST_TESTDATA_TEST_PKI_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust {
namespace testdata {

// Replaces OpenSSL's randomness, process-wide, by a deterministic stream
// derived from `seed`. Call once, before any other OpenSSL use.
void InstallDeterministicRandom(absl::string_view seed);

// Restarts the stream at SHA-256(seed | label).
void ReseedDeterministicRandom(absl::string_view label);

// SHA-256(seed | label): deterministic bytes for symmetric keys and serials.
std::string DeterministicBytes(absl::string_view label, size_t size);

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509Ptr = std::unique_ptr<X509, X509Deleter>;

enum class KeyType { kEcdsaP256, kRsa2048 };

// A fresh key; deterministic in `label`.
KeyPtr GenerateKey(KeyType type, absl::string_view label);

// Everything that can vary in a minted certificate.
struct CertSpec {
  // Subject. The CN is encoded as a UTF8String without OpenSSL's length
  // checks, so that over-long and odd CNs can be minted.
  std::string organization = "Contoso";
  std::string common_name;
  bool has_common_name = true;

  uint64_t serial = 1;
  absl::Time not_before;
  absl::Time not_after;

  // basicConstraints, always critical when present.
  bool basic_constraints = true;
  bool is_ca = false;
  int path_len = -1;  // -1: no pathLenConstraint

  // keyUsage, critical when present: keyCertSign|cRLSign (+digitalSignature)
  // for CAs, digitalSignature (+keyEncipherment for RSA) for leaves.
  bool key_usage = true;
  bool key_cert_sign = true;  // CAs only: false leaves digitalSignature only

  // Leaves get extendedKeyUsage clientAuth.
  enum class Extra { kNone, kUnknownCritical, kUnknownNonCritical };
  Extra extra_extension = Extra::kNone;
};

// A minted certificate with its key and encodings.
struct Credential {
  std::string name;  // the identity's handle in the corpus
  KeyType key_type = KeyType::kEcdsaP256;
  X509Ptr cert;
  std::string der;
  std::string pem;
  std::string sha256_hex;  // uppercase, no separators (DPS's spelling)
};

// Mints a certificate for `subject_key`. `issuer` null means self-signed.
// The issuer name and authority key identifier come from `issuer`; the
// signature is made with `signer` when given (a forgery), else with the
// issuer's key. Deterministic in (name, spec, keys).
std::unique_ptr<Credential> MintCertificate(
    absl::string_view name, const CertSpec& spec, KeyType key_type,
    EVP_PKEY* subject_key, const Credential* issuer, EVP_PKEY* issuer_key,
    EVP_PKEY* signer = nullptr);

// PEM text of arbitrary DER bytes under a CERTIFICATE label.
std::string PemWrap(absl::string_view der);

std::string Base64(absl::string_view bytes);
std::string HmacSha256(absl::string_view key, absl::string_view message);

// A DPS SAS token (docs/contract.md) for `registration_id`, signed with raw
// `key`, expiring at `expiry`.
std::string MakeSasToken(absl::string_view id_scope,
                         absl::string_view registration_id,
                         absl::string_view key, absl::Time expiry);

// An ordered JSON value, printed with two-space indentation.
class Json {
 public:
  static Json Object();
  static Json Array();
  static Json Str(absl::string_view value);
  static Json Bool(bool value);
  static Json Int(int64_t value);

  // Objects: appends a member (keys keep insertion order).
  Json& Set(absl::string_view key, Json value);
  // Arrays: appends an element.
  Json& Push(Json value);

  // Pretty-printed, ending with a newline.
  std::string Dump() const;

 private:
  enum class Kind { kObject, kArray, kString, kBool, kInt };
  void DumpTo(std::string* out, int indent) const;

  Kind kind_ = Kind::kObject;
  std::string string_;
  int64_t int_ = 0;
  bool bool_ = false;
  std::vector<std::pair<std::string, Json>> members_;
  std::vector<Json> elements_;
};

}  // namespace testdata
}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_TEST_PKI_H_
