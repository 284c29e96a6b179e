#include "engine/x509/path_verification.h"

#include <string>

#include "engine/x509/chain_checks.h"
#include "engine/x509/name_constraints.h"

namespace chaintrust {
namespace {

// Key purposes BoringSSL's strict modes refuse on the leaf (and, but for
// OCSPSigning, on its issuer): ResolverOptions::EkuPolicy::kStrict.
constexpr absl::string_view kEkuCodeSigning = "1.3.6.1.5.5.7.3.3";
constexpr absl::string_view kEkuTimeStamping = "1.3.6.1.5.5.7.3.8";
constexpr absl::string_view kEkuOcspSigning = "1.3.6.1.5.5.7.3.9";

CheckFailure At(CheckFailure f, int index, int other_index = -1) {
  f.certificate_index = index;
  if (other_index >= 0) f.other_index = other_index;
  return f;
}

CheckFailure Fail(Cause cause, int index, int64_t value = 0,
                  int64_t limit = 0) {
  CheckFailure f;
  f.cause = cause;
  f.certificate_index = index;
  f.value = value;
  f.limit = limit;
  return f;
}

// Profile, key strength and, below the anchor, the signature algorithm of
// path[index].
CheckFailure CheckCertificate(absl::Span<const Certificate* const> path,
                              int index, const ResolverOptions& options,
                              SignatureCheck verifies) {
  const int top = static_cast<int>(path.size()) - 1;
  const Certificate& cert = *path[index];
  PathPosition position;
  position.leaf = index == 0;
  position.issuer = index > 0;
  position.top = index == top;
  CheckFailure f = CheckProfile(cert, position, ProfileOptionsFor(options),
                                [&]() { return verifies(cert, cert); });
  if (!f.failed()) f = CheckKeyStrength(cert, options.min_rsa_bits);
  if (!f.failed() && index < top) {
    f = CheckSignatureAlgorithm(cert, options.allow_sha1_signatures);
  }
  return At(f, index);
}

CheckFailure CheckIssuer(const Certificate& issuer, int index) {
  if (!issuer.has_basic_constraints()) {
    return Fail(Cause::kIssuerNotCa, index, 1);
  }
  if (!issuer.is_ca()) return Fail(Cause::kIssuerNotCa, index);
  if (issuer.has_key_usage() && (issuer.key_usage() & kKeyCertSign) == 0) {
    return Fail(Cause::kKeyCertSignMissing, index);
  }
  return CheckFailure();
}

// Step 2 of VerifyPath: signatures, issuers, path length, per-certificate
// checks.
CheckFailure CheckLinks(absl::Span<const Certificate* const> path,
                        const ResolverOptions& options,
                        SignatureCheck verifies) {
  const int top = static_cast<int>(path.size()) - 1;
  for (int i = 0; i < top; ++i) {
    const Certificate& child = *path[i];
    const Certificate& issuer = *path[i + 1];
    if (!verifies(child, issuer)) {
      // An algorithm the engine does not verify (MD5, DSA, ...) is named
      // as such, not as a bad signature.
      if (child.signature_algorithm() == SignatureAlgorithm::kUnknown) {
        return Fail(Cause::kSignatureAlgorithmNotSupported, i);
      }
      CheckFailure f = Fail(Cause::kSignatureInvalid, i);
      f.other_index = i + 1;
      return f;
    }
    CheckFailure f = CheckCertificate(path, i, options, verifies);
    if (f.failed()) return f;
    f = CheckIssuer(issuer, i + 1);
    if (f.failed()) return f;
    if (const auto path_len = issuer.path_len_constraint()) {
      // Intermediates between this issuer and the leaf. A self-issued
      // intermediate does not count (RFC 5280 §6.1.4 (l)).
      int below = 0;
      for (int k = 1; k <= i; ++k) {
        if (!path[k]->self_issued()) ++below;
      }
      if (below > *path_len) {
        return Fail(Cause::kPathLengthExceeded, i + 1, below, *path_len);
      }
    }
  }
  return CheckCertificate(path, top, options, verifies);
}

// nameConstraints of each CA in the path apply to every certificate below
// it, except self-issued intermediates (RFC 5280 §6.1.3 (b)).
CheckFailure CheckPathNameConstraints(
    absl::Span<const Certificate* const> path) {
  const int top = static_cast<int>(path.size()) - 1;
  for (int k = 1; k <= top; ++k) {
    const absl::string_view nc = path[k]->name_constraints_der();
    if (nc.empty()) continue;
    for (int i = 0; i < k; ++i) {
      const Certificate& cert = *path[i];
      if (i > 0 && cert.self_issued()) continue;
      CheckFailure f = CheckNameConstraints(nc, cert);
      if (f.failed()) return At(f, i, k);
    }
  }
  return CheckFailure();
}

// CheckValidity with `second`, the validation time truncated to a whole
// second (computed once for a whole path).
CheckFailure CheckValidityAt(const Certificate& cert, absl::Time second,
                             absl::Time at) {
  if (second < cert.not_before()) {
    return Fail(Cause::kNotYetValid, -1, absl::ToUnixSeconds(cert.not_before()),
                absl::ToUnixSeconds(at));
  }
  if (second > cert.not_after()) {
    return Fail(Cause::kExpired, -1, absl::ToUnixSeconds(cert.not_after()),
                absl::ToUnixSeconds(at));
  }
  return CheckFailure();
}

}  // namespace

CheckFailure CheckValidity(const Certificate& cert, absl::Time at) {
  return CheckValidityAt(cert, absl::FromUnixSeconds(absl::ToUnixSeconds(at)),
                         at);
}

CheckFailure CheckEku(const Certificate& c, int index,
                      const ResolverOptions& options) {
  using EkuPolicy = ResolverOptions::EkuPolicy;
  const std::string& want = options.required_eku;
  if (want.empty()) return CheckFailure();
  const bool strict =
      options.eku_policy == EkuPolicy::kStrict ||
      (options.eku_policy == EkuPolicy::kStrictLeaf && index == 0);
  bool has_wanted = false;
  bool has_any = false;
  absl::string_view prohibited;
  for (const std::string& eku : c.extended_key_usages()) {
    if (eku == want) has_wanted = true;
    if (eku == kEkuAnyExtendedKeyUsage) has_any = true;
    // BoringSSL: codeSigning and timeStamping are refused on the leaf and
    // its issuer, OCSPSigning on the leaf.
    if (prohibited.empty() && index <= 1 &&
        (eku == kEkuCodeSigning || eku == kEkuTimeStamping ||
         (index == 0 && eku == kEkuOcspSigning))) {
      prohibited = eku;
    }
  }
  CheckFailure missing = Fail(Cause::kEkuMissing, index);
  missing.name = want;
  if (!strict) {
    if (!c.has_extended_key_usage() || has_wanted || has_any) {
      return CheckFailure();
    }
    return missing;
  }
  if (!c.has_extended_key_usage()) {
    if (index == 1 && want == kEkuServerAuth) return CheckFailure();
    missing.value = 1;
    return missing;
  }
  if (!prohibited.empty()) {
    CheckFailure f = Fail(Cause::kEkuForbidden, index);
    f.name = prohibited;
    return f;
  }
  if (has_wanted || (index >= 2 && has_any)) return CheckFailure();
  return missing;
}

PathVerification VerifyPath(absl::Span<const Certificate* const> path,
                            const ResolverOptions& options, absl::Time at,
                            SignatureCheck verifies) {
  PathVerification result;
  const int top = static_cast<int>(path.size()) - 1;
  // Self-issued intermediates do not count toward the depth (RFC 5280
  // §6.1.4 (l)).
  int length = top + 1;
  for (int k = 1; k < top; ++k) {
    if (path[k]->self_issued()) --length;
  }
  if (length > options.max_chain_length) {
    result.failure =
        Fail(Cause::kChainTooLong, -1, length, options.max_chain_length);
    return result;
  }
  result.failure = CheckLinks(path, options, verifies);
  if (result.failure.failed()) return result;
  result.signatures_verified = true;
  result.failure = CheckPathNameConstraints(path);
  if (result.failure.failed()) return result;
  for (int i = 0; i <= top; ++i) {
    const auto& unhandled = path[i]->unhandled_critical_extensions();
    if (!unhandled.empty()) {
      result.failure = Fail(Cause::kUnhandledCriticalExtension, i);
      result.failure.name = unhandled[0];
      return result;
    }
  }
  if (!options.required_eku.empty()) {
    const int last = options.check_group_certificate_eku ? top : top - 1;
    for (int i = 0; i <= last; ++i) {
      result.failure = CheckEku(*path[i], i, options);
      if (result.failure.failed()) return result;
    }
  }
  const absl::Time second = absl::FromUnixSeconds(absl::ToUnixSeconds(at));
  for (int i = 0; i <= top; ++i) {
    const CheckFailure f = CheckValidityAt(*path[i], second, at);
    if (f.failed()) {
      result.failure = At(f, i);
      return result;
    }
  }
  result.failure = CheckFailure();
  return result;
}

}  // namespace chaintrust
