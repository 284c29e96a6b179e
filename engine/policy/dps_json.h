// DPS service JSON <-> chaintrust.v1.EnrollmentSet.
//
// Reading accepts a bundle object {"individualEnrollments": [...],
// "enrollmentGroups": [...], "certificates": [...]} (certificates: the DPS
// instance's CA certificates, as `az iot dps certificate list` prints each
// one), a top-level array of individual enrollments
// or of enrollment groups (as `az iot dps enrollment list` prints), or one
// entry. Every key is checked against the DPS service schema
// (dps_schema.h); a value of the wrong type, an unknown enum spelling, a
// missing required field or an unknown key is a problem naming the file,
// the entry and the field, e.g.
//   policy.json: enrollmentGroups[2] ("contoso-int"):
//   attestation.x509.signingCertificates.primary: expected an object, got a
//   string
// Writing produces the bundle form with DPS's enum spellings.
#ifndef CHAINTRUST_ENGINE_POLICY_DPS_JSON_H_
#define CHAINTRUST_ENGINE_POLICY_DPS_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/policy_load_options.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::policy {

// `report` may be null.
absl::StatusOr<v1::EnrollmentSet> DpsJsonToEnrollmentSet(
    absl::string_view json, absl::string_view source_name,
    const PolicyLoadOptions& options, PolicyLoadReport* report);

// A DPS instance's CA certificates as `az iot dps certificate list` prints
// them ({"value": [...]}), a top-level array of them, or one certificate;
// keys are checked as for enrollments. `report` may be null.
absl::StatusOr<v1::DpsCertificateList> DpsJsonToCertificateList(
    absl::string_view json, absl::string_view source_name,
    const PolicyLoadOptions& options, PolicyLoadReport* report);

// Indented JSON (two spaces), enums as DPS spells them ("enabled", "x509",
// "symmetricKey", "tpm"), fields at their default values left out.
std::string EnrollmentSetToDpsJson(const v1::EnrollmentSet& set);

}  // namespace chaintrust::policy

#endif  // CHAINTRUST_ENGINE_POLICY_DPS_JSON_H_
