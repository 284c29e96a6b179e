// Distinguished names: validation, directory strings to UTF-8, the CN, and
// RFC 4514-style text.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/utf8.h"
#include "engine/x509/certificate_parse.h"

namespace chaintrust::x509_parse {
namespace {

using internal::AppendUtf8;
using internal::IsValidUtf8;

bool IsValidCodePoint(uint32_t c) {
  return c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff);
}

}  // namespace

absl::StatusOr<std::string> DecodeDirectoryString(uint8_t tag,
                                                  absl::string_view value,
                                                  absl::string_view what) {
  std::string out;
  switch (tag) {
    case internal::kDerUtf8String:
      if (!IsValidUtf8(value)) return DerError(what, "invalid UTF8String");
      return std::string(value);
    case internal::kDerPrintableString:
    case internal::kDerIa5String:
    case 0x12:  // NumericString
    case 0x1a:  // VisibleString
      for (char c : value) {
        if (static_cast<uint8_t>(c) >= 0x80) {
          return DerError(what, "non-ASCII byte in an ASCII string type");
        }
      }
      return std::string(value);
    case internal::kDerT61String:
      out.reserve(value.size() * 2);
      for (char c : value) AppendUtf8(static_cast<uint8_t>(c), &out);
      return out;
    case internal::kDerBmpString:
      if (value.size() % 2 != 0) return DerError(what, "odd-sized BMPString");
      for (size_t i = 0; i < value.size(); i += 2) {
        const uint32_t c = (static_cast<uint8_t>(value[i]) << 8) |
                           static_cast<uint8_t>(value[i + 1]);
        if (!IsValidCodePoint(c)) return DerError(what, "invalid BMPString");
        AppendUtf8(c, &out);
      }
      return out;
    case internal::kDerUniversalString:
      if (value.size() % 4 != 0) {
        return DerError(what, "UniversalString size not a multiple of 4");
      }
      for (size_t i = 0; i < value.size(); i += 4) {
        const uint32_t c = (uint32_t{static_cast<uint8_t>(value[i])} << 24) |
                           (static_cast<uint8_t>(value[i + 1]) << 16) |
                           (static_cast<uint8_t>(value[i + 2]) << 8) |
                           static_cast<uint8_t>(value[i + 3]);
        if (!IsValidCodePoint(c)) {
          return DerError(what, "invalid UniversalString");
        }
        AppendUtf8(c, &out);
      }
      return out;
    default:
      return DerError(what, "not a directory string type");
  }
}

namespace {

// Walks a Name (SEQUENCE OF RelativeDistinguishedName, each a non-empty
// SET OF AttributeTypeAndValue), calling `visit(type_oid, value_element,
// first_in_rdn)` for each attribute in order.
template <typename Visitor>
absl::Status WalkName(const DerReader& parent, const DerElement& name,
                      absl::string_view what, Visitor visit) {
  if (name.tag != internal::kDerSequence) {
    return DerError(what, "not a SEQUENCE");
  }
  ASSIGN_OR_RETURN(DerReader rdns, parent.Nested(name, what));
  while (!rdns.empty()) {
    ASSIGN_OR_RETURN(DerReader rdn, rdns.ReadNested(internal::kDerSet, what));
    if (rdn.empty()) return DerError(what, "empty RelativeDistinguishedName");
    bool first = true;
    while (!rdn.empty()) {
      ASSIGN_OR_RETURN(DerReader atv,
                       rdn.ReadNested(internal::kDerSequence, what));
      DerElement type, value;
      RETURN_IF_ERROR(atv.ReadExpected(internal::kDerOid, what, &type));
      RETURN_IF_ERROR(internal::ValidateOid(type.contents, what));
      RETURN_IF_ERROR(atv.Read(what, &value));
      RETURN_IF_ERROR(atv.ExpectEnd(what));
      RETURN_IF_ERROR(visit(type.contents, value, first));
      first = false;
    }
  }
  return absl::OkStatus();
}

}  // namespace

// Validates a Name and finds its last commonName.
absl::Status ParseName(const DerReader& parent, const DerElement& name,
                       absl::string_view what, std::string* common_name) {
  DerElement last_cn;
  bool has_cn = false;
  RETURN_IF_ERROR(
      WalkName(parent, name, what,
               [&](absl::string_view type, const DerElement& value, bool) {
                 if (type == kOidCommonName) {
                   last_cn = value;
                   has_cn = true;
                 }
                 return absl::OkStatus();
               }));
  if (has_cn && common_name != nullptr) {
    ASSIGN_OR_RETURN(*common_name,
                     DecodeDirectoryString(last_cn.tag, last_cn.contents,
                                           absl::StrCat(what, " commonName")));
  }
  return absl::OkStatus();
}

namespace {

absl::string_view AttributeShortName(absl::string_view oid) {
  struct Name {
    absl::string_view oid;
    absl::string_view name;
  };
  static constexpr Name kNames[] = {
      {"\x55\x04\x03", "CN"},
      {"\x55\x04\x06", "C"},
      {"\x55\x04\x07", "L"},
      {"\x55\x04\x08", "ST"},
      {"\x55\x04\x09", "STREET"},
      {"\x55\x04\x0a", "O"},
      {"\x55\x04\x0b", "OU"},
      {"\x55\x04\x05", "SERIALNUMBER"},
      {"\x55\x04\x0c", "title"},
      {"\x55\x04\x2a", "GN"},
      {"\x55\x04\x04", "SN"},
      {"\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19", "DC"},
      {"\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01", "UID"},
      {"\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", "emailAddress"},
  };
  for (const Name& name : kNames) {
    if (name.oid == oid) return name.name;
  }
  return "";
}

// RFC 4514 §2.4 escaping; control characters as \XX.
void AppendEscaped(absl::string_view value, std::string* out) {
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' ||
                         c == '<' || c == '>' || c == ';';
    const bool edge = (i == 0 && (c == ' ' || c == '#')) ||
                      (i + 1 == value.size() && c == ' ');
    if (special || edge) {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) {
      absl::StrAppend(out, "\\",
                      absl::Hex(static_cast<uint8_t>(c), absl::kZeroPad2));
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

std::string NameToString(absl::string_view name_der) {
  DerElement name;
  if (!internal::ParseSingleElement(name_der, "Name", &name).ok()) return "";
  std::vector<std::string> rdns;
  const absl::Status status = WalkName(
      DerReader(name_der), name, "Name",
      [&](absl::string_view type, const DerElement& value, bool first) {
        if (first) rdns.emplace_back();
        std::string& rdn = rdns.back();
        if (!first) rdn.push_back('+');
        const absl::string_view short_name = AttributeShortName(type);
        if (short_name.empty()) {
          absl::StrAppend(&rdn, internal::OidToString(type).value_or("?"));
        } else {
          absl::StrAppend(&rdn, short_name);
        }
        rdn.push_back('=');
        absl::StatusOr<std::string> text =
            DecodeDirectoryString(value.tag, value.contents, "value");
        if (text.ok()) {
          AppendEscaped(*text, &rdn);
        } else {
          // RFC 4514 §2.4: values that are not strings print as #hex DER.
          absl::StrAppend(&rdn, "#", absl::BytesToHexString(value.tlv));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return "";
  // RFC 4514 prints the last RDN first.
  std::reverse(rdns.begin(), rdns.end());
  return absl::StrJoin(rdns, ",");
}

}  // namespace chaintrust::x509_parse
