// The trust graph of an enrollment set: the analysis behind `chaintrust
// graph`.
//
// One node per group signing certificate (with its group's status; known
// only by thumbprint unless a device presents it), an edge from each
// certificate's issuer (matched by name and signature) to it, a node for
// an issuer not in the set, a node per symmetric-key group, individual
// enrollments as nodes when at most 10 (else one count node), and, with a
// device corpus, CA certificates the devices present without a group (up
// to 1000) and the number of devices on each node's path and decided by
// each enrollment. GraphDot renders Graphviz DOT, GraphJson
// {"nodes": [...], "edges": [...]}.
#ifndef CHAINTRUST_ENGINE_ANALYSIS_GRAPH_H_
#define CHAINTRUST_ENGINE_ANALYSIS_GRAPH_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/policy/enrollment_set.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust::analysis {

struct GraphNode {
  std::string id;  // "n0", "n1", ...
  // certificate (a group's signing certificate), ca (a CA certificate seen
  // in the corpus, no group), issuer (named by a certificate, not known),
  // symmetricKeyGroup, individual, individuals, none
  std::string kind;
  std::string label;  // DOT-escaped, lines separated by "\n"
  std::string group;  // group or registration id, when any
  bool has_status = false;
  bool enabled = true;
  bool thumbprint_only = false;
  const Certificate* cert = nullptr;
  Sha256Digest sha256{};
  // With a corpus: devices whose path passes this node, of them ALLOWed,
  // and (enrollment nodes) devices this node's enrollment decides.
  size_t devices = 0;
  size_t allowed = 0;
  size_t decided = 0;
  size_t decided_allowed = 0;
};

struct Graph {
  std::vector<GraphNode> nodes;
  std::vector<std::pair<std::string, std::string>> edges;  // (from, to) ids
  bool counted = false;      // built over a device corpus
  size_t cas_not_drawn = 0;  // corpus CA certificates beyond the limit
  // Keep the certificates the nodes point to alive.
  SnapshotPtr snapshot;
  std::vector<CertificatePtr> learnt;
};

struct GraphOptions {
  std::string devices;  // a corpus (device_corpus.h), or empty
  absl::Time at = absl::UnixEpoch();
  int threads = 0;  // deciding threads; 0: one per core
  bool progress = true;
};

absl::StatusOr<Graph> BuildGraph(const SnapshotPtr& snapshot,
                                 const GraphOptions& options);

std::string GraphDot(const Graph& graph);
std::string GraphJson(const Graph& graph);

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_GRAPH_H_
