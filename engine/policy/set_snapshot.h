// chaintrust.v1.EnrollmentSet -> EnrollmentSnapshot: reads each entry
// according to its attestation type and hands it to the snapshot builder,
// which validates it.
#ifndef CHAINTRUST_ENGINE_POLICY_SET_SNAPSHOT_H_
#define CHAINTRUST_ENGINE_POLICY_SET_SNAPSHOT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/policy/enrollment_set.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::policy {

// Every problem names the entry as `<source_name>: individualEnrollments[3]
// ("dev-7")` and the field. A missing provisioningStatus means enabled.
// X.509 groups need signing certificates (bodies or SHA-256 thumbprints) or
// caReferences naming CA certificates of the set's "certificates" (the DPS
// instance's certificate list); an unknown name is a problem naming the
// group and the reference. TPM keys, when given, must be base64.
absl::StatusOr<SnapshotPtr> EnrollmentSetToSnapshot(
    const v1::EnrollmentSet& set, absl::string_view source_name);

}  // namespace chaintrust::policy

#endif  // CHAINTRUST_ENGINE_POLICY_SET_SNAPSHOT_H_
