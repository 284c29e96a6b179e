// The lexical pieces of JSON that both readers of this package share:
// string bodies (escapes, \u hex digits, surrogate pairs, raw UTF-8) and
// numbers. ParseJson (json_parser.cc) and JsonReader (json_reader.cc) call
// these, so the two accept the same strings and numbers and word their
// errors alike; each then reports an error in its own way (line, column and
// member path, or a byte offset).
//
// Private to the json library.
#ifndef CHAINTRUST_ENGINE_INTERNAL_JSON_SCAN_H_
#define CHAINTRUST_ENGINE_INTERNAL_JSON_SCAN_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"

namespace chaintrust::internal {

// After a backslash, `*pos` just past it: one escape sequence, appended
// to `out` as UTF-8. Returns null, or what is wrong with `*pos` where
// reading stopped.
const char* ScanJsonEscape(absl::string_view text, size_t* pos,
                           std::string* out);

// Reads the JSON number starting at `*pos` (no leading zeros, finite as a
// double). On success returns null with `*pos` past it; on failure returns
// what is wrong, with `*pos` where reading stopped (at the start for
// "expected a value" and "number out of range").
const char* ScanJsonNumber(absl::string_view text, size_t* pos, double* value);

// The end of the run of plain string characters (no '"', no '\\', no
// control character, nothing above ASCII) that starts at `pos`, read eight
// bytes at a time where possible.
inline size_t SkipPlainJsonRun(absl::string_view text, size_t pos) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const char* data = text.data();
  const size_t size = text.size();
  while (pos + 8 <= size) {
    uint64_t x;
    std::memcpy(&x, data + pos, 8);
    const uint64_t quote = x ^ (kOnes * '"');
    const uint64_t backslash = x ^ (kOnes * '\\');
    const uint64_t special = ((quote - kOnes) & ~quote) |
                             ((backslash - kOnes) & ~backslash) |
                             ((x - kOnes * 0x20) & ~x) | x;
    if ((special & kHighs) != 0) break;
    pos += 8;
  }
  while (pos < size) {
    const unsigned char c = data[pos];
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
    ++pos;
  }
  return pos;
}

// ScanJsonString past its first run of plain characters, `start` where the
// string's body begins and `*pos` at the byte that ended the run.
const char* ScanJsonStringRest(absl::string_view text, size_t start,
                               size_t* pos, std::string* scratch,
                               absl::string_view* value);

// Reads the rest of a JSON string, `*pos` just past its opening quote.
// On success returns null, with `*pos` past the closing quote and `*value`
// the decoded string: a view into `text` when the string holds no escape,
// else into `*scratch` (overwritten). On failure returns what is wrong
// ("unterminated string", "invalid \u escape", ...), with `*pos` where
// reading stopped. Inline for the common string, plain ASCII throughout.
inline const char* ScanJsonString(absl::string_view text, size_t* pos,
                                  std::string* scratch,
                                  absl::string_view* value) {
  const size_t start = *pos;
  const size_t end = SkipPlainJsonRun(text, start);
  if (end < text.size() && text[end] == '"') {
    *value = absl::string_view(text.data() + start, end - start);
    *pos = end + 1;
    return nullptr;
  }
  *pos = end;
  return ScanJsonStringRest(text, start, pos, scratch, value);
}

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_JSON_SCAN_H_
