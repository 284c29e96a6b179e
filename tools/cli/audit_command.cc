// `chaintrust audit`: decides every device of a corpus and summarizes
// (engine/analysis/audit.h).
//
// One decision per device (docs/contract.md's decide JSON plus "device":
// id, one per line) goes to --out; with --format=json and no --out they go
// to stdout followed by a last line {"summary": {...}}. The summary is
// printed on stdout as text or as one JSON object. Exit status 0, or 2 on
// error.
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/analysis/audit.h"
#include "tools/cli/commands.h"

namespace chaintrust::cli {
namespace {
constexpr int64_t kMaxThreads = 1024;  // --threads
constexpr size_t kWriteBytes = size_t{1} << 20;
}  // namespace

const CommandSpec kAuditCommand = {
    "audit",
    "  audit    --policy=FILE --devices=DIR|FILE.jsonl [--at=RFC3339]\n"
    "           [--out=FILE.jsonl] [--format=text|json] "
    "[--allow_unknown_fields]\n"
    "           [--crl=FILE]... [--accept_stale_crls] [--certificates=FILE]\n"
    "           [--profile=default|strict|webpki] [--legacy_crypto]\n"
    "           [--threads=N (0: one per core)] [--progress=true|false]\n"
    "      Decides every device of a corpus; one decision per device, a "
    "summary.\n",
    {"policy", "devices", "at", "out", "format", "allow_unknown_fields", "crl",
     "accept_stale_crls", "certificates", "profile", "legacy_crypto", "threads",
     "progress"},
    {"crl"}};

int RunAudit(const Args& args) {
  const auto fail = [](absl::string_view m) { return Fail("audit", m); };
  int exit_status = 0;
  auto flags = ParseArgs(kAuditCommand, args, &exit_status);
  if (!flags) return exit_status;
  auto format = FormatFlag(*flags);
  if (!format.ok()) return fail(format.status().message());
  const bool json = *format == "json";
  if (!flags->Has("policy")) return fail("needs --policy=FILE");
  if (!flags->Has("devices")) return fail("needs --devices=DIR|FILE.jsonl");
  auto at = AtFlag(*flags);
  if (!at.ok()) return fail(at.status().message());
  auto resolver = ResolverFlags(*flags);
  if (!resolver.ok()) return fail(resolver.status().message());
  auto threads = IntFlag(*flags, "threads", 0, kMaxThreads, 0);
  if (!threads.ok()) return fail(threads.status().message());
  auto progress = BoolFlag(*flags, "progress", true);
  if (!progress.ok()) return fail(progress.status().message());
  const std::string policy = flags->Get("policy");
  const std::string devices = flags->Get("devices");
  const std::string out_path = flags->Get("out");
  if (!out_path.empty()) {
    auto s = CheckOutputIsNotAnInput(out_path, {policy, devices});
    if (!s.ok()) return fail(s.message());
  }
  auto load_options = PolicyLoadFlags(*flags);
  if (!load_options.ok()) return fail(load_options.status().message());
  auto snapshot = LoadPolicy(policy, *load_options);
  if (!snapshot.ok()) return fail(snapshot.status().message());
  auto crls = CrlFlags(*flags);
  if (!crls.ok()) return fail(crls.status().message());

  std::unique_ptr<AtomicOutput> file;
  std::ostream* lines = nullptr;
  if (!out_path.empty()) {
    auto opened = AtomicOutput::Open(out_path);
    if (!opened.ok()) return fail(opened.status().message());
    file = *std::move(opened);
    lines = &file->stream();
  } else if (json) {
    lines = &std::cout;
  }
  analysis::AuditOptions options;
  options.at = *at;
  options.crls = *std::move(crls);
  options.resolver = *resolver;
  options.threads = static_cast<int>(*threads);
  options.progress = *progress;
  options.render_lines = lines != nullptr;
  // Lines are gathered into large writes: a stream writes a line longer
  // than its buffer with one system call each.
  std::string pending;
  const auto flush = [&] {
    lines->write(pending.data(), static_cast<std::streamsize>(pending.size()));
    pending.clear();
  };
  auto summary = analysis::Audit(
      *snapshot, devices, options,
      [&](const analysis::CorpusDevice& device, const Decision&) {
        if (lines == nullptr) return;
        pending += device.annotation;
        if (pending.size() >= kWriteBytes) flush();
      });
  if (lines != nullptr) flush();
  if (!summary.ok()) return fail(summary.status().message());
  if (file != nullptr) {
    if (auto s = file->Commit(); !s.ok()) return fail(s.message());
  }
  if (!json) {
    std::cout << analysis::AuditSummaryText(*summary);
  } else if (!out_path.empty()) {
    std::cout << analysis::AuditSummaryJson(*summary) << "\n";
  } else {
    std::cout << "{\"summary\":" << analysis::AuditSummaryJson(*summary)
              << "}\n";
  }
  return std::cout.good() ? 0 : kExitError;
}

}  // namespace chaintrust::cli
