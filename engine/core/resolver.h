// The precedence resolver: docs/rules.md applied to one attestation.
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
//      An individual enrollment matches the leaf by thumbprint, without a
//      verified path, so CRLs (5c') are not consulted here.
//   5. Enrollment groups (rule 3): paths are built from the leaf's issuer
//      toward the root — presented certificates first, then the snapshot's
//      group certificates (an anchor the device did not send), matched by
//      subject/issuer name and, when both are present, key identifiers —
//      and each certificate's SHA-256 is looked up among the groups' signing
//      certificates; a path ends at the first group found on it (a deleted
//      group is absent and the walk goes on upward).
//      Where several certificates can be a certificate's issuer (e.g. a CA
//      renewed with the same name and key), every presented candidate whose
//      signature verifies is followed, so several candidate paths may be
//      built; a snapshot certificate the device did not send is followed
//      only when no presented candidate that verifies is valid at the
//      validation time (so a renewed CA presented alone is decided by its
//      own enrollment, as DPS does, and an expired cross-certificate does
//      not hide a valid anchor). When no candidate verifies, the first
//      alone is followed, for the failure to be reported. Candidates are
//      ordered by validity, source (presented, then snapshot) and SHA-256,
//      never by the order of presentation: the verdict does not depend on
//      that order. Bounds: max_issuer_candidates per certificate
//      (more presented candidates than that -> CHAIN_UNVERIFIED
//      TOO_MANY_ISSUER_CANDIDATES, whatever their order),
//      max_candidate_signature_checks signature checks spent choosing and
//      as many candidate paths at most. The deciding path:
//        - a path whose group is disabled, on any candidate path at the
//          level where that path finds its group, wins (the one nearest
//          the leaf): -> ENROLLMENT_GROUP_DISABLED (b below);
//        - else more presented issuer candidates than allowed ->
//          CHAIN_UNVERIFIED;
//        - else among paths with an enabled group: the first that verifies
//          completely (c-d), else the first that fails only on time (d),
//          else the first; nearer the leaf first, then in candidate order;
//        - else (no group on any path) the first path.
//      a. the path ends (no issuer) without a group -> NO_ENROLLMENT; the
//         walk stops after max_presented_certificates + 1 certificates;
//      b. the group is disabled -> ENROLLMENT_GROUP_DISABLED;
//      c. the path from the leaf up to the group's certificate is longer
//         than max_chain_length certificates -> CHAIN_UNVERIFIED (no
//         index: the limit is about the whole path); else it does not
//         verify (rule 4) -> CHAIN_UNVERIFIED at the lowest failing index,
//         checking per certificate, from the leaf up: signature by its
//         issuer; key strength and signature algorithm (RSA >= min_rsa_bits,
//         EC P-256/384/521, Ed25519; no SHA-1 unless allowed, no MD5 or
//         DSA); the profile (options.profile, key identifiers, a CA leaf,
//         the leaf's keyUsage; see engine/x509/chain_checks.h); issuer
//         is a CA (basicConstraints cA; keyCertSign when keyUsage is
//         present); pathLenConstraint (self-issued intermediates
//         do not count); nameConstraints of the certificates above;
//         unhandled critical extensions; required_eku when set
//         (eku_policy). engine/x509/path_verification.h does these;
//      c'. revocation, when CRLs are loaded (engine/core/revocation.h): a
//         certificate of that path (leaf to the group's certificate; a
//         self-issued group certificate is an anchor and not checked) whose
//         issuer has a CRL covering it: the newest CRL with thisUpdate <=
//         the validation time that verifies with the issuer's key (keyUsage,
//         when present, allowing cRLSign) is used; none usable, or the one
//         used past its nextUpdate (unless accept_stale_crls) ->
//         CHAIN_UNVERIFIED (CRL_* causes: the status cannot be verified, so
//         fail closed); the serial listed -> CERTIFICATE_REVOKED; at the
//         lowest such index. A certificate whose issuer has no CRL loaded is
//         not affected. After (c): a forged chain is reported as forged, and
//         a CRL is only trusted for a path whose signatures verified. Before
//         (d): a revoked certificate stays revoked after it expires, and
//         "revoked" tells the operator more than "expired" does;
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
//  A chain given as PEM (Attestation::chain_pem) is decoded first; text
//  that does not decode -> MALFORMED_CHAIN (cause MALFORMED_PEM).
//  Neither a chain nor a SAS token -> ATTESTATION_MISMATCH.
//
//  Every failed check step carries its Cause (engine/types.h), and a
//  decision that a failed check decided carries it too (Decision::cause).
//  Any internal error is a DENY with a reason, never an ALLOW (rule 5).
#ifndef CHAINTRUST_ENGINE_CORE_RESOLVER_H_
#define CHAINTRUST_ENGINE_CORE_RESOLVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust {

// Per-thread caches of proofs (parsed certificates, verified signatures);
// never of verdicts. Defined in engine/core/proof_caches.h.
class ResolverCaches;

// Evaluates `attestation` against `snapshot` and, when given, the CRLs of
// `crls` into `decision` (cleared first). `caches` and `crls` may be null.
// An unset Attestation::at is now.
void Resolve(const EnrollmentSnapshot& snapshot, const Attestation& attestation,
             const ResolverOptions& options, ResolverCaches* caches,
             Decision* decision, const CrlSet* crls = nullptr);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_RESOLVER_H_
