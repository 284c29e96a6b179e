// `chaintrust serve`: the DPS-compatible provisioning front-end.
#ifndef CHAINTRUST_TOOLS_SERVE_SERVE_COMMAND_H_
#define CHAINTRUST_TOOLS_SERVE_SERVE_COMMAND_H_

#include <string>
#include <vector>

#include "tools/cli/cli.h"

namespace chaintrust::serve {

extern const cli::CommandSpec kServeCommand;

// Runs the server until SIGTERM/SIGINT. Exit status 0 after a graceful
// shutdown, 2 for bad flags or a server that cannot start.
int RunServe(const std::vector<std::string>& args);

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_SERVE_COMMAND_H_
