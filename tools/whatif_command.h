// `chaintrust whatif` and `chaintrust diff`: what a policy change does to a
// fleet, before it is made.
//
//   chaintrust whatif --policy=FILE --devices=D [--disable=ID]... \
//                     [--enable=ID]... [--delete=ID]... [--at=RFC3339] \
//                     [--format=text|json]
//   chaintrust diff --before=FILE --after=FILE --devices=D [--at=RFC3339] \
//                   [--format=text|json]
//
// ID names an individual enrollment (registration ID, case-insensitive) or
// an enrollment group (group ID); an unknown ID is an error (exit 2). Every
// device of D (see tools/device_corpus.h) is decided under both policies;
// the devices whose verdict, reason or deciding enrollment changes are
// reported grouped by (before -> after), each with both explanations. Two
// call-outs:
//   - stillEnrolledThroughHigherGroup: before decided by a group that the
//     change deletes, after ALLOW through another group (DPS's "deleting an
//     intermediate's group leaves devices enrolled through the root");
//   - stillAllowedAfterRevokingCa: after ALLOW although a group the change
//     disables or deletes has a certificate in the device's chain (presented
//     or an anchor found among the before policy's group certificates).
// Exit status 0, or 2 on error.
#ifndef CHAINTRUST_TOOLS_WHATIF_COMMAND_H_
#define CHAINTRUST_TOOLS_WHATIF_COMMAND_H_

#include <string>
#include <vector>

namespace chaintrust::cli {

int RunWhatIf(const std::vector<std::string>& args);
int RunDiff(const std::vector<std::string>& args);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_WHATIF_COMMAND_H_
