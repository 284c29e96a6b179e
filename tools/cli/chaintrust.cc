// The chaintrust command line: dispatches to one subcommand (commands.h,
// tools/conformance/) and prints the global or a command's usage. See
// README.md and docs/contract.md.
//
//   chaintrust COMMAND [--flags]      run COMMAND
//   chaintrust help [COMMAND]         usage on stdout, exit status 0
//   chaintrust COMMAND --help         the same for COMMAND
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/cli.h"
#include "tools/cli/commands.h"
#include "tools/conformance/conformance_command.h"
#include "tools/serve/serve_command.h"

namespace chaintrust::cli {
namespace {

struct Command {
  const CommandSpec* spec;
  int (*run)(const std::vector<std::string>& args);
};

// In the order of the global usage.
const Command kCommands[] = {
    {&kDecideCommand, RunDecide},
    {&kConformanceCommand, RunConformance},
    {&kAuditCommand, RunAudit},
    {&kWhatIfCommand, RunWhatIf},
    {&kDiffCommand, RunDiff},
    {&kLintCommand, RunLint},
    {&kGraphCommand, RunGraph},
    {&kReplayCommand, RunReplay},
    {&kRegistrationsCommand, RunRegistrations},
    {&serve::kServeCommand, serve::RunServe},
};

const Command* FindCommand(const std::string& name) {
  for (const Command& c : kCommands) {
    if (c.spec->name == name) return &c;
  }
  return nullptr;
}

void PrintGlobalUsage(std::ostream& out) {
  out << "usage: chaintrust COMMAND [--flags]\n\ncommands:\n";
  for (const Command& c : kCommands) out << c.spec->usage;
  out << "\nPolicy files: .json (DPS service JSON), .textproto/.txtpb, "
         ".binpb.\n"
         "`chaintrust help COMMAND` or `chaintrust COMMAND --help` prints "
         "one command's usage.\n";
}

int Help(const std::vector<std::string>& args) {
  if (args.empty()) {
    PrintGlobalUsage(std::cout);
    return 0;
  }
  const Command* command = FindCommand(args[0]);
  if (command == nullptr || args.size() > 1) {
    std::cerr << "chaintrust help: unknown command \"" << args[0] << "\"\n";
    PrintGlobalUsage(std::cerr);
    return kExitError;
  }
  PrintUsage(*command->spec, std::cout);
  return std::cout.good() ? 0 : kExitError;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    PrintGlobalUsage(std::cerr);
    return kExitError;
  }
  const std::string name = args[0];
  args.erase(args.begin());
  if (name == "help" || name == "--help" || name == "-h") return Help(args);
  const Command* command = FindCommand(name);
  if (command == nullptr) {
    std::cerr << "chaintrust: unknown command \"" << name << "\"\n";
    PrintGlobalUsage(std::cerr);
    return kExitError;
  }
  return command->run(args);
}

}  // namespace
}  // namespace chaintrust::cli

int main(int argc, char** argv) { return chaintrust::cli::Main(argc, argv); }
