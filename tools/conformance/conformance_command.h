// `chaintrust conformance`: runs external path-validation suites (x509-limbo
// today) through the engine and, as a reference column, through stock
// OpenSSL X509_verify_cert. See README.md "Conformance".
#ifndef CHAINTRUST_TOOLS_CONFORMANCE_CONFORMANCE_COMMAND_H_
#define CHAINTRUST_TOOLS_CONFORMANCE_CONFORMANCE_COMMAND_H_

#include <string>
#include <vector>

#include "tools/cli/cli.h"

namespace chaintrust::cli {

// chaintrust conformance --limbo=FILE.json [--case_index=FILE.csv]
//     [--format=text|json] [--device_relevant_only]
// Returns 0 when the suites ran (failures are reported, not fatal), 2 on a
// usage or input error.
extern const CommandSpec kConformanceCommand;
int RunConformance(const std::vector<std::string>& args);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CONFORMANCE_CONFORMANCE_COMMAND_H_
