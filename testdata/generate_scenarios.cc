// Regenerates the scenario corpus (testdata/scenarios/):
//
//   bazel run //testdata:generate_scenarios -- --out=$PWD/testdata/scenarios
//
// The output is byte-deterministic; //testdata:corpus_up_to_date_test fails
// when the committed corpus differs from what this program writes.
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "testdata/scenario_corpus.h"

ABSL_FLAG(std::string, out, "",
          "Directory to write the corpus to (absolute: bazel run changes the "
          "working directory), e.g. $PWD/testdata/scenarios.");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty() || out[0] != '/') {
    std::fprintf(stderr, "usage: %s\n",
                 chaintrust::testdata::kRegenerateCommand);
    return 2;
  }
  const absl::Status status = chaintrust::testdata::WriteScenarioCorpus(out);
  if (!status.ok()) {
    std::fprintf(stderr, "generate_scenarios: %s\n", status.ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "wrote the scenario corpus to %s\n", out.c_str());
  return 0;
}
