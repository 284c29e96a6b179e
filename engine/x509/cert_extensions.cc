// X.509 v3 extensions: the ones a chain check reads, and a record of
// critical ones it does not handle.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/internal/status_macros.h"
#include "engine/x509/certificate_parse.h"

namespace chaintrust::x509_parse {
namespace {

// Reads the single element an extension's OCTET STRING must hold.
absl::StatusOr<DerReader> ExtensionValue(const DerReader& parent,
                                         absl::string_view value, uint8_t tag,
                                         absl::string_view what) {
  DerElement element;
  RETURN_IF_ERROR(internal::ParseSingleElement(value, what, &element));
  if (element.tag != tag) return DerError(what, "unexpected tag");
  return parent.Nested(element, what);
}

absl::Status ParseExtension(const DerReader& parent, absl::string_view oid,
                            bool critical, absl::string_view value,
                            absl::string_view der, ParsedFields* out) {
  if (oid == kOidBasicConstraints) {
    constexpr absl::string_view kWhat = "basicConstraints";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    DerElement element;
    bool present;
    RETURN_IF_ERROR(
        reader.ReadOptional(internal::kDerBoolean, kWhat, &element, &present));
    if (present) {
      ASSIGN_OR_RETURN(out->is_ca,
                       internal::ParseBoolean(element.contents, kWhat));
    }
    RETURN_IF_ERROR(
        reader.ReadOptional(internal::kDerInteger, kWhat, &element, &present));
    if (present) {
      ASSIGN_OR_RETURN(
          uint64_t path_len,
          internal::ParseUint64(element.contents, "basicConstraints.pathLen",
                                INT32_MAX));
      out->path_len_constraint = static_cast<int>(path_len);
    }
    RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
    out->has_basic_constraints = true;
    out->basic_constraints_critical = critical;
  } else if (oid == kOidKeyUsage) {
    constexpr absl::string_view kWhat = "keyUsage";
    DerElement element;
    RETURN_IF_ERROR(internal::ParseSingleElement(value, kWhat, &element));
    if (element.tag != internal::kDerBitString) {
      return DerError(kWhat, "not a BIT STRING");
    }
    ASSIGN_OR_RETURN(internal::DerBitString bits,
                     internal::ParseBitString(element.contents, kWhat));
    for (size_t i = 0; i < 9; ++i) {
      if (bits.bit(i)) out->key_usage |= static_cast<uint16_t>(1u << i);
    }
    out->has_key_usage = true;
  } else if (oid == kOidExtKeyUsage) {
    constexpr absl::string_view kWhat = "extKeyUsage";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    if (reader.empty()) return DerError(kWhat, "empty");
    while (!reader.empty()) {
      DerElement element;
      RETURN_IF_ERROR(reader.ReadExpected(internal::kDerOid, kWhat, &element));
      ASSIGN_OR_RETURN(std::string dotted,
                       internal::OidToString(element.contents));
      out->extended_key_usages.push_back(std::move(dotted));
    }
    out->has_extended_key_usage = true;
    out->extended_key_usage_critical = critical;
  } else if (oid == kOidSubjectKeyId) {
    constexpr absl::string_view kWhat = "subjectKeyIdentifier";
    DerElement element;
    RETURN_IF_ERROR(internal::ParseSingleElement(value, kWhat, &element));
    if (element.tag != internal::kDerOctetString) {
      return DerError(kWhat, "not an OCTET STRING");
    }
    out->subject_key_id = RangeOf(der, element.contents);
  } else if (oid == kOidAuthorityKeyId) {
    constexpr absl::string_view kWhat = "authorityKeyIdentifier";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    DerElement element;
    bool present;
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextPrimitive(0), kWhat,
                                        &element, &present));
    if (present) out->authority_key_id = RangeOf(der, element.contents);
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(1),
                                        kWhat, &element, &present));
    bool serial_present;
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextPrimitive(2), kWhat,
                                        &element, &serial_present));
    RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
    out->has_authority_key_id_extension = true;
    out->authority_key_id_critical = critical;
    out->authority_key_id_has_issuer_and_serial = present || serial_present;
  } else if (oid == kOidAuthorityInfoAccess) {
    // AuthorityInfoAccessSyntax: SEQUENCE SIZE (1..MAX) OF AccessDescription
    // (RFC 5280 §4.2.2.1). Not used, but a malformed one is malformed.
    constexpr absl::string_view kWhat = "authorityInfoAccess";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    if (reader.empty()) return DerError(kWhat, "empty");
    while (!reader.empty()) {
      ASSIGN_OR_RETURN(DerReader description,
                       reader.ReadNested(internal::kDerSequence, kWhat));
      DerElement element;
      RETURN_IF_ERROR(
          description.ReadExpected(internal::kDerOid, kWhat, &element));
      RETURN_IF_ERROR(internal::ValidateOid(element.contents, kWhat));
      RETURN_IF_ERROR(description.Read(kWhat, &element));
      if ((element.tag & 0xc0) != 0x80) {
        return DerError(kWhat, "accessLocation is not a GeneralName");
      }
      RETURN_IF_ERROR(description.ExpectEnd(kWhat));
    }
    // RFC 5280 §4.2.2.1: MUST be non-critical; chaintrust does not fetch.
    if (critical) {
      out->unhandled_critical_extensions.push_back("1.3.6.1.5.5.7.1.1");
    }
  } else if (oid == kOidNameConstraints) {
    // Checked by the chain verifier (engine/name_constraints.h).
    DerElement element;
    RETURN_IF_ERROR(
        internal::ParseSingleElement(value, "nameConstraints", &element));
    if (element.tag != internal::kDerSequence) {
      return DerError("nameConstraints", "not a SEQUENCE");
    }
    out->name_constraints = RangeOf(der, element.tlv);
  } else if (oid == kOidSubjectAltName) {
    // Interpreted only under a name constraint; must be one SEQUENCE.
    DerElement element;
    RETURN_IF_ERROR(
        internal::ParseSingleElement(value, "subjectAltName", &element));
    if (element.tag != internal::kDerSequence) {
      return DerError("subjectAltName", "not a SEQUENCE");
    }
    out->subject_alt_name = RangeOf(der, element.tlv);
    out->subject_alt_name_critical = critical;
  } else if (oid == kOidCertificatePolicies) {
    // Not used by chaintrust's decisions, and safe to ignore when critical:
    // nothing here is a constraint chaintrust would fail to enforce.
  } else if (critical) {
    ASSIGN_OR_RETURN(std::string dotted, internal::OidToString(oid));
    out->unhandled_critical_extensions.push_back(std::move(dotted));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseExtensions(const DerReader& parent,
                             const DerElement& explicit_extensions,
                             absl::string_view der, ParsedFields* out) {
  constexpr absl::string_view kWhat = "extensions";
  ASSIGN_OR_RETURN(DerReader outer, parent.Nested(explicit_extensions, kWhat));
  ASSIGN_OR_RETURN(DerReader extensions,
                   outer.ReadNested(internal::kDerSequence, kWhat));
  RETURN_IF_ERROR(outer.ExpectEnd(kWhat));
  if (extensions.empty()) return DerError(kWhat, "empty");
  absl::string_view seen[kMaxExtensions];
  size_t count = 0;
  while (!extensions.empty()) {
    if (count == kMaxExtensions) return DerError(kWhat, "more than 64");
    ASSIGN_OR_RETURN(DerReader extension,
                     extensions.ReadNested(internal::kDerSequence, kWhat));
    DerElement oid, element;
    RETURN_IF_ERROR(
        extension.ReadExpected(internal::kDerOid, "extension.extnID", &oid));
    RETURN_IF_ERROR(internal::ValidateOid(oid.contents, "extension.extnID"));
    for (size_t i = 0; i < count; ++i) {
      if (seen[i] == oid.contents) {
        return DerError(
            kWhat,
            absl::StrCat("duplicate extension ",
                         internal::OidToString(oid.contents).value_or("?")));
      }
    }
    seen[count++] = oid.contents;
    bool critical = false;
    bool present;
    // DER omits critical=FALSE; an explicit FALSE is accepted because
    // widely deployed CAs emit it.
    RETURN_IF_ERROR(extension.ReadOptional(
        internal::kDerBoolean, "extension.critical", &element, &present));
    if (present) {
      ASSIGN_OR_RETURN(critical, internal::ParseBoolean(element.contents,
                                                        "extension.critical"));
    }
    RETURN_IF_ERROR(extension.ReadExpected(internal::kDerOctetString,
                                           "extension.extnValue", &element));
    RETURN_IF_ERROR(extension.ExpectEnd("extension"));
    RETURN_IF_ERROR(ParseExtension(extension, oid.contents, critical,
                                   element.contents, der, out));
  }
  return absl::OkStatus();
}

}  // namespace chaintrust::x509_parse
