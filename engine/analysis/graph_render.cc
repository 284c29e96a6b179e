// Graphviz DOT and JSON renderings of a Graph (graph.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/analysis/device_corpus.h"
#include "engine/analysis/graph.h"

namespace chaintrust::analysis {
namespace {

std::string NodeJson(const GraphNode& n, bool counted) {
  std::string out = absl::StrCat(
      "{\"id\":", JsonQuote(n.id), ",\"kind\":", JsonQuote(n.kind),
      ",\"label\":",
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
  return out + "}";
}

std::string NodeDot(const GraphNode& n, bool counted) {
  std::string label = n.label;
  if (n.has_status) {
    absl::StrAppend(&label, "\\n", n.enabled ? "enabled" : "disabled");
  }
  if (counted) {
    absl::StrAppend(&label, "\\ndevices on path: ", n.devices, " (", n.allowed,
                    " allowed)");
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
  return absl::StrCat("  ", n.id, " [label=\"", label, "\", fillcolor=", color,
                      ", style=\"", style, "\", shape=", shape, "];\n");
}

}  // namespace

std::string GraphJson(const Graph& graph) {
  std::string out = "{\"nodes\":[";
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "",
                    NodeJson(graph.nodes[i], graph.counted));
  }
  out += "],\"edges\":[";
  for (size_t i = 0; i < graph.edges.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "",
                    "{\"from\":", JsonQuote(graph.edges[i].first),
                    ",\"to\":", JsonQuote(graph.edges[i].second), "}");
  }
  out += "]";
  if (graph.counted) {
    absl::StrAppend(&out, ",\"corpusCasNotDrawn\":", graph.cas_not_drawn);
  }
  return out + "}\n";
}

std::string GraphDot(const Graph& graph) {
  std::string out =
      "digraph trust {\n  rankdir=TB;\n  node [shape=box, "
      "style=\"rounded,filled\", fontname=\"Helvetica\"];\n";
  for (const GraphNode& n : graph.nodes) {
    if (n.kind == "none" && n.devices == 0) continue;
    out += NodeDot(n, graph.counted);
  }
  for (const auto& [from, to] : graph.edges) {
    absl::StrAppend(&out, "  ", from, " -> ", to, ";\n");
  }
  if (graph.cas_not_drawn > 0) {
    absl::StrAppend(&out, "  // ", graph.cas_not_drawn,
                    " more CA certificates of the corpus not drawn\n");
  }
  return out + "}\n";
}

}  // namespace chaintrust::analysis
