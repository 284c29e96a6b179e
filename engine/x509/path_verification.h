// Chain verification of a built path (docs/rules.md §4, ranking 5c-5d of
// engine/core/resolver.h): signatures, issuers, path length, the
// per-certificate checks of chain_checks.h, name constraints, critical
// extensions, extended key usage and validity. Path building and precedence
// stay in engine/core; this knows nothing of enrollments or decisions and
// reports the first failure as a CheckFailure.
#ifndef CHAINTRUST_ENGINE_X509_PATH_VERIFICATION_H_
#define CHAINTRUST_ENGINE_X509_PATH_VERIFICATION_H_

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust {

// Whether `child`'s signature verifies with `issuer`'s key (the caller may
// answer from its caches).
using SignatureCheck = absl::FunctionRef<bool(const Certificate& child,
                                              const Certificate& issuer)>;

struct PathVerification {
  // Cause::kNone when the path verifies.
  CheckFailure failure;
  // Every signature, issuer, path-length, profile and key check passed; a
  // failure, if any, is of name constraints, extensions, EKU or time.
  bool signatures_verified = false;
};

// Verifies `path` (path[0] the leaf, path.back() the deciding group's
// certificate, the anchor), in this order, reporting the lowest failing
// index of the first check that fails:
//  1. length: more than options.max_chain_length certificates, self-issued
//     intermediates not counted -> kChainTooLong (index -1);
//  2. from the leaf up, per link (i, i+1): i's signature by i+1
//     (kSignatureInvalid), i's profile, key strength and signature
//     algorithm (chain_checks.h), i+1 is a CA that may sign
//     (kIssuerNotCa, kKeyCertSignMissing) and its pathLenConstraint holds
//     (kPathLengthExceeded at i+1; self-issued intermediates do not count);
//     then the anchor's profile and key;
//  3. nameConstraints of every CA apply to the certificates below it but
//     self-issued intermediates;
//  4. unhandled critical extensions;
//  5. options.required_eku under options.eku_policy, when set;
//  6. validity at `at` (kExpired, kNotYetValid): structure outranks time.
PathVerification VerifyPath(absl::Span<const Certificate* const> path,
                            const ResolverOptions& options, absl::Time at,
                            SignatureCheck verifies);

// `cert`'s validity at `at`, compared to the second (the encoding's
// granularity, RFC 5280 §4.1.2.5): kExpired / kNotYetValid with the bound
// (value) and `at` (limit) in Unix seconds.
CheckFailure CheckValidity(const Certificate& cert, absl::Time at);

// Why certificate `index` of a path (0 = the leaf) fails
// options.required_eku under options.eku_policy (kEkuMissing,
// kEkuForbidden); kNone when it passes or no EKU is required.
CheckFailure CheckEku(const Certificate& cert, int index,
                      const ResolverOptions& options);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_PATH_VERIFICATION_H_
