// An X.509 certificate parsed once into an immutable value.
//
// Certificate::Create parses DER with chaintrust's own bounded DER reader,
// not OpenSSL's d2i_X509: a full OpenSSL parse of a device certificate costs
// more than verifying its signature (README "Architecture"). The object owns
// one copy of the DER and hands out views into it; thumbprints, names, key
// identifiers, validity and extensions are computed at parse time.
//
// "Parsed" is not "valid": whether a certificate may issue others, is within
// its validity period or is correctly signed is decided by the chain
// verifier, at validation time.
#ifndef CHAINTRUST_ENGINE_X509_CERTIFICATE_H_
#define CHAINTRUST_ENGINE_X509_CERTIFICATE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/call_once.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "engine/types.h"

namespace chaintrust {

using Sha1Digest = std::array<uint8_t, 20>;

// Uppercase hexadecimal, as DPS prints thumbprints.
std::string ToHex(absl::Span<const uint8_t> bytes);

// Parses a SHA-256 thumbprint: 64 hex digits, any case, ':' or ' ' between
// byte pairs allowed. Errors name what is wrong.
absl::StatusOr<Sha256Digest> ParseSha256Thumbprint(absl::string_view hex);

enum class SignatureAlgorithm {
  kUnknown,
  kRsaPkcs1Sha1,
  kRsaPkcs1Sha256,
  kRsaPkcs1Sha384,
  kRsaPkcs1Sha512,
  kRsaPssSha256,
  kRsaPssSha384,
  kRsaPssSha512,
  kEcdsaSha1,
  kEcdsaSha256,
  kEcdsaSha384,
  kEcdsaSha512,
  kEd25519,
};

// Stable lowercase name, e.g. "ecdsa-with-SHA256".
absl::string_view SignatureAlgorithmName(SignatureAlgorithm algorithm);

enum class KeyType {
  kUnknown,
  kRsa,
  kEcP256,
  kEcP384,
  kEcP521,
  kEcOther,
  kEd25519
};

// keyUsage bits (RFC 5280 §4.2.1.3), as a mask.
enum KeyUsageBit : uint16_t {
  kDigitalSignature = 1 << 0,
  kNonRepudiation = 1 << 1,
  kKeyEncipherment = 1 << 2,
  kDataEncipherment = 1 << 3,
  kKeyAgreement = 1 << 4,
  kKeyCertSign = 1 << 5,
  kCrlSign = 1 << 6,
  kEncipherOnly = 1 << 7,
  kDecipherOnly = 1 << 8,
};

// Dotted OIDs of the extended key usages chaintrust knows by name.
inline constexpr absl::string_view kEkuServerAuth = "1.3.6.1.5.5.7.3.1";
inline constexpr absl::string_view kEkuClientAuth = "1.3.6.1.5.5.7.3.2";
inline constexpr absl::string_view kEkuAnyExtendedKeyUsage = "2.5.29.37.0";

namespace internal {
class VerificationKey;  // An issuer's public key, ready for OpenSSL.
}  // namespace internal

class Certificate {
 public:
  // Parses one DER certificate. Limits: at most 64 KiB of DER, at most 64
  // extensions; anything malformed is InvalidArgument naming the field.
  static absl::StatusOr<std::shared_ptr<const Certificate>> Create(
      absl::string_view der);

  Certificate(const Certificate&) = delete;
  Certificate& operator=(const Certificate&) = delete;
  ~Certificate();

  // The whole certificate, and the signed part (TBSCertificate, with its
  // tag and length).
  absl::string_view der() const { return der_; }
  absl::string_view tbs_der() const;
  SignatureAlgorithm signature_algorithm() const;
  // The signature value (the BIT STRING's bytes, without the unused-bits
  // octet).
  absl::string_view signature() const;

  const Sha256Digest& sha256() const;
  const Sha1Digest& sha1() const;  // computed on first use (thread-safe)

  int version() const;                      // 1, 2 or 3
  absl::string_view serial_number() const;  // INTEGER contents, big-endian
  // Raw Name TLVs.
  absl::string_view subject_der() const;
  absl::string_view issuer_der() const;
  // The names' keys (certificate_names.h), computed at parse time: names
  // are compared, for issuer lookup and self-issuance, by these keys.
  const std::string& subject_name_key() const;
  const std::string& issuer_name_key() const;
  // RFC 4514-style rendering for people, e.g. "CN=device-1,O=Contoso".
  std::string SubjectString() const;
  std::string IssuerString() const;
  // The subject's (last) commonName as text, empty when there is none.
  const std::string& subject_common_name() const;
  // RFC 5280 §6.1: subject and issuer names match (by name key).
  bool self_issued() const { return subject_name_key() == issuer_name_key(); }

  absl::Time not_before() const;
  absl::Time not_after() const;

  // The SubjectPublicKeyInfo TLV and what it holds.
  absl::string_view spki_der() const;
  KeyType key_type() const;
  int key_bits() const;  // modulus size for RSA, field size for EC

  // Extensions. Absent extensions read as "not present".
  bool has_basic_constraints() const;
  bool is_ca() const;  // basicConstraints cA
  absl::optional<int> path_len_constraint() const;
  bool has_key_usage() const;
  uint16_t key_usage() const;  // KeyUsageBit mask
  bool has_extended_key_usage() const;
  bool extended_key_usage_critical() const;
  const std::vector<std::string>& extended_key_usages() const;  // dotted OIDs
  absl::string_view subject_key_identifier() const;    // empty if absent
  absl::string_view authority_key_identifier() const;  // keyIdentifier
  // Whether basicConstraints is marked critical.
  bool basic_constraints_critical() const;
  // authorityKeyIdentifier: whether the extension is present, whether it
  // is marked critical (RFC 5280 §4.2.1.1 forbids it) and whether it
  // carries authorityCertIssuer / authorityCertSerialNumber.
  bool has_authority_key_identifier_extension() const;
  bool authority_key_identifier_critical() const;
  bool authority_key_identifier_has_issuer_and_serial() const;
  // The extnValue (a DER TLV) of subjectAltName / nameConstraints, empty
  // when absent. Interpreted only when a name constraint applies.
  absl::string_view subject_alt_name_der() const;
  bool subject_alt_name_critical() const;
  absl::string_view name_constraints_der() const;
  // Critical extensions chaintrust does not process (dotted OIDs); a chain
  // containing one fails verification (RFC 5280 §4.2).
  const std::vector<std::string>& unhandled_critical_extensions() const;

  // The certificate's public key, ready to verify what it signed. Created
  // on first use (thread-safe) and kept: an issuer's key is decoded once.
  // Null when the key cannot be decoded.
  const internal::VerificationKey* verification_key() const;

 private:
  struct Parsed;
  Certificate(std::string der, std::unique_ptr<Parsed> parsed);

  const std::string der_;
  const std::unique_ptr<const Parsed> parsed_;
  mutable absl::once_flag key_once_;
  mutable std::unique_ptr<internal::VerificationKey> key_;
  // SHA-1 is only for display and tests: computed on first use.
  mutable absl::once_flag sha1_once_;
  mutable Sha1Digest sha1_{};
};

using CertificatePtr = std::shared_ptr<const Certificate>;

// Splits PEM text into DER certificates (only "CERTIFICATE" blocks; other
// blocks are skipped). Errors name the block number that is malformed;
// text with no certificate block is an error.
absl::StatusOr<std::vector<std::string>> PemToDer(absl::string_view pem);

// The DER of the CERTIFICATE block that `block` starts with, decoded into
// *der (its storage reused, so that nothing is allocated once it has grown
// to fit): false unless `block` starts with a BEGIN CERTIFICATE line whose
// block PemToDer decodes, and then the same DER.
bool CertificateBlockToDer(absl::string_view block, std::string* der);

// A device's chain as PEM, read block by block so that a bad block is
// reported with its position: each block runs from its BEGIN line to the
// next one; blocks other than CERTIFICATE are skipped unread; reading stops
// at the first CERTIFICATE block that is malformed.
struct PemChain {
  // The certificates read, in order (those before a bad block).
  std::vector<std::string> ders;
  // Empty when every block was read; else "no PEM block", "no CERTIFICATE
  // block" or the bad block's problem ("PEM block 3 (CERTIFICATE): invalid
  // base64"), and the bad block is certificate number ders.size().
  std::string problem;
};
PemChain ReadPemChain(absl::string_view pem);

// A certificate given as PEM text or as base64 DER (DPS accepts both).
absl::StatusOr<std::string> CertificateTextToDer(absl::string_view text);

// Whether `cert`'s signature verifies with `issuer`'s public key. Pure: the
// answer depends only on the two certificates' bytes.
bool VerifySignedBy(const Certificate& cert, const Certificate& issuer);

// Verifies signatures made with one issuer's key under one signature
// algorithm, with OpenSSL's per-verification setup (EVP_DigestVerifyInit:
// provider and key-manager lookups, about 30,000 instructions for an
// RSA-2048 key) done once: each verification copies a prepared context
// (EVP_MD_CTX_copy_ex). Holds its own reference to the key. Not
// thread-safe: one per thread (the resolver keeps them per Evaluator).
class SignatureVerifier {
 public:
  // Null when `issuer`'s key cannot be decoded, `algorithm` does not fit it
  // or OpenSSL cannot prepare the context; VerifySignedBy then says false
  // for every certificate signed under `algorithm`.
  static std::unique_ptr<SignatureVerifier> Create(
      const Certificate& issuer, SignatureAlgorithm algorithm);
  ~SignatureVerifier();
  SignatureVerifier(const SignatureVerifier&) = delete;
  SignatureVerifier& operator=(const SignatureVerifier&) = delete;

  // The same answer as VerifySignedBy(cert, issuer) for a `cert` whose
  // signature_algorithm() is the one given to Create.
  bool Verify(const Certificate& cert);

 private:
  struct Impl;
  explicit SignatureVerifier(std::unique_ptr<Impl> impl);
  const std::unique_ptr<Impl> impl_;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_CERTIFICATE_H_
