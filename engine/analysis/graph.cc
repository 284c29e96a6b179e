#include "engine/analysis/graph.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/analysis/device_corpus.h"
#include "engine/decision.h"
#include "openssl/sha.h"

namespace chaintrust::analysis {
namespace {

// CA certificates found in the corpus beyond this many are not drawn.
constexpr size_t kMaxCorpusCas = 1000;

std::string DotEscape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}});
}

Sha256Digest Sha256Of(absl::string_view der) {
  Sha256Digest out;
  SHA256(reinterpret_cast<const unsigned char*>(der.data()), der.size(),
         out.data());
  return out;
}

std::string CertLabel(const Certificate& cert) {
  return DotEscape(cert.subject_common_name().empty()
                       ? cert.SubjectString()
                       : cert.subject_common_name());
}

class GraphBuilder {
 public:
  explicit GraphBuilder(const SnapshotPtr& snapshot) {
    graph_.snapshot = snapshot;
  }

  void AddPolicyNodes();
  absl::Status CountCorpus(const GraphOptions& options);
  void Link();
  void PropagateCounts();
  Graph Take() { return std::move(graph_); }

 private:
  int AddNode(GraphNode n) {
    n.id = absl::StrCat("n", graph_.nodes.size());
    graph_.nodes.push_back(std::move(n));
    return static_cast<int>(graph_.nodes.size() - 1);
  }
  void CountDevice(const CorpusDevice& device, const Decision& decision);
  // The node of a presented CA certificate (creating it), or -1.
  int PresentedNode(const std::string& der);
  int DecidedNode(const Decision& decision) const;

  Graph graph_;
  // Thumbprint -> certificate node; -1: seen, not drawn (a leaf, or over
  // kMaxCorpusCas).
  absl::flat_hash_map<Sha256Digest, int> by_sha_;
  std::map<std::string, int> by_symmetric_group_;
  std::map<std::string, int> by_individual_;  // lower-case id -> node
  int individuals_node_ = -1;
  int none_node_ = -1;
  size_t corpus_cas_ = 0;
  // Devices (and of them ALLOWed) per set of certificate nodes a device's
  // path enters at; their ancestors are added once the hierarchy is known.
  std::map<std::vector<int>, std::pair<size_t, size_t>> entries_;
  std::vector<std::vector<int>> parents_;
};

void GraphBuilder::AddPolicyNodes() {
  const EnrollmentSnapshot& snap = *graph_.snapshot;
  for (const EnrollmentGroup& g : snap.enrollment_groups()) {
    if (g.kind == AttestationKind::kSymmetricKey) {
      GraphNode n;
      n.kind = "symmetricKeyGroup";
      n.label = absl::StrCat(DotEscape(g.group_id), "\\n(symmetric key)");
      n.group = g.group_id;
      n.has_status = true;
      n.enabled = g.enabled;
      by_symmetric_group_[g.group_id] = AddNode(std::move(n));
      continue;
    }
    for (const GroupCertificate& gc : g.certificates) {
      GraphNode n;
      n.kind = "certificate";
      n.group = g.group_id;
      n.has_status = true;
      n.enabled = g.enabled;
      n.sha256 = gc.sha256;
      n.cert = gc.certificate.get();
      n.thumbprint_only = gc.certificate == nullptr;
      const char* slot = gc.slot == Slot::kPrimary ? "primary" : "secondary";
      n.label = absl::StrCat("\\ngroup ", DotEscape(g.group_id), " (", slot,
                             n.thumbprint_only ? ", thumbprint only" : "", ")");
      by_sha_[gc.sha256] = AddNode(std::move(n));
    }
  }
  const auto individuals = snap.individual_enrollments();
  if (!individuals.empty() && individuals.size() <= 10) {
    for (const IndividualEnrollment& e : individuals) {
      GraphNode n;
      n.kind = "individual";
      n.label = absl::StrCat(DotEscape(e.registration_id), "\\n(individual, ",
                             AttestationKindName(e.kind), ")");
      n.group = e.registration_id;
      n.has_status = true;
      n.enabled = e.enabled;
      by_individual_[absl::AsciiStrToLower(e.registration_id)] =
          AddNode(std::move(n));
    }
  } else if (!individuals.empty()) {
    size_t disabled = 0;
    for (const IndividualEnrollment& e : individuals) disabled += !e.enabled;
    GraphNode n;
    n.kind = "individuals";
    n.label = absl::StrCat(individuals.size(), " individual enrollments\\n(",
                           disabled, " disabled)");
    individuals_node_ = AddNode(std::move(n));
  }
}

absl::Status GraphBuilder::CountCorpus(const GraphOptions& options) {
  graph_.counted = true;
  GraphNode none;
  none.kind = "none";
  none.label = "no enrollment";
  none_node_ = AddNode(std::move(none));
  DecideOptions decide;
  decide.at = options.at;
  decide.threads = options.threads;
  decide.progress = options.progress;
  auto n = DecideCorpus(
      options.devices, {graph_.snapshot}, decide,
      [&](const CorpusDevice& device, absl::Span<const Decision> d) {
        CountDevice(device, d[0]);
      });
  return n.ok() ? absl::OkStatus() : n.status();
}

int GraphBuilder::PresentedNode(const std::string& der) {
  const Sha256Digest sha = Sha256Of(der);
  auto it = by_sha_.find(sha);
  if (it != by_sha_.end()) {
    if (it->second < 0) return -1;
    GraphNode& node = graph_.nodes[it->second];
    if (node.cert == nullptr) {  // a thumbprint-only group: learn the body
      auto cert = Certificate::Create(der);
      if (cert.ok()) {
        node.cert = cert->get();
        graph_.learnt.push_back(*std::move(cert));
      }
    }
    return it->second;
  }
  auto cert = Certificate::Create(der);
  if (!cert.ok() || !(*cert)->is_ca()) {
    by_sha_[sha] = -1;
    return -1;
  }
  if (++corpus_cas_ > kMaxCorpusCas) {
    ++graph_.cas_not_drawn;
    by_sha_[sha] = -1;
    return -1;
  }
  GraphNode n;
  n.kind = "ca";
  n.sha256 = sha;
  n.cert = cert->get();
  n.label = "\\n(CA, no group)";
  graph_.learnt.push_back(*std::move(cert));
  const int index = AddNode(std::move(n));
  by_sha_[sha] = index;
  return index;
}

int GraphBuilder::DecidedNode(const Decision& dec) const {
  switch (dec.enrollment_kind()) {
    case EnrollmentKind::kGroup: {
      int found = -1;  // the last step that found the deciding group
      for (const ExplanationStep& s : dec.explanation()) {
        if (s.step != StepId::kLookupGroup || !s.has_thumbprint ||
            s.outcome != Outcome::kFound ||
            s.enrollment_id != dec.enrollment_id()) {
          continue;
        }
        auto it = by_sha_.find(s.thumbprint);
        if (it != by_sha_.end() && it->second >= 0) found = it->second;
      }
      if (found >= 0) return found;
      auto it = by_symmetric_group_.find(dec.enrollment_id());
      return it != by_symmetric_group_.end() ? it->second : -1;
    }
    case EnrollmentKind::kIndividual: {
      auto it = by_individual_.find(absl::AsciiStrToLower(dec.enrollment_id()));
      return it != by_individual_.end() ? it->second : individuals_node_;
    }
    case EnrollmentKind::kNone:
      return none_node_;
  }
  return -1;
}

void GraphBuilder::CountDevice(const CorpusDevice& device,
                               const Decision& dec) {
  const bool allowed = dec.allowed();
  std::vector<int> entry;
  // The presented CA certificates (not the leaf).
  auto ders = PemToDer(device.input.chain_pem);
  if (ders.ok()) {
    for (size_t i = 1; i < ders->size(); ++i) {
      const int node = PresentedNode((*ders)[i]);
      if (node >= 0) entry.push_back(node);
    }
  }
  // Anchors the engine found in the set.
  for (const ExplanationStep& s : dec.explanation()) {
    if (s.step != StepId::kLookupGroup || !s.has_thumbprint) continue;
    auto it = by_sha_.find(s.thumbprint);
    if (it != by_sha_.end() && it->second >= 0) entry.push_back(it->second);
  }
  const int decided = DecidedNode(dec);
  if (decided >= 0) {
    ++graph_.nodes[decided].decided;
    graph_.nodes[decided].decided_allowed += allowed;
  }
  std::sort(entry.begin(), entry.end());
  entry.erase(std::unique(entry.begin(), entry.end()), entry.end());
  if (!entry.empty()) {
    auto& c = entries_[entry];
    ++c.first;
    c.second += allowed;
  }
}

// Each certificate's issuers among the drawn certificates, matched by name
// and signature; an unknown issuer gets its own node.
void GraphBuilder::Link() {
  std::vector<GraphNode>& nodes = graph_.nodes;
  for (GraphNode& n : nodes) {
    if (n.cert != nullptr) n.label = CertLabel(*n.cert) + n.label;
    if (n.cert == nullptr && n.kind == "certificate") {
      n.label = absl::StrCat("sha256 ", ToHex(n.sha256).substr(0, 16), "...",
                             n.label);
    }
  }
  parents_.assign(nodes.size(), {});
  std::map<std::string, int> missing_issuers;  // issuer name key -> node
  const size_t drawn = nodes.size();
  for (size_t i = 0; i < drawn; ++i) {
    const Certificate* cert = nodes[i].cert;
    if (cert == nullptr || cert->self_issued()) continue;
    for (size_t j = 0; j < drawn; ++j) {
      const Certificate* other = nodes[j].cert;
      if (j == i || other == nullptr ||
          other->subject_name_key() != cert->issuer_name_key() ||
          !VerifySignedBy(*cert, *other)) {
        continue;
      }
      parents_[i].push_back(j);
    }
    if (!parents_[i].empty()) continue;
    const std::string& key = cert->issuer_name_key();
    auto it = missing_issuers.find(key);
    if (it == missing_issuers.end()) {
      GraphNode n;
      n.kind = "issuer";
      n.label = absl::StrCat(DotEscape(cert->IssuerString()),
                             "\\n(issuer not in the set)");
      it = missing_issuers.emplace(key, AddNode(std::move(n))).first;
      parents_.emplace_back();
    }
    parents_[i].push_back(it->second);
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (int p : parents_[i]) {
      graph_.edges.push_back({nodes[p].id, nodes[i].id});
    }
  }
}

// Device counts per node along each device's path: its entry nodes and
// every ancestor of them, each counted once per device; enrollment nodes
// off the certificate hierarchy count the devices they decide.
void GraphBuilder::PropagateCounts() {
  std::vector<GraphNode>& nodes = graph_.nodes;
  for (const auto& [entry, count] : entries_) {
    std::set<int> path(entry.begin(), entry.end());
    std::vector<int> todo(entry.begin(), entry.end());
    while (!todo.empty()) {
      const int i = todo.back();
      todo.pop_back();
      for (int p : parents_[i]) {
        if (path.insert(p).second) todo.push_back(p);
      }
    }
    for (int i : path) {
      nodes[i].devices += count.first;
      nodes[i].allowed += count.second;
    }
  }
  std::vector<int> decided_only;
  for (const auto& [id, i] : by_individual_) decided_only.push_back(i);
  for (const auto& [id, i] : by_symmetric_group_) decided_only.push_back(i);
  for (int i : {individuals_node_, none_node_}) {
    if (i >= 0) decided_only.push_back(i);
  }
  for (int i : decided_only) {
    nodes[i].devices = nodes[i].decided;
    nodes[i].allowed = nodes[i].decided_allowed;
  }
}

}  // namespace

absl::StatusOr<Graph> BuildGraph(const SnapshotPtr& snapshot,
                                 const GraphOptions& options) {
  GraphBuilder builder(snapshot);
  builder.AddPolicyNodes();
  if (!options.devices.empty()) {
    if (auto s = builder.CountCorpus(options); !s.ok()) return s;
  }
  builder.Link();
  builder.PropagateCounts();
  return builder.Take();
}

}  // namespace chaintrust::analysis
