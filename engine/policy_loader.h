// Loading enrollment sets from files into protos and snapshots.
//
// Formats, chosen by file extension (docs/contract.md):
//   .json               DPS service JSON: a bundle object
//                       {"individualEnrollments": [...],
//                        "enrollmentGroups": [...]}, a top-level array of
//                       individual enrollments or of enrollment groups (as
//                       `az iot dps enrollment list` prints), or one entry.
//   .textproto, .txtpb  chaintrust.v1.EnrollmentSet in protobuf text format.
//   .binpb              the same, binary.
//
// DPS JSON is converted strictly: a key that is not in the DPS service
// schema, a value of the wrong type, an unknown enum spelling or a missing
// required field is an error naming the file, the entry and the field, e.g.
//   policy.json: enrollmentGroups[2] ("contoso-int"):
//   attestation.x509.signingCertificates.primary: expected an object, got a
//   string
//   policy.json: individualEnrollments[0] ("dev-1"): provisioningstatus:
//   unknown key; did you mean "provisioningStatus"?
// PolicyLoadOptions::allow_unknown_fields lets keys of newer service
// versions through (never near misses of known keys); PolicyLoadReport
// lists them. An empty file is an error in every format.
// Limits: files of at most 1 GiB; JSON nested at most 40 levels deep.
#ifndef CHAINTRUST_ENGINE_POLICY_LOADER_H_
#define CHAINTRUST_ENGINE_POLICY_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/policy_load_options.h"  // PolicyLoadOptions, limits
#include "engine/types.h"
#include "proto/enrollment.pb.h"

namespace chaintrust {

// Reads `path` and parses it according to its extension. When
// options.certificates_path is set, the certificate list there
// (LoadCertificateListFile) is appended to the set's certificates. `report`
// may be null.
absl::StatusOr<v1::EnrollmentSet> LoadEnrollmentSetFile(
    absl::string_view path, const PolicyLoadOptions& options = {},
    PolicyLoadReport* report = nullptr);

// Parses DPS service JSON (see above). `source_name` prefixes every error.
absl::StatusOr<v1::EnrollmentSet> ParseDpsJson(
    absl::string_view json, absl::string_view source_name,
    const PolicyLoadOptions& options = {}, PolicyLoadReport* report = nullptr);

// A DPS instance's CA certificates: `az iot dps certificate list` output
// ({"value": [...]}), an array of certificates or one certificate as .json,
// or chaintrust.v1.DpsCertificateList as .textproto/.txtpb/.binpb. Every
// certificate body given must parse; errors name the file and the entry.
absl::StatusOr<v1::DpsCertificateList> LoadCertificateListFile(
    absl::string_view path, const PolicyLoadOptions& options = {},
    PolicyLoadReport* report = nullptr);

// Parses protobuf text format; errors carry source_name:line:column.
absl::StatusOr<v1::EnrollmentSet> ParseEnrollmentSetText(
    absl::string_view text, absl::string_view source_name);

// Parses the binary protobuf encoding.
absl::StatusOr<v1::EnrollmentSet> ParseEnrollmentSetBinary(
    absl::string_view bytes, absl::string_view source_name);

// Validates and compiles `set` into a snapshot; every problem names the
// entry as `<source_name>: individualEnrollments[3] ("dev-7")` and the field.
// A missing provisioningStatus means enabled. X.509 groups need signing
// certificates (bodies or SHA-256 thumbprints) or caReferences naming
// certificates of set.certificates() (the DPS instance's certificate list);
// an unknown name is an error naming the group and the reference. TPM keys,
// when given, must be base64.
absl::StatusOr<SnapshotPtr> BuildSnapshot(const v1::EnrollmentSet& set,
                                          absl::string_view source_name);

// DPS service JSON straight to a snapshot: the result (or the problems,
// worded the same) of ParseDpsJson then BuildSnapshot, without building
// the proto on the way; options.certificates_path is read as by
// LoadEnrollmentSetFile.
absl::StatusOr<SnapshotPtr> DpsJsonToSnapshot(
    absl::string_view json, absl::string_view source_name,
    const PolicyLoadOptions& options = {}, PolicyLoadReport* report = nullptr);

// LoadEnrollmentSetFile, then BuildSnapshot named after `path` (for .json,
// DpsJsonToSnapshot).
absl::StatusOr<SnapshotPtr> LoadSnapshotFile(
    absl::string_view path, const PolicyLoadOptions& options = {},
    PolicyLoadReport* report = nullptr);

// The bundle form of DPS service JSON, indented, with DPS's enum spellings
// ("enabled", "x509", "symmetricKey", "tpm"), so the output loads in DPS
// and back here.
std::string EnrollmentSetToDpsJson(const v1::EnrollmentSet& set);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_POLICY_LOADER_H_
