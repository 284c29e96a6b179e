#include "engine/x509/der.h"

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"

namespace chaintrust {
namespace internal {
namespace {

// Reads one TLV from the front of *input. Only the DER subset X.509 uses is
// accepted: low tag numbers, definite minimal lengths of at most 4 octets.
absl::Status ReadTlv(absl::string_view* input, absl::string_view what,
                     DerElement* element) {
  const absl::string_view in = *input;
  if (in.size() < 2) return DerError(what, "truncated element");
  const uint8_t tag = static_cast<uint8_t>(in[0]);
  if ((tag & 0x1f) == 0x1f) return DerError(what, "high tag numbers");
  const uint8_t first = static_cast<uint8_t>(in[1]);
  size_t header = 2;
  size_t length;
  if (first < 0x80) {
    length = first;
  } else if (first == 0x80) {
    return DerError(what, "indefinite length");
  } else {
    const size_t octets = first & 0x7f;
    if (octets > 4) return DerError(what, "length too large");
    if (in.size() < 2 + octets) return DerError(what, "truncated length");
    if (in[2] == 0) return DerError(what, "non-minimal length");
    length = 0;
    for (size_t i = 0; i < octets; ++i) {
      length = (length << 8) | static_cast<uint8_t>(in[2 + i]);
    }
    if (length < 0x80) return DerError(what, "non-minimal length");
    header += octets;
  }
  if (length > in.size() - header) return DerError(what, "truncated contents");
  element->tag = tag;
  element->contents = in.substr(header, length);
  element->tlv = in.substr(0, header + length);
  input->remove_prefix(header + length);
  return absl::OkStatus();
}

bool IsDigits(absl::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int Digits(absl::string_view s) {
  int value = 0;
  for (char c : s) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

absl::Status DerError(absl::string_view what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

bool DerReader::PeekTag(uint8_t* tag) const {
  if (input_.empty()) return false;
  *tag = static_cast<uint8_t>(input_[0]);
  return true;
}

absl::Status DerReader::Read(absl::string_view what, DerElement* element) {
  return ReadTlv(&input_, what, element);
}

absl::Status DerReader::ReadExpected(uint8_t tag, absl::string_view what,
                                     DerElement* element) {
  uint8_t next;
  if (!PeekTag(&next)) return DerError(what, "missing");
  if (next != tag) {
    return DerError(
        what,
        absl::StrCat("unexpected tag 0x", absl::Hex(next, absl::kZeroPad2),
                     ", expected 0x", absl::Hex(tag, absl::kZeroPad2)));
  }
  return ReadTlv(&input_, what, element);
}

absl::Status DerReader::ReadOptional(uint8_t tag, absl::string_view what,
                                     DerElement* element, bool* present) {
  uint8_t next;
  *present = PeekTag(&next) && next == tag;
  if (!*present) return absl::OkStatus();
  return ReadTlv(&input_, what, element);
}

absl::StatusOr<DerReader> DerReader::ReadNested(uint8_t tag,
                                                absl::string_view what) {
  DerElement element;
  absl::Status status = ReadExpected(tag, what, &element);
  if (!status.ok()) return status;
  return Nested(element, what);
}

absl::StatusOr<DerReader> DerReader::Nested(const DerElement& element,
                                            absl::string_view what) const {
  if (depth_ + 1 > kMaxDerDepth) return DerError(what, "nested too deeply");
  return DerReader(element.contents, depth_ + 1);
}

absl::Status DerReader::ExpectEnd(absl::string_view what) const {
  if (!input_.empty()) return DerError(what, "unexpected trailing data");
  return absl::OkStatus();
}

absl::Status ParseSingleElement(absl::string_view der, absl::string_view what,
                                DerElement* element) {
  absl::Status status = ReadTlv(&der, what, element);
  if (!status.ok()) return status;
  if (!der.empty()) return DerError(what, "unexpected trailing data");
  return absl::OkStatus();
}

absl::Status ValidateOid(absl::string_view contents, absl::string_view what) {
  if (contents.empty()) return DerError(what, "empty OBJECT IDENTIFIER");
  bool start_of_arc = true;
  for (char c : contents) {
    const uint8_t byte = static_cast<uint8_t>(c);
    // A leading 0x80 would pad the arc with zero bits (not minimal).
    if (start_of_arc && byte == 0x80) {
      return DerError(what, "non-minimal OBJECT IDENTIFIER arc");
    }
    start_of_arc = (byte & 0x80) == 0;
  }
  if (!start_of_arc) return DerError(what, "truncated OBJECT IDENTIFIER");
  return absl::OkStatus();
}

absl::StatusOr<std::string> OidToString(absl::string_view contents) {
  constexpr absl::string_view kWhat = "OBJECT IDENTIFIER";
  absl::Status status = ValidateOid(contents, kWhat);
  if (!status.ok()) return status;
  std::string out;
  uint64_t arc = 0;
  bool first = true;
  for (char c : contents) {
    const uint8_t byte = static_cast<uint8_t>(c);
    if (arc > (UINT64_MAX >> 7)) return DerError(kWhat, "arc too large");
    arc = (arc << 7) | (byte & 0x7f);
    if (byte & 0x80) continue;
    if (first) {
      // The first subidentifier packs two arcs: 40 * X + Y, X in 0..2.
      const uint64_t x = arc < 80 ? arc / 40 : 2;
      absl::StrAppend(&out, x, ".", arc - 40 * x);
      first = false;
    } else {
      absl::StrAppend(&out, ".", arc);
    }
    arc = 0;
  }
  return out;
}

absl::Status ValidateInteger(absl::string_view contents,
                             absl::string_view what) {
  if (contents.empty()) return DerError(what, "empty INTEGER");
  if (contents.size() > 1) {
    const uint8_t b0 = static_cast<uint8_t>(contents[0]);
    const uint8_t b1 = static_cast<uint8_t>(contents[1]);
    if ((b0 == 0x00 && b1 < 0x80) || (b0 == 0xff && b1 >= 0x80)) {
      return DerError(what, "non-minimal INTEGER");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ParseUint64(absl::string_view contents,
                                     absl::string_view what, uint64_t max) {
  absl::Status status = ValidateInteger(contents, what);
  if (!status.ok()) return status;
  if (static_cast<uint8_t>(contents[0]) & 0x80) {
    return DerError(what, "negative INTEGER");
  }
  if (contents[0] == 0) contents.remove_prefix(1);
  if (contents.size() > 8) return DerError(what, "INTEGER too large");
  uint64_t value = 0;
  for (char c : contents) value = (value << 8) | static_cast<uint8_t>(c);
  if (value > max) return DerError(what, "INTEGER too large");
  return value;
}

absl::StatusOr<bool> ParseBoolean(absl::string_view contents,
                                  absl::string_view what) {
  if (contents.size() != 1) return DerError(what, "BOOLEAN of wrong size");
  const uint8_t byte = static_cast<uint8_t>(contents[0]);
  if (byte == 0x00) return false;
  if (byte == 0xff) return true;
  return DerError(what, "BOOLEAN neither 0x00 nor 0xff");
}

bool DerBitString::bit(size_t i) const {
  const size_t total = bytes.size() * 8 - unused_bits;
  if (i >= total) return false;
  return (static_cast<uint8_t>(bytes[i / 8]) >> (7 - i % 8)) & 1;
}

absl::StatusOr<DerBitString> ParseBitString(absl::string_view contents,
                                            absl::string_view what) {
  if (contents.empty()) return DerError(what, "empty BIT STRING");
  const int unused = static_cast<uint8_t>(contents[0]);
  if (unused > 7) return DerError(what, "BIT STRING unused bits over 7");
  DerBitString result;
  result.bytes = contents.substr(1);
  result.unused_bits = unused;
  if (unused != 0) {
    if (result.bytes.empty()) {
      return DerError(what, "empty BIT STRING with unused bits");
    }
    const uint8_t last = static_cast<uint8_t>(result.bytes.back());
    if (last & ((1u << unused) - 1)) {
      return DerError(what, "BIT STRING unused bits not zero");
    }
  }
  return result;
}

absl::StatusOr<absl::Time> ParseTime(uint8_t tag, absl::string_view contents,
                                     absl::string_view what) {
  int year;
  absl::string_view rest;
  if (tag == kDerUtcTime) {
    if (contents.size() != 13) return DerError(what, "UTCTime of wrong size");
    if (!IsDigits(contents.substr(0, 12))) {
      return DerError(what, "UTCTime with non-digits");
    }
    year = Digits(contents.substr(0, 2));
    year += year < 50 ? 2000 : 1900;
    rest = contents.substr(2);
  } else if (tag == kDerGeneralizedTime) {
    if (contents.size() != 15) {
      return DerError(what, "GeneralizedTime of wrong size");
    }
    if (!IsDigits(contents.substr(0, 14))) {
      return DerError(what, "GeneralizedTime with non-digits");
    }
    year = Digits(contents.substr(0, 4));
    rest = contents.substr(4);
  } else {
    return DerError(what, "not a UTCTime or GeneralizedTime");
  }
  if (rest[10] != 'Z') return DerError(what, "time not in UTC ('Z')");
  const int month = Digits(rest.substr(0, 2));
  const int day = Digits(rest.substr(2, 2));
  const int hour = Digits(rest.substr(4, 2));
  const int minute = Digits(rest.substr(6, 2));
  const int second = Digits(rest.substr(8, 2));
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
      second > 59) {
    return DerError(what, "time field out of range");
  }
  // CivilSecond normalizes out-of-range days (Feb 30 -> Mar 2); reject them.
  const absl::CivilSecond civil(year, month, day, hour, minute, second);
  if (civil.day() != day || civil.month() != month) {
    return DerError(what, "day out of range for the month");
  }
  return absl::FromCivil(civil, absl::UTCTimeZone());
}

}  // namespace internal
}  // namespace chaintrust
