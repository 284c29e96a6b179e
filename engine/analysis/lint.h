// Findings about an enrollment set, offline: the analysis behind
// `chaintrust lint`.
//
// Each finding has a severity (error, warning, info), a stable code, the
// entry it concerns and a message:
//   GROUP_SHADOWED (info)       an X.509 group whose every known child CA
//                               certificate has its own group: it decides
//                               only for devices its certificate issues
//                               directly (warning when it is disabled and
//                               a child group is enabled: disabling it
//                               revokes nothing below);
//   INDIVIDUAL_OVERRIDES_GROUP  a disabled individual enrollment that denies
//                               a device an enabled group would allow
//                               (warning when its certificate chains to that
//                               group in the set; info when it cannot be
//                               determined, e.g. symmetric key);
//   CERTIFICATE_EXPIRED (error), CERTIFICATE_EXPIRING (warning),
//   CERTIFICATE_NOT_YET_VALID (warning), WEAK_KEY (warning: RSA < 2048),
//   WEAK_SIGNATURE (warning: SHA-1), GROUP_THUMBPRINT_ONLY (info);
//   over the DPS certificate list: CA_NOT_VERIFIED (error when a group names
//   the CA in caReferences, warning otherwise), CA_UNREFERENCED (info: no
//   group names it);
//   over a registration export: ORPHANED_REGISTRATION (warning), QUOTA
//   (error when full, warning above 90%, info otherwise);
//   over CRLs (LintCrls): CRL_STALE (error: past nextUpdate, so the devices
//   it covers are denied unless stale CRLs are accepted), CRL_EXPIRING
//   (warning: nextUpdate within crl_expiring_within), CRL_NOT_YET_VALID
//   (warning: thisUpdate after `at`), CRL_ISSUER_NOT_IN_POLICY (warning: no
//   group certificate is named like its issuer; it applies only to chains
//   that present its issuer), CRL_SIGNATURE_INVALID and
//   CRL_ISSUER_NOT_CRL_SIGNER (errors: the group certificates named like
//   its issuer do not verify it / lack cRLSign).
#ifndef CHAINTRUST_ENGINE_ANALYSIS_LINT_H_
#define CHAINTRUST_ENGINE_ANALYSIS_LINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy_load_options.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::analysis {

struct Finding {
  std::string severity;  // error, warning, info
  std::string code;
  std::string entry;
  std::string message;
};

struct LintReport {
  std::vector<Finding> findings;
  int errors() const { return Count("error"); }
  int warnings() const { return Count("warning"); }
  int infos() const { return Count("info"); }

 private:
  int Count(absl::string_view severity) const;
};

struct LintOptions {
  absl::Time at = absl::UnixEpoch();
  // CERTIFICATE_EXPIRING: expiring within this window after `at`.
  absl::Duration expiring_within = absl::Hours(24 * 30);
  // CRL_EXPIRING: nextUpdate within this window after `at`.
  absl::Duration crl_expiring_within = absl::Hours(24);
  // PROFILE_VIOLATION (a warning): a group certificate the chain checks of
  // these options would refuse as the deciding group's certificate (under
  // a profile beyond the default, or with key identifiers required).
  ResolverOptions resolver;
};

// UNKNOWN_FIELD_IGNORED (a warning) for each key of the policy file that
// PolicyLoadOptions::allow_unknown_fields let through, naming the entry and
// the key; one more when the loader stopped recording them.
void LintIgnoredFields(const PolicyLoadReport& load_report, LintReport* report);

// Findings about the groups and individual enrollments of `set`, whose
// snapshot is `snapshot` (built from it).
void LintPolicy(const v1::EnrollmentSet& set,
                const EnrollmentSnapshot& snapshot, const LintOptions& options,
                LintReport* report);

// Findings about `crls`, loaded beside `snapshot` (see above). The entry
// is the CRL's source ("file" or "file#n").
void LintCrls(const CrlSet& crls, const EnrollmentSnapshot& snapshot,
              const LintOptions& options, LintReport* report);

// One record of a DPS registration export.
struct RegistrationRef {
  std::string registration_id;
  std::string enrollment_group_id;  // empty: an individual enrollment
};

// A registration export: a JSON array of DPS registration records,
//   [{"registrationId": "dev-1", "enrollmentGroupId": "contoso-root",
//     "status": "assigned", ...}, ...]
// "registrationId" is required; "enrollmentGroupId" names the group the
// device registered through (absent: an individual enrollment); other
// fields are ignored. Errors name `source_name` and the record.
absl::StatusOr<std::vector<RegistrationRef>> ParseRegistrationExport(
    absl::string_view json, absl::string_view source_name);

// ORPHANED_REGISTRATION for records whose enrollment `set` no longer has,
// and QUOTA: every record, orphans too, counts against `quota`.
void LintRegistrations(const v1::EnrollmentSet& set,
                       const std::vector<RegistrationRef>& records,
                       absl::string_view source_name, int64_t quota,
                       LintReport* report);

// One line per finding ("SEVERITY CODE ENTRY: MESSAGE") and the counts.
std::string LintText(const LintReport& report);
// {"findings": [...], "errors", "warnings", "infos"}.
std::string LintJson(const LintReport& report);

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_LINT_H_
