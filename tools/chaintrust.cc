// The chaintrust command line. See README.md and CONTRACT.md.
//
//   chaintrust decide --policy=FILE [--chain=FILE] [--registration_id=ID]
//                     [--sas_token=TOKEN] [--at=RFC3339] [--format=text|json]
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "tools/cli.h"
#include "tools/device_input.h"

namespace chaintrust::cli {
namespace {

constexpr char kUsage[] = R"(usage: chaintrust COMMAND [--flags]

commands:
  decide   --policy=FILE [--chain=FILE] [--registration_id=ID]
           [--sas_token=TOKEN] [--at=RFC3339] [--format=text|json]
      Decides one device. Exit status 0 = ALLOW, 1 = DENY, 2 = error.

Policy files: .json (DPS service JSON), .textproto/.txtpb, .binpb.
)";

int Fail(absl::string_view message) {
  std::cerr << "chaintrust: " << message << "\n";
  return kExitError;
}

absl::StatusOr<std::string> FormatFlag(const Flags& flags) {
  const std::string format = flags.Get("format", "text");
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=", format, " is not supported; use text or json"));
  }
  return format;
}

int Decide(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"policy", "chain", "registration_id",
                                   "sas_token", "at", "format"});
  if (!flags.ok()) return Fail(flags.status().message());
  if (!flags->positional().empty()) {
    return Fail(absl::StrCat("decide takes no positional arguments (got \"",
                             flags->positional()[0], "\")"));
  }
  auto format = FormatFlag(*flags);
  if (!format.ok()) return Fail(format.status().message());
  if (!flags->Has("policy")) return Fail("decide needs --policy=FILE");
  if (!flags->Has("chain") && !flags->Has("sas_token")) {
    return Fail("decide needs --chain=FILE, or --registration_id=ID with "
                "--sas_token=TOKEN");
  }
  DeviceInput input;
  input.at = absl::Now();
  if (flags->Has("at")) {
    auto at = ParseRfc3339(flags->Get("at"));
    if (!at.ok()) return Fail(absl::StrCat("--at: ", at.status().message()));
    input.at = *at;
  }
  if (flags->Has("chain")) {
    auto pem = ReadFile(flags->Get("chain"));
    if (!pem.ok()) return Fail(absl::StrCat("--chain: ", pem.status().message()));
    input.chain_pem = *std::move(pem);
    if (input.chain_pem.empty()) {
      return Fail(absl::StrCat("--chain: ", flags->Get("chain"),
                               ": the file is empty"));
    }
  }
  input.registration_id = flags->Get("registration_id");
  input.sas_token = flags->Get("sas_token");

  auto snapshot = LoadSnapshotFile(flags->Get("policy"));
  if (!snapshot.ok()) return Fail(snapshot.status().message());
  Engine engine;
  engine.SetSnapshot(*std::move(snapshot));
  auto evaluator = engine.NewEvaluator();
  Decision decision;
  DecideDevice(*evaluator, input, &decision);
  if (*format == "json") {
    std::cout << RenderJson(decision) << "\n";
  } else {
    std::cout << RenderText(decision);
  }
  return decision.allowed() ? kExitAllow : kExitDeny;
}

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" ||
      args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? kExitError : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "decide") return Decide(args);
  std::cerr << "chaintrust: unknown command \"" << command << "\"\n" << kUsage;
  return kExitError;
}

}  // namespace
}  // namespace chaintrust::cli

int main(int argc, char** argv) { return chaintrust::cli::Main(argc, argv); }
