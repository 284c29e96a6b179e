// `chaintrust replay` and `chaintrust registrations` (issue 7).
//
//   chaintrust replay --policy=FILE --store=PATH --attempts=FILE.jsonl
//                     [--max_registrations=N] [--throttle]
//                     [--global_rate_per_minute=N]
//   chaintrust registrations list|delete --store=PATH [--group=ID]
//                     [--registration_id=ID] [--format=text|json]
//
// replay reads every line of the attempts file first (a bad line is exit
// status 2 naming FILE:LINE, before anything is decided or stored), then
// provisions the attempts in order through a Provisioner over the SQLite
// store at PATH and prints, per attempt, `decide --format=json`'s object
// with "attempt": ID first. Exit status 0 once every attempt was decided,
// DENYs included; 2 for bad flags or input, or when the store fails (the
// failing attempt's DENY is printed first).
#ifndef CHAINTRUST_TOOLS_CLI_REPLAY_COMMAND_H_
#define CHAINTRUST_TOOLS_CLI_REPLAY_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace chaintrust::cli {

// `args` are the arguments after the command name. Return the exit status.
int ReplayCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err);
int RegistrationsCommand(const std::vector<std::string>& args,
                         std::ostream& out, std::ostream& err);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_REPLAY_COMMAND_H_
