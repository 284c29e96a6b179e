// `chaintrust whatif` and `chaintrust diff`: what a policy change does to a
// fleet, before it is made.
//
//   chaintrust whatif --policy=FILE --devices=D [--disable=ID]... \
//                     [--enable=ID]... [--delete=ID]... [--at=RFC3339] \
//                     [--out=FILE.jsonl] [--sample=N (5)] \
//                     [--format=text|json]
//   chaintrust diff --before=FILE --after=FILE --devices=D [--at=RFC3339] \
//                   [--out=FILE.jsonl] [--sample=N (5)] [--format=text|json]
//
// ID names an individual enrollment (registration ID, case-insensitive) or
// an enrollment group (group ID); an unknown ID is an error (exit 2). Every
// device of D (see tools/device_corpus.h) is decided under both policies.
// A device is reported when its verdict, reason or deciding enrollment
// changes, or when it is called out:
//   - stillEnrolledThroughHigherGroup: decided by a group that the change
//     deletes, ALLOWed afterwards by another group above it on the same
//     path (DPS: "deleting an intermediate's group leaves its devices
//     enrolled through an enabled group higher up"); wasAllowed false means
//     the delete re-enrolls a device its disabled group denied;
//   - stillAllowedAfterRevokingCa: ALLOWed afterwards although the
//     certificate of a group the change disables or deletes is on its path
//     (presented, or an anchor above it matched by name and signature) -
//     e.g. disabling a root group while its intermediates' groups stay
//     enabled.
// Memory is bounded whatever the fleet: each reported device is streamed as
// one JSON line {"device", "changed", "transition": {"before", "after"},
// "stillEnrolledThroughHigherGroup"?: {"deletedGroup", "allowedBy",
// "wasAllowed"}, "stillAllowedAfterRevokingCa"?: {"revokedGroup",
// "allowedBy"}, "before": decision, "after": decision} to --out (or, with
// --format=json and no --out, to stdout before a last {"summary": ...}
// line); the summary keeps counts and --sample device ids per transition
// and per call-out, and in text one example with both explanations.
// Exit status 0, or 2 on error.
#ifndef CHAINTRUST_TOOLS_CLI_WHATIF_COMMAND_H_
#define CHAINTRUST_TOOLS_CLI_WHATIF_COMMAND_H_

#include <string>
#include <vector>

namespace chaintrust::cli {

int RunWhatIf(const std::vector<std::string>& args);
int RunDiff(const std::vector<std::string>& args);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_WHATIF_COMMAND_H_
