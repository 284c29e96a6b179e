// Causes of failed checks: the step that reports each and their text.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/decision.h"

namespace chaintrust {
namespace {

std::string Rfc3339(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

std::string RenderIp(absl::string_view bytes) {
  std::string out;
  if (bytes.size() == 16) {
    for (size_t i = 0; i < bytes.size(); i += 2) {
      const unsigned word = (static_cast<uint8_t>(bytes[i]) << 8) |
                            static_cast<uint8_t>(bytes[i + 1]);
      absl::StrAppend(&out, i == 0 ? "" : ":", absl::Hex(word));
    }
    return out;
  }
  for (char c : bytes) {
    absl::StrAppend(&out, out.empty() ? "" : ".", static_cast<uint8_t>(c));
  }
  return out;
}

absl::string_view FormName(NameForm form) {
  switch (form) {
    case NameForm::kDns:
      return "dNSName";
    case NameForm::kEmail:
      return "rfc822Name";
    case NameForm::kIp:
      return "iPAddress";
    case NameForm::kDirectory:
      return "directoryName";
    case NameForm::kText:
    case NameForm::kOther:
      break;
  }
  return "name";
}

std::string RenderName(const CauseParameters& p) {
  switch (p.name_form) {
    case NameForm::kIp:
      return RenderIp(p.name);
    case NameForm::kDirectory:
      return "(a directory name)";
    default:
      return p.name;
  }
}

// The names of the keyUsage bits (RFC 5280 §4.2.1.3) set in `mask`.
std::string KeyUsageNames(int64_t mask) {
  static constexpr absl::string_view kNames[] = {
      "digitalSignature", "nonRepudiation", "keyEncipherment",
      "dataEncipherment", "keyAgreement",   "keyCertSign",
      "cRLSign",          "encipherOnly",   "decipherOnly"};
  std::string out;
  for (int i = 0; i < 9; ++i) {
    if ((mask & (int64_t{1} << i)) != 0) {
      absl::StrAppend(&out, out.empty() ? "" : ", ", kNames[i]);
    }
  }
  return out;
}

std::string CertText(int index) { return absl::StrCat("certificate ", index); }

// A duration in seconds as "N days" / "N hours" / "N s", for CRL ages.
std::string Age(int64_t seconds) {
  if (seconds >= 2 * 86400) return absl::StrCat(seconds / 86400, " days");
  if (seconds >= 2 * 3600) return absl::StrCat(seconds / 3600, " hours");
  return absl::StrCat(seconds, " s");
}

}  // namespace

StepId StepOfCause(Cause cause) {
  switch (cause) {
    case Cause::kNone:
      return StepId::kDecide;
    case Cause::kTooManyCertificates:
    case Cause::kCertificateTooLarge:
    case Cause::kChainTooLarge:
    case Cause::kChainTooLong:
      return StepId::kCheckChainLimits;
    case Cause::kMalformedCertificate:
    case Cause::kMalformedPem:
      return StepId::kParseChain;
    case Cause::kIssuerNotFound:
    case Cause::kNoGroupWithinDepth:
    case Cause::kTooManyIssuerCandidates:
      return StepId::kBuildPath;
    case Cause::kSignatureInvalid:
      return StepId::kVerifySignature;
    case Cause::kIssuerNotCa:
    case Cause::kKeyCertSignMissing:
    case Cause::kCaNotVerified:
      return StepId::kCheckIssuer;
    case Cause::kPathLengthExceeded:
      return StepId::kCheckPathLength;
    case Cause::kWeakKey:
    case Cause::kKeyAlgorithmNotAccepted:
    case Cause::kWeakSignatureAlgorithm:
    case Cause::kSignatureAlgorithmNotSupported:
      return StepId::kCheckKeyStrength;
    case Cause::kNotV3:
    case Cause::kAuthorityKeyIdCritical:
    case Cause::kAuthorityKeyIdWithoutKeyId:
    case Cause::kAuthorityKeyIdMissing:
    case Cause::kSubjectKeyIdMissing:
    case Cause::kAuthorityKeyIdMismatch:
    case Cause::kIssuerSubjectEmpty:
    case Cause::kKeyCertSignWithoutCa:
    case Cause::kNameConstraintsOnEndEntity:
    case Cause::kBasicConstraintsNotCritical:
    case Cause::kCaLeaf:
    case Cause::kAuthorityKeyIdIssuerFields:
    case Cause::kEkuCritical:
    case Cause::kEkuOnAnchor:
    case Cause::kLeafKeyUsageMissing:
    case Cause::kPathLenWithoutCa:
    case Cause::kSubjectAltNameNotCritical:
      return StepId::kCheckProfile;
    case Cause::kNameConstraintViolated:
    case Cause::kNameConstraintUnsupported:
      return StepId::kCheckNameConstraints;
    case Cause::kUnhandledCriticalExtension:
      return StepId::kCheckExtensions;
    case Cause::kEkuMissing:
    case Cause::kEkuForbidden:
      return StepId::kCheckEku;
    case Cause::kExpired:
    case Cause::kNotYetValid:
      return StepId::kCheckValidity;
    case Cause::kRegistrationIdInvalid:
    case Cause::kRegistrationIdMismatch:
      return StepId::kRegistrationId;
    case Cause::kNoAttestation:
      return StepId::kDecide;
    case Cause::kAttestationTypeMismatch:
    case Cause::kClientCertificateMismatch:
      return StepId::kMatchClientCertificate;
    case Cause::kSasTokenMalformed:
      return StepId::kParseSasToken;
    case Cause::kSasTokenWrongRegistration:
    case Cause::kSasTokenExpired:
    case Cause::kSasSignatureInvalid:
      return StepId::kVerifySasToken;
    case Cause::kThrottled:
      return StepId::kCheckThrottle;
    case Cause::kQuotaExceeded:
    case Cause::kStoreError:
      return StepId::kCheckQuota;
    case Cause::kCertificateRevoked:
    case Cause::kCrlStale:
    case Cause::kCrlNotYetValid:
    case Cause::kCrlSignatureInvalid:
    case Cause::kCrlIssuerNotCrlSigner:
      return StepId::kCheckRevocation;
  }
  return StepId::kDecide;
}

namespace {

// The chain as presented: its limits, its parsing, the path through it.
std::string DescribeChainCause(Cause cause, const CauseParameters& p) {
  switch (cause) {
    case Cause::kTooManyCertificates:
      return absl::StrCat(p.value, " certificates presented; at most ", p.limit,
                          " are accepted");
    case Cause::kCertificateTooLarge:
      return absl::StrCat("the certificate is ", p.value, " bytes; at most ",
                          p.limit, " are accepted");
    case Cause::kChainTooLarge:
      return absl::StrCat("the chain is over ", p.limit, " bytes");
    case Cause::kMalformedCertificate:
      return p.name;
    case Cause::kMalformedPem:
      return absl::StrCat("the chain is not valid PEM: ", p.name);
    case Cause::kIssuerNotFound:
      if (p.value != 0) return "it is self-issued (a root)";
      if (p.limit > 0) {
        return absl::StrCat(
            p.limit, " presented certificate(s) are named \"", p.name,
            "\", but none can be its issuer (their key identifiers differ "
            "from the one it names, or they are already on the path)");
      }
      return absl::StrCat("no certificate named \"", p.name,
                          "\" was presented or is in the enrollment set");
    case Cause::kNoGroupWithinDepth:
      return absl::StrCat("no enrollment group within ", p.limit,
                          " certificates of the leaf");
    case Cause::kTooManyIssuerCandidates:
      return absl::StrCat(p.value,
                          " presented certificates could be its issuer; at "
                          "most ",
                          p.limit,
                          " are considered (a path-building attack is "
                          "refused whatever the order)");
    case Cause::kChainTooLong:
      return absl::StrCat("the path to the group's certificate has ", p.value,
                          " certificates (self-issued intermediates not "
                          "counted); at most ",
                          p.limit, " are accepted");
    default:
      break;
  }
  return "";
}

// Each certificate and its issuer: the signature, the issuer's right to
// sign, the path length, key and signature strength.
std::string DescribeIssuerCause(Cause cause, const CauseParameters& p) {
  switch (cause) {
    case Cause::kSignatureInvalid:
      return absl::StrCat("not signed by the key of ", CertText(p.other_index));
    case Cause::kIssuerNotCa:
      return p.value != 0 ? "it has no basicConstraints extension"
                          : "its basicConstraints say it is not a CA";
    case Cause::kKeyCertSignMissing:
      return "its keyUsage lacks keyCertSign";
    case Cause::kCaNotVerified:
      return absl::StrCat(
          "it is the group's CA certificate \"", p.name,
          "\" of the DPS certificate list, which is not verified (no proof "
          "of possession; DPS refuses devices under it)");
    case Cause::kPathLengthExceeded:
      return absl::StrCat("pathLenConstraint ", p.limit, " allows ", p.limit,
                          " intermediates below it; the path has ", p.value);
    case Cause::kWeakKey:
      return absl::StrCat("its RSA key has ", p.value, " bits; at least ",
                          p.limit,
                          ", a multiple of 8, are required (a weak key; a "
                          "legacy fleet: ResolverOptions::min_rsa_bits, "
                          "--legacy_crypto)");
    case Cause::kKeyAlgorithmNotAccepted:
      return p.value != 0
                 ? "its EC key is not on P-256, P-384 or P-521"
                 : "its public-key algorithm is not accepted (RSA, ECDSA "
                   "P-256/384/521 and Ed25519 are)";
    case Cause::kWeakSignatureAlgorithm:
      return absl::StrCat("it is signed with ", p.name,
                          "; SHA-1 signatures are weak and not accepted (a "
                          "legacy fleet: ResolverOptions::"
                          "allow_sha1_signatures, --legacy_crypto)");
    case Cause::kSignatureAlgorithmNotSupported:
      return "its signature algorithm is not supported (RSA and ECDSA with "
             "SHA-2, RSA-PSS and Ed25519 are; MD5 and DSA are refused, even "
             "for a legacy fleet)";
    default:
      break;
  }
  return "";
}

// The certificate profile (RFC 5280, CA/B Forum BR).
std::string DescribeProfileCause(Cause cause, const CauseParameters& p) {
  switch (cause) {
    case Cause::kNotV3:
      return absl::StrCat("it is an X.509 v", p.value,
                          " certificate; only v3 is accepted");
    case Cause::kAuthorityKeyIdCritical:
      return "its authorityKeyIdentifier is critical (RFC 5280 §4.2.1.1)";
    case Cause::kAuthorityKeyIdWithoutKeyId:
      return "its authorityKeyIdentifier has no keyIdentifier (RFC 5280 "
             "§4.2.1.1)";
    case Cause::kAuthorityKeyIdMissing:
      return "it has no authorityKeyIdentifier (RFC 5280 §4.2.1.1)";
    case Cause::kSubjectKeyIdMissing:
      return "it is a CA without a subjectKeyIdentifier (RFC 5280 §4.2.1.2)";
    case Cause::kAuthorityKeyIdMismatch:
      return "it is self-signed but its authorityKeyIdentifier differs from "
             "its subjectKeyIdentifier";
    case Cause::kIssuerSubjectEmpty:
      return "it is a CA with an empty subject (RFC 5280 §4.1.2.6)";
    case Cause::kKeyCertSignWithoutCa:
      return "its keyUsage asserts keyCertSign but basicConstraints say it "
             "is not a CA (RFC 5280 §4.2.1.9)";
    case Cause::kNameConstraintsOnEndEntity:
      return "it is not an issuer but has nameConstraints, which only CA "
             "certificates may carry (RFC 5280 §4.2.1.10)";
    case Cause::kBasicConstraintsNotCritical:
      return "it is the group's CA certificate and its basicConstraints are "
             "not critical (RFC 5280 §4.2.1.9)";
    case Cause::kCaLeaf:
      return "the device certificate is a CA (basicConstraints cA=TRUE); a "
             "device certificate must be an end entity";
    case Cause::kAuthorityKeyIdIssuerFields:
      return "it is the group's CA certificate and its authorityKeyIdentifier "
             "has authorityCertIssuer or authorityCertSerialNumber (CA/B "
             "Forum BR 7.1.2.1.3)";
    case Cause::kEkuCritical:
      return "its extendedKeyUsage is critical (CA/B Forum BR 7.1.2.7.6)";
    case Cause::kEkuOnAnchor:
      return absl::StrCat(
          "it is the group's CA certificate and has an extendedKeyUsage (",
          p.name, "; CA/B Forum BR 7.1.2.1.2)");
    case Cause::kLeafKeyUsageMissing:
      return absl::StrCat("its keyUsage lacks ", KeyUsageNames(p.value),
                          ", which the options require of the leaf");
    case Cause::kPathLenWithoutCa:
      return "its basicConstraints have a pathLenConstraint but say it is not "
             "a CA (RFC 5280 §4.2.1.9)";
    case Cause::kSubjectAltNameNotCritical:
      return "its subject is empty and its subjectAltName is not critical "
             "(RFC 5280 §4.2.1.6)";
    default:
      break;
  }
  return "";
}

// What a certificate may be used for and when: name constraints,
// critical extensions, extendedKeyUsage, the validity period.
std::string DescribeUsageCause(Cause cause, const CauseParameters& p) {
  switch (cause) {
    case Cause::kNameConstraintViolated:
      return absl::StrCat(
          "its ", FormName(p.name_form), " ", RenderName(p),
          p.value != 0 ? " is within an excluded name constraint"
                       : " is outside the permitted name constraints",
          " (nameConstraints of ", CertText(p.other_index), ")");
    case Cause::kNameConstraintUnsupported:
      return absl::StrCat(p.name, " (nameConstraints of ",
                          CertText(p.other_index), ")");
    case Cause::kUnhandledCriticalExtension:
      return absl::StrCat("critical extension ", p.name, " is not supported");
    case Cause::kEkuMissing:
      return p.value != 0
                 ? absl::StrCat("it has no extendedKeyUsage; ", p.name,
                                " is required")
                 : absl::StrCat("its extendedKeyUsage does not include ",
                                p.name);
    case Cause::kEkuForbidden:
      return absl::StrCat("its extendedKeyUsage includes ", p.name,
                          ", which is not permitted here");
    case Cause::kExpired:
      return absl::StrCat("expired at ", Rfc3339(p.value), "; validation time ",
                          Rfc3339(p.limit));
    case Cause::kNotYetValid:
      return absl::StrCat("not valid before ", Rfc3339(p.value),
                          "; validation time ", Rfc3339(p.limit));
    default:
      break;
  }
  return "";
}

// The device's enrollment: its registration ID, its credentials, the SAS
// token, throttling and quota.
std::string DescribeEnrollmentCause(Cause cause, const CauseParameters& p) {
  switch (cause) {
    case Cause::kNone:
      return "";
    case Cause::kRegistrationIdInvalid:
      return p.name;
    case Cause::kRegistrationIdMismatch:
      return absl::StrCat("the registration ID \"", p.name,
                          "\" does not match the leaf's CN");
    case Cause::kNoAttestation:
      return "neither a certificate chain nor a SAS token was presented";
    case Cause::kAttestationTypeMismatch:
      return absl::StrCat("the enrollment's attestation is ", p.name);
    case Cause::kClientCertificateMismatch:
      return "the leaf is neither the primary nor the secondary client "
             "certificate";
    case Cause::kSasTokenMalformed:
      return p.name;
    case Cause::kSasTokenWrongRegistration:
      return absl::StrCat("the token is for registration \"", p.name, "\"");
    case Cause::kSasTokenExpired:
      return absl::StrCat("the token expired at ", Rfc3339(p.value),
                          "; validation time ", Rfc3339(p.limit));
    case Cause::kSasSignatureInvalid:
      return "the signature matches neither the primary nor the secondary "
             "key";
    case Cause::kThrottled:
      return absl::StrCat("retry after ", p.value, " s");
    case Cause::kQuotaExceeded:
      return absl::StrCat("registration quota full: ", p.value, " of ", p.limit,
                          " registrations used");
    case Cause::kStoreError:
      return absl::StrCat("registration store error: ", p.name);
    default:
      break;
  }
  return "";
}

// Revocation: the CRLs loaded for the path.
std::string DescribeRevocationCause(Cause cause, const CauseParameters& p) {
  switch (cause) {
    case Cause::kCertificateRevoked:
      return absl::StrCat("revoked at ", Rfc3339(p.value), " according to CRL ",
                          p.name, " (thisUpdate ", Rfc3339(p.limit), ")");
    case Cause::kCrlStale:
      return absl::StrCat("CRL ", p.name, " is stale: its nextUpdate ",
                          Rfc3339(p.value), " is ", Age(p.limit - p.value),
                          " before the validation time ", Rfc3339(p.limit),
                          "; its revocation status cannot be verified");
    case Cause::kCrlNotYetValid:
      return absl::StrCat("CRL ", p.name, " was issued at ", Rfc3339(p.value),
                          ", after the validation time ", Rfc3339(p.limit),
                          ", and no earlier CRL of its issuer is usable");
    case Cause::kCrlSignatureInvalid:
      return absl::StrCat("CRL ", p.name,
                          " is not signed by the key of any certificate "
                          "named like its issuer; its revocation status "
                          "cannot be verified");
    case Cause::kCrlIssuerNotCrlSigner:
      return absl::StrCat("CRL ", p.name, " is signed by ",
                          p.other_index >= 0 ? CertText(p.other_index)
                                             : std::string("its issuer"),
                          ", whose keyUsage lacks cRLSign");
    default:
      break;
  }
  return "";
}

}  // namespace

// Each group of causes is described by the helper of the steps that report
// them.
std::string DescribeCause(Cause cause, const CauseParameters& p) {
  switch (StepOfCause(cause)) {
    case StepId::kCheckChainLimits:
    case StepId::kParseChain:
    case StepId::kBuildPath:
      return DescribeChainCause(cause, p);
    case StepId::kVerifySignature:
    case StepId::kCheckIssuer:
    case StepId::kCheckPathLength:
    case StepId::kCheckKeyStrength:
      return DescribeIssuerCause(cause, p);
    case StepId::kCheckProfile:
      return DescribeProfileCause(cause, p);
    case StepId::kCheckNameConstraints:
    case StepId::kCheckExtensions:
    case StepId::kCheckEku:
    case StepId::kCheckValidity:
      return DescribeUsageCause(cause, p);
    case StepId::kCheckRevocation:
      return DescribeRevocationCause(cause, p);
    case StepId::kParseSasToken:
    case StepId::kRegistrationId:
    case StepId::kLookupIndividual:
    case StepId::kMatchClientCertificate:
    case StepId::kVerifySasToken:
    case StepId::kLookupGroup:
    case StepId::kMatchGroupKey:
    case StepId::kCheckQuota:
    case StepId::kCheckThrottle:
    case StepId::kDecide:
      break;
  }
  return DescribeEnrollmentCause(cause, p);
}

}  // namespace chaintrust
