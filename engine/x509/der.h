// A small, strict DER reader for the parts of X.509 that chaintrust parses.
//
// It reads tag-length-value elements from a byte view without copying,
// enforcing the DER rules that keep parsing unambiguous: single-byte tags,
// definite lengths in minimal form, no trailing data, bounded nesting. The
// value decoders (OIDs, times, integers, bit strings, booleans) follow
// X.509's DER profile (RFC 5280) strictly; callers decide what is lenient.
#ifndef CHAINTRUST_ENGINE_X509_DER_H_
#define CHAINTRUST_ENGINE_X509_DER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust {
namespace internal {

// Universal tags, with the constructed bit where the type is constructed.
inline constexpr uint8_t kDerBoolean = 0x01;
inline constexpr uint8_t kDerInteger = 0x02;
inline constexpr uint8_t kDerBitString = 0x03;
inline constexpr uint8_t kDerOctetString = 0x04;
inline constexpr uint8_t kDerNull = 0x05;
inline constexpr uint8_t kDerOid = 0x06;
inline constexpr uint8_t kDerUtf8String = 0x0c;
inline constexpr uint8_t kDerPrintableString = 0x13;
inline constexpr uint8_t kDerT61String = 0x14;
inline constexpr uint8_t kDerIa5String = 0x16;
inline constexpr uint8_t kDerUtcTime = 0x17;
inline constexpr uint8_t kDerGeneralizedTime = 0x18;
inline constexpr uint8_t kDerUniversalString = 0x1c;
inline constexpr uint8_t kDerBmpString = 0x1e;
inline constexpr uint8_t kDerSequence = 0x30;
inline constexpr uint8_t kDerSet = 0x31;

// Context-specific tags [n], constructed (EXPLICIT or constructed IMPLICIT)
// and primitive (IMPLICIT over a primitive type).
constexpr uint8_t DerContextConstructed(int n) {
  return static_cast<uint8_t>(0xa0 | n);
}
constexpr uint8_t DerContextPrimitive(int n) {
  return static_cast<uint8_t>(0x80 | n);
}

// Deeper nesting than this is rejected. X.509 needs about 8 levels.
inline constexpr int kMaxDerDepth = 32;

// One element: its tag, its contents and the whole TLV (tag, length and
// contents), all views into the reader's input.
struct DerElement {
  uint8_t tag = 0;
  absl::string_view contents;
  absl::string_view tlv;
};

// Reads consecutive elements from a view. Errors are InvalidArgument and
// name `what` (the field being read) so that a caller's message says where
// parsing failed.
class DerReader {
 public:
  explicit DerReader(absl::string_view input, int depth = 0)
      : input_(input), depth_(depth) {}

  bool empty() const { return input_.empty(); }
  absl::string_view remaining() const { return input_; }
  int depth() const { return depth_; }

  // The next element's tag, or false at the end of input.
  bool PeekTag(uint8_t* tag) const;

  // Reads any element.
  absl::Status Read(absl::string_view what, DerElement* element);

  // Reads an element with tag `tag`; a different tag is an error.
  absl::Status ReadExpected(uint8_t tag, absl::string_view what,
                            DerElement* element);

  // If the next element has tag `tag`, reads it and sets *present; else
  // leaves the input alone and clears *present.
  absl::Status ReadOptional(uint8_t tag, absl::string_view what,
                            DerElement* element, bool* present);

  // Reads an element with tag `tag` and returns a reader over its contents,
  // one level deeper (an error past kMaxDerDepth).
  absl::StatusOr<DerReader> ReadNested(uint8_t tag, absl::string_view what);

  // A reader over `element`'s contents, one level deeper than this one.
  absl::StatusOr<DerReader> Nested(const DerElement& element,
                                   absl::string_view what) const;

  // An error unless all input has been read.
  absl::Status ExpectEnd(absl::string_view what) const;

 private:
  absl::string_view input_;
  int depth_;
};

// Parses `der` as exactly one element (no trailing data).
absl::Status ParseSingleElement(absl::string_view der, absl::string_view what,
                                DerElement* element);

// The error every malformed field produces: InvalidArgument "<what>: <why>".
absl::Status DerError(absl::string_view what, absl::string_view why);

// OBJECT IDENTIFIER contents to dotted text ("1.2.840.10045.4.3.2").
// Rejects empty contents, non-minimal subidentifiers and arcs that do not
// fit in 64 bits.
absl::StatusOr<std::string> OidToString(absl::string_view contents);
// Validates OBJECT IDENTIFIER contents without rendering them.
absl::Status ValidateOid(absl::string_view contents, absl::string_view what);

// Validates INTEGER contents: non-empty and minimally encoded.
absl::Status ValidateInteger(absl::string_view contents,
                             absl::string_view what);
// INTEGER contents as a non-negative value at most `max`.
absl::StatusOr<uint64_t> ParseUint64(absl::string_view contents,
                                     absl::string_view what,
                                     uint64_t max = UINT64_MAX);

// BOOLEAN contents; DER allows only 0x00 and 0xff.
absl::StatusOr<bool> ParseBoolean(absl::string_view contents,
                                  absl::string_view what);

// BIT STRING contents: the data octets and how many trailing bits of the
// last octet are unused (which DER requires to be zero).
struct DerBitString {
  absl::string_view bytes;
  int unused_bits = 0;

  // Bit `i` of the string, counting from the most significant bit of the
  // first octet (X.509's bit order for named bits such as keyUsage).
  bool bit(size_t i) const;
};
absl::StatusOr<DerBitString> ParseBitString(absl::string_view contents,
                                            absl::string_view what);

// UTCTime (YYMMDDHHMMSSZ; YY < 50 is 20YY) or GeneralizedTime
// (YYYYMMDDHHMMSSZ), as RFC 5280 §4.1.2.5 profiles them: UTC, seconds
// present, no fractions.
absl::StatusOr<absl::Time> ParseTime(uint8_t tag, absl::string_view contents,
                                     absl::string_view what);

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_DER_H_
