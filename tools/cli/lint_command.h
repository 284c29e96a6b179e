// `chaintrust lint`: findings about an enrollment set, offline.
//
//   chaintrust lint --policy=FILE [--registrations=FILE.json] [--at=RFC3339]
//                   [--expiring_within_days=N (30)]
//                   [--max_registrations=N (1000000)] [--format=text|json]
//
// Each finding has a severity (error, warning, info), a stable code, the
// entry it concerns and a message:
//   GROUP_SHADOWED (info)       an X.509 group whose every known child CA
//                               certificate has its own group: it decides
//                               only for devices its certificate issues
//                               directly;
//   INDIVIDUAL_OVERRIDES_GROUP  a disabled individual enrollment that denies
//                               a device an enabled group would allow
//                               (warning when its certificate chains to that
//                               group in the set; info when it cannot be
//                               determined, e.g. symmetric key);
//   CERTIFICATE_EXPIRED (error), CERTIFICATE_EXPIRING (warning),
//   CERTIFICATE_NOT_YET_VALID (warning), WEAK_KEY (warning: RSA < 2048),
//   WEAK_SIGNATURE (warning: SHA-1), GROUP_THUMBPRINT_ONLY (info);
//   with --registrations: ORPHANED_REGISTRATION (warning), QUOTA (error when
//   full, warning above 90%, info otherwise).
// The registrations file is a JSON array of DPS registration records:
//   [{"registrationId": "dev-1", "enrollmentGroupId": "contoso-root",
//     "status": "assigned", ...}, ...]
// "registrationId" is required; "enrollmentGroupId" names the group the
// device registered through (absent: an individual enrollment); other
// fields are ignored. Every record counts against the quota, orphans too.
// Exit status 0 (no error findings), 1 (error findings), 2 (could not lint).
#ifndef CHAINTRUST_TOOLS_CLI_LINT_COMMAND_H_
#define CHAINTRUST_TOOLS_CLI_LINT_COMMAND_H_

#include <string>
#include <vector>

namespace chaintrust::cli {

int RunLint(const std::vector<std::string>& args);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_LINT_COMMAND_H_
