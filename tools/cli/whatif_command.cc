// `chaintrust whatif` and `chaintrust diff`: what a policy change does to a
// fleet, before it is made (engine/analysis/compare.h).
//
// Each reported device is streamed as one JSON line to --out (or, with
// --format=json and no --out, to stdout before a last {"summary": ...}
// line); the summary keeps counts and --sample device ids per transition
// and per call-out, and in text one example with both explanations. Exit
// status 0, or 2 on error.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/analysis/compare.h"
#include "tools/cli/commands.h"

namespace chaintrust::cli {

const CommandSpec kWhatIfCommand = {
    "whatif",
    "  whatif   --policy=FILE --devices=D [--disable=ID]... [--enable=ID]...\n"
    "           [--delete=ID]... [--at=RFC3339] [--out=FILE.jsonl] "
    "[--sample=N]\n"
    "           [--crl=FILE]... [--accept_stale_crls]\n"
    "           [--format=text|json] [--allow_unknown_fields]\n"
    "           [--certificates=FILE]\n"
    "           [--profile=default|strict|webpki] [--legacy_crypto]\n"
    "           [--threads=N (0: one per core)] [--progress=true|false]\n"
    "      What edits to a policy, or new CRLs (--crl: the devices they would\n"
    "      deny), change for a fleet.\n",
    {"policy", "devices", "disable", "enable", "delete", "at", "format", "out",
     "sample", "allow_unknown_fields", "crl", "accept_stale_crls",
     "certificates", "profile", "legacy_crypto", "threads", "progress"},
    {"disable", "enable", "delete", "crl"}};

const CommandSpec kDiffCommand = {
    "diff",
    "  diff     --before=FILE --after=FILE --devices=D [--at=RFC3339]\n"
    "           [--out=FILE.jsonl] [--sample=N] [--format=text|json]\n"
    "           [--allow_unknown_fields] [--crl=FILE]... "
    "[--accept_stale_crls]\n"
    "           [--certificates=FILE]\n"
    "           [--profile=default|strict|webpki] [--legacy_crypto]\n"
    "           [--threads=N (0: one per core)] [--progress=true|false]\n"
    "      The devices whose decision a policy change changes (--crl: CRLs\n"
    "      in force before and after).\n",
    {"before", "after", "devices", "at", "format", "out", "sample",
     "allow_unknown_fields", "crl", "accept_stale_crls", "certificates",
     "profile", "legacy_crypto", "threads", "progress"},
    {"crl"}};

namespace {

constexpr int64_t kMaxThreads = 1024;  // --threads
constexpr size_t kWriteBytes = size_t{1} << 20;

// The flags whatif and diff share, and the comparison over the corpus.
int Compare(absl::string_view command, const Flags& flags,
            const analysis::PolicyChange& change) {
  const auto fail = [&](absl::string_view m) { return Fail(command, m); };
  const bool json = flags.Get("format", "text") == "json";
  analysis::CompareOptions options;
  auto at = AtFlag(flags);
  if (!at.ok()) return fail(at.status().message());
  options.at = *at;
  auto resolver = ResolverFlags(flags);
  if (!resolver.ok()) return fail(resolver.status().message());
  options.resolver = *resolver;
  auto sample = IntFlag(flags, "sample", 1, 10000, 5);
  if (!sample.ok()) return fail(sample.status().message());
  options.sample = static_cast<size_t>(*sample);
  auto threads = IntFlag(flags, "threads", 0, kMaxThreads, 0);
  if (!threads.ok()) return fail(threads.status().message());
  options.threads = static_cast<int>(*threads);
  auto progress = BoolFlag(flags, "progress", true);
  if (!progress.ok()) return fail(progress.status().message());
  options.progress = *progress;
  options.explain = !json;
  const std::string out_path = flags.Get("out");
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
  options.render_lines = lines != nullptr;
  // Lines are gathered into large writes: a stream writes a line longer
  // than its buffer with one system call each.
  std::string pending;
  const auto flush = [&] {
    lines->write(pending.data(), static_cast<std::streamsize>(pending.size()));
    pending.clear();
  };
  auto report = analysis::Compare(
      change, flags.Get("devices"), options,
      [&](const analysis::CorpusDevice&, const std::string& line) {
        if (lines == nullptr) return;
        pending += line;
        if (pending.size() >= kWriteBytes) flush();
      });
  if (lines != nullptr) flush();
  if (!report.ok()) return fail(report.status().message());
  if (file != nullptr) {
    if (auto s = file->Commit(); !s.ok()) return fail(s.message());
  }
  if (!json) {
    std::cout << analysis::CompareText(command, *report, out_path);
  } else if (lines == &std::cout) {
    std::cout << "{\"summary\":" << analysis::CompareJson(*report) << "}\n";
  } else {
    std::cout << analysis::CompareJson(*report) << "\n";
  }
  return std::cout.good() ? 0 : kExitError;
}

// Checks what both commands check before any policy is loaded.
absl::Status CheckCommon(const Flags& flags,
                         const std::vector<std::string>& inputs) {
  if (auto format = FormatFlag(flags); !format.ok()) return format.status();
  if (auto s = IntFlag(flags, "sample", 1, 10000, 5); !s.ok()) {
    return s.status();
  }
  if (auto at = AtFlag(flags); !at.ok()) return at.status();
  if (auto t = IntFlag(flags, "threads", 0, kMaxThreads, 0); !t.ok()) {
    return t.status();
  }
  if (auto p = BoolFlag(flags, "progress", true); !p.ok()) return p.status();
  if (flags.Has("out")) {
    return CheckOutputIsNotAnInput(flags.Get("out"), inputs);
  }
  return absl::OkStatus();
}

}  // namespace

int RunWhatIf(const Args& args) {
  const auto fail = [](absl::string_view m) { return Fail("whatif", m); };
  int exit_status = 0;
  auto flags = ParseArgs(kWhatIfCommand, args, &exit_status);
  if (!flags) return exit_status;
  const std::string policy = flags->Get("policy");
  const std::string devices = flags->Get("devices");
  if (auto s = CheckCommon(*flags, {policy, devices}); !s.ok()) {
    return fail(s.message());
  }
  if (!flags->Has("policy")) return fail("needs --policy=FILE");
  if (!flags->Has("devices")) return fail("needs --devices=DIR|FILE.jsonl");
  std::vector<analysis::PolicyEdit> edits;
  for (const auto op :
       {analysis::PolicyEdit::Op::kDisable, analysis::PolicyEdit::Op::kEnable,
        analysis::PolicyEdit::Op::kDelete}) {
    for (const std::string& id :
         flags->GetAll(std::string(analysis::PolicyEditOpName(op)))) {
      edits.push_back({op, id});
    }
  }
  auto crls = CrlFlags(*flags);
  if (!crls.ok()) return fail(crls.status().message());
  if (edits.empty() && *crls == nullptr) {
    return fail(
        "needs at least one --disable=ID, --enable=ID, --delete=ID or "
        "--crl=FILE");
  }
  auto load_options = PolicyLoadFlags(*flags);
  if (!load_options.ok()) return fail(load_options.status().message());
  auto set = LoadPolicySet(policy, *load_options);
  if (!set.ok()) return fail(set.status().message());
  auto change = analysis::EditPolicy(*set, policy, edits);
  if (!change.ok()) return fail(change.status().message());
  if (*crls != nullptr) {
    // The new CRLs take effect after; before, none is in force.
    change->after_crls = *crls;
    for (const std::string& path : flags->GetAll(std::string(kCrlFlag))) {
      change->change.push_back(absl::StrCat("add CRLs ", path));
    }
  }
  return Compare("whatif", *flags, *change);
}

int RunDiff(const Args& args) {
  const auto fail = [](absl::string_view m) { return Fail("diff", m); };
  int exit_status = 0;
  auto flags = ParseArgs(kDiffCommand, args, &exit_status);
  if (!flags) return exit_status;
  const std::string before_path = flags->Get("before");
  const std::string after_path = flags->Get("after");
  const std::string devices = flags->Get("devices");
  if (auto s = CheckCommon(*flags, {before_path, after_path, devices});
      !s.ok()) {
    return fail(s.message());
  }
  if (!flags->Has("before") || !flags->Has("after")) {
    return fail("needs --before=FILE and --after=FILE");
  }
  if (!flags->Has("devices")) return fail("needs --devices=DIR|FILE.jsonl");
  auto load_options = PolicyLoadFlags(*flags);
  if (!load_options.ok()) return fail(load_options.status().message());
  auto before = LoadPolicy(before_path, *load_options);
  if (!before.ok()) return fail(before.status().message());
  auto after = LoadPolicy(after_path, *load_options);
  if (!after.ok()) return fail(after.status().message());
  auto crls = CrlFlags(*flags);
  if (!crls.ok()) return fail(crls.status().message());
  analysis::PolicyChange change =
      analysis::DiffPolicies(*before, *after, before_path, after_path);
  change.before_crls = *crls;
  change.after_crls = *crls;
  return Compare("diff", *flags, change);
}

}  // namespace chaintrust::cli
