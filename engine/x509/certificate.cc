#include "engine/x509/certificate.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/x509/certificate_names.h"
#include "engine/x509/certificate_parse.h"
#include "engine/x509/der.h"
#include "engine/x509/verification_key.h"

namespace chaintrust {
namespace {

using x509_parse::DerElement;
using x509_parse::DerError;
using x509_parse::DerReader;
using x509_parse::kMaxCertificateSize;
using x509_parse::kMaxSerialSize;
using x509_parse::NameToString;
using x509_parse::ParsedFields;
using x509_parse::ParseExtensions;
using x509_parse::ParseName;
using x509_parse::ParseSignatureAlgorithm;
using x509_parse::ParseSpki;
using x509_parse::Range;
using x509_parse::RangeOf;

absl::Status ParseValidity(const DerReader& parent, const DerElement& validity,
                           ParsedFields* out) {
  constexpr absl::string_view kWhat = "validity";
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(validity, kWhat));
  DerElement not_before, not_after;
  RETURN_IF_ERROR(reader.Read("validity.notBefore", &not_before));
  RETURN_IF_ERROR(reader.Read("validity.notAfter", &not_after));
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  ASSIGN_OR_RETURN(out->not_before,
                   internal::ParseTime(not_before.tag, not_before.contents,
                                       "validity.notBefore"));
  ASSIGN_OR_RETURN(out->not_after,
                   internal::ParseTime(not_after.tag, not_after.contents,
                                       "validity.notAfter"));
  return absl::OkStatus();
}

absl::Status ParseTbs(const DerReader& parent, const DerElement& tbs,
                      absl::string_view der, DerElement* signature_algorithm,
                      ParsedFields* out) {
  constexpr absl::string_view kWhat = "tbsCertificate";
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(tbs, kWhat));
  DerElement element;
  bool present;
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(0),
                                      "version", &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader version, reader.Nested(element, "version"));
    DerElement value;
    RETURN_IF_ERROR(
        version.ReadExpected(internal::kDerInteger, "version", &value));
    RETURN_IF_ERROR(version.ExpectEnd("version"));
    ASSIGN_OR_RETURN(uint64_t v,
                     internal::ParseUint64(value.contents, "version", 2));
    // DER omits DEFAULT values, so an explicit v1 is malformed.
    if (v == 0) return DerError("version", "explicit v1");
    out->version = static_cast<int>(v) + 1;
  }
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerInteger, "serialNumber", &element));
  RETURN_IF_ERROR(internal::ValidateInteger(element.contents, "serialNumber"));
  if (element.contents.size() > kMaxSerialSize) {
    return DerError("serialNumber", "longer than 32 octets");
  }
  out->serial = RangeOf(der, element.contents);
  RETURN_IF_ERROR(reader.ReadExpected(
      internal::kDerSequence, "tbsCertificate.signature", signature_algorithm));
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "issuer", &element));
  RETURN_IF_ERROR(ParseName(reader, element, "issuer", nullptr));
  out->issuer = RangeOf(der, element.tlv);
  ASSIGN_OR_RETURN(out->issuer_key, NameKey(element.tlv));
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "validity", &element));
  RETURN_IF_ERROR(ParseValidity(reader, element, out));
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "subject", &element));
  RETURN_IF_ERROR(
      ParseName(reader, element, "subject", &out->subject_common_name));
  out->subject = RangeOf(der, element.tlv);
  // Self-issued certificates share the key: no second computation.
  if (element.tlv == der.substr(out->issuer.begin, out->issuer.size)) {
    out->subject_key = out->issuer_key;
  } else {
    ASSIGN_OR_RETURN(out->subject_key, NameKey(element.tlv));
  }
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerSequence,
                                      "subjectPublicKeyInfo", &element));
  RETURN_IF_ERROR(ParseSpki(reader, element, out));
  out->spki = RangeOf(der, element.tlv);
  for (int n = 1; n <= 2; ++n) {
    const char* what = n == 1 ? "issuerUniqueID" : "subjectUniqueID";
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextPrimitive(n), what,
                                        &element, &present));
    if (!present) continue;
    if (out->version < 2) return DerError(what, "requires v2 or v3");
    RETURN_IF_ERROR(internal::ParseBitString(element.contents, what).status());
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(3),
                                      "extensions", &element, &present));
  if (present) {
    if (out->version != 3) return DerError("extensions", "requires v3");
    RETURN_IF_ERROR(ParseExtensions(reader, element, der, out));
  }
  return reader.ExpectEnd(kWhat);
}

absl::Status ParseCertificate(absl::string_view der, ParsedFields* out) {
  constexpr absl::string_view kWhat = "certificate";
  if (der.size() > kMaxCertificateSize) {
    return DerError(kWhat, "larger than 64 KiB");
  }
  DerElement certificate;
  RETURN_IF_ERROR(internal::ParseSingleElement(der, kWhat, &certificate));
  if (certificate.tag != internal::kDerSequence) {
    return DerError(kWhat, "not a SEQUENCE");
  }
  ASSIGN_OR_RETURN(DerReader reader, DerReader(der).Nested(certificate, kWhat));
  DerElement tbs, algorithm, signature, tbs_algorithm;
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "tbsCertificate", &tbs));
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerSequence,
                                      "signatureAlgorithm", &algorithm));
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerBitString, "signatureValue",
                                      &signature));
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  ASSIGN_OR_RETURN(
      internal::DerBitString signature_bits,
      internal::ParseBitString(signature.contents, "signatureValue"));
  if (signature_bits.unused_bits != 0) {
    return DerError("signatureValue", "not a whole number of octets");
  }
  RETURN_IF_ERROR(ParseTbs(reader, tbs, der, &tbs_algorithm, out));
  // RFC 5280 §4.1.1.2: the two must be identical; comparing bytes also
  // stops an attacker from pairing a signature with different parameters.
  if (tbs_algorithm.tlv != algorithm.tlv) {
    return DerError("signatureAlgorithm",
                    "differs from tbsCertificate.signature");
  }
  ASSIGN_OR_RETURN(out->signature_algorithm,
                   ParseSignatureAlgorithm(reader, algorithm));
  out->tbs = RangeOf(der, tbs.tlv);
  out->signature = RangeOf(der, signature_bits.bytes);
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  // The low-level SHA-256 functions rather than SHA256(): in OpenSSL 3 the
  // latter fetches the implementation by name on every call (EVP_Q_digest),
  // about a third of the cost of hashing a device certificate.
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, bytes, der.size());
  SHA256_Final(out->sha256.data(), &sha);
  return absl::OkStatus();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

struct Certificate::Parsed : ParsedFields {
  absl::string_view View(absl::string_view der, Range range) const {
    return der.substr(range.begin, range.size);
  }
};

absl::StatusOr<std::shared_ptr<const Certificate>> Certificate::Create(
    absl::string_view der) {
  if (der.size() > kMaxCertificateSize) {
    return DerError("certificate", "larger than 64 KiB");
  }
  std::string owned(der);
  auto parsed = std::make_unique<Parsed>();
  RETURN_IF_ERROR(ParseCertificate(owned, parsed.get()));
  return std::shared_ptr<const Certificate>(
      new Certificate(std::move(owned), std::move(parsed)));
}

Certificate::Certificate(std::string der, std::unique_ptr<Parsed> parsed)
    : der_(std::move(der)), parsed_(std::move(parsed)) {}

Certificate::~Certificate() = default;

absl::string_view Certificate::tbs_der() const {
  return parsed_->View(der_, parsed_->tbs);
}
SignatureAlgorithm Certificate::signature_algorithm() const {
  return parsed_->signature_algorithm;
}
absl::string_view Certificate::signature() const {
  return parsed_->View(der_, parsed_->signature);
}
const Sha256Digest& Certificate::sha256() const { return parsed_->sha256; }
const Sha1Digest& Certificate::sha1() const {
  absl::call_once(sha1_once_, [this] {
    SHA1(reinterpret_cast<const unsigned char*>(der_.data()), der_.size(),
         sha1_.data());
  });
  return sha1_;
}
int Certificate::version() const { return parsed_->version; }
absl::string_view Certificate::serial_number() const {
  return parsed_->View(der_, parsed_->serial);
}
absl::string_view Certificate::subject_der() const {
  return parsed_->View(der_, parsed_->subject);
}
absl::string_view Certificate::issuer_der() const {
  return parsed_->View(der_, parsed_->issuer);
}
const std::string& Certificate::subject_name_key() const {
  return parsed_->subject_key;
}
const std::string& Certificate::issuer_name_key() const {
  return parsed_->issuer_key;
}
std::string Certificate::SubjectString() const {
  return NameToString(subject_der());
}
std::string Certificate::IssuerString() const {
  return NameToString(issuer_der());
}
const std::string& Certificate::subject_common_name() const {
  return parsed_->subject_common_name;
}
absl::Time Certificate::not_before() const { return parsed_->not_before; }
absl::Time Certificate::not_after() const { return parsed_->not_after; }
absl::string_view Certificate::spki_der() const {
  return parsed_->View(der_, parsed_->spki);
}
KeyType Certificate::key_type() const { return parsed_->key_type; }
int Certificate::key_bits() const { return parsed_->key_bits; }
bool Certificate::has_basic_constraints() const {
  return parsed_->has_basic_constraints;
}
bool Certificate::is_ca() const { return parsed_->is_ca; }
absl::optional<int> Certificate::path_len_constraint() const {
  return parsed_->path_len_constraint;
}
bool Certificate::has_key_usage() const { return parsed_->has_key_usage; }
uint16_t Certificate::key_usage() const { return parsed_->key_usage; }
bool Certificate::has_extended_key_usage() const {
  return parsed_->has_extended_key_usage;
}
const std::vector<std::string>& Certificate::extended_key_usages() const {
  return parsed_->extended_key_usages;
}
absl::string_view Certificate::subject_key_identifier() const {
  return parsed_->View(der_, parsed_->subject_key_id);
}
absl::string_view Certificate::authority_key_identifier() const {
  return parsed_->View(der_, parsed_->authority_key_id);
}
bool Certificate::basic_constraints_critical() const {
  return parsed_->basic_constraints_critical;
}
bool Certificate::has_authority_key_identifier_extension() const {
  return parsed_->has_authority_key_id_extension;
}
bool Certificate::extended_key_usage_critical() const {
  return parsed_->extended_key_usage_critical;
}

bool Certificate::authority_key_identifier_critical() const {
  return parsed_->authority_key_id_critical;
}
bool Certificate::authority_key_identifier_has_issuer_and_serial() const {
  return parsed_->authority_key_id_has_issuer_and_serial;
}
bool Certificate::subject_alt_name_critical() const {
  return parsed_->subject_alt_name_critical;
}

absl::string_view Certificate::subject_alt_name_der() const {
  return parsed_->View(der_, parsed_->subject_alt_name);
}
absl::string_view Certificate::name_constraints_der() const {
  return parsed_->View(der_, parsed_->name_constraints);
}
const std::vector<std::string>& Certificate::unhandled_critical_extensions()
    const {
  return parsed_->unhandled_critical_extensions;
}

const internal::VerificationKey* Certificate::verification_key() const {
  absl::call_once(key_once_, [this] {
    absl::StatusOr<std::unique_ptr<internal::VerificationKey>> key =
        internal::VerificationKey::Create(spki_der());
    if (key.ok()) key_ = std::move(key).value();
    // absl::call_once is invisible to TSan (see tsan_mutex.h).
    internal::TsanRelease(&key_once_);
  });
  internal::TsanAcquire(&key_once_);
  return key_.get();
}

bool VerifySignedBy(const Certificate& cert, const Certificate& issuer) {
  if (cert.signature_algorithm() == SignatureAlgorithm::kUnknown) return false;
  const internal::VerificationKey* key = issuer.verification_key();
  if (key == nullptr) return false;
  return key->Verify(cert.signature_algorithm(), cert.tbs_der(),
                     cert.signature());
}

std::string ToHex(absl::Span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

absl::StatusOr<Sha256Digest> ParseSha256Thumbprint(absl::string_view hex) {
  hex = absl::StripAsciiWhitespace(hex);
  Sha256Digest digest{};
  size_t digits = 0;
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    if (c == ':' || c == ' ') {
      // Separators only between byte pairs, never doubled.
      if (digits % 2 != 0 || digits == 0 || i + 1 == hex.size() ||
          HexValue(hex[i + 1]) < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "SHA-256 thumbprint: misplaced separator at position ", i));
      }
      continue;
    }
    const int value = HexValue(c);
    if (value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SHA-256 thumbprint: invalid character '",
          absl::CHexEscape(absl::string_view(&c, 1)), "' at position ", i));
    }
    if (digits >= 64) {
      return absl::InvalidArgumentError(
          "SHA-256 thumbprint: more than 64 hex digits");
    }
    digest[digits / 2] = static_cast<uint8_t>(
        digits % 2 == 0 ? value << 4 : digest[digits / 2] | value);
    ++digits;
  }
  if (digits != 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SHA-256 thumbprint: expected 64 hex digits, got ", digits));
  }
  return digest;
}

}  // namespace chaintrust
