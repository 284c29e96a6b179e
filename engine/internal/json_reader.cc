// JsonReader: the pull reader of json_reader.h. Its grammar mirrors
// json_parser.cc's; strings and numbers are read by the scanner both share
// (json_scan.h). json_reader_test.cc checks that both accept and reject the
// same texts.
#include "engine/internal/json_reader.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "engine/internal/json_scan.h"

namespace chaintrust::internal {
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
    : max_depth_(max_depth) {
  Reset(text);
}

void JsonReader::Reset(absl::string_view text) {
  text_ = text;
  pos_ = 0;
  depth_ = 0;
  error_ = nullptr;
  scratch_.clear();
  first_.clear();
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
  const char* error = ScanJsonNumber(text_, &pos_, value);
  return error == nullptr || Fail(error);
}

bool JsonReader::ReadString(absl::string_view* value) {
  SkipWhitespace();
  if (!ok()) return false;
  if (pos_ >= text_.size() || text_[pos_] != '"') {
    return Fail("expected a string");
  }
  ++pos_;
  const char* error = ScanJsonString(text_, &pos_, &scratch_, value);
  return error == nullptr || Fail(error);
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
