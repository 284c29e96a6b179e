#include "tools/serve/json_util.h"

#include <openssl/rand.h>

#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/internal/json.h"
#include "google/protobuf/util/json_util.h"

namespace chaintrust::serve {
namespace {

constexpr size_t kMaxJsonBytes = 1 << 20;
constexpr int kMaxJsonDepth = 32;

// Protobuf's parser recurses per nesting level; refuse deep input first.
bool NestingWithin(absl::string_view text, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<google::protobuf::Value> ParseJson(absl::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return absl::InvalidArgumentError("JSON body too large");
  }
  if (!NestingWithin(text, kMaxJsonDepth)) {
    return absl::InvalidArgumentError("JSON nested too deeply");
  }
  google::protobuf::Value value;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed JSON: ", status.ToString()));
  }
  return value;
}

absl::StatusOr<google::protobuf::Struct> ParseJsonObject(
    absl::string_view text) {
  auto value = ParseJson(text);
  if (!value.ok()) return value.status();
  if (value->kind_case() != google::protobuf::Value::kStructValue) {
    return absl::InvalidArgumentError("expected a JSON object");
  }
  return value->struct_value();
}

std::string ToJson(const google::protobuf::Value& value) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(value, &out);
  return out;
}

std::string ToJson(const google::protobuf::Struct& object) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(object, &out);
  return out;
}

std::string StringField(const google::protobuf::Struct& object,
                        const std::string& key) {
  auto it = object.fields().find(key);
  if (it == object.fields().end() ||
      it->second.kind_case() != google::protobuf::Value::kStringValue) {
    return "";
  }
  return it->second.string_value();
}

void SetString(google::protobuf::Struct* object, const std::string& key,
               absl::string_view value) {
  (*object->mutable_fields())[key].set_string_value(std::string(value));
}

std::string FormatUtc(absl::Time t) {
  // Every answer carries two or three of these: digits are written
  // directly for years 1000-9999 (absl::FormatTime parses its format each
  // time); anything else goes through FormatTime, which is what this writes.
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond second = absl::ToCivilSecond(t, utc);
  if (second.year() < 1000 || second.year() > 9999) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, utc);
  }
  // Truncated to the millisecond, as %E3S does.
  const int64_t millis =
      absl::ToInt64Milliseconds(t - absl::FromCivil(second, utc));
  char text[] = "0000-00-00T00:00:00.000Z";
  auto put = [&text](int at, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) {
      text[at + i] = static_cast<char>('0' + value % 10);
    }
  };
  put(0, second.year(), 4);
  put(5, second.month(), 2);
  put(8, second.day(), 2);
  put(11, second.hour(), 2);
  put(14, second.minute(), 2);
  put(17, second.second(), 2);
  put(20, millis, 3);
  return std::string(text, sizeof(text) - 1);
}

std::string RandomId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // Fail loudly rather than hand out predictable ids.
    std::abort();
  }
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

std::string ErrorBody(int error_code, absl::string_view message,
                      absl::string_view tracking_id, absl::Time now) {
  std::string out =
      absl::StrCat("{\"errorCode\":", error_code, ",\"trackingId\":");
  internal::AppendJsonString(&out, tracking_id);
  out += ",\"message\":";
  internal::AppendJsonString(&out, message);
  out += ",\"info\":{},\"timestampUtc\":";
  internal::AppendJsonString(&out, FormatUtc(now));
  out += "}";
  return out;
}

}  // namespace chaintrust::serve
