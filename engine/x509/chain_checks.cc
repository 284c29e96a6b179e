#include "engine/x509/chain_checks.h"

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

CheckFailure CheckKeyStrength(const Certificate& cert) {
  constexpr int kMinRsaBits = 2048;
  switch (cert.key_type()) {
    case KeyType::kRsa:
      if (cert.key_bits() < kMinRsaBits || cert.key_bits() % 8 != 0) {
        return Fail(Cause::kWeakKey, cert.key_bits(), kMinRsaBits);
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

CheckFailure CheckSignatureAlgorithm(const Certificate& cert) {
  switch (cert.signature_algorithm()) {
    case SignatureAlgorithm::kRsaPkcs1Sha1:
    case SignatureAlgorithm::kEcdsaSha1: {
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

CheckFailure CheckProfile(const Certificate& cert, PathPosition position,
                          const ProfileOptions& options,
                          absl::FunctionRef<bool()> self_signed) {
  if (cert.version() != 3) return Fail(Cause::kNotV3, cert.version());
  if (cert.authority_key_identifier_critical()) {
    return Fail(Cause::kAuthorityKeyIdCritical);
  }
  const absl::string_view akid = cert.authority_key_identifier();
  const absl::string_view skid = cert.subject_key_identifier();
  if (cert.has_authority_key_identifier_extension() && akid.empty()) {
    return Fail(Cause::kAuthorityKeyIdWithoutKeyId);
  }
  if (options.require_key_identifiers) {
    if (!position.top && akid.empty()) {
      return Fail(Cause::kAuthorityKeyIdMissing);
    }
    if (position.issuer && skid.empty()) {
      return Fail(Cause::kSubjectKeyIdMissing);
    }
  }
  if (position.top && cert.self_issued() && !akid.empty() && !skid.empty() &&
      akid != skid && self_signed()) {
    return Fail(Cause::kAuthorityKeyIdMismatch);
  }
  if (position.issuer && cert.subject_der().size() <= 2) {
    return Fail(Cause::kIssuerSubjectEmpty);
  }
  if (cert.has_basic_constraints() && !cert.is_ca() && cert.has_key_usage() &&
      (cert.key_usage() & kKeyCertSign) != 0) {
    return Fail(Cause::kKeyCertSignWithoutCa);
  }
  if (!position.issuer && !cert.name_constraints_der().empty()) {
    return Fail(Cause::kNameConstraintsOnEndEntity);
  }
  if (position.top && position.issuer && cert.has_basic_constraints() &&
      !cert.basic_constraints_critical()) {
    return Fail(Cause::kBasicConstraintsNotCritical);
  }
  if (position.leaf && !options.allow_ca_leaf && cert.has_basic_constraints() &&
      cert.is_ca()) {
    return Fail(Cause::kCaLeaf);
  }
  return CheckFailure();
}

}  // namespace chaintrust
