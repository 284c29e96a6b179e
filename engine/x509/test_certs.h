// Test-only minting of X.509 certificates and keys with OpenSSL, so that
// tests build their fixtures in code instead of reading opaque files.
//
//   TestCert root = MintRoot("Contoso Root");
//   TestCertOptions options;
//   options.common_name = "device-1";
//   options.not_after = absl::Now() - absl::Hours(1);  // expired
//   TestCert leaf = MintCertificate(options, &root);
//
// Every option has a default that yields an ordinary certificate: a leaf
// (CA:FALSE, digitalSignature) or, with is_ca, a CA (CA:TRUE, keyCertSign |
// cRLSign), EC P-256, SHA-256 signature, valid from an hour ago for a year.
// Options let tests produce the odd certificates chain verification must
// reject (no basicConstraints, wrong keyUsage, unknown critical extension,
// expired, ...). Failures inside OpenSSL abort: this is test code.
//
// Determinism. By default keys and serial numbers are random and validity
// is relative to now. A program that needs byte-identical output (the
// scenario corpus generator) calls UseDeterministicRandom(seed) first and
// then names what it mints: TestKey::Derive(type, label) and
// TestCertOptions::label. Every random byte OpenSSL asks for (key
// generation, ECDSA nonces, RSA blinding) then comes from a SHA-256
// counter-mode stream that is restarted from (seed, label) before each key
// generation and each signature, so an artifact depends only on its own
// label and options, never on the order in which artifacts are minted.
// Together with explicit serial and validity options the output is then
// byte-for-byte reproducible.
#ifndef CHAINTRUST_ENGINE_X509_TEST_CERTS_H_
#define CHAINTRUST_ENGINE_X509_TEST_CERTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace chaintrust::internal {

// kRsa1024 is weak (for tests of the legacy-fleet options).
enum class TestKeyType { kEcP256, kEcP384, kRsa2048, kEd25519, kRsa1024 };

// An owned private key (shared, so copies of a TestCert are cheap).
class TestKey {
 public:
  static TestKey Generate(TestKeyType type = TestKeyType::kEcP256);
  // A key that depends only on the seed and `label`; needs
  // UseDeterministicRandom (aborts without it).
  static TestKey Derive(TestKeyType type, absl::string_view label);

  EVP_PKEY* get() const { return key_.get(); }
  TestKeyType type() const { return type_; }
  std::string PrivateKeyPem() const;  // PKCS#8
  std::string PublicKeyDer() const;   // SubjectPublicKeyInfo

 private:
  TestKey(std::shared_ptr<EVP_PKEY> key, TestKeyType type)
      : key_(std::move(key)), type_(type) {}
  std::shared_ptr<EVP_PKEY> key_;
  TestKeyType type_ = TestKeyType::kEcP256;
};

// keyUsage bits as a mask; the same values as KeyUsageBit in
// engine/certificate.h (RFC 5280 §4.2.1.3 order).
inline constexpr uint16_t kTestKuDigitalSignature = 1 << 0;
inline constexpr uint16_t kTestKuKeyEncipherment = 1 << 2;
inline constexpr uint16_t kTestKuKeyAgreement = 1 << 4;
inline constexpr uint16_t kTestKuKeyCertSign = 1 << 5;
inline constexpr uint16_t kTestKuCrlSign = 1 << 6;

// An extension added as given: `value` is the DER that goes inside the
// extnValue OCTET STRING.
struct TestExtension {
  std::string oid;  // dotted
  bool critical = false;
  std::string value;
};

struct TestCertOptions {
  // Subject, in this order: C (PrintableString) and O (UTF8String) when not
  // empty, then CN (UTF8String). The values are encoded as given, without
  // OpenSSL's length limits, so over-long names can be minted. Empty
  // common_name: no CN at all, unless keep_empty_common_name (then an
  // empty one).
  std::string common_name = "test";
  std::string organization;
  std::string country;
  bool keep_empty_common_name = false;
  // basicConstraints: present (critical) unless !basic_constraints; cA as
  // given; pathLenConstraint only for CAs and only when set.
  bool is_ca = false;
  bool basic_constraints = true;
  absl::optional<int> path_len;
  // keyUsage (critical). Unset: keyCertSign|cRLSign for a CA,
  // digitalSignature for a leaf. Set to 0 together with !key_usage_present
  // to omit the extension.
  absl::optional<uint16_t> key_usage;
  bool key_usage_present = true;
  // extendedKeyUsage as dotted OIDs; omitted when empty.
  std::vector<std::string> extended_key_usages;
  // subjectAltName and nameConstraints in OpenSSL's configuration syntax
  // (e.g. "DNS:a.example,email:a@example.com,IP:10.0.0.1" and
  // "critical,permitted;DNS:.example.com,excluded;IP:10.1.0.0/255.255.0.0");
  // omitted when empty.
  std::string subject_alt_name;
  std::string name_constraints;
  // Extensions with these dotted OIDs are added as critical, with a DER
  // NULL as value (for "unknown critical extension" tests).
  std::vector<std::string> unknown_critical_extensions;
  // Further extensions, added last in this order.
  std::vector<TestExtension> extensions;
  // Subject/authority key identifiers (SHA-1 of the public key).
  bool subject_key_identifier = true;
  bool authority_key_identifier = true;
  // Validity. Defaults: an hour ago, a year from now (set at construction).
  absl::Time not_before = absl::Now() - absl::Hours(1);
  absl::Time not_after = absl::Now() + absl::Hours(24 * 365);
  // Serial number; 0 picks a random positive 64-bit one.
  uint64_t serial = 0;
  TestKeyType key_type = TestKeyType::kEcP256;
  // Use this key instead of generating one (e.g. to re-issue a CA with the
  // same key). Under UseDeterministicRandom the generated one is
  // TestKey::Derive(key_type, label).
  absl::optional<TestKey> key;
  // Sign with this key instead of the issuer's (a forgery: the issuer name
  // and authority key identifier still name the issuer).
  absl::optional<TestKey> signing_key;
  // Digest of the signature ("SHA256", "SHA384", "SHA1"); ignored for
  // Ed25519 signers.
  std::string signature_digest = "SHA256";
  // Under UseDeterministicRandom: the label the key (when not given) and the
  // signature's random bytes are derived from (empty: common_name).
  std::string label;
};

struct TestCert {
  std::string der;
  TestKey key;
  std::string common_name;

  std::string Pem() const;        // "-----BEGIN CERTIFICATE-----..." text
  std::string Base64Der() const;  // DER in one base64 line (DPS's form)
  std::string Sha256Hex() const;  // uppercase hex of SHA-256(DER)
};

// Mints a certificate signed by `issuer` (self-signed when null).
TestCert MintCertificate(const TestCertOptions& options,
                         const TestCert* issuer = nullptr);

// Shorthands: a self-signed root CA, an intermediate CA and a leaf.
TestCert MintRoot(const std::string& common_name);
TestCert MintIntermediate(const std::string& common_name,
                          const TestCert& issuer);
TestCert MintLeaf(const std::string& common_name, const TestCert& issuer);

// PEM text of arbitrary bytes under a CERTIFICATE label (e.g. truncated or
// garbage DER, for malformed-input tests).
std::string CertificatePem(absl::string_view der);

// Replaces OpenSSL's randomness, process-wide and for the rest of the
// process, by the deterministic stream of `seed` (see the top of this file).
// Only for programs and tests that need reproducible output: never link it
// into anything that needs real randomness. Calling it again changes the
// seed.
void UseDeterministicRandom(absl::string_view seed);

// Whether UseDeterministicRandom was called.
bool DeterministicRandomInUse();

// `size` bytes that depend only on the seed and `label` (SHA-256 of both,
// in counter mode): symmetric keys, serial numbers. Needs
// UseDeterministicRandom (aborts without it).
std::string DeterministicBytes(absl::string_view label, size_t size);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_X509_TEST_CERTS_H_
