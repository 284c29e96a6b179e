// chaintrust.v1.EnrollmentSet in protobuf text format (.textproto, .txtpb)
// and binary (.binpb). A file with nothing in it (no bytes; for text, only
// whitespace and comments) is refused, as an empty JSON file is: an empty
// policy is written as an empty set on purpose, never by accident.
#ifndef CHAINTRUST_ENGINE_POLICY_PROTO_FORMATS_H_
#define CHAINTRUST_ENGINE_POLICY_PROTO_FORMATS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::policy {

// Text format with the proto's field names and no unknown fields; errors
// carry source_name:line:column.
absl::StatusOr<v1::EnrollmentSet> TextToEnrollmentSet(
    absl::string_view text, absl::string_view source_name);

// The binary encoding.
absl::StatusOr<v1::EnrollmentSet> BinaryToEnrollmentSet(
    absl::string_view bytes, absl::string_view source_name);

}  // namespace chaintrust::policy

#endif  // CHAINTRUST_ENGINE_POLICY_PROTO_FORMATS_H_
