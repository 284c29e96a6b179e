#include "engine/x509/chain_checks.h"

#include <algorithm>
#include <string>

namespace chaintrust {
namespace {

CheckFailure Fail(Cause cause, int64_t value = 0, int64_t limit = 0) {
  CheckFailure f;
  f.cause = cause;
  f.value = value;
  f.limit = limit;
  return f;
}

}  // namespace

ProfileOptions ProfileOptionsFor(const ResolverOptions& options) {
  using Profile = ResolverOptions::Profile;
  ProfileOptions out;
  out.webpki = options.profile == Profile::kWebPki;
  out.rfc5280 = out.webpki || options.profile == Profile::kStrict;
  out.require_key_identifiers = out.rfc5280 || options.require_key_identifiers;
  out.require_anchor_authority_key_id = options.require_anchor_authority_key_id;
  out.allow_ca_leaf = !out.webpki && options.allow_ca_leaf;
  out.required_leaf_key_usage = options.required_leaf_key_usage;
  out.required_eku = options.required_eku;
  return out;
}

CheckFailure CheckKeyStrength(const Certificate& cert, int min_rsa_bits) {
  const int min_bits = std::max(min_rsa_bits, kMinLegacyRsaBits);
  switch (cert.key_type()) {
    case KeyType::kRsa:
      if (cert.key_bits() < min_bits || cert.key_bits() % 8 != 0) {
        return Fail(Cause::kWeakKey, cert.key_bits(), min_bits);
      }
      return CheckFailure();
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
    case KeyType::kEd25519:
      return CheckFailure();
    case KeyType::kEcOther:
      return Fail(Cause::kKeyAlgorithmNotAccepted, 1);
    case KeyType::kUnknown:
      break;
  }
  return Fail(Cause::kKeyAlgorithmNotAccepted);
}

CheckFailure CheckSignatureAlgorithm(const Certificate& cert, bool allow_sha1) {
  switch (cert.signature_algorithm()) {
    case SignatureAlgorithm::kRsaPkcs1Sha1:
    case SignatureAlgorithm::kEcdsaSha1: {
      if (allow_sha1) return CheckFailure();
      CheckFailure f = Fail(Cause::kWeakSignatureAlgorithm);
      f.name = SignatureAlgorithmName(cert.signature_algorithm());
      return f;
    }
    case SignatureAlgorithm::kUnknown:
      return Fail(Cause::kSignatureAlgorithmNotSupported);
    default:
      return CheckFailure();
  }
}

namespace {

// ProfileOptions::rfc5280's rules and the key identifiers.
CheckFailure CheckRfc5280Profile(const Certificate& cert, PathPosition position,
                                 const ProfileOptions& options,
                                 absl::FunctionRef<bool()> self_signed) {
  const absl::string_view akid = cert.authority_key_identifier();
  const absl::string_view skid = cert.subject_key_identifier();
  if (options.rfc5280) {
    if (cert.version() != 3) return Fail(Cause::kNotV3, cert.version());
    if (cert.authority_key_identifier_critical()) {
      return Fail(Cause::kAuthorityKeyIdCritical);
    }
    if (cert.has_authority_key_identifier_extension() && akid.empty()) {
      return Fail(Cause::kAuthorityKeyIdWithoutKeyId);
    }
  }
  if (options.require_key_identifiers) {
    if (!position.top && akid.empty()) {
      return Fail(Cause::kAuthorityKeyIdMissing);
    }
    if (position.issuer && skid.empty()) {
      return Fail(Cause::kSubjectKeyIdMissing);
    }
  }
  if (!position.top) return CheckFailure();
  // The anchor: a self-signed one's AKI, if any, is its own SKI; any
  // other (a cross-signed CA) names its issuer's key (RFC 5280 §4.2.1.1),
  // when options ask for it.
  if (options.rfc5280 && cert.self_issued() && !akid.empty() && !skid.empty() &&
      akid != skid && self_signed()) {
    return Fail(Cause::kAuthorityKeyIdMismatch);
  }
  if (options.require_anchor_authority_key_id && akid.empty() &&
      !(cert.self_issued() && self_signed())) {
    return Fail(Cause::kAuthorityKeyIdMissing);
  }
  return CheckFailure();
}

// ProfileOptions::webpki's rules (CA/B Forum BR 7.1.2.1 for the anchor,
// 7.1.2.7 for the leaf).
CheckFailure CheckWebPkiProfile(const Certificate& cert, PathPosition position,
                                const ProfileOptions& options) {
  if (position.top && cert.authority_key_identifier_has_issuer_and_serial()) {
    return Fail(Cause::kAuthorityKeyIdIssuerFields);
  }
  if (position.top && position.issuer && cert.has_extended_key_usage()) {
    CheckFailure f = Fail(Cause::kEkuOnAnchor);
    if (!cert.extended_key_usages().empty()) {
      f.name = cert.extended_key_usages()[0];
    }
    return f;
  }
  if (!position.leaf) return CheckFailure();
  if (!cert.has_extended_key_usage()) {
    CheckFailure f = Fail(Cause::kEkuMissing, 1);
    f.name = options.required_eku.empty() ? absl::string_view("a purpose")
                                          : options.required_eku;
    return f;
  }
  if (cert.extended_key_usage_critical()) return Fail(Cause::kEkuCritical);
  for (const std::string& eku : cert.extended_key_usages()) {
    if (eku == kEkuAnyExtendedKeyUsage) {
      CheckFailure f = Fail(Cause::kEkuForbidden);
      f.name = kEkuAnyExtendedKeyUsage;
      return f;
    }
  }
  return CheckFailure();
}

}  // namespace

CheckFailure CheckProfile(const Certificate& cert, PathPosition position,
                          const ProfileOptions& options,
                          absl::FunctionRef<bool()> self_signed) {
  CheckFailure f = CheckRfc5280Profile(cert, position, options, self_signed);
  if (f.failed()) return f;
  if (position.issuer && cert.subject_der().size() <= 2) {
    return Fail(Cause::kIssuerSubjectEmpty);
  }
  if (cert.has_basic_constraints() && !cert.is_ca() && cert.has_key_usage() &&
      (cert.key_usage() & kKeyCertSign) != 0) {
    return Fail(Cause::kKeyCertSignWithoutCa);
  }
  if (options.rfc5280) {
    if (!position.issuer && !cert.name_constraints_der().empty()) {
      return Fail(Cause::kNameConstraintsOnEndEntity);
    }
    if (position.top && position.issuer && cert.has_basic_constraints() &&
        !cert.basic_constraints_critical()) {
      return Fail(Cause::kBasicConstraintsNotCritical);
    }
    if (cert.has_basic_constraints() && !cert.is_ca() &&
        cert.path_len_constraint().has_value()) {
      return Fail(Cause::kPathLenWithoutCa);
    }
    if (cert.subject_der().size() <= 2 &&
        !cert.subject_alt_name_der().empty() &&
        !cert.subject_alt_name_critical()) {
      return Fail(Cause::kSubjectAltNameNotCritical);
    }
  }
  if (position.leaf && !options.allow_ca_leaf && cert.has_basic_constraints() &&
      cert.is_ca()) {
    return Fail(Cause::kCaLeaf);
  }
  if (position.leaf && options.required_leaf_key_usage != 0 &&
      cert.has_key_usage()) {
    const uint16_t lacking =
        options.required_leaf_key_usage & ~cert.key_usage();
    if (lacking != 0) return Fail(Cause::kLeafKeyUsageMissing, lacking);
  }
  if (options.webpki) return CheckWebPkiProfile(cert, position, options);
  return CheckFailure();
}

}  // namespace chaintrust
