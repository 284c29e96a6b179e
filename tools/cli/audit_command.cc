#include "tools/cli/audit_command.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/decision.h"
#include "engine/policy_loader.h"
#include "tools/cli/cli.h"
#include "tools/cli/device_corpus.h"

namespace chaintrust::cli {
namespace {

int Fail(absl::string_view message) {
  std::cerr << "chaintrust audit: " << message << "\n";
  return kExitError;
}

struct Summary {
  size_t devices = 0;
  size_t allow = 0;
  size_t deny = 0;
  std::map<std::string, size_t> reasons;
  // Key: kind name + ' ' + id ("GROUP contoso-root"), or "(none)".
  absl::flat_hash_map<std::string, size_t> enrollments;
  size_t by_reason[32] = {};
};

std::string EnrollmentKey(const Decision& d) {
  if (d.enrollment_kind() == EnrollmentKind::kNone) return "(none)";
  return absl::StrCat(EnrollmentKindName(d.enrollment_kind()), " ",
                      d.enrollment_id());
}

std::vector<std::pair<std::string, size_t>> Sorted(
    const absl::flat_hash_map<std::string, size_t>& m) {
  std::vector<std::pair<std::string, size_t>> v(m.begin(), m.end());
  std::sort(v.begin(), v.end());
  return v;
}

std::string SummaryJson(const Summary& s) {
  std::string out =
      absl::StrCat("{\"devices\":", s.devices, ",\"allow\":", s.allow,
                   ",\"deny\":", s.deny, ",\"reasons\":{");
  bool first = true;
  for (const auto& [reason, n] : s.reasons) {
    absl::StrAppend(&out, first ? "" : ",", JsonQuote(reason), ":", n);
    first = false;
  }
  out += "},\"enrollments\":{";
  first = true;
  for (const auto& [e, n] : Sorted(s.enrollments)) {
    absl::StrAppend(&out, first ? "" : ",", JsonQuote(e), ":", n);
    first = false;
  }
  out += "}}";
  return out;
}

std::string Percent(size_t n, size_t of) {
  return of == 0 ? "" : absl::StrFormat("%5.1f%%", 100.0 * n / of);
}

std::string SummaryText(const Summary& s) {
  std::string out = absl::StrFormat(
      "devices: %d\n  ALLOW %10d  %s\n  DENY  %10d  %s\n", s.devices, s.allow,
      Percent(s.allow, s.devices), s.deny, Percent(s.deny, s.devices));
  size_t width = 0;
  for (const auto& [reason, n] : s.reasons)
    width = std::max(width, reason.size());
  const auto enrollments = Sorted(s.enrollments);
  for (const auto& [e, n] : enrollments) width = std::max(width, e.size());
  out += "by reason:\n";
  for (const auto& [reason, n] : s.reasons) {
    absl::StrAppend(&out, absl::StrFormat("  %-*s %10d  %s\n", width, reason, n,
                                          Percent(n, s.devices)));
  }
  out += "by deciding enrollment:\n";
  for (const auto& [e, n] : enrollments) {
    absl::StrAppend(&out, absl::StrFormat("  %-*s %10d  %s\n", width, e, n,
                                          Percent(n, s.devices)));
  }
  return out;
}

}  // namespace

int RunAudit(const std::vector<std::string>& args) {
  auto flags =
      ParseCommandFlags(args, {"policy", "devices", "at", "out", "format"});
  if (!flags.ok()) return Fail(flags.status().message());
  auto format_flag = FormatFlag(*flags);
  if (!format_flag.ok()) return Fail(format_flag.status().message());
  const std::string format = *format_flag;
  if (!flags->Has("policy")) return Fail("needs --policy=FILE");
  if (!flags->Has("devices")) return Fail("needs --devices=DIR|FILE.jsonl");
  DecideOptions options;
  options.at = absl::Now();
  if (flags->Has("at")) {
    auto at = ParseRfc3339(flags->Get("at"));
    if (!at.ok()) return Fail(absl::StrCat("--at: ", at.status().message()));
    options.at = *at;
  }
  auto snapshot = LoadSnapshotFile(flags->Get("policy"));
  if (!snapshot.ok()) return Fail(snapshot.status().message());

  std::ofstream file;
  std::ostream* decisions_out = nullptr;
  if (flags->Has("out")) {
    file.open(flags->Get("out"), std::ios::binary | std::ios::trunc);
    if (!file)
      return Fail(absl::StrCat("--out: cannot write ", flags->Get("out")));
    decisions_out = &file;
  } else if (format == "json") {
    decisions_out = &std::cout;
  }
  Summary summary;
  const bool write_decisions = decisions_out != nullptr;
  // Rendering the JSON lines is most of the output work: done on the worker
  // threads, written here in corpus order.
  options.prepare = [write_decisions](CorpusDevice* device,
                                      absl::Span<const Decision> decisions) {
    if (write_decisions) {
      device->annotation = RenderDeviceJson(device->id, decisions[0]);
      device->annotation += '\n';
    }
  };
  auto n = DecideCorpus(
      flags->Get("devices"), {*snapshot}, options,
      [&](const CorpusDevice& device, absl::Span<const Decision> decisions) {
        const Decision& d = decisions[0];
        ++summary.devices;
        ++(d.allowed() ? summary.allow : summary.deny);
        ++summary.by_reason[static_cast<int>(d.reason()) & 31];
        ++summary.enrollments[EnrollmentKey(d)];
        if (write_decisions) *decisions_out << device.annotation;
      });
  for (int r = 0; r < 32; ++r) {
    if (summary.by_reason[r] == 0) continue;
    summary.reasons[std::string(ReasonName(static_cast<Reason>(r)))] =
        summary.by_reason[r];
  }
  if (!n.ok()) return Fail(n.status().message());
  if (file.is_open()) {
    file.close();
    if (!file)
      return Fail(absl::StrCat("--out: write failed: ", flags->Get("out")));
  }
  if (format == "json") {
    if (flags->Has("out")) {
      std::cout << SummaryJson(summary) << "\n";
    } else {
      std::cout << "{\"summary\":" << SummaryJson(summary) << "}\n";
    }
  } else {
    std::cout << SummaryText(summary);
  }
  return std::cout.good() ? 0 : kExitError;
}

}  // namespace chaintrust::cli
