// An issuer's public key, decoded once from its SubjectPublicKeyInfo and
// kept ready for OpenSSL signature verification.
//
// Decoding a key (d2i_PUBKEY) costs about as much as a verification, so the
// chain verifier keeps one VerificationKey per issuer certificate
// (Certificate::verification_key()) rather than decoding per attestation.
#ifndef CHAINTRUST_ENGINE_X509_VERIFICATION_KEY_H_
#define CHAINTRUST_ENGINE_X509_VERIFICATION_KEY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/x509/certificate.h"

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace chaintrust {
namespace internal {

class VerificationKey {
 public:
  // Decodes a DER SubjectPublicKeyInfo. InvalidArgument when OpenSSL cannot
  // decode it (unknown algorithm, bad point, ...).
  static absl::StatusOr<std::unique_ptr<VerificationKey>> Create(
      absl::string_view spki_der);

  VerificationKey(const VerificationKey&) = delete;
  VerificationKey& operator=(const VerificationKey&) = delete;
  ~VerificationKey();

  // Whether `signature` over `signed_data` verifies with this key under
  // `algorithm`. False, never an error, for anything that does not verify,
  // including an algorithm that does not fit the key (an ECDSA signature
  // for an RSA key). Thread-safe: many threads may verify with one key at
  // once (each call uses its own OpenSSL contexts; the key is only read).
  bool Verify(SignatureAlgorithm algorithm, absl::string_view signed_data,
              absl::string_view signature) const;

  KeyType key_type() const { return key_type_; }

  // Readies `ctx` (fresh or reset) to verify one signature under
  // `algorithm` with EVP_DigestVerify; what Verify does before verifying.
  // False when the algorithm does not fit the key or OpenSSL fails (errors
  // cleared). `ctx` holds its own reference to the key.
  bool PrepareContext(SignatureAlgorithm algorithm, EVP_MD_CTX* ctx) const;

 private:
  struct Impl;
  VerificationKey(std::unique_ptr<Impl> impl, KeyType key_type);

  const std::unique_ptr<Impl> impl_;
  const KeyType key_type_;
};

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_VERIFICATION_KEY_H_
