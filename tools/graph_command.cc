#include "tools/graph_command.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/certificate.h"
#include "engine/policy_loader.h"
#include "tools/cli.h"
#include "tools/device_corpus.h"

namespace chaintrust::cli {
namespace {

int Fail(absl::string_view message) {
  std::cerr << "chaintrust graph: " << message << "\n";
  return kExitError;
}

struct Node {
  std::string id;
  std::string kind;  // certificate, issuer, symmetricKeyGroup, individual,
                     // individuals, none
  std::string label;
  std::string group;  // group or registration id, when any
  bool has_status = false;
  bool enabled = true;
  bool thumbprint_only = false;
  bool counted = false;
  size_t devices = 0;
  size_t allowed = 0;
};

std::string DotEscape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}});
}

}  // namespace

int RunGraph(const std::vector<std::string>& args) {
  auto flags = Flags::Parse(args, {"policy", "devices", "at", "out", "format"});
  if (!flags.ok()) return Fail(flags.status().message());
  if (!flags->positional().empty()) {
    return Fail(absl::StrCat("takes no positional arguments (got \"",
                             flags->positional()[0], "\")"));
  }
  const std::string format = flags->Get("format", "text");
  if (format != "text" && format != "json") {
    return Fail(absl::StrCat("--format=", format,
                             " is not supported; use text or json"));
  }
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

  std::vector<Node> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
  std::map<std::string, std::vector<size_t>> by_group;  // id -> node indexes
  std::vector<std::pair<const Certificate*, size_t>> certs;
  for (const EnrollmentGroup& g : snap.enrollment_groups()) {
    if (g.kind == AttestationKind::kSymmetricKey) {
      Node n;
      n.id = absl::StrCat("n", nodes.size());
      n.kind = "symmetricKeyGroup";
      n.label = absl::StrCat(g.group_id, "\\n(symmetric key)");
      n.group = g.group_id;
      n.has_status = true;
      n.enabled = g.enabled;
      by_group[g.group_id].push_back(nodes.size());
      nodes.push_back(n);
      continue;
    }
    for (const GroupCertificate& gc : g.certificates) {
      Node n;
      n.id = absl::StrCat("n", nodes.size());
      n.kind = "certificate";
      n.group = g.group_id;
      n.has_status = true;
      n.enabled = g.enabled;
      const char* slot = gc.slot == Slot::kPrimary ? "primary" : "secondary";
      if (gc.certificate == nullptr) {
        n.thumbprint_only = true;
        n.label = absl::StrCat("sha256 ", ToHex(gc.sha256).substr(0, 16),
                               "...\\ngroup ", g.group_id, " (", slot,
                               ", thumbprint only)");
      } else {
        n.label = absl::StrCat(DotEscape(gc.certificate->subject_common_name()),
                               "\\ngroup ", g.group_id, " (", slot, ")");
        certs.push_back({gc.certificate.get(), nodes.size()});
      }
      by_group[g.group_id].push_back(nodes.size());
      nodes.push_back(n);
    }
  }
  std::map<std::string, std::string> missing_issuers;  // issuer der -> id
  for (const auto& [cert, index] : certs) {
    if (cert->self_issued()) continue;
    bool found = false;
    for (const auto& [other, other_index] : certs) {
      if (other != cert && other->subject_der() == cert->issuer_der()) {
        edges.push_back({nodes[other_index].id, nodes[index].id});
        found = true;
      }
    }
    if (!found) {
      const std::string key(cert->issuer_der());
      auto it = missing_issuers.find(key);
      if (it == missing_issuers.end()) {
        Node n;
        n.id = absl::StrCat("n", nodes.size());
        n.kind = "issuer";
        n.label = absl::StrCat(DotEscape(cert->IssuerString()),
                               "\\n(not in the set)");
        it = missing_issuers.emplace(key, n.id).first;
        nodes.push_back(n);
      }
      edges.push_back({it->second, nodes[index].id});
    }
  }
  const auto individuals = snap.individual_enrollments();
  std::map<std::string, size_t> by_individual;  // lower-case id -> node
  size_t individuals_node = 0;
  if (!individuals.empty() && individuals.size() <= 10) {
    for (const IndividualEnrollment& e : individuals) {
      Node n;
      n.id = absl::StrCat("n", nodes.size());
      n.kind = "individual";
      n.label = absl::StrCat(e.registration_id, "\\n(individual, ",
                             AttestationKindName(e.kind), ")");
      n.group = e.registration_id;
      n.has_status = true;
      n.enabled = e.enabled;
      by_individual[absl::AsciiStrToLower(e.registration_id)] = nodes.size();
      nodes.push_back(n);
    }
  } else if (!individuals.empty()) {
    size_t disabled = 0;
    for (const IndividualEnrollment& e : individuals) disabled += !e.enabled;
    Node n;
    n.id = absl::StrCat("n", nodes.size());
    n.kind = "individuals";
    n.label = absl::StrCat(individuals.size(), " individual enrollments\\n(",
                           disabled, " disabled)");
    individuals_node = nodes.size();
    nodes.push_back(n);
  }
  if (flags->Has("devices")) {
    Node none;
    none.id = absl::StrCat("n", nodes.size());
    none.kind = "none";
    none.label = "no enrollment";
    none.counted = true;
    const size_t none_index = nodes.size();
    nodes.push_back(none);
    for (auto& n : nodes) {
      if (n.kind != "issuer") n.counted = true;
    }
    DecideOptions options;
    options.at = at;
    auto count = [&](size_t i, bool allowed) {
      ++nodes[i].devices;
      nodes[i].allowed += allowed;
    };
    auto n = DecideCorpus(
        flags->Get("devices"), {*snapshot}, options,
        [&](const CorpusDevice&, absl::Span<const Decision> d) {
          const Decision& dec = d[0];
          if (dec.enrollment_kind() == EnrollmentKind::kGroup) {
            auto it = by_group.find(dec.enrollment_id());
            if (it != by_group.end()) {
              // Counted on the group's primary node.
              count(it->second.front(), dec.allowed());
              return;
            }
          } else if (dec.enrollment_kind() == EnrollmentKind::kIndividual) {
            auto it =
                by_individual.find(absl::AsciiStrToLower(dec.enrollment_id()));
            if (it != by_individual.end()) {
              count(it->second, dec.allowed());
              return;
            }
            if (!individuals.empty() && individuals.size() > 10) {
              count(individuals_node, dec.allowed());
              return;
            }
          }
          count(none_index, dec.allowed());
        });
    if (!n.ok()) return Fail(n.status().message());
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
      if (n.counted) {
        absl::StrAppend(&out, ",\"devices\":", n.devices,
                        ",\"allowed\":", n.allowed);
      }
      out += "}";
    }
    out += "],\"edges\":[";
    for (size_t i = 0; i < edges.size(); ++i) {
      absl::StrAppend(&out, i ? "," : "",
                      "{\"from\":", JsonQuote(edges[i].first),
                      ",\"to\":", JsonQuote(edges[i].second), "}");
    }
    out += "]}\n";
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
      if (n.counted) {
        absl::StrAppend(&label, "\\ndevices: ", n.devices, " (", n.allowed,
                        " allowed)");
      }
      std::string color = "lightgrey";
      if (n.has_status) color = n.enabled ? "palegreen" : "lightcoral";
      std::string style = "rounded,filled";
      if (n.thumbprint_only || n.kind == "issuer") style += ",dashed";
      const char* shape =
          n.kind == "certificate" || n.kind == "issuer" ? "box" : "ellipse";
      absl::StrAppend(&out, "  ", n.id, " [label=\"", label,
                      "\", fillcolor=", color, ", style=\"", style,
                      "\", shape=", shape, "];\n");
    }
    for (const auto& [from, to] : edges) {
      absl::StrAppend(&out, "  ", from, " -> ", to, ";\n");
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
