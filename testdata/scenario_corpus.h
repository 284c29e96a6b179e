// The scenario corpus: every identity, every policy and every device of
// testdata/scenarios/, with the outcome docs/rules.md prescribes for each.
//
// The expected outcomes are written down here, from the rules, and never
// computed by the engine. The corpus is byte-deterministic (see
// engine/x509/test_certs.h): generating it twice, on any machine with the
// same OpenSSL 3.0, gives the same bytes, which corpus_test.cc checks
// against the committed copy.
#ifndef CHAINTRUST_TESTDATA_SCENARIO_CORPUS_H_
#define CHAINTRUST_TESTDATA_SCENARIO_CORPUS_H_

#include <map>
#include <string>

#include "absl/status/status.h"

namespace chaintrust {
namespace testdata {

// The command that regenerates the committed corpus.
inline constexpr char kRegenerateCommand[] =
    "bazel run //testdata:generate_scenarios -- "
    "--out=$PWD/testdata/scenarios";

// Every file of the corpus: path relative to the corpus root -> contents.
// Installs the deterministic RAND_METHOD (process-wide) first.
std::map<std::string, std::string> GenerateScenarioCorpus();

// Writes the corpus under `dir`, creating it if needed. Scenario folders
// left over from a previous corpus (folders holding an expected.json) are
// removed first, so renamed or deleted scenarios do not linger.
absl::Status WriteScenarioCorpus(const std::string& dir);

}  // namespace testdata
}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_SCENARIO_CORPUS_H_
