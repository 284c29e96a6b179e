// Vocabulary types of chaintrust's public API: what a device presents, the
// chain rules an Engine applies, and the small value types that decisions
// and enrollments share. Header-only and free of the engine's internals, so
// every layer (x509/, policy/, core/) and every front-end can include it.
#ifndef CHAINTRUST_ENGINE_TYPES_H_
#define CHAINTRUST_ENGINE_TYPES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust {

// A certificate's SHA-256 thumbprint (of its DER).
using Sha256Digest = std::array<uint8_t, 32>;

// Which certificate or key of an enrollment matched.
enum class Slot : uint8_t { kPrimary = 0, kSecondary = 1 };

// What a device presents.
struct Attestation {
  // DER certificates, leaf first, then intermediates in any order. The
  // views must stay valid during the evaluation only.
  std::vector<absl::string_view> chain;
  // For symmetric-key attestation (or, with a chain, a claimed ID that must
  // match the leaf's CN).
  absl::string_view registration_id;
  absl::string_view sas_token;
  // The validation time.
  absl::Time at = absl::UnixEpoch();
};

struct ResolverOptions {
  // Most certificates in the verified path from the leaf to the deciding
  // group's certificate, both included: DESIGN.md's depth (default 10).
  int max_chain_length = 10;
  // Most certificates a device may present (a size limit, checked before
  // anything is parsed).
  int max_presented_certificates = 32;
  // Largest certificate accepted, in bytes of DER.
  size_t max_certificate_bytes = 16 * 1024;
  // Largest presented chain, in bytes of DER.
  size_t max_chain_bytes = 64 * 1024;
  // Most issuer candidates considered for one certificate (many
  // certificates with the same name are a path-building attack).
  int max_issuer_candidates = 8;
  // Most signature checks spent choosing among candidates in one evaluation.
  int max_candidate_signature_checks = 16;
  // When set (a dotted OID, e.g. kEkuClientAuth), every certificate of the
  // verified path that has an extendedKeyUsage extension must list it or
  // anyExtendedKeyUsage; a path failing this is CHAIN_UNVERIFIED. Empty by
  // default: DPS does not require an EKU of device certificates.
  std::string required_eku;
  // How required_eku is enforced (nothing happens while it is empty).
  enum class EkuPolicy {
    // The rule above: a certificate without the extension passes, and
    // anyExtendedKeyUsage stands for every purpose. The default.
    kPermissive,
    // BoringSSL's CLIENT_AUTH_STRICT / SERVER_AUTH_STRICT: the leaf must
    // carry the extension and list required_eku itself (anyEKU alone does
    // not do), and must not list codeSigning, OCSPSigning or timeStamping;
    // the leaf's issuer must list required_eku itself and not codeSigning
    // or timeStamping (without the extension it passes only when
    // required_eku is serverAuth, as BoringSSL allows for TLS issuers);
    // every certificate above it must carry the extension and list
    // required_eku or anyEKU.
    kStrict,
    // BoringSSL's *_STRICT_LEAF: kStrict's rule for the leaf, kPermissive's
    // above it.
    kStrictLeaf,
  };
  EkuPolicy eku_policy = EkuPolicy::kPermissive;
  // Whether the deciding group's certificate is held to required_eku too.
  // On by default (a group certificate is checked like the rest of the
  // path); off mirrors BoringSSL's plain TRUSTED_ANCHOR, whose EKU is not
  // enforced.
  bool check_group_certificate_eku = true;
  // RFC 5280 §4.2.1.1-2: every certificate below the deciding group's
  // certificate must carry authorityKeyIdentifier.keyIdentifier and every
  // issuer (the group's certificate included) a subjectKeyIdentifier.
  // Default on: OpenSSL 3 and DPS's sample tooling emit both, and OpenSSL's
  // -x509_strict requires them. Turn off for a legacy fleet whose CA does
  // not emit them (the walk then matches issuers by name only).
  bool require_key_identifiers = true;
  // Accept a device (leaf) certificate whose basicConstraints say cA=TRUE
  // (RFC 5280 does not forbid it; x509-limbo's rfc5280::ca-as-leaf and
  // BoringSSL's non-strict purposes accept it). Off = BoringSSL's *_STRICT
  // and the CA/B Forum profile.
  bool allow_ca_leaf = true;
  // When false, the leaf's CN is not checked as a registration ID (ranking
  // X.509 step 3) and individual enrollments are not consulted (step 4):
  // path validation only, for conformance suites whose leaves are not
  // devices. Always true in production.
  bool check_registration_id = true;
};

// Counters of one proof cache.
struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;  // entries dropped to stay within capacity
  size_t size = 0;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_TYPES_H_
