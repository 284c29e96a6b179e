// Signature AlgorithmIdentifiers, RSASSA-PSS parameters included, and
// their names.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/internal/status_macros.h"
#include "engine/x509/certificate_parse.h"

namespace chaintrust::x509_parse {

absl::Status ReadAlgorithm(DerReader reader, absl::string_view what,
                           absl::string_view* oid, DerElement* params,
                           bool* has_params) {
  DerElement element;
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerOid, what, &element));
  RETURN_IF_ERROR(internal::ValidateOid(element.contents, what));
  *oid = element.contents;
  *has_params = !reader.empty();
  if (*has_params) {
    RETURN_IF_ERROR(reader.Read(what, params));
    RETURN_IF_ERROR(reader.ExpectEnd(what));
  }
  return absl::OkStatus();
}

namespace {

bool IsNull(const DerElement& params) {
  return params.tag == internal::kDerNull && params.contents == kNullContents;
}

// A hash AlgorithmIdentifier inside RSASSA-PSS parameters; parameters are
// absent or NULL. Unknown hashes are returned as their OID.
absl::Status ParseHashAlgorithm(DerReader& reader, absl::string_view what,
                                absl::string_view* hash_oid) {
  ASSIGN_OR_RETURN(DerReader alg,
                   reader.ReadNested(internal::kDerSequence, what));
  DerElement params;
  bool has_params;
  RETURN_IF_ERROR(ReadAlgorithm(alg, what, hash_oid, &params, &has_params));
  if (has_params && !IsNull(params)) {
    return DerError(what, "hash parameters must be absent or NULL");
  }
  return absl::OkStatus();
}

// RSASSA-PSS-params (RFC 4055 §3.1). Only MGF1 over the signature's own
// hash with a salt as long as that hash is supported (as in BoringSSL);
// other well-formed combinations read as kUnknown and never verify.
absl::StatusOr<SignatureAlgorithm> ParsePssParams(const DerReader& parent,
                                                  const DerElement& params) {
  constexpr absl::string_view kWhat = "RSASSA-PSS parameters";
  if (params.tag != internal::kDerSequence) {
    return DerError(kWhat, "not a SEQUENCE");
  }
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(params, kWhat));
  absl::string_view hash = kOidSha1;
  absl::string_view mgf_hash = kOidSha1;
  uint64_t salt_length = 20;
  DerElement element;
  bool present;
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(0), kWhat,
                                      &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kWhat));
    RETURN_IF_ERROR(
        ParseHashAlgorithm(inner, "RSASSA-PSS hashAlgorithm", &hash));
    RETURN_IF_ERROR(inner.ExpectEnd(kWhat));
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(1), kWhat,
                                      &element, &present));
  if (present) {
    constexpr absl::string_view kMgfWhat = "RSASSA-PSS maskGenAlgorithm";
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kMgfWhat));
    ASSIGN_OR_RETURN(DerReader mgf,
                     inner.ReadNested(internal::kDerSequence, kMgfWhat));
    RETURN_IF_ERROR(inner.ExpectEnd(kMgfWhat));
    DerElement mgf_oid;
    RETURN_IF_ERROR(mgf.ReadExpected(internal::kDerOid, kMgfWhat, &mgf_oid));
    if (mgf_oid.contents != kOidMgf1) {
      return DerError(kMgfWhat, "not MGF1");
    }
    RETURN_IF_ERROR(ParseHashAlgorithm(mgf, kMgfWhat, &mgf_hash));
    RETURN_IF_ERROR(mgf.ExpectEnd(kMgfWhat));
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(2), kWhat,
                                      &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kWhat));
    DerElement value;
    RETURN_IF_ERROR(
        inner.ReadExpected(internal::kDerInteger, "saltLength", &value));
    RETURN_IF_ERROR(inner.ExpectEnd("saltLength"));
    ASSIGN_OR_RETURN(salt_length,
                     internal::ParseUint64(value.contents, "saltLength"));
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(3), kWhat,
                                      &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kWhat));
    DerElement value;
    RETURN_IF_ERROR(
        inner.ReadExpected(internal::kDerInteger, "trailerField", &value));
    RETURN_IF_ERROR(inner.ExpectEnd("trailerField"));
    ASSIGN_OR_RETURN(uint64_t trailer,
                     internal::ParseUint64(value.contents, "trailerField"));
    if (trailer != 1) return DerError("trailerField", "must be 1");
  }
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  if (hash != mgf_hash) {
    return DerError(kWhat, "MGF1 hash differs from the message hash");
  }
  if (hash == kOidSha256 && salt_length == 32) {
    return SignatureAlgorithm::kRsaPssSha256;
  }
  if (hash == kOidSha384 && salt_length == 48) {
    return SignatureAlgorithm::kRsaPssSha384;
  }
  if (hash == kOidSha512 && salt_length == 64) {
    return SignatureAlgorithm::kRsaPssSha512;
  }
  return SignatureAlgorithm::kUnknown;
}

}  // namespace

absl::StatusOr<SignatureAlgorithm> ParseSignatureAlgorithm(
    const DerReader& parent, const DerElement& algorithm) {
  constexpr absl::string_view kWhat = "signatureAlgorithm";
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(algorithm, kWhat));
  absl::string_view oid;
  DerElement params;
  bool has_params;
  RETURN_IF_ERROR(ReadAlgorithm(reader, kWhat, &oid, &params, &has_params));
  struct Known {
    absl::string_view oid;
    SignatureAlgorithm algorithm;
    bool null_params;  // RSA PKCS#1: NULL (or, leniently, absent).
  };
  static constexpr Known kKnown[] = {
      {kOidSha256WithRsa, SignatureAlgorithm::kRsaPkcs1Sha256, true},
      {kOidEcdsaSha256, SignatureAlgorithm::kEcdsaSha256, false},
      {kOidEcdsaSha384, SignatureAlgorithm::kEcdsaSha384, false},
      {kOidSha384WithRsa, SignatureAlgorithm::kRsaPkcs1Sha384, true},
      {kOidSha512WithRsa, SignatureAlgorithm::kRsaPkcs1Sha512, true},
      {kOidEd25519, SignatureAlgorithm::kEd25519, false},
      {kOidEcdsaSha512, SignatureAlgorithm::kEcdsaSha512, false},
      {kOidSha1WithRsa, SignatureAlgorithm::kRsaPkcs1Sha1, true},
      {kOidEcdsaSha1, SignatureAlgorithm::kEcdsaSha1, false},
  };
  for (const Known& known : kKnown) {
    if (oid != known.oid) continue;
    if (has_params && !(known.null_params && IsNull(params))) {
      return DerError(kWhat, "unexpected parameters");
    }
    return known.algorithm;
  }
  if (oid == kOidRsaPss) {
    if (!has_params) return DerError(kWhat, "RSASSA-PSS without parameters");
    return ParsePssParams(reader, params);
  }
  return SignatureAlgorithm::kUnknown;
}

}  // namespace chaintrust::x509_parse

namespace chaintrust {

absl::string_view SignatureAlgorithmName(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::kUnknown:
      return "unknown";
    case SignatureAlgorithm::kRsaPkcs1Sha1:
      return "sha1WithRSAEncryption";
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      return "sha256WithRSAEncryption";
    case SignatureAlgorithm::kRsaPkcs1Sha384:
      return "sha384WithRSAEncryption";
    case SignatureAlgorithm::kRsaPkcs1Sha512:
      return "sha512WithRSAEncryption";
    case SignatureAlgorithm::kRsaPssSha256:
      return "rsassa-pss-SHA256";
    case SignatureAlgorithm::kRsaPssSha384:
      return "rsassa-pss-SHA384";
    case SignatureAlgorithm::kRsaPssSha512:
      return "rsassa-pss-SHA512";
    case SignatureAlgorithm::kEcdsaSha1:
      return "ecdsa-with-SHA1";
    case SignatureAlgorithm::kEcdsaSha256:
      return "ecdsa-with-SHA256";
    case SignatureAlgorithm::kEcdsaSha384:
      return "ecdsa-with-SHA384";
    case SignatureAlgorithm::kEcdsaSha512:
      return "ecdsa-with-SHA512";
    case SignatureAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

}  // namespace chaintrust
