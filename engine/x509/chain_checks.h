// Per-certificate checks of chain verification (DESIGN.md §1 rule 4) that
// do not depend on path building: key and signature-algorithm strength,
// the certificate profile a device trust engine insists on, and name
// constraints. The resolver (engine/resolver.cc) applies them to the built
// path; each returns an empty string when the certificate passes, else the
// cause, in words, for the explanation.
#ifndef CHAINTRUST_ENGINE_X509_CHAIN_CHECKS_H_
#define CHAINTRUST_ENGINE_X509_CHAIN_CHECKS_H_

#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "engine/x509/certificate.h"

namespace chaintrust {

// The public key of any certificate of the path (the leaf's too): RSA of
// at least 2048 bits and a whole number of octets, EC on P-256, P-384 or
// P-521, or Ed25519. DSA, other curves and unknown algorithms fail.
std::string KeyStrengthProblem(const Certificate& cert);

// The algorithm `cert` is signed with (checked for every certificate that
// has an issuer in the path): SHA-1 and unknown algorithms (MD5, ...) fail.
std::string SignatureAlgorithmProblem(const Certificate& cert);

// Where a certificate sits in the path.
struct PathPosition {
  bool leaf = false;    // index 0: the device's certificate
  bool issuer = false;  // signs the certificate below it
  bool top = false;     // the deciding group's certificate (the anchor)
};

struct ProfileOptions {
  // RFC 5280 §4.2.1.1 / §4.2.1.2: every certificate below the anchor
  // carries authorityKeyIdentifier.keyIdentifier, every issuer a
  // subjectKeyIdentifier.
  bool require_key_identifiers = true;
  // Accept a leaf whose basicConstraints say cA=TRUE.
  bool allow_ca_leaf = true;
};

// Profile rules: X.509 v3 only; authorityKeyIdentifier not critical and,
// when present, with a keyIdentifier; a self-signed anchor's AKI equals
// its SKI; key identifiers as `options` require; an issuer has a non-empty
// subject; a certificate with basicConstraints cA=FALSE does not assert
// keyCertSign; the leaf is not a CA unless `options` allow it; the anchor
// (the group's certificate, an operator-vetted CA) has a critical
// basicConstraints (RFC 5280 §4.2.1.9 — intermediates are not held to it,
// as in Chromium/BoringSSL).
// `self_signed` is whether `cert` verifies with its own key (asked only
// for a self-issued anchor whose AKI and SKI differ).
std::string ProfileProblem(const Certificate& cert, PathPosition position,
                           const ProfileOptions& options,
                           absl::FunctionRef<bool()> self_signed);

// Whether `cert`'s names (subject, when not empty, and subjectAltName)
// satisfy the nameConstraints extension value `name_constraints` (a DER
// NameConstraints) of a certificate above it (RFC 5280 §4.2.1.10,
// §6.1.3 (b)-(c)). Supported forms: directoryName (RDN-sequence prefix,
// byte-exact RDNs), dNSName, rfc822Name and iPAddress. A constraint of any
// other form, with a minimum or maximum, or a malformed extension fails
// closed.
std::string NameConstraintsProblem(absl::string_view name_constraints,
                                   const Certificate& cert);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_CHAIN_CHECKS_H_
