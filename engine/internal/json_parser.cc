// The reading half of the JSON module (see json.h): a linear, strict
// recursive-descent parser. protobuf's JsonStringToMessage manages about
// 10 MB/s into google.protobuf.Value and takes quadratic time on deep
// nesting; this one is linear, bounds the nesting, rejects duplicate keys
// and invalid UTF-8, and says where it stopped.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/json.h"
#include "engine/internal/json_scan.h"

namespace chaintrust::internal {
namespace {

constexpr size_t kMaxQuotedKey = 80;

std::string QuoteKey(absl::string_view key) {
  if (key.size() > kMaxQuotedKey) {
    return absl::StrCat("\"", absl::CHexEscape(key.substr(0, kMaxQuotedKey)),
                        "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(key), "\"");
}

// The member being parsed, as a chain of stack frames: built into text only
// when an error is reported.
struct PathFrame {
  const PathFrame* parent;
  const std::string* key;  // null for an array element
  size_t index;
};

std::string PathText(const PathFrame* frame) {
  std::vector<const PathFrame*> frames;
  for (; frame != nullptr; frame = frame->parent) frames.push_back(frame);
  std::string path;
  for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
    if ((*it)->key == nullptr) {
      absl::StrAppend(&path, "[", (*it)->index, "]");
    } else {
      if (!path.empty()) path.push_back('.');
      const std::string& key = *(*it)->key;
      path.append(key.size() > kMaxQuotedKey ? QuoteKey(key) : key);
    }
  }
  return path;
}

}  // namespace

class JsonParser {
 public:
  JsonParser(absl::string_view text, const JsonParseOptions& options,
             JsonParseError* error)
      : text_(text), options_(options), error_(error) {}

  bool Parse(JsonValue* out) {
    SkipWhitespace();
    if (!ParseValue(out, 0, nullptr)) return false;
    SkipWhitespace();
    if (pos_ != text_.size()) {
      return Fail("unexpected text after the JSON value", nullptr);
    }
    return true;
  }

 private:
  bool Fail(absl::string_view message, const PathFrame* path) {
    if (!failed_) {
      failed_ = true;
      const auto [line, column] = LineAndColumn(text_, pos_);
      error_->line = line;
      error_->column = column;
      error_->path = PathText(path);
      error_->message = std::string(message);
    }
    return false;
  }

  void SkipWhitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool Consume(absl::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  bool ParseValue(JsonValue* out, int depth, const PathFrame* path) {
    if (pos_ >= text_.size()) return Fail("unexpected end of input", path);
    out->offset_ = static_cast<uint32_t>(pos_);
    switch (text_[pos_]) {
      case '{':
        out->kind_ = JsonValue::Kind::kObject;
        return ParseObject(out, depth + 1, path);
      case '[':
        out->kind_ = JsonValue::Kind::kArray;
        return ParseArray(out, depth + 1, path);
      case '"':
        out->kind_ = JsonValue::Kind::kString;
        return ParseString(&out->string_, path);
      case 't':
        if (!Consume("true")) return Fail("invalid literal", path);
        out->kind_ = JsonValue::Kind::kBool;
        out->bool_ = true;
        return true;
      case 'f':
        if (!Consume("false")) return Fail("invalid literal", path);
        out->kind_ = JsonValue::Kind::kBool;
        out->bool_ = false;
        return true;
      case 'n':
        if (!Consume("null")) return Fail("invalid literal", path);
        out->kind_ = JsonValue::Kind::kNull;
        return true;
      default:
        out->kind_ = JsonValue::Kind::kNumber;
        return ParseNumber(&out->number_, path);
    }
  }

  bool CheckDepth(int depth, const PathFrame* path) {
    if (depth > options_.max_depth) {
      return Fail(
          absl::StrCat("nested more than ", options_.max_depth, " levels deep"),
          path);
    }
    return true;
  }

  // Whether the key just added as the last member repeats an earlier one.
  // Small objects are searched; large ones (free-form data) get a set.
  bool IsDuplicateKey(const std::vector<JsonValue>& children,
                      absl::flat_hash_set<std::string>* seen) {
    constexpr size_t kLinearMembers = 16;
    const size_t members = children.size() / 2 + 1;  // the key is pending
    const std::string& key = children.back().string_;
    if (members <= kLinearMembers) {
      for (size_t i = 0; i + 1 < children.size(); i += 2) {
        if (children[i].string_ == key) return true;
      }
      return false;
    }
    if (seen->empty()) {
      for (size_t i = 0; i + 1 < children.size(); i += 2) {
        seen->insert(children[i].string_);
      }
    }
    return !seen->insert(key).second;
  }

  bool ParseObject(JsonValue* out, int depth, const PathFrame* path) {
    if (!CheckDepth(depth, path)) return false;
    ++pos_;  // '{'
    SkipWhitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    std::vector<JsonValue>& children = out->children_;
    absl::flat_hash_set<std::string> seen;
    while (true) {
      SkipWhitespace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return Fail("expected a string (an object key)", path);
      }
      const size_t key_pos = pos_;
      children.emplace_back();
      JsonValue& key = children.back();
      key.kind_ = JsonValue::Kind::kString;
      key.offset_ = static_cast<uint32_t>(pos_);
      if (!ParseString(&key.string_, path)) return false;
      if (IsDuplicateKey(children, &seen)) {
        pos_ = key_pos;
        return Fail(absl::StrCat("duplicate key ", QuoteKey(key.string_)),
                    path);
      }
      SkipWhitespace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        return Fail("expected ':' after an object key", path);
      }
      ++pos_;
      SkipWhitespace();
      children.emplace_back();
      // `children` does not grow while the value is parsed: the frame may
      // point at the key inside it.
      const PathFrame frame{path, &children[children.size() - 2].string_, 0};
      if (!ParseValue(&children.back(), depth, &frame)) return false;
      SkipWhitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}' in an object", path);
    }
  }

  bool ParseArray(JsonValue* out, int depth, const PathFrame* path) {
    if (!CheckDepth(depth, path)) return false;
    ++pos_;  // '['
    SkipWhitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    std::vector<JsonValue>& children = out->children_;
    while (true) {
      SkipWhitespace();
      const PathFrame frame{path, nullptr, children.size()};
      children.emplace_back();
      if (!ParseValue(&children.back(), depth, &frame)) return false;
      SkipWhitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']' in an array", path);
    }
  }

  bool ParseString(std::string* out, const PathFrame* path) {
    ++pos_;  // '"'
    absl::string_view value;
    const char* error = ScanJsonString(text_, &pos_, &scratch_, &value);
    if (error != nullptr) return Fail(error, path);
    out->assign(value.data(), value.size());
    return true;
  }

  bool ParseNumber(double* out, const PathFrame* path) {
    const char* error = ScanJsonNumber(text_, &pos_, out);
    return error == nullptr || Fail(error, path);
  }

  absl::string_view text_;
  const JsonParseOptions& options_;
  JsonParseError* error_;
  size_t pos_ = 0;
  bool failed_ = false;
  std::string scratch_;  // strings with escapes, decoded
};

bool ParseJson(absl::string_view text, const JsonParseOptions& options,
               JsonValue* out, JsonParseError* error) {
  *out = JsonValue();
  if (text.size() > std::numeric_limits<uint32_t>::max()) {
    *error = JsonParseError();
    error->message = "text larger than 4 GiB";
    return false;
  }
  return JsonParser(text, options, error).Parse(out);
}

absl::StatusOr<JsonValue> ParseJson(absl::string_view text,
                                    const JsonParseOptions& options) {
  JsonValue value;
  JsonParseError error;
  if (!ParseJson(text, options, &value, &error)) {
    return absl::InvalidArgumentError(error.ToString());
  }
  return value;
}

}  // namespace chaintrust::internal
