// JsonValue and the writing half of the JSON module (see json.h); the
// parser is in json_parser.cc.
#include "engine/internal/json.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/internal/utf8.h"

namespace chaintrust::internal {

JsonValue JsonValue::Bool(bool value) {
  JsonValue v;
  v.kind_ = Kind::kBool;
  v.bool_ = value;
  return v;
}

JsonValue JsonValue::Number(double value) {
  JsonValue v;
  v.kind_ = Kind::kNumber;
  v.number_ = value;
  return v;
}

JsonValue JsonValue::String(std::string value) {
  JsonValue v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(value);
  return v;
}

JsonValue JsonValue::Array() {
  JsonValue v;
  v.kind_ = Kind::kArray;
  return v;
}

JsonValue JsonValue::Object() {
  JsonValue v;
  v.kind_ = Kind::kObject;
  return v;
}

const JsonValue* JsonValue::Find(absl::string_view key) const {
  if (kind_ != Kind::kObject) return nullptr;
  for (size_t i = 0; i + 1 < children_.size(); i += 2) {
    if (children_[i].string_ == key) return &children_[i + 1];
  }
  return nullptr;
}

void JsonValue::AddMember(std::string key, JsonValue value) {
  children_.push_back(String(std::move(key)));
  children_.push_back(std::move(value));
}

absl::string_view JsonValue::KindName() const {
  switch (kind_) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return "a boolean";
    case Kind::kNumber:
      return "a number";
    case Kind::kString:
      return "a string";
    case Kind::kArray:
      return "an array";
    case Kind::kObject:
      return "an object";
  }
  return "nothing";
}

std::string JsonParseError::ToString() const {
  std::string text =
      absl::StrCat("line ", line, ", column ", column, ": ", message);
  if (!path.empty()) absl::StrAppend(&text, " (at ", path, ")");
  return text;
}

std::pair<size_t, size_t> LineAndColumn(absl::string_view text, size_t offset) {
  size_t line = 1;
  size_t column = 1;
  const size_t end = offset < text.size() ? offset : text.size();
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

void AppendJsonString(std::string* out, absl::string_view value) {
  out->push_back('"');
  for (size_t i = 0; i < value.size();) {
    const uint8_t c = static_cast<uint8_t>(value[i]);
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(value, i);
      if (n == 0) {
        absl::StrAppendFormat(out, "\\u%04x", c);
        ++i;
      } else {
        out->append(value.data() + i, n);
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out->push_back('"');
}

// ---- JsonWriter ----

namespace {

bool IsScalarArray(const JsonValue& array) {
  for (size_t i = 0; i < array.size(); ++i) {
    if (array.item(i).is_array() || array.item(i).is_object()) return false;
  }
  return true;
}

}  // namespace

void JsonWriter::NewLine() {
  if (indent_ <= 0) return;
  out_->push_back('\n');
  out_->append(nonempty_.size() * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (nonempty_.empty()) return;
  if (nonempty_.back()) out_->push_back(',');
  nonempty_.back() = true;
  NewLine();
}

void JsonWriter::Open(char c) {
  BeforeValue();
  out_->push_back(c);
  nonempty_.push_back(false);
}

void JsonWriter::Close(char c) {
  const bool had_elements = !nonempty_.empty() && nonempty_.back();
  if (!nonempty_.empty()) nonempty_.pop_back();
  if (had_elements) NewLine();
  out_->push_back(c);
}

JsonWriter& JsonWriter::BeginObject() {
  Open('{');
  return *this;
}
JsonWriter& JsonWriter::EndObject() {
  Close('}');
  return *this;
}
JsonWriter& JsonWriter::BeginArray() {
  Open('[');
  return *this;
}
JsonWriter& JsonWriter::EndArray() {
  Close(']');
  return *this;
}

JsonWriter& JsonWriter::Key(absl::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_->append(indent_ > 0 ? ": " : ":");
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(absl::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t value) {
  BeforeValue();
  absl::StrAppend(out_, value);
  return *this;
}

JsonWriter& JsonWriter::Number(double value) {
  BeforeValue();
  if (!std::isfinite(value)) {
    out_->append("null");
  } else if (std::trunc(value) == value &&
             std::fabs(value) <= 9007199254740992.0) {
    absl::StrAppend(out_, static_cast<int64_t>(value));
  } else {
    absl::StrAppendFormat(out_, "%.17g", value);
  }
  return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
  return *this;
}

JsonWriter& JsonWriter::Value(const JsonValue& value) {
  switch (value.kind()) {
    case JsonValue::Kind::kNull:
      return Null();
    case JsonValue::Kind::kBool:
      return Bool(value.bool_value());
    case JsonValue::Kind::kNumber:
      return Number(value.number_value());
    case JsonValue::Kind::kString:
      return String(value.string_value());
    case JsonValue::Kind::kArray:
      if (inline_scalar_arrays_ && indent_ > 0 && value.size() > 0 &&
          IsScalarArray(value)) {
        BeforeValue();
        out_->push_back('[');
        for (size_t i = 0; i < value.size(); ++i) {
          if (i > 0) out_->append(", ");
          JsonWriter(out_).Value(value.item(i));
        }
        out_->push_back(']');
        return *this;
      }
      BeginArray();
      for (size_t i = 0; i < value.size(); ++i) Value(value.item(i));
      return EndArray();
    case JsonValue::Kind::kObject:
      BeginObject();
      for (size_t i = 0; i < value.member_count(); ++i) {
        Key(value.key(i));
        Value(value.value(i));
      }
      return EndObject();
  }
  return *this;
}

}  // namespace chaintrust::internal
