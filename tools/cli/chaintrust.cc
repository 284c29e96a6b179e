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
#include "tools/cli/audit_command.h"
#include "tools/cli/cli.h"
#include "tools/conformance/conformance_command.h"
#include "tools/serve/serve_command.h"
#include "tools/cli/device_input.h"
#include "tools/cli/graph_command.h"
#include "tools/cli/lint_command.h"
#include "tools/cli/replay_command.h"
#include "tools/cli/whatif_command.h"

namespace chaintrust::cli {
namespace {

constexpr char kUsage[] = R"(usage: chaintrust COMMAND [--flags]

commands:
  decide   --policy=FILE [--chain=FILE] [--registration_id=ID]
           [--sas_token=TOKEN] [--at=RFC3339] [--format=text|json]
      Decides one device. Exit status 0 = ALLOW, 1 = DENY, 2 = error.
  conformance [--limbo=FILE.json [--case_index=FILE.csv]]
           [--boringssl=DIR] [--openssl=FILE.json]
           [--format=text|json] [--device_relevant_only]
      Runs external path-validation suites through the engine, with stock
      OpenSSL as a reference column.
  audit    --policy=FILE --devices=DIR|FILE.jsonl [--at=RFC3339]
           [--out=FILE.jsonl] [--format=text|json]
      Decides every device of a corpus; one decision per device, a summary.
  whatif   --policy=FILE --devices=D [--disable=ID]... [--enable=ID]...
           [--delete=ID]... [--at=RFC3339] [--out=FILE.jsonl] [--sample=N]
           [--format=text|json]
  diff     --before=FILE --after=FILE --devices=D [--at=RFC3339]
           [--out=FILE.jsonl] [--sample=N] [--format=text|json]
      The devices whose decision a policy change changes.
  lint     --policy=FILE [--registrations=FILE.json] [--at=RFC3339]
           [--expiring_within_days=N] [--max_registrations=N]
           [--format=text|json]
      Findings about a policy. Exit status 1 when there are errors.
  graph    --policy=FILE [--devices=D] [--at=RFC3339]
           [--out=FILE.dot|FILE.svg] [--format=text|json]
      The trust graph as Graphviz DOT.
  replay   --policy=FILE --store=PATH --attempts=FILE.jsonl
           [--max_registrations=N] [--throttle] [--global_rate_per_minute=N]
      Provisions attempts in order against a registration store; one JSON
      decision per attempt. Exit status 0 = all decided, 2 = error.
  serve    --listen=HOST:PORT --tls_cert=PEM --tls_key=PEM --id_scope=SCOPE
           --policy=FILE --store=PATH --service_key=BASE64 [--iot_hubs=h1,h2]
           [--max_registrations=N] [--crl=FILE]
      Serves DPS's device and service APIs over HTTPS (see --help).
  registrations list|delete --store=PATH [--group=ID] [--registration_id=ID]
           [--format=text|json]
      Lists or deletes registration records.

Policy files: .json (DPS service JSON), .textproto/.txtpb, .binpb.
)";

int Fail(absl::string_view message) {
  std::cerr << "chaintrust: " << message << "\n";
  return kExitError;
}

int Decide(const std::vector<std::string>& args) {
  auto flags = ParseCommandFlags(args, {"policy", "chain", "registration_id",
                                        "sas_token", "at", "format"});
  if (!flags.ok())
    return Fail(absl::StrCat("decide: ", flags.status().message()));
  auto format = FormatFlag(*flags);
  if (!format.ok()) return Fail(format.status().message());
  if (!flags->Has("policy")) return Fail("decide needs --policy=FILE");
  if (!flags->Has("chain") && !flags->Has("sas_token")) {
    return Fail(
        "decide needs --chain=FILE, or --registration_id=ID with "
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
    if (!pem.ok())
      return Fail(absl::StrCat("--chain: ", pem.status().message()));
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
  if (command == "replay") return ReplayCommand(args, std::cout, std::cerr);
  if (command == "registrations") {
    return RegistrationsCommand(args, std::cout, std::cerr);
  }
  if (command == "serve") return serve::RunServe(args);
  if (command == "conformance") return RunConformance(args);
  if (command == "audit") return RunAudit(args);
  if (command == "whatif") return RunWhatIf(args);
  if (command == "diff") return RunDiff(args);
  if (command == "lint") return RunLint(args);
  if (command == "graph") return RunGraph(args);
  std::cerr << "chaintrust: unknown command \"" << command << "\"\n" << kUsage;
  return kExitError;
}

}  // namespace
}  // namespace chaintrust::cli

int main(int argc, char** argv) { return chaintrust::cli::Main(argc, argv); }
