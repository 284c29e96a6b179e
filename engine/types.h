// Vocabulary types of chaintrust's public API: what a device presents, the
// chain rules an Engine applies, and the small value types that decisions
// and enrollments share. Header-only and free of the engine's internals, so
// every layer (x509/, policy/, core/) and every front-end can include it.
#ifndef CHAINTRUST_ENGINE_TYPES_H_
#define CHAINTRUST_ENGINE_TYPES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace chaintrust {

// A compiled, immutable enrollment set (engine/policy/enrollment_set.h):
// what policy_loader.h builds and Engine::SetSnapshot activates. Front-ends
// hold it by this pointer and never look inside.
class EnrollmentSnapshot;
using SnapshotPtr = std::shared_ptr<const EnrollmentSnapshot>;

// The certificate revocation lists an Engine checks paths against
// (engine/x509/crl.h): immutable, swapped like snapshots.
class CrlSet;
using CrlSetPtr = std::shared_ptr<const CrlSet>;

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
  // Alternatively, the chain as PEM text (CERTIFICATE blocks, leaf
  // first), used only when `chain` is empty. Text that does not decode is a
  // DENY MALFORMED_CHAIN at the index of the bad block, like a certificate
  // that does not parse: the device sent it.
  absl::string_view chain_pem;
  // The validation time. Unset (absl::InfinitePast(), the default) means
  // now: the engine reads the clock once per evaluation, as
  // attestation.proto's unset `at` does.
  absl::Time at = absl::InfinitePast();
};

// The validation time of `attestation`: its `at`, or now when unset.
inline absl::Time ValidationTime(const Attestation& attestation) {
  return attestation.at == absl::InfinitePast() ? absl::Now() : attestation.at;
}

// Why a check failed: one value per check the engine makes. Each has a
// stable upper-case name (CauseName in decision.h), printed as "cause" in
// the JSON decision. The typed parameters that go with each are listed
// beside it (see CheckFailure); the text of a step's `detail` is rendered
// from the cause and its parameters.
enum class Cause : uint8_t {
  kNone = 0,
  // The presented chain, before path building (CHECK_CHAIN_LIMITS,
  // PARSE_CHAIN).
  kTooManyCertificates,   // value: presented, limit: most accepted
  kCertificateTooLarge,   // value: bytes, limit: most accepted
  kChainTooLarge,         // limit: most bytes accepted
  kMalformedCertificate,  // name: the parser's message
  kMalformedPem,          // name: what is wrong with the PEM text
  // Path building (BUILD_PATH).
  kIssuerNotFound,           // name: the issuer's name; value: 1 if self-
                             // issued; limit: presented certificates with
                             // that name that cannot be the issuer
  kNoGroupWithinDepth,       // limit: certificates walked
  kTooManyIssuerCandidates,  // value: presented candidates, limit: most
  kChainTooLong,             // value: path length, limit: max_chain_length
  // Verification (VERIFY_SIGNATURE, CHECK_ISSUER, CHECK_PATH_LENGTH).
  kSignatureInvalid,  // other_index: the issuer
  kIssuerNotCa,       // value: 1 when basicConstraints are absent
  kKeyCertSignMissing,
  kPathLengthExceeded,  // value: intermediates below, limit: pathLen
  kCaNotVerified,       // the group's CA, named by reference (name: its name
                        // in the DPS certificate list), is not verified
  // Key and signature strength (CHECK_KEY_STRENGTH).
  kWeakKey,                         // value: RSA bits, limit: 2048
  kKeyAlgorithmNotAccepted,         // value: 1 for an EC key off the curves
  kWeakSignatureAlgorithm,          // name: the algorithm (SHA-1 based)
  kSignatureAlgorithmNotSupported,  // an unknown algorithm (MD5, ...)
  // The certificate profile (CHECK_PROFILE).
  kNotV3,  // value: the X.509 version
  kAuthorityKeyIdCritical,
  kAuthorityKeyIdWithoutKeyId,
  kAuthorityKeyIdMissing,
  kSubjectKeyIdMissing,
  kAuthorityKeyIdMismatch,  // a self-signed anchor's AKI != its SKI
  kIssuerSubjectEmpty,
  kKeyCertSignWithoutCa,
  kNameConstraintsOnEndEntity,
  kBasicConstraintsNotCritical,  // the group's CA certificate
  kCaLeaf,
  // Profile::kWebPki and required_leaf_key_usage (CHECK_PROFILE).
  kAuthorityKeyIdIssuerFields,  // the anchor's AKI names its issuer/serial
  kEkuCritical,                 // the leaf's extendedKeyUsage is critical
  kEkuOnAnchor,                 // name: the anchor's first purpose
  kLeafKeyUsageMissing,         // value: the required bits it lacks
  kPathLenWithoutCa,            // pathLenConstraint with cA=FALSE
  kSubjectAltNameNotCritical,   // an empty subject, a non-critical SAN
  // Extensions (CHECK_NAME_CONSTRAINTS, CHECK_EXTENSIONS, CHECK_EKU).
  kNameConstraintViolated,      // name, name_form; value: 1 = excluded,
                                // 0 = outside permitted; other_index: the CA
  kNameConstraintUnsupported,   // name: why; other_index: the CA
  kUnhandledCriticalExtension,  // name: the extension's OID
  kEkuMissing,                  // name: the required purpose; value: 1 when
                                // the extension is absent
  kEkuForbidden,                // name: the forbidden purpose
  // Time (CHECK_VALIDITY): value: the bound, limit: the validation time,
  // both in Unix seconds.
  kExpired,
  kNotYetValid,
  // Registration ID and attestation.
  kRegistrationIdInvalid,   // name: the validator's message
  kRegistrationIdMismatch,  // name: the claimed ID
  kNoAttestation,
  kAttestationTypeMismatch,  // name: the enrollment's attestation type
  kClientCertificateMismatch,
  kSasTokenMalformed,          // name: the parser's message
  kSasTokenWrongRegistration,  // name: the token's registration
  kSasTokenExpired,            // value: expiry, limit: validation time
  kSasSignatureInvalid,
  // Provisioning (CHECK_THROTTLE, CHECK_QUOTA).
  kThrottled,      // value: retry after (seconds)
  kQuotaExceeded,  // value: registrations, limit: quota
  kStoreError,     // name: the store's error
  // Revocation (CHECK_REVOCATION): name: the CRL (its file, "#n" for the
  // n-th of a PEM file); other_index: the issuer whose key verified it, or
  // -1 when that issuer is not on the path.
  kCertificateRevoked,     // value: revocationDate, limit: the CRL's
                           // thisUpdate (Unix seconds)
  kCrlStale,               // value: nextUpdate, limit: the validation time
  kCrlNotYetValid,         // value: thisUpdate, limit: the validation time
  kCrlSignatureInvalid,    // no certificate named like the CRL's issuer
                           // verifies its signature
  kCrlIssuerNotCrlSigner,  // the verifying issuer's keyUsage lacks cRLSign
};

// The form of CheckFailure::name.
enum class NameForm : uint8_t {
  kText = 0,   // text (a message, an OID, an ID)
  kDns,        // dNSName
  kEmail,      // rfc822Name
  kIp,         // iPAddress, as its 4 or 16 bytes
  kDirectory,  // directoryName, as the DER of the Name
  kOther,      // a GeneralName form the engine does not check; value: tag
};

// What a failed check returns: its cause and typed parameters (see Cause
// for which parameters each cause sets). Plain values: a check returns one
// without allocating. `name` views the checked certificate's data or a
// static string; it is valid while the certificates checked are.
struct CheckFailure {
  Cause cause = Cause::kNone;
  int certificate_index = -1;  // the failing certificate; -1: the path
  int64_t value = 0;
  int64_t limit = 0;
  int other_index = -1;  // a second certificate the cause is about
  NameForm name_form = NameForm::kText;
  absl::string_view name;

  bool failed() const { return cause != Cause::kNone; }
};

// The smallest RSA key ResolverOptions::min_rsa_bits can let through.
inline constexpr int kMinLegacyRsaBits = 1024;

struct ResolverOptions {
  // Most certificates in the verified path from the leaf to the deciding
  // group's certificate, both included: docs/rules.md's depth (default 10).
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
  // The certificate profile a path is held to. The default refuses
  // weaknesses (weak keys and signatures, below) and what breaks the path's
  // meaning (an issuer that is not a CA, keyCertSign on a non-CA, a CA with
  // an empty subject, exceeded pathLen or name constraints, unknown critical
  // extensions, time), not departures from RFC 5280's certificate profile
  // that DPS lets through. README "Checks beyond DPS" lists each check.
  enum class Profile {
    // The checks above.
    kDefault,
    // RFC 5280's certificate profile (§4.1-4.2) on top: X.509 v3 only;
    // authorityKeyIdentifier not critical and with a keyIdentifier, in
    // every certificate below the group's (a self-signed group
    // certificate's AKI, if any, equals its SKI), subjectKeyIdentifier in
    // every issuer (as require_key_identifiers); nameConstraints only in
    // issuers; the group's certificate has critical basicConstraints; no
    // pathLenConstraint without cA=TRUE; a critical subjectAltName when the
    // subject is empty.
    kStrict,
    // kStrict plus the CA/B Forum Baseline Requirements' rules for the
    // leaf and the anchor (x509-limbo's webpki profile): the leaf is not a
    // CA; it carries a non-critical extendedKeyUsage without
    // anyExtendedKeyUsage; the anchor has no extendedKeyUsage and its
    // authorityKeyIdentifier has neither authorityCertIssuer nor
    // authorityCertSerialNumber.
    kWebPki,
  };
  Profile profile = Profile::kDefault;
  // RFC 5280 §4.2.1.1-2: every certificate below the deciding group's
  // certificate must carry authorityKeyIdentifier.keyIdentifier and every
  // issuer (the group's certificate included) a subjectKeyIdentifier. Off
  // by default: a missing identifier is no weakness (the walk then matches
  // issuers by name, and every signature is verified), and DPS provisions
  // such devices. On under Profile::kStrict and kWebPki whatever this says.
  bool require_key_identifiers = false;
  // RFC 5280 §4.2.1.1 read pedantically: a group certificate that is not
  // self-signed (a cross-signed CA used as the anchor) must carry an
  // authorityKeyIdentifier (AUTHORITY_KEY_ID_MISSING at its index). Off by
  // default and in every profile: the group's certificate is the trust
  // anchor, whose own extensions path validation does not process (RFC
  // 5280 §6.1.1 (d)); x509-limbo marks the rule pedantic-rfc5280.
  bool require_anchor_authority_key_id = false;
  // Accept a device (leaf) certificate whose basicConstraints say cA=TRUE
  // (RFC 5280 does not forbid it; x509-limbo's rfc5280::ca-as-leaf and
  // BoringSSL's non-strict purposes accept it). Off = BoringSSL's *_STRICT
  // and the CA/B Forum profile (Profile::kWebPki refuses a CA leaf whatever
  // this says).
  bool allow_ca_leaf = true;
  // keyUsage bits (KeyUsageBit of engine/x509/certificate.h) the leaf must
  // assert when it has a keyUsage extension (a leaf without one is
  // unrestricted, RFC 5280 §4.2.1.3); a leaf lacking one is
  // CHAIN_UNVERIFIED, cause LEAF_KEY_USAGE_MISSING. 0 (the default): none.
  uint16_t required_leaf_key_usage = 0;
  // Key and signature strength, refused by default as weaknesses: RSA keys
  // under min_rsa_bits (WEAK_KEY) and SHA-1 signatures
  // (WEAK_SIGNATURE_ALGORITHM). For a legacy fleet only: lower
  // min_rsa_bits (never below 1024, kMinLegacyRsaBits) and set
  // allow_sha1_signatures. DSA, MD5 and EC curves other than P-256/384/521
  // are refused whatever these say (the engine verifies none of them).
  int min_rsa_bits = 2048;
  bool allow_sha1_signatures = false;
  // When false, the leaf's CN is not checked as a registration ID (ranking
  // X.509 step 3) and individual enrollments are not consulted (step 4):
  // path validation only, for conformance suites whose leaves are not
  // devices. Always true in production.
  bool check_registration_id = true;
  // Whether a CRL past its nextUpdate is still used (ranking X.509 5d).
  // Off by default: a stale CRL may miss revocations, so a path that
  // depends on one is CHAIN_UNVERIFIED (cause CRL_STALE).
  bool accept_stale_crls = false;
};

// Counters of one proof cache.
struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;  // entries dropped to stay within capacity
  size_t size = 0;
  // The shared proof store's admission policy (engine/core/proof_store.h):
  // entries it stored, and entries it refused because they were used less
  // than what they would have replaced. Zero for per-Evaluator caches.
  uint64_t admissions = 0;
  uint64_t rejections = 0;
  size_t capacity = 0;  // most entries it can hold (0 when not known)
  size_t bytes = 0;     // memory of its tables (0 when not known)
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_TYPES_H_
