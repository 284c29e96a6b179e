// `chaintrust graph`: the trust graph of an enrollment set
// (engine/analysis/graph.h).
//
// text (default) is Graphviz DOT (green = enabled group, red = disabled;
// dashed when known only by thumbprint or not in the set); json is
// {"nodes": [...], "edges": [...]}. --out writes a file instead of stdout:
// FILE.dot or FILE.gv (DOT), FILE.svg (rendered by Graphviz `dot -Tsvg`,
// which must be on PATH) or, with --format=json, FILE.json; any other
// extension is refused rather than written in the wrong format. Exit
// status 0, or 2 on error.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/analysis/graph.h"
#include "tools/cli/commands.h"

namespace chaintrust::cli {

const CommandSpec kGraphCommand = {
    "graph",
    "  graph    --policy=FILE [--devices=D] [--at=RFC3339]\n"
    "           [--out=FILE.dot|FILE.svg] [--format=text|json]\n"
    "           [--allow_unknown_fields]\n"
    "           [--certificates=FILE]\n"
    "      The trust graph as Graphviz DOT.\n",
    {"policy", "devices", "at", "out", "format", "allow_unknown_fields",
     "certificates"}};

namespace {

enum class OutKind { kStdout, kText, kSvg };

// What --out's extension asks for, or an error when it names a format
// graph does not write.
absl::StatusOr<OutKind> OutKindOf(const std::string& out, bool json) {
  if (out.empty()) return OutKind::kStdout;
  const std::string lower = absl::AsciiStrToLower(out);
  if (absl::EndsWith(lower, ".svg")) {
    if (json)
      return absl::InvalidArgumentError("--out=*.svg needs --format=text");
    return OutKind::kSvg;
  }
  if (json ? absl::EndsWith(lower, ".json")
           : absl::EndsWith(lower, ".dot") || absl::EndsWith(lower, ".gv")) {
    return OutKind::kText;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--out=", out, ": graph writes ",
      json ? "JSON to FILE.json with --format=json"
           : "DOT (FILE.dot, FILE.gv) or SVG (FILE.svg, with Graphviz dot)",
      "; it cannot write that format"));
}

// Renders DOT to SVG with Graphviz into `out`'s temporary file.
absl::Status RenderSvg(const std::string& dot, AtomicOutput* out) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) {
    return absl::FailedPreconditionError(
        "--out=*.svg needs Graphviz `dot` on PATH; use --out=FILE.dot");
  }
  if (out->temp_path().find('\'') != std::string::npos) {
    return absl::InvalidArgumentError(
        "--out: a path with a single quote is not supported");
  }
  FILE* pipe =
      popen(absl::StrCat("dot -Tsvg -o '", out->temp_path(), "'").c_str(), "w");
  if (pipe == nullptr) return absl::InternalError("cannot run dot");
  fwrite(dot.data(), 1, dot.size(), pipe);
  if (pclose(pipe) != 0) {
    return absl::InternalError("dot failed to render the graph");
  }
  return absl::OkStatus();
}

}  // namespace

int RunGraph(const Args& args) {
  const auto fail = [](absl::string_view m) { return Fail("graph", m); };
  int exit_status = 0;
  auto flags = ParseArgs(kGraphCommand, args, &exit_status);
  if (!flags) return exit_status;
  auto format = FormatFlag(*flags);
  if (!format.ok()) return fail(format.status().message());
  const bool json = *format == "json";
  if (!flags->Has("policy")) return fail("needs --policy=FILE");
  const std::string policy = flags->Get("policy");
  const std::string out_path = flags->Get("out");
  auto kind = OutKindOf(out_path, json);
  if (!kind.ok()) return fail(kind.status().message());
  analysis::GraphOptions options;
  options.devices = flags->Get("devices");
  auto at = AtFlag(*flags);
  if (!at.ok()) return fail(at.status().message());
  options.at = *at;
  if (!out_path.empty()) {
    auto s = CheckOutputIsNotAnInput(out_path, {policy, options.devices});
    if (!s.ok()) return fail(s.message());
  }
  auto load_options = PolicyLoadFlags(*flags);
  if (!load_options.ok()) return fail(load_options.status().message());
  auto snapshot = LoadPolicy(policy, *load_options);
  if (!snapshot.ok()) return fail(snapshot.status().message());
  auto graph = analysis::BuildGraph(*snapshot, options);
  if (!graph.ok()) return fail(graph.status().message());
  const std::string text =
      json ? analysis::GraphJson(*graph) : analysis::GraphDot(*graph);
  if (*kind == OutKind::kStdout) {
    std::cout << text;
    return std::cout.good() ? 0 : kExitError;
  }
  auto out = AtomicOutput::Open(out_path);
  if (!out.ok()) return fail(out.status().message());
  if (*kind == OutKind::kSvg) {
    if (auto s = RenderSvg(text, out->get()); !s.ok()) return fail(s.message());
  } else {
    (*out)->stream() << text;
  }
  if (auto s = (*out)->Commit(); !s.ok()) return fail(s.message());
  return 0;
}

}  // namespace chaintrust::cli
