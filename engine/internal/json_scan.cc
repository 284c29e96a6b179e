// String and number scanning for both JSON readers (see json_scan.h).
#include "engine/internal/json_scan.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/charconv.h"
#include "engine/internal/utf8.h"

namespace chaintrust::internal {
namespace {

// Four hex digits at `*pos`; `*pos` moves past them only when all four are.
const char* ScanHex4(absl::string_view text, size_t* pos, uint32_t* out) {
  if (text.size() - *pos < 4) return "truncated \\u escape";
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = text[*pos + i];
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= c - '0';
    } else if (c >= 'a' && c <= 'f') {
      value |= c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      value |= c - 'A' + 10;
    } else {
      return "invalid \\u escape";
    }
  }
  *pos += 4;
  *out = value;
  return nullptr;
}

}  // namespace

const char* ScanJsonEscape(absl::string_view text, size_t* pos,
                           std::string* out) {
  if (*pos >= text.size()) return "unterminated string";
  const char e = text[(*pos)++];
  // The one-character escapes, and what each stands for.
  constexpr absl::string_view kEscapes = "\"\\/bfnrt";
  constexpr absl::string_view kDecoded = "\"\\/\b\f\n\r\t";
  const size_t simple = kEscapes.find(e);
  if (simple != absl::string_view::npos) {
    out->push_back(kDecoded[simple]);
    return nullptr;
  }
  if (e != 'u') {
    --*pos;
    return "invalid escape in a string";
  }
  uint32_t cp;
  if (const char* error = ScanHex4(text, pos, &cp)) return error;
  if (cp >= 0xdc00 && cp <= 0xdfff) {
    return "unpaired low surrogate in a \\u escape";
  }
  if (cp >= 0xd800 && cp <= 0xdbff) {
    constexpr const char* kUnpairedHigh =
        "unpaired high surrogate in a \\u escape";
    if (text.substr(*pos, 2) != "\\u") return kUnpairedHigh;
    *pos += 2;
    uint32_t low;
    if (const char* error = ScanHex4(text, pos, &low)) return error;
    if (low < 0xdc00 || low > 0xdfff) return kUnpairedHigh;
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
  }
  AppendUtf8(cp, out);
  return nullptr;
}

const char* ScanJsonStringRest(absl::string_view text, size_t start,
                               size_t* pos, std::string* scratch,
                               absl::string_view* value) {
  const char* data = text.data();
  const size_t size = text.size();
  size_t p = *pos;
  bool escaped = false;
  while (true) {
    if (p >= size) {
      *pos = p;
      return "unterminated string";
    }
    const unsigned char c = data[p];
    if (c == '"') {
      *value = escaped ? absl::string_view(*scratch)
                       : absl::string_view(data + start, p - start);
      *pos = p + 1;
      return nullptr;
    }
    if (c < 0x20) {
      *pos = p;
      return "control character in a string";
    }
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text, p);
      if (length == 0) {
        *pos = p;
        return "invalid UTF-8 in a string";
      }
      if (escaped) scratch->append(data + p, length);
      p += length;
    } else {
      // A backslash: from here on the string is decoded into *scratch.
      if (!escaped) {
        escaped = true;
        scratch->assign(data + start, p - start);
      }
      ++p;
      const char* error = ScanJsonEscape(text, &p, scratch);
      if (error != nullptr) {
        *pos = p;
        return error;
      }
    }
    const size_t run = SkipPlainJsonRun(text, p);
    if (escaped) scratch->append(data + p, run - p);
    p = run;
  }
}

const char* ScanJsonNumber(absl::string_view text, size_t* pos, double* value) {
  const size_t start = *pos;
  size_t p = start;
  auto digits = [&text, &p] {
    const size_t from = p;
    while (p < text.size() && absl::ascii_isdigit(text[p])) ++p;
    return p - from;
  };
  if (p < text.size() && text[p] == '-') ++p;
  if (p >= text.size() || !absl::ascii_isdigit(text[p])) {
    return "expected a value";  // *pos stays at the start
  }
  if (text[p] == '0') {
    ++p;
  } else {
    digits();
  }
  if (p < text.size() && text[p] == '.') {
    ++p;
    if (digits() == 0) {
      *pos = p;
      return "expected digits after '.'";
    }
  }
  if (p < text.size() && (text[p] == 'e' || text[p] == 'E')) {
    ++p;
    if (p < text.size() && (text[p] == '+' || text[p] == '-')) ++p;
    if (digits() == 0) {
      *pos = p;
      return "expected digits in the exponent";
    }
  }
  double number = 0;
  const auto result =
      absl::from_chars(text.data() + start, text.data() + p, number);
  if (result.ec != std::errc() || !std::isfinite(number)) {
    return "number out of range";  // *pos stays at the start
  }
  *pos = p;
  *value = number;
  return nullptr;
}

}  // namespace chaintrust::internal
