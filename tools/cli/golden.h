// Reads a scenario's expected.json (testdata/README.md describes it): the
// devices of one scenario with the outcome docs/rules.md prescribes for each.
// Used by the demo and by the tests that run the corpus through every
// entry point.
#ifndef CHAINTRUST_TOOLS_CLI_GOLDEN_H_
#define CHAINTRUST_TOOLS_CLI_GOLDEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace chaintrust::cli {

struct GoldenDevice {
  std::string device;
  std::string chain_file;  // relative to the scenario folder; may be empty
  std::string registration_id;
  std::string sas_token;
  absl::Time at;
  std::string verdict;          // "ALLOW" / "DENY"
  std::string reason;           // docs/contract.md code
  std::string enrollment_kind;  // "INDIVIDUAL" / "GROUP" / "" when none
  std::string enrollment_id;
  int certificate_index = -1;  // -1 when the golden does not say
  std::string why;
  std::string cause;  // CauseName of a chain or certificate DENY, or empty
};

struct GoldenScenario {
  std::string name;
  std::string dir;  // the scenario folder
  std::string description;
  std::string rule;
  std::vector<GoldenDevice> devices;
};

// Reads `dir`/expected.json.
absl::StatusOr<GoldenScenario> ReadGoldenScenario(const std::string& dir);

// The scenario folder names listed in `corpus_dir`/index.json.
absl::StatusOr<std::vector<std::string>> ReadScenarioIndex(
    const std::string& corpus_dir);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_GOLDEN_H_
