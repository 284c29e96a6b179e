// JSON helpers of the DPS front-end: parsing request bodies into protobuf's
// JSON model (google.protobuf.Value), printing it back, and DPS's error body.
#ifndef CHAINTRUST_TOOLS_SERVE_JSON_UTIL_H_
#define CHAINTRUST_TOOLS_SERVE_JSON_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"

namespace chaintrust::serve {

// Parses any JSON text (at most 1 MiB, nested at most 32 deep).
absl::StatusOr<google::protobuf::Value> ParseJson(absl::string_view text);
// Parses JSON text that must be an object.
absl::StatusOr<google::protobuf::Struct> ParseJsonObject(
    absl::string_view text);

std::string ToJson(const google::protobuf::Value& value);
std::string ToJson(const google::protobuf::Struct& object);

// The string field `key` of `object`, or "" when absent or not a string.
std::string StringField(const google::protobuf::Struct& object,
                        const std::string& key);
void SetString(google::protobuf::Struct* object, const std::string& key,
               absl::string_view value);

// "2026-12-01T20:55:09.123Z".
std::string FormatUtc(absl::Time t);

// A random 128-bit id as 32 lowercase hex digits (operation ids, etags,
// tracking ids).
std::string RandomId();

// DPS's error body: {"errorCode", "trackingId", "message", "info",
// "timestampUtc"}.
std::string ErrorBody(int error_code, absl::string_view message,
                      absl::string_view tracking_id, absl::Time now);

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_JSON_UTIL_H_
