// `chaintrust audit`: decides every device of a corpus and summarizes.
//
//   chaintrust audit --policy=FILE --devices=DIR|FILE.jsonl [--at=RFC3339]
//                    [--out=FILE.jsonl] [--format=text|json]
//
// One decision per device (CONTRACT.md's decide JSON plus "device": id, one
// per line) goes to --out; with --format=json and no --out they go to stdout
// followed by a last line {"summary": {...}}. The summary (devices, ALLOW and
// DENY counts, counts per reason and per deciding enrollment) is printed on
// stdout as text or as one JSON object. Exit status 0, or 2 on error.
#ifndef CHAINTRUST_TOOLS_CLI_AUDIT_COMMAND_H_
#define CHAINTRUST_TOOLS_CLI_AUDIT_COMMAND_H_

#include <string>
#include <vector>

namespace chaintrust::cli {

int RunAudit(const std::vector<std::string>& args);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_AUDIT_COMMAND_H_
