// A pull reader over JSON text: the caller asks for the next value of the
// kind it expects, and nothing is built that the caller does not keep.
// It accepts exactly what ParseJson (json.h) accepts: the same grammar,
// UTF-8 and escape rules, number range, nesting limit and duplicate-key
// rule (SkipValue checks the keys of every object it skips; a caller that
// walks an object member by member checks its keys itself, with
// JsonKeySet or by its own means). Strings come back as views into the
// text when they hold no escapes, else into a buffer the reader reuses, so
// a document is read without an allocation per value.
//
// Errors are brief ("duplicate key", "expected a string") with the byte
// offset where reading stopped; callers that owe the user a full report
// (line, column, member path) run ParseJson over the same text.
#ifndef CHAINTRUST_ENGINE_INTERNAL_JSON_READER_H_
#define CHAINTRUST_ENGINE_INTERNAL_JSON_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "engine/internal/json.h"

namespace chaintrust::internal {

// The keys of one object, for the duplicate-key rule: views into the text
// are kept as they are, keys decoded into the reader's buffer are copied.
class JsonKeySet {
 public:
  void Clear();
  // False when `key` was inserted since the last Clear().
  bool Insert(absl::string_view key, absl::string_view text);

 private:
  static constexpr size_t kLinearKeys = 16;
  std::vector<absl::string_view> keys_;
  std::vector<std::unique_ptr<std::string>> owned_;
  absl::flat_hash_set<absl::string_view> large_;
};

class JsonReader {
 public:
  // `max_depth` as JsonParseOptions::max_depth: the top-level value is at
  // depth 1. Text of more than 4 GiB is refused, as by ParseJson.
  explicit JsonReader(absl::string_view text, int max_depth = 64);

  JsonReader(const JsonReader&) = delete;
  JsonReader& operator=(const JsonReader&) = delete;

  // Starts over on `text` as a new reader would, keeping the buffers
  // (decoded strings, key sets) so a reader used for many small texts,
  // one per record, does not grow them again each time.
  void Reset(absl::string_view text);

  // The kind of the next value, judged by its first byte (anything that is
  // not a literal, a string or a container reads as a number, which
  // ReadNumber then accepts or rejects). False at the end of the input.
  bool Peek(JsonValue::Kind* kind);

  bool ReadNull();
  bool ReadBool(bool* value);
  bool ReadNumber(double* value);
  // The decoded string; the view stays valid until the next call that
  // reads a string (a key included).
  bool ReadString(absl::string_view* value);

  // '{' (or '['), counting the nesting.
  bool BeginObject();
  bool BeginArray();
  // Inside an object: true with the next member's key, its ':' consumed;
  // false after the closing '}' or on an error (see ok()).
  bool NextKey(absl::string_view* key);
  // Inside an array: true when another element follows; false after the
  // closing ']' or on an error.
  bool NextElement();

  // Reads and checks the next value whatever it is.
  bool SkipValue();
  // Only whitespace is left.
  bool Finish();

  bool ok() const { return error_ == nullptr; }
  // Why and where (byte offset) reading stopped.
  const char* error() const { return error_ == nullptr ? "" : error_; }
  size_t offset() const { return pos_; }
  absl::string_view text() const { return text_; }

 private:
  bool Fail(const char* message);
  void SkipWhitespace();
  bool Open(char c);
  bool SkipObject();
  bool SkipArray();

  absl::string_view text_;
  size_t pos_ = 0;
  int depth_ = 0;
  int max_depth_;
  const char* error_ = nullptr;
  std::string scratch_;
  // Per open container (index: depth - 1): whether no member was read yet.
  absl::InlinedVector<uint8_t, 48> first_;
  // SkipValue's duplicate-key check: one set per nesting level, reused.
  std::vector<JsonKeySet> key_sets_;
};

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_JSON_READER_H_
