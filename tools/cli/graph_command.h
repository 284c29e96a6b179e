// `chaintrust graph`: the trust graph of an enrollment set.
//
//   chaintrust graph --policy=FILE [--devices=D] [--at=RFC3339]
//                    [--out=FILE.dot|FILE.svg] [--format=text|json]
//
// text (default) is Graphviz DOT: one node per group signing certificate
// (green = enabled group, red = disabled; dashed when known only by
// thumbprint), an edge from each certificate's issuer (matched by name) to
// it, a grey node for an issuer not in the set, a node per symmetric-key
// group, individual enrollments listed when at most 10 (else one count
// node), and, with --devices, the number of devices each enrollment decides.
// json: {"nodes": [...], "edges": [...]}. With --out=FILE.svg, `dot -Tsvg`
// (which must be on PATH) renders it. Exit status 0, or 2 on error.
#ifndef CHAINTRUST_TOOLS_CLI_GRAPH_COMMAND_H_
#define CHAINTRUST_TOOLS_CLI_GRAPH_COMMAND_H_

#include <string>
#include <vector>

namespace chaintrust::cli {

int RunGraph(const std::vector<std::string>& args);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_GRAPH_COMMAND_H_
