// UTF-8 validation shared by the JSON reader and writer.
#ifndef CHAINTRUST_ENGINE_INTERNAL_UTF8_H_
#define CHAINTRUST_ENGINE_INTERNAL_UTF8_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace chaintrust::internal {

// Length (2 to 4) of the valid multi-byte UTF-8 sequence starting at s[i],
// or 0 when there is none (a stray, overlong, surrogate or out-of-range
// sequence, or an ASCII byte).
inline size_t Utf8SequenceLength(absl::string_view s, size_t i) {
  const uint8_t c = static_cast<uint8_t>(s[i]);
  size_t n;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) {
    const uint8_t cc = static_cast<uint8_t>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_UTF8_H_
