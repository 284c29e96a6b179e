// The corpus's JSON documents, built in place and printed the way the
// committed files are: two-space indentation, members in insertion order,
// arrays of scalars on one line. A thin builder over the project's JSON
// module (internal::JsonValue and JsonWriter). Internal to
// //testdata:scenario_corpus.
#ifndef CHAINTRUST_TESTDATA_SCENARIO_JSON_H_
#define CHAINTRUST_TESTDATA_SCENARIO_JSON_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "engine/internal/json.h"

namespace chaintrust {
namespace testdata {

class Json {
 public:
  static Json Object() { return Json(internal::JsonValue::Object()); }
  static Json Array() { return Json(internal::JsonValue::Array()); }
  static Json Str(absl::string_view value) {
    return Json(internal::JsonValue::String(std::string(value)));
  }
  static Json Bool(bool value) {
    return Json(internal::JsonValue::Bool(value));
  }
  // Exact for the small counts and indices the corpus records.
  static Json Int(int64_t value) {
    return Json(internal::JsonValue::Number(static_cast<double>(value)));
  }

  // Objects: appends a member (keys keep insertion order).
  Json& Set(absl::string_view key, Json value) {
    if (!value_.is_object()) Misuse("Json::Set on a non-object");
    value_.AddMember(std::string(key), std::move(value.value_));
    return *this;
  }
  // Arrays: appends an element.
  Json& Push(Json value) {
    if (!value_.is_array()) Misuse("Json::Push on a non-array");
    value_.Append(std::move(value.value_));
    return *this;
  }

  // Pretty-printed, ending with a newline.
  std::string Dump() const {
    std::string out;
    internal::JsonWriter(&out, 2).InlineScalarArrays().Value(value_);
    out.push_back('\n');
    return out;
  }

 private:
  explicit Json(internal::JsonValue value) : value_(std::move(value)) {}
  [[noreturn]] static void Misuse(const char* what) {
    std::fprintf(stderr, "scenario_corpus: %s\n", what);
    std::abort();
  }

  internal::JsonValue value_;
};

}  // namespace testdata
}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_SCENARIO_JSON_H_
