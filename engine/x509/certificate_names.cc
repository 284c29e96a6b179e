#include "engine/x509/certificate_names.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/utf8.h"
#include "engine/x509/certificate_parse.h"
#include "engine/x509/der.h"

namespace chaintrust {
namespace {

using internal::DerElement;
using internal::DerReader;

// Whether RFC 4518 §2.2 maps `c` to SPACE: the whitespace controls, NEXT
// LINE and the space separators (general category Zs), with the line and
// paragraph separators.
bool IsSpace(uint32_t c) {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
         c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

// Pairs laid out upper, lower, upper, lower...: the upper case is the one
// with the same parity as `first_upper`.
uint32_t FoldPair(uint32_t c, uint32_t first_upper) {
  return ((c - first_upper) % 2 == 0) ? c + 1 : c;
}

// Unicode simple case folding (CaseFolding.txt, status C and S) for the
// blocks a certificate name is likely to use; other code points are kept.
uint32_t SimpleFold(uint32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
  if (c < 0x100) {  // Latin-1 Supplement; U+00D7 is the multiplication sign
    if (c == 0xb5) return 0x3bc;  // MICRO SIGN folds to Greek mu
    return (c >= 0xc0 && c <= 0xde && c != 0xd7) ? c + 0x20 : c;
  }
  if (c < 0x180) {  // Latin Extended-A
    if (c <= 0x12f || (c >= 0x132 && c <= 0x137) ||
        (c >= 0x14a && c <= 0x177)) {
      return FoldPair(c, 0x100);
    }
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e)) {
      return FoldPair(c, 0x139);
    }
    if (c == 0x178) return 0xff;
    if (c == 0x17f) return 's';  // LATIN SMALL LETTER LONG S
    return c;  // U+0130, U+0131, U+0138, U+0149 have no simple folding
  }
  if (c >= 0x370 && c < 0x400) {  // Greek
    if (c == 0x386) return 0x3ac;
    if (c >= 0x388 && c <= 0x38a) return c + 0x25;
    if (c == 0x38c) return 0x3cc;
    if (c == 0x38e || c == 0x38f) return c + 0x3f;
    if (c >= 0x391 && c <= 0x3ab && c != 0x3a2) return c + 0x20;
    if (c == 0x3c2) return 0x3c3;  // final sigma
    return c;
  }
  if (c >= 0x400 && c < 0x530) {  // Cyrillic and its supplement
    if (c < 0x410) return c + 0x50;
    if (c < 0x430) return c + 0x20;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
        (c >= 0x4d0 && c <= 0x52f)) {
      return FoldPair(c, 0x460);
    }
    if (c == 0x4c0) return 0x4cf;
    if (c >= 0x4c1 && c <= 0x4ce) return FoldPair(c, 0x4c1);
    return c;
  }
  if (c >= 0xff21 && c <= 0xff3a) return c + 0x20;  // fullwidth A-Z
  return c;
}

// Decodes the code point at text[*i] (valid UTF-8) and advances *i.
uint32_t NextCodePoint(absl::string_view text, size_t* i) {
  const uint8_t lead = static_cast<uint8_t>(text[*i]);
  if (lead < 0x80) {
    ++*i;
    return lead;
  }
  const size_t n = internal::Utf8SequenceLength(text, *i);
  if (n == 0) {  // not reached for validated text; keep the byte
    ++*i;
    return 0xfffd;
  }
  uint32_t c = lead & (0x7f >> n);
  for (size_t k = 1; k < n; ++k) c = (c << 6) | (text[*i + k] & 0x3f);
  *i += n;
  return c;
}

bool IsDirectoryStringTag(uint8_t tag) {
  return tag == internal::kDerUtf8String ||
         tag == internal::kDerPrintableString ||
         tag == internal::kDerT61String || tag == internal::kDerBmpString ||
         tag == internal::kDerUniversalString;
}

void AppendLength(size_t n, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((n >> shift) & 0xff));
  }
}

void AppendField(absl::string_view bytes, std::string* out) {
  AppendLength(bytes.size(), out);
  out->append(bytes.data(), bytes.size());
}

// One attribute's part of the key: the type, then 'S' and the prepared
// text of a directory string, or 'B' and the value's TLV.
std::string AttributeKey(absl::string_view type, const DerElement& value) {
  std::string key;
  AppendField(type, &key);
  if (IsDirectoryStringTag(value.tag)) {
    absl::StatusOr<std::string> text =
        x509_parse::DecodeDirectoryString(value.tag, value.contents, "value");
    if (text.ok()) {
      key.push_back('S');
      AppendField(PrepareDirectoryString(*text), &key);
      return key;
    }
  }
  key.push_back('B');
  AppendField(value.tlv, &key);
  return key;
}

}  // namespace

std::string PrepareDirectoryString(absl::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  bool pending_space = false;
  for (size_t i = 0; i < utf8.size();) {
    const uint32_t c = NextCodePoint(utf8, &i);
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    internal::AppendUtf8(SimpleFold(c), &out);
  }
  return out;
}

absl::StatusOr<std::string> NameKey(absl::string_view name_der) {
  constexpr absl::string_view kWhat = "Name";
  DerElement name;
  RETURN_IF_ERROR(internal::ParseSingleElement(name_der, kWhat, &name));
  if (name.tag != internal::kDerSequence) {
    return internal::DerError(kWhat, "not a SEQUENCE");
  }
  ASSIGN_OR_RETURN(DerReader rdns, DerReader(name_der).Nested(name, kWhat));
  std::string key;
  key.reserve(name_der.size() + 16);
  std::vector<std::string> attributes;
  while (!rdns.empty()) {
    ASSIGN_OR_RETURN(DerReader rdn, rdns.ReadNested(internal::kDerSet, kWhat));
    if (rdn.empty()) {
      return internal::DerError(kWhat, "empty RelativeDistinguishedName");
    }
    attributes.clear();
    while (!rdn.empty()) {
      ASSIGN_OR_RETURN(DerReader atv,
                       rdn.ReadNested(internal::kDerSequence, kWhat));
      DerElement type, value;
      RETURN_IF_ERROR(atv.ReadExpected(internal::kDerOid, kWhat, &type));
      RETURN_IF_ERROR(atv.Read(kWhat, &value));
      RETURN_IF_ERROR(atv.ExpectEnd(kWhat));
      attributes.push_back(AttributeKey(type.contents, value));
    }
    // A SET: its members' order carries no meaning.
    std::sort(attributes.begin(), attributes.end());
    size_t size = 4;
    for (const std::string& a : attributes) size += a.size();
    AppendLength(size, &key);
    AppendLength(attributes.size(), &key);
    for (const std::string& a : attributes) key += a;
  }
  return key;
}

bool NameKeyWithinSubtree(absl::string_view name_key,
                          absl::string_view subtree_key) {
  // Each RDN segment starts with its own length, so a byte prefix that is
  // a whole key is a prefix of whole RDNs.
  return absl::StartsWith(name_key, subtree_key);
}

}  // namespace chaintrust
