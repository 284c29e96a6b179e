#include "tools/cli/graph_command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/x509/certificate.h"
#include "engine/decision.h"
#include "engine/policy_loader.h"
#include "openssl/sha.h"
#include "tools/cli/cli.h"
#include "tools/cli/device_corpus.h"

namespace chaintrust::cli {
namespace {

int Fail(absl::string_view message) {
  std::cerr << "chaintrust graph: " << message << "\n";
  return kExitError;
}

struct Node {
  std::string id;
  // certificate (a group's signing certificate), ca (a CA certificate seen
  // in the corpus, no group), issuer (named by a certificate, not known),
  // symmetricKeyGroup, individual, individuals, none
  std::string kind;
  std::string label;
  std::string group;  // group or registration id, when any
  bool has_status = false;
  bool enabled = true;
  bool thumbprint_only = false;
  const Certificate* cert = nullptr;
  Sha256Digest sha256{};
  // With --devices: devices whose path passes this node, of them ALLOWed,
  // and (enrollment nodes) devices this node's enrollment decides.
  size_t devices = 0;
  size_t allowed = 0;
  size_t decided = 0;
  size_t decided_allowed = 0;
};

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

// CA certificates found in the corpus beyond this many are not drawn.
constexpr size_t kMaxCorpusCas = 1000;

}  // namespace

int RunGraph(const std::vector<std::string>& args) {
  auto flags =
      ParseCommandFlags(args, {"policy", "devices", "at", "out", "format"});
  if (!flags.ok()) return Fail(flags.status().message());
  auto format_flag = FormatFlag(*flags);
  if (!format_flag.ok()) return Fail(format_flag.status().message());
  const std::string format = *format_flag;
  if (!flags->Has("policy")) return Fail("needs --policy=FILE");
  const std::string out_path = flags->Get("out");
  const bool svg = absl::EndsWith(out_path, ".svg");
  if (svg && format == "json") return Fail("--out=*.svg needs --format=text");
  absl::Time at = absl::Now();
  if (flags->Has("at")) {
    auto t = ParseRfc3339(flags->Get("at"));
    if (!t.ok()) return Fail(absl::StrCat("--at: ", t.status().message()));
    at = *t;
  }
  auto snapshot = LoadSnapshotFile(flags->Get("policy"));
  if (!snapshot.ok()) return Fail(snapshot.status().message());
  const EnrollmentSnapshot& snap = **snapshot;
  const bool counted = flags->Has("devices");

  std::vector<Node> nodes;
  auto add_node = [&](Node n) {
    n.id = absl::StrCat("n", nodes.size());
    nodes.push_back(std::move(n));
    return static_cast<int>(nodes.size() - 1);
  };
  // Thumbprint -> certificate node; -1: seen, not drawn (a leaf, or over
  // kMaxCorpusCas).
  absl::flat_hash_map<Sha256Digest, int> by_sha;
  std::map<std::string, int> by_symmetric_group;
  for (const EnrollmentGroup& g : snap.enrollment_groups()) {
    if (g.kind == AttestationKind::kSymmetricKey) {
      Node n;
      n.kind = "symmetricKeyGroup";
      n.label = absl::StrCat(DotEscape(g.group_id), "\\n(symmetric key)");
      n.group = g.group_id;
      n.has_status = true;
      n.enabled = g.enabled;
      by_symmetric_group[g.group_id] = add_node(std::move(n));
      continue;
    }
    for (const GroupCertificate& gc : g.certificates) {
      Node n;
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
      by_sha[gc.sha256] = add_node(std::move(n));
    }
  }
  const auto individuals = snap.individual_enrollments();
  std::map<std::string, int> by_individual;  // lower-case id -> node
  int individuals_node = -1;
  if (!individuals.empty() && individuals.size() <= 10) {
    for (const IndividualEnrollment& e : individuals) {
      Node n;
      n.kind = "individual";
      n.label = absl::StrCat(DotEscape(e.registration_id), "\\n(individual, ",
                             AttestationKindName(e.kind), ")");
      n.group = e.registration_id;
      n.has_status = true;
      n.enabled = e.enabled;
      by_individual[absl::AsciiStrToLower(e.registration_id)] =
          add_node(std::move(n));
    }
  } else if (!individuals.empty()) {
    size_t disabled = 0;
    for (const IndividualEnrollment& e : individuals) disabled += !e.enabled;
    Node n;
    n.kind = "individuals";
    n.label = absl::StrCat(individuals.size(), " individual enrollments\\n(",
                           disabled, " disabled)");
    individuals_node = add_node(std::move(n));
  }

  // Certificates learnt from the corpus: CAs without a group, and the bodies
  // of groups known only by thumbprint.
  std::vector<CertificatePtr> learnt;
  size_t corpus_cas = 0, cas_not_drawn = 0;
  int none_node = -1;
  // Devices per set of certificate nodes a device's path enters at (its
  // ancestors are added once the hierarchy is known, after the pass).
  std::map<std::vector<int>, std::pair<size_t, size_t>> entries;
  if (counted) {
    Node none;
    none.kind = "none";
    none.label = "no enrollment";
    none_node = add_node(std::move(none));
    DecideOptions options;
    options.at = at;
    std::vector<int> entry;
    auto n = DecideCorpus(
        flags->Get("devices"), {*snapshot}, options,
        [&](const CorpusDevice& device, absl::Span<const Decision> d) {
          const Decision& dec = d[0];
          const bool allowed = dec.allowed();
          entry.clear();
          // The presented CA certificates (not the leaf).
          auto ders = PemToDer(device.input.chain_pem);
          if (ders.ok()) {
            for (size_t i = 1; i < ders->size(); ++i) {
              const std::string& der = (*ders)[i];
              const Sha256Digest sha = Sha256Of(der);
              auto it = by_sha.find(sha);
              if (it != by_sha.end()) {
                if (it->second >= 0) {
                  Node& node = nodes[it->second];
                  if (node.cert == nullptr) {  // thumbprint-only group
                    auto cert = Certificate::Create(der);
                    if (cert.ok()) {
                      node.cert = cert->get();
                      learnt.push_back(*std::move(cert));
                    }
                  }
                  entry.push_back(it->second);
                }
                continue;
              }
              auto cert = Certificate::Create(der);
              if (!cert.ok() || !(*cert)->is_ca()) {
                by_sha[sha] = -1;
                continue;
              }
              ++corpus_cas;
              if (corpus_cas > kMaxCorpusCas) {
                ++cas_not_drawn;
                by_sha[sha] = -1;
                continue;
              }
              Node n;
              n.kind = "ca";
              n.sha256 = sha;
              n.cert = cert->get();
              n.label = "\\n(CA, no group)";
              learnt.push_back(*std::move(cert));
              const int index = add_node(std::move(n));
              by_sha[sha] = index;
              entry.push_back(index);
            }
          }
          // Anchors the engine found in the set, and the deciding group's
          // certificate.
          int decided_node = -1;
          for (const ExplanationStep& s : dec.explanation()) {
            if (s.step != StepId::kLookupGroup || !s.has_thumbprint) continue;
            auto it = by_sha.find(s.thumbprint);
            if (it == by_sha.end() || it->second < 0) continue;
            entry.push_back(it->second);
            if (s.outcome == Outcome::kFound &&
                dec.enrollment_kind() == EnrollmentKind::kGroup &&
                s.enrollment_id == dec.enrollment_id()) {
              decided_node = it->second;
            }
          }
          if (dec.enrollment_kind() == EnrollmentKind::kGroup &&
              decided_node < 0) {
            auto it = by_symmetric_group.find(dec.enrollment_id());
            if (it != by_symmetric_group.end()) decided_node = it->second;
          }
          if (dec.enrollment_kind() == EnrollmentKind::kIndividual) {
            auto it =
                by_individual.find(absl::AsciiStrToLower(dec.enrollment_id()));
            decided_node =
                it != by_individual.end() ? it->second : individuals_node;
          }
          if (dec.enrollment_kind() == EnrollmentKind::kNone) {
            decided_node = none_node;
          }
          if (decided_node >= 0) {
            ++nodes[decided_node].decided;
            nodes[decided_node].decided_allowed += allowed;
          }
          std::sort(entry.begin(), entry.end());
          entry.erase(std::unique(entry.begin(), entry.end()), entry.end());
          if (!entry.empty()) {
            auto& c = entries[entry];
            ++c.first;
            c.second += allowed;
          }
        });
    if (!n.ok()) return Fail(n.status().message());
  }

  // The hierarchy: each certificate's issuers among the drawn certificates,
  // matched by name and signature; an unknown issuer gets its own node.
  for (Node& n : nodes) {
    if (n.cert != nullptr) n.label = CertLabel(*n.cert) + n.label;
    if (n.cert == nullptr && n.kind == "certificate") {
      n.label = absl::StrCat("sha256 ", ToHex(n.sha256).substr(0, 16), "...",
                             n.label);
    }
  }
  std::vector<std::vector<int>> parents(nodes.size());
  std::map<std::string, int> missing_issuers;  // issuer DER -> node
  const size_t drawn = nodes.size();
  for (size_t i = 0; i < drawn; ++i) {
    const Certificate* cert = nodes[i].cert;
    if (cert == nullptr || cert->self_issued()) continue;
    for (size_t j = 0; j < drawn; ++j) {
      const Certificate* other = nodes[j].cert;
      if (j == i || other == nullptr ||
          other->subject_der() != cert->issuer_der() ||
          !VerifySignedBy(*cert, *other)) {
        continue;
      }
      parents[i].push_back(j);
    }
    if (!parents[i].empty()) continue;
    const std::string key(cert->issuer_der());
    auto it = missing_issuers.find(key);
    if (it == missing_issuers.end()) {
      Node n;
      n.kind = "issuer";
      n.label = absl::StrCat(DotEscape(cert->IssuerString()),
                             "\\n(issuer not in the set)");
      it = missing_issuers.emplace(key, add_node(std::move(n))).first;
      parents.emplace_back();
    }
    parents[i].push_back(it->second);
  }
  std::vector<std::pair<std::string, std::string>> edges;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (int p : parents[i]) edges.push_back({nodes[p].id, nodes[i].id});
  }
  // Device counts per node along each device's path: its entry nodes and
  // every ancestor of them, each counted once per device.
  for (const auto& [entry, count] : entries) {
    std::set<int> path(entry.begin(), entry.end());
    std::vector<int> todo(entry.begin(), entry.end());
    while (!todo.empty()) {
      const int i = todo.back();
      todo.pop_back();
      for (int p : parents[i]) {
        if (path.insert(p).second) todo.push_back(p);
      }
    }
    for (int i : path) {
      nodes[i].devices += count.first;
      nodes[i].allowed += count.second;
    }
  }
  for (const auto& [id, i] : by_individual) {
    nodes[i].devices = nodes[i].decided;
    nodes[i].allowed = nodes[i].decided_allowed;
  }
  for (const auto& [id, i] : by_symmetric_group) {
    nodes[i].devices = nodes[i].decided;
    nodes[i].allowed = nodes[i].decided_allowed;
  }
  for (int i : {individuals_node, none_node}) {
    if (i < 0) continue;
    nodes[i].devices = nodes[i].decided;
    nodes[i].allowed = nodes[i].decided_allowed;
  }

  std::string out;
  if (format == "json") {
    out = "{\"nodes\":[";
    for (size_t i = 0; i < nodes.size(); ++i) {
      const Node& n = nodes[i];
      absl::StrAppend(
          &out, i ? "," : "", "{\"id\":", JsonQuote(n.id),
          ",\"kind\":", JsonQuote(n.kind), ",\"label\":",
          JsonQuote(absl::StrReplaceAll(
              n.label, {{"\\n", " "}, {"\\\"", "\""}, {"\\\\", "\\"}})));
      if (!n.group.empty()) {
        absl::StrAppend(&out, ",\"enrollment\":", JsonQuote(n.group));
      }
      if (n.has_status) {
        absl::StrAppend(&out, ",\"enabled\":", n.enabled ? "true" : "false");
      }
      if (n.thumbprint_only) out += ",\"thumbprintOnly\":true";
      if (counted) {
        absl::StrAppend(&out, ",\"devices\":", n.devices,
                        ",\"allowed\":", n.allowed, ",\"decided\":", n.decided,
                        ",\"decidedAllowed\":", n.decided_allowed);
      }
      out += "}";
    }
    out += "],\"edges\":[";
    for (size_t i = 0; i < edges.size(); ++i) {
      absl::StrAppend(&out, i ? "," : "",
                      "{\"from\":", JsonQuote(edges[i].first),
                      ",\"to\":", JsonQuote(edges[i].second), "}");
    }
    absl::StrAppend(&out, "]");
    if (counted) {
      absl::StrAppend(&out, ",\"corpusCasNotDrawn\":", cas_not_drawn);
    }
    out += "}\n";
  } else {
    out =
        "digraph trust {\n  rankdir=TB;\n  node [shape=box, "
        "style=\"rounded,filled\", fontname=\"Helvetica\"];\n";
    for (const Node& n : nodes) {
      if (n.kind == "none" && n.devices == 0) continue;
      std::string label = n.label;
      if (n.has_status) {
        absl::StrAppend(&label, "\\n", n.enabled ? "enabled" : "disabled");
      }
      if (counted) {
        absl::StrAppend(&label, "\\ndevices on path: ", n.devices, " (",
                        n.allowed, " allowed)");
        if (n.decided > 0 || n.kind == "certificate" ||
            n.kind == "symmetricKeyGroup" || n.kind == "individual") {
          absl::StrAppend(&label, "\\ndecides: ", n.decided, " (",
                          n.decided_allowed, " allowed)");
        }
      }
      std::string color = "lightgrey";
      if (n.has_status) color = n.enabled ? "palegreen" : "lightcoral";
      std::string style = "rounded,filled";
      if (n.thumbprint_only || n.kind == "issuer") style += ",dashed";
      const char* shape =
          n.kind == "certificate" || n.kind == "issuer" || n.kind == "ca"
              ? "box"
              : "ellipse";
      absl::StrAppend(&out, "  ", n.id, " [label=\"", label,
                      "\", fillcolor=", color, ", style=\"", style,
                      "\", shape=", shape, "];\n");
    }
    for (const auto& [from, to] : edges) {
      absl::StrAppend(&out, "  ", from, " -> ", to, ";\n");
    }
    if (cas_not_drawn > 0) {
      absl::StrAppend(&out, "  // ", cas_not_drawn,
                      " more CA certificates of the corpus not drawn\n");
    }
    out += "}\n";
  }

  if (out_path.empty()) {
    std::cout << out;
    return std::cout.good() ? 0 : kExitError;
  }
  if (svg) {
    if (std::system("command -v dot >/dev/null 2>&1") != 0) {
      return Fail(
          "--out=*.svg needs Graphviz `dot` on PATH; use --out=FILE.dot");
    }
    if (out_path.find('\'') != std::string::npos) {
      return Fail("--out: a path with a single quote is not supported");
    }
    FILE* pipe =
        popen(absl::StrCat("dot -Tsvg -o '", out_path, "'").c_str(), "w");
    if (pipe == nullptr) return Fail("cannot run dot");
    fwrite(out.data(), 1, out.size(), pipe);
    if (pclose(pipe) != 0) {
      return Fail(absl::StrCat("dot failed to render ", out_path));
    }
    return 0;
  }
  std::ofstream file(out_path, std::ios::binary | std::ios::trunc);
  file << out;
  file.close();
  if (!file) return Fail(absl::StrCat("--out: cannot write ", out_path));
  return 0;
}

}  // namespace chaintrust::cli
