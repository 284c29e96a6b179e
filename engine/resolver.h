// The precedence resolver: DESIGN.md §1 applied to one attestation.
//
// RANKING. Checks run in this order; the first that decides ends the
// evaluation, so a reason higher in the list hides every reason below it.
//
//  X.509 (a chain was presented):
//   1. Size limits: more certificates than max_presented_certificates, a
//      certificate over max_certificate_bytes or a chain over
//      max_chain_bytes -> CHAIN_UNVERIFIED (nothing is parsed).
//   2. A presented certificate does not parse -> MALFORMED_CHAIN (its index).
//   3. The leaf's subject CN is not a valid registration ID (rule 1), or a
//      registration ID given with the chain names another device
//      -> INVALID_REGISTRATION_ID.
//   4. An individual enrollment exists for the ID (rule 2) — it alone
//      decides, there is no fall-through to groups:
//      a. disabled -> INDIVIDUAL_ENROLLMENT_DISABLED, whatever its type;
//      b. not X.509, or the leaf is neither its primary nor its secondary
//         client certificate (SHA-256) -> ATTESTATION_MISMATCH;
//      c. the leaf is outside its validity -> CERTIFICATE_EXPIRED /
//         CERTIFICATE_NOT_YET_VALID (index 0);
//      d. -> ALLOW INDIVIDUAL_ENROLLMENT_ENABLED.
//   5. Enrollment groups (rule 3): the path is built from the leaf's issuer
//      toward the root — presented certificates first, then the snapshot's
//      group certificates (an anchor the device did not send), matched by
//      subject/issuer name and, when both are present, key identifiers —
//      and each certificate's SHA-256 is looked up among the groups' signing
//      certificates. Among several issuer candidates with the same name, one
//      whose signature verifies and that is valid at the validation time is
//      preferred. The first group found decides; a deleted group is absent
//      and the walk goes on upward.
//      a. the path ends (no issuer) without a group -> NO_ENROLLMENT; the
//         walk stops after max_presented_certificates + 1 certificates;
//      b. the group is disabled -> ENROLLMENT_GROUP_DISABLED;
//      c. the path from the leaf up to the group's certificate is longer
//         than max_chain_length certificates -> CHAIN_UNVERIFIED (no
//         index: the limit is about the whole path); else it does not
//         verify (rule 4) -> CHAIN_UNVERIFIED at the lowest failing index,
//         checking per certificate, from the leaf up: signature by its
//         issuer; key strength and signature algorithm (RSA >= 2048 bits,
//         EC P-256/384/521, Ed25519; no SHA-1, MD5 or DSA); the profile
//         (v3 only; key identifiers when require_key_identifiers; a CA leaf
//         only when allow_ca_leaf; see engine/chain_checks.h); issuer is a
//         CA (basicConstraints cA; keyCertSign when keyUsage is present;
//         the group's own certificate with critical basicConstraints);
//         pathLenConstraint (self-issued intermediates do not count);
//         nameConstraints of the certificates above; unhandled critical
//         extensions; required_eku when set (eku_policy);
//      d. a certificate of that path, the group's own included, is outside
//         its validity -> CERTIFICATE_EXPIRED / CERTIFICATE_NOT_YET_VALID at
//         the lowest such index. Structural failures (c) outrank time (d): a
//         forged chain is reported as forged even when also expired;
//      e. -> ALLOW ENROLLMENT_GROUP_ENABLED.
//
//  Symmetric key (a registration ID and a SAS token, no chain):
//   1. The registration ID is not valid -> INVALID_REGISTRATION_ID.
//   2. An individual enrollment exists: disabled ->
//      INDIVIDUAL_ENROLLMENT_DISABLED; not symmetric-key, or the token is
//      malformed, names another registration, has expired, or verifies with
//      neither key -> ATTESTATION_MISMATCH; else ALLOW.
//   3. Else the symmetric-key groups, in the order of the enrollment set:
//      the first whose primary or secondary key derives a device key that
//      verifies the token decides: disabled -> ENROLLMENT_GROUP_DISABLED;
//      token expired or naming another registration -> ATTESTATION_MISMATCH;
//      else ALLOW ENROLLMENT_GROUP_ENABLED. No group verifies the token (or
//      the token does not parse) -> NO_ENROLLMENT.
//
//  Neither a chain nor a SAS token -> ATTESTATION_MISMATCH.
//  Any internal error is a DENY with a reason, never an ALLOW (rule 5).
#ifndef CHAINTRUST_ENGINE_RESOLVER_H_
#define CHAINTRUST_ENGINE_RESOLVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/certificate.h"
#include "engine/decision.h"
#include "engine/enrollment_set.h"

namespace chaintrust {

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

// Per-thread caches of proofs (parsed certificates, verified signatures);
// never of verdicts. Defined in engine/internal/caches.h.
class ResolverCaches;

// Evaluates `attestation` against `snapshot` into `decision` (cleared
// first). `caches` may be null.
void Resolve(const EnrollmentSnapshot& snapshot, const Attestation& attestation,
             const ResolverOptions& options, ResolverCaches* caches,
             Decision* decision);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_RESOLVER_H_
