// DPS service JSON straight into the snapshot builder: a pull reader walks
// the text against the service schema (dps_schema.h) and hands each entry
// to EnrollmentSnapshot::Builder, with no JSON tree and no protobuf message
// in between.
//
// It reports nothing itself. Where the strict converter
// (DpsJsonToEnrollmentSet, then EnrollmentSetToSnapshot) would report a
// problem, and for the rare shapes it leaves to it (one entry at the top
// level, a key outside the schema, a SHA-1 thumbprint alone), it answers
// false, and the caller runs the strict converter over the same text for
// the report. When it answers true, the builder holds exactly the entries,
// in the order, that EnrollmentSetToSnapshot would have added.
#ifndef CHAINTRUST_ENGINE_POLICY_DPS_JSON_STREAM_H_
#define CHAINTRUST_ENGINE_POLICY_DPS_JSON_STREAM_H_

#include "absl/strings/string_view.h"
#include "engine/policy/enrollment_set.h"

namespace chaintrust::policy {

// False leaves `builder` holding part of the input: drop it.
bool StreamDpsJsonIntoBuilder(absl::string_view json,
                              EnrollmentSnapshot::Builder* builder);

}  // namespace chaintrust::policy

#endif  // CHAINTRUST_ENGINE_POLICY_DPS_JSON_STREAM_H_
