// The chaintrust subcommands: each one's CommandSpec (flags and usage) and
// its entry point, which takes the arguments after the command name and
// returns the exit status. One thin file per subcommand: it parses flags
// (cli.h), calls the engine or an analysis (engine/analysis/), renders and
// writes.
#ifndef CHAINTRUST_TOOLS_CLI_COMMANDS_H_
#define CHAINTRUST_TOOLS_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "tools/cli/cli.h"

namespace chaintrust::cli {

using Args = std::vector<std::string>;

extern const CommandSpec kDecideCommand;  // decide_command.cc
int RunDecide(const Args& args);

extern const CommandSpec kAuditCommand;  // audit_command.cc
int RunAudit(const Args& args);

extern const CommandSpec kWhatIfCommand;  // whatif_command.cc
int RunWhatIf(const Args& args);
extern const CommandSpec kDiffCommand;
int RunDiff(const Args& args);

extern const CommandSpec kLintCommand;  // lint_command.cc
int RunLint(const Args& args);

extern const CommandSpec kGraphCommand;  // graph_command.cc
int RunGraph(const Args& args);

extern const CommandSpec kReplayCommand;  // replay_command.cc
int RunReplay(const Args& args);
extern const CommandSpec kRegistrationsCommand;
int RunRegistrations(const Args& args);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_COMMANDS_H_
