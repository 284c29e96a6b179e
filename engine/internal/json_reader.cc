// JsonReader: the pull reader of json_reader.h. Its rules mirror
// json_parser.cc's line for line; json_reader_test.cc checks that both
// accept and reject the same texts.
#include "engine/internal/json_reader.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/charconv.h"
#include "engine/internal/utf8.h"

namespace chaintrust::internal {
namespace {

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// Whether none of the 8 bytes of `x` ends or interrupts a plain run of a
// string: no '"', no '\\', no control character, nothing above ASCII.
inline bool AllPlain(uint64_t x) {
  const uint64_t quote = x ^ (kOnes * '"');
  const uint64_t backslash = x ^ (kOnes * '\\');
  const uint64_t special = ((quote - kOnes) & ~quote) |
                           ((backslash - kOnes) & ~backslash) |
                           ((x - kOnes * 0x20) & ~x) | x;
  return (special & kHighs) == 0;
}

inline bool IsPlain(unsigned char c) {
  return c != '"' && c != '\\' && c >= 0x20 && c < 0x80;
}

}  // namespace

void JsonKeySet::Clear() {
  keys_.clear();
  owned_.clear();
  large_.clear();
}

bool JsonKeySet::Insert(absl::string_view key, absl::string_view text) {
  const bool in_text = key.data() >= text.data() &&
                       key.data() + key.size() <= text.data() + text.size();
  if (large_.empty()) {
    for (absl::string_view k : keys_) {
      if (k == key) return false;
    }
  } else if (large_.contains(key)) {
    return false;
  }
  if (!in_text) {
    owned_.push_back(std::make_unique<std::string>(key));
    key = *owned_.back();
  }
  if (!large_.empty()) {
    large_.insert(key);
  } else if (keys_.size() < kLinearKeys) {
    keys_.push_back(key);
  } else {
    large_.insert(keys_.begin(), keys_.end());
    large_.insert(key);
  }
  return true;
}

JsonReader::JsonReader(absl::string_view text, int max_depth)
    : text_(text), max_depth_(max_depth) {
  if (text.size() > std::numeric_limits<uint32_t>::max()) {
    text_ = absl::string_view();
    Fail("text larger than 4 GiB");
  }
}

bool JsonReader::Fail(const char* message) {
  if (error_ == nullptr) error_ = message;
  return false;
}

void JsonReader::SkipWhitespace() {
  while (pos_ < text_.size()) {
    const char c = text_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    ++pos_;
  }
}

bool JsonReader::Peek(JsonValue::Kind* kind) {
  if (!ok()) return false;
  SkipWhitespace();
  if (pos_ >= text_.size()) return Fail("unexpected end of input");
  switch (text_[pos_]) {
    case '{':
      *kind = JsonValue::Kind::kObject;
      break;
    case '[':
      *kind = JsonValue::Kind::kArray;
      break;
    case '"':
      *kind = JsonValue::Kind::kString;
      break;
    case 't':
    case 'f':
      *kind = JsonValue::Kind::kBool;
      break;
    case 'n':
      *kind = JsonValue::Kind::kNull;
      break;
    default:
      *kind = JsonValue::Kind::kNumber;
  }
  return true;
}

bool JsonReader::ReadNull() {
  SkipWhitespace();
  if (!ok() || text_.substr(pos_, 4) != "null") return Fail("invalid literal");
  pos_ += 4;
  return true;
}

bool JsonReader::ReadBool(bool* value) {
  SkipWhitespace();
  if (!ok()) return false;
  if (text_.substr(pos_, 4) == "true") {
    pos_ += 4;
    *value = true;
    return true;
  }
  if (text_.substr(pos_, 5) == "false") {
    pos_ += 5;
    *value = false;
    return true;
  }
  return Fail("invalid literal");
}

bool JsonReader::ReadNumber(double* value) {
  SkipWhitespace();
  if (!ok()) return false;
  const size_t start = pos_;
  auto digits = [this] {
    const size_t from = pos_;
    while (pos_ < text_.size() && absl::ascii_isdigit(text_[pos_])) ++pos_;
    return pos_ - from;
  };
  if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
  if (pos_ >= text_.size() || !absl::ascii_isdigit(text_[pos_])) {
    pos_ = start;
    return Fail("expected a value");
  }
  if (text_[pos_] == '0') {
    ++pos_;
  } else {
    digits();
  }
  if (pos_ < text_.size() && text_[pos_] == '.') {
    ++pos_;
    if (digits() == 0) return Fail("expected digits after '.'");
  }
  if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
      ++pos_;
    }
    if (digits() == 0) return Fail("expected digits in the exponent");
  }
  double number = 0;
  const auto result =
      absl::from_chars(text_.data() + start, text_.data() + pos_, number);
  if (result.ec != std::errc() || !std::isfinite(number)) {
    pos_ = start;
    return Fail("number out of range");
  }
  *value = number;
  return true;
}

bool JsonReader::ReadHex4(uint32_t* out) {
  if (text_.size() - pos_ < 4) return Fail("truncated \\u escape");
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = text_[pos_ + i];
    value <<= 4;
    if (c >= '0' && c <= '9') {
      value |= c - '0';
    } else if (c >= 'a' && c <= 'f') {
      value |= c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      value |= c - 'A' + 10;
    } else {
      return Fail("invalid \\u escape");
    }
  }
  pos_ += 4;
  *out = value;
  return true;
}

bool JsonReader::ReadEscape(std::string* out) {
  if (pos_ >= text_.size()) return Fail("unterminated string");
  const char e = text_[pos_++];
  switch (e) {
    case '"':
    case '\\':
    case '/':
      out->push_back(e);
      return true;
    case 'b':
      out->push_back('\b');
      return true;
    case 'f':
      out->push_back('\f');
      return true;
    case 'n':
      out->push_back('\n');
      return true;
    case 'r':
      out->push_back('\r');
      return true;
    case 't':
      out->push_back('\t');
      return true;
    case 'u':
      break;
    default:
      --pos_;
      return Fail("invalid escape in a string");
  }
  uint32_t cp;
  if (!ReadHex4(&cp)) return false;
  if (cp >= 0xdc00 && cp <= 0xdfff) {
    return Fail("unpaired low surrogate in a \\u escape");
  }
  if (cp >= 0xd800 && cp <= 0xdbff) {
    uint32_t low;
    if (text_.substr(pos_, 2) != "\\u") {
      return Fail("unpaired high surrogate in a \\u escape");
    }
    pos_ += 2;
    if (!ReadHex4(&low) || low < 0xdc00 || low > 0xdfff) {
      return Fail("unpaired high surrogate in a \\u escape");
    }
    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
  }
  AppendUtf8(cp, out);
  return true;
}

bool JsonReader::ReadString(absl::string_view* value) {
  SkipWhitespace();
  if (!ok()) return false;
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return Fail("expected a string");
  }
  const size_t start = ++pos_;
  const char* data = text_.data();
  const size_t size = text_.size();
  bool escaped = false;
  while (true) {
    // Skip the run of plain characters, eight at a time where possible.
    size_t run = pos_;
    while (run + 8 <= size) {
      uint64_t word;
      std::memcpy(&word, data + run, 8);
      if (!AllPlain(word)) break;
      run += 8;
    }
    while (run < size && IsPlain(static_cast<unsigned char>(data[run]))) {
      ++run;
    }
    if (escaped) scratch_.append(data + pos_, run - pos_);
    pos_ = run;
    if (pos_ >= size) return Fail("unterminated string");
    const unsigned char c = data[pos_];
    if (c == '"') {
      *value = escaped ? absl::string_view(scratch_)
                       : absl::string_view(data + start, pos_ - start);
      ++pos_;
      return true;
    }
    if (c < 0x20) return Fail("control character in a string");
    if (c >= 0x80) {
      const size_t length = Utf8SequenceLength(text_, pos_);
      if (length == 0) return Fail("invalid UTF-8 in a string");
      if (escaped) scratch_.append(data + pos_, length);
      pos_ += length;
      continue;
    }
    // A backslash: from here on the string is decoded into scratch_.
    if (!escaped) {
      escaped = true;
      scratch_.assign(data + start, pos_ - start);
    }
    ++pos_;
    if (!ReadEscape(&scratch_)) return false;
  }
}

bool JsonReader::Open(char c) {
  SkipWhitespace();
  if (!ok()) return false;
  if (pos_ >= text_.size() || text_[pos_] != c) {
    return Fail(c == '{' ? "expected an object" : "expected an array");
  }
  if (depth_ >= max_depth_) return Fail("nested too deep");
  ++pos_;
  ++depth_;
  if (first_.size() < static_cast<size_t>(depth_)) first_.resize(depth_);
  first_[depth_ - 1] = 1;
  return true;
}

bool JsonReader::BeginObject() { return Open('{'); }
bool JsonReader::BeginArray() { return Open('['); }

bool JsonReader::NextKey(absl::string_view* key) {
  if (!ok()) return false;
  SkipWhitespace();
  uint8_t& first = first_[depth_ - 1];
  const bool at_end = pos_ < text_.size() && text_[pos_] == '}';
  if (first) {
    first = 0;
  } else if (!at_end) {
    if (pos_ >= text_.size() || text_[pos_] != ',') {
      return Fail("expected ',' or '}' in an object");
    }
    ++pos_;
    SkipWhitespace();
  }
  if (at_end) {
    ++pos_;
    --depth_;
    return false;
  }
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return Fail("expected a string (an object key)");
  }
  if (!ReadString(key)) return false;
  SkipWhitespace();
  if (pos_ >= text_.size() || text_[pos_] != ':') {
    return Fail("expected ':' after an object key");
  }
  ++pos_;
  return true;
}

bool JsonReader::NextElement() {
  if (!ok()) return false;
  SkipWhitespace();
  uint8_t& first = first_[depth_ - 1];
  if (pos_ < text_.size() && text_[pos_] == ']') {
    ++pos_;
    --depth_;
    return false;
  }
  if (first) {
    first = 0;
    return true;
  }
  if (pos_ >= text_.size() || text_[pos_] != ',') {
    return Fail("expected ',' or ']' in an array");
  }
  ++pos_;
  return true;
}

bool JsonReader::SkipObject() {
  if (!BeginObject()) return false;
  if (key_sets_.size() < static_cast<size_t>(depth_)) key_sets_.resize(depth_);
  const int depth = depth_;
  key_sets_[depth - 1].Clear();
  absl::string_view key;
  while (NextKey(&key)) {
    if (!key_sets_[depth - 1].Insert(key, text_)) {
      return Fail("duplicate key");
    }
    if (!SkipValue()) return false;
  }
  return ok();
}

bool JsonReader::SkipArray() {
  if (!BeginArray()) return false;
  while (NextElement()) {
    if (!SkipValue()) return false;
  }
  return ok();
}

bool JsonReader::SkipValue() {
  JsonValue::Kind kind;
  if (!Peek(&kind)) return false;
  switch (kind) {
    case JsonValue::Kind::kObject:
      return SkipObject();
    case JsonValue::Kind::kArray:
      return SkipArray();
    case JsonValue::Kind::kString: {
      absl::string_view ignored;
      return ReadString(&ignored);
    }
    case JsonValue::Kind::kBool: {
      bool ignored;
      return ReadBool(&ignored);
    }
    case JsonValue::Kind::kNull:
      return ReadNull();
    case JsonValue::Kind::kNumber: {
      double ignored;
      return ReadNumber(&ignored);
    }
  }
  return Fail("unexpected value");
}

bool JsonReader::Finish() {
  if (!ok()) return false;
  SkipWhitespace();
  if (pos_ != text_.size()) return Fail("unexpected text after the JSON value");
  return true;
}

}  // namespace chaintrust::internal
