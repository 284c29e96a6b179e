// Per-certificate checks of chain verification (docs/rules.md §4) that
// do not depend on path building: key and signature-algorithm strength and
// the certificate profile a device trust engine insists on. Path
// verification (engine/x509/path_verification.h) applies them to the built
// path. Each returns a CheckFailure: Cause::kNone when the certificate
// passes, else the cause and its typed parameters (certificate indexes are
// left for the caller to set).
#ifndef CHAINTRUST_ENGINE_X509_CHAIN_CHECKS_H_
#define CHAINTRUST_ENGINE_X509_CHAIN_CHECKS_H_

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"
#include "engine/x509/name_constraints.h"

namespace chaintrust {

// The public key of any certificate of the path (the leaf's too): RSA of
// at least `min_rsa_bits` (never under kMinLegacyRsaBits) and a whole
// number of octets (else kWeakKey with the bits), EC on P-256, P-384 or
// P-521, or Ed25519. DSA, other curves and unknown algorithms are
// kKeyAlgorithmNotAccepted.
CheckFailure CheckKeyStrength(const Certificate& cert, int min_rsa_bits = 2048);

// The algorithm `cert` is signed with (checked for every certificate that
// has an issuer in the path): SHA-1 is kWeakSignatureAlgorithm unless
// `allow_sha1`, unknown algorithms (MD5, DSA, ...)
// kSignatureAlgorithmNotSupported.
CheckFailure CheckSignatureAlgorithm(const Certificate& cert,
                                     bool allow_sha1 = false);

// Where a certificate sits in the path.
struct PathPosition {
  bool leaf = false;    // index 0: the device's certificate
  bool issuer = false;  // signs the certificate below it
  bool top = false;     // the deciding group's certificate (the anchor)
};

struct ProfileOptions {
  // RFC 5280's certificate profile (ResolverOptions::Profile::kStrict).
  bool rfc5280 = false;
  // RFC 5280 §4.2.1.1 / §4.2.1.2: every certificate below the anchor
  // carries authorityKeyIdentifier.keyIdentifier, every issuer a
  // subjectKeyIdentifier.
  bool require_key_identifiers = false;
  // A group certificate that is not self-signed carries an AKI
  // (ResolverOptions::require_anchor_authority_key_id).
  bool require_anchor_authority_key_id = false;
  // The CA/B Forum rules of ResolverOptions::Profile::kWebPki.
  bool webpki = false;
  // Accept a leaf whose basicConstraints say cA=TRUE.
  bool allow_ca_leaf = true;
  // keyUsage bits a leaf with a keyUsage extension must assert.
  uint16_t required_leaf_key_usage = 0;
  // The EKU named when a webpki leaf has none (ResolverOptions::
  // required_eku; may be empty).
  absl::string_view required_eku;
};

// The ProfileOptions that `options` ask for.
ProfileOptions ProfileOptionsFor(const ResolverOptions& options);

// Profile rules. Always: an issuer has a non-empty subject; a certificate
// with basicConstraints cA=FALSE does not assert keyCertSign; the leaf is
// not a CA unless `options` allow it and asserts the required keyUsage
// bits. options.rfc5280: X.509 v3 only; authorityKeyIdentifier not critical
// and, when present, with a keyIdentifier; a self-signed anchor's AKI
// equals its SKI; only issuers carry
// nameConstraints; the anchor (the group's certificate) has a critical
// basicConstraints (RFC 5280 §4.2.1.9 — intermediates are not held to it,
// as in Chromium/BoringSSL); no pathLenConstraint without cA; a
// certificate with an empty subject has a critical subjectAltName. Key
// identifiers, the anchor's included, as `options` require. options.webpki: the
// CA/B Forum rules of ResolverOptions::Profile::kWebPki. `self_signed` is
// whether `cert` verifies with its own key (asked only for a self-issued
// anchor).
CheckFailure CheckProfile(const Certificate& cert, PathPosition position,
                          const ProfileOptions& options,
                          absl::FunctionRef<bool()> self_signed);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_CHAIN_CHECKS_H_
