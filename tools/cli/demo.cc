// The README's main job: decides every device of a scenario of the corpus
// (by default the `fleet` scenario of testdata/scenarios) and prints each
// decision with its explanation beside the outcome the scenario expects.
//
//   bazel run //tools:demo [-- --scenario=DIR] [--format=text|json]
//
// Exit status 0 when every decision matches its expectation, 1 otherwise.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/analysis/device_input.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "tools/cli/cli.h"
#include "tools/cli/golden.h"

namespace chaintrust::cli {
namespace {

bool Matches(const Decision& d, const GoldenDevice& g) {
  return VerdictName(d.verdict()) == g.verdict &&
         ReasonName(d.reason()) == g.reason &&
         (g.enrollment_kind.empty()
              ? d.enrollment_kind() == EnrollmentKind::kNone
              : EnrollmentKindName(d.enrollment_kind()) == g.enrollment_kind &&
                    d.enrollment_id() == g.enrollment_id);
}

const CommandSpec kDemoCommand = {
    "demo",
    "  demo [--scenario=DIR] [--format=text|json]\n"
    "      Decides every device of a scenario beside its expected outcome.\n",
    {"scenario", "format"}};

int Main(int argc, char** argv) {
  int exit_status = 0;
  auto flags =
      ParseArgs(kDemoCommand, std::vector<std::string>(argv + 1, argv + argc),
                &exit_status);
  if (!flags) return exit_status;
  const std::string dir = flags->Get("scenario", "testdata/scenarios/fleet");
  const bool json = flags->Get("format", "text") == "json";
  auto scenario = ReadGoldenScenario(dir);
  if (!scenario.ok()) {
    return Fail("demo", scenario.status().message());
  }
  auto snapshot = LoadSnapshotFile(absl::StrCat(dir, "/policy.json"));
  if (!snapshot.ok()) {
    return Fail("demo", snapshot.status().message());
  }
  Engine engine;
  engine.SetSnapshot(*snapshot);
  auto evaluator = engine.NewEvaluator();
  if (!json) {
    std::cout << "chaintrust demo: scenario \"" << scenario->name << "\"\n"
              << scenario->description << "\n"
              << "policy: " << dir << "/policy.json ("
              << (*snapshot)->individual_enrollments().size()
              << " individual enrollments, "
              << (*snapshot)->enrollment_groups().size()
              << " enrollment groups)\n\n";
  }
  int allowed = 0, denied = 0, mismatched = 0;
  Decision decision;
  for (const GoldenDevice& g : scenario->devices) {
    analysis::DeviceInput input;
    input.at = g.at;
    input.registration_id = g.registration_id;
    input.sas_token = g.sas_token;
    if (!g.chain_file.empty()) {
      auto pem = ReadFile(absl::StrCat(dir, "/", g.chain_file),
                          analysis::MaxChainPemBytes());
      if (!pem.ok()) {
        return Fail("demo", pem.status().message());
      }
      input.chain_pem = *std::move(pem);
    }
    analysis::DecideDevice(*evaluator, input, &decision);
    const bool ok = Matches(decision, g);
    (decision.allowed() ? allowed : denied)++;
    if (!ok) ++mismatched;
    if (json) {
      std::string line = RenderJson(decision);
      line.insert(1, absl::StrCat("\"device\":\"", g.device, "\","));
      std::cout << line << "\n";
      continue;
    }
    std::cout << "== " << g.device
              << (g.chain_file.empty() ? " (symmetric key)" : "") << "\n"
              << RenderText(decision) << "  expected: " << g.verdict << " "
              << g.reason
              << (g.enrollment_id.empty() ? "" : " by " + g.enrollment_id)
              << (ok ? "  [matches]" : "  [MISMATCH]") << "\n  why: " << g.why
              << "\n\n";
  }
  if (!json) {
    std::cout << scenario->devices.size() << " devices: " << allowed
              << " allowed, " << denied << " denied; "
              << scenario->devices.size() - mismatched
              << " decisions match the scenario's expectations, " << mismatched
              << " do not\n";
  }
  return mismatched == 0 ? 0 : 1;
}

}  // namespace
}  // namespace chaintrust::cli

int main(int argc, char** argv) { return chaintrust::cli::Main(argc, argv); }
