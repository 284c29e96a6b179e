// The project's one JSON reader and writer.
//
// Reading: ParseJson turns RFC 8259 text into a JsonValue tree, strictly:
// duplicate object keys, invalid UTF-8 (raw or through unpaired \u
// surrogates), control characters in strings, leading zeros, numbers out of
// a double's range and nesting deeper than a limit are errors. An error says
// where it stopped: "line 2, column 8: invalid literal (at
// individualEnrollments[3].attestation)". Large inputs read on a hot path
// (policy files, JSONL corpora) go through JsonReader (json_reader.h)
// instead, which accepts exactly the same texts without building a tree;
// this parser then words the error when there is one.
//
// Writing: AppendJsonString is the one string escaper; JsonWriter builds
// documents on top of it, compact or indented.
#ifndef CHAINTRUST_ENGINE_INTERNAL_JSON_H_
#define CHAINTRUST_ENGINE_INTERNAL_JSON_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chaintrust::internal {

// ---- Reading ----

// One JSON value. An object keeps its members in document order.
class JsonValue {
 public:
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  JsonValue() = default;
  static JsonValue Null() { return JsonValue(); }
  static JsonValue Bool(bool value);
  static JsonValue Number(double value);
  static JsonValue String(std::string value);
  static JsonValue Array();
  static JsonValue Object();

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // The value of the matching kind; callers check kind() first.
  bool bool_value() const { return bool_; }
  double number_value() const { return number_; }
  const std::string& string_value() const { return string_; }

  // Arrays: the number of elements and each one.
  size_t size() const { return children_.size(); }
  const JsonValue& item(size_t i) const { return children_[i]; }
  void Append(JsonValue value) { children_.push_back(std::move(value)); }

  // Objects: the number of members, each key and value in document order,
  // and lookup by key (linear: objects in policies have a few keys).
  size_t member_count() const { return children_.size() / 2; }
  const std::string& key(size_t i) const { return children_[2 * i].string_; }
  const JsonValue& value(size_t i) const { return children_[2 * i + 1]; }
  const JsonValue* Find(absl::string_view key) const;
  // Adds a member without checking for an existing key.
  void AddMember(std::string key, JsonValue value);

  // Byte offset of the value in the parsed text (0 for built values).
  size_t offset() const { return offset_; }

  // "null", "a boolean", "a number", "a string", "an array", "an object".
  absl::string_view KindName() const;

 private:
  friend class JsonParser;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  uint32_t offset_ = 0;
  double number_ = 0;
  std::string string_;
  // Arrays: the elements. Objects: key (a string value), value, key, ...
  std::vector<JsonValue> children_;
};

struct JsonParseOptions {
  // Objects and arrays nested deeper than this are an error; the top-level
  // value is at depth 1.
  int max_depth = 64;
};

// Where and why a parse failed.
struct JsonParseError {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes
  std::string path;   // the member being read: "a.b[2]"; empty at the top
  std::string message;

  // "line L, column C: message (at path)".
  std::string ToString() const;
};

// Parses one JSON text (surrounding whitespace allowed). Text of more than
// 4 GiB is refused. On failure returns false and fills `error`.
bool ParseJson(absl::string_view text, const JsonParseOptions& options,
               JsonValue* out, JsonParseError* error);

// The same, as a status: InvalidArgument with error.ToString().
absl::StatusOr<JsonValue> ParseJson(absl::string_view text,
                                    const JsonParseOptions& options = {});

// Line and column (1-based) of byte `offset` in `text`.
std::pair<size_t, size_t> LineAndColumn(absl::string_view text, size_t offset);

// ---- Writing ----

// Appends `value` as a quoted JSON string. Valid UTF-8 passes through
// unchanged; ", \ and control characters (and DEL) are escaped. Bytes that
// are not valid UTF-8 are not rejected (certificates carry arbitrary
// bytes, and a report must still be written): each such byte is written as
// \u00XX, i.e. read as Latin-1. The output is always valid JSON and valid
// UTF-8.
void AppendJsonString(std::string* out, absl::string_view value);

// Builds a JSON document into a string. Calls must nest properly (a Key
// before each value inside an object); the writer adds commas and, when
// `indent` > 0, newlines and that many spaces per level.
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out, int indent = 0)
      : out_(out), indent_(indent) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(absl::string_view key);
  JsonWriter& String(absl::string_view value);
  JsonWriter& Int(int64_t value);
  // Integral values within ±2^53 print without a fraction; others with
  // enough digits to read back the same double. Not finite: null.
  JsonWriter& Number(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A whole JsonValue (objects keep their member order).
  JsonWriter& Value(const JsonValue& value);

  // When indenting: a non-empty array written by Value() whose elements are
  // all scalars goes on one line, "[1, 2, 3]", instead of one element per
  // line. Off by default.
  JsonWriter& InlineScalarArrays(bool on = true) {
    inline_scalar_arrays_ = on;
    return *this;
  }

 private:
  void BeforeValue();
  void Open(char c);
  void Close(char c);
  void NewLine();

  std::string* out_;
  int indent_;
  // Per open container: whether it already holds an element.
  std::vector<bool> nonempty_;
  bool after_key_ = false;
  bool inline_scalar_arrays_ = false;
};

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_JSON_H_
