#include "tools/audit_command.h"

#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/decision.h"
#include "engine/policy_loader.h"
#include "tools/cli.h"
#include "tools/device_corpus.h"

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
  std::map<std::string, size_t> enrollments;  // "GROUP contoso-root"
};

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
  for (const auto& [e, n] : s.enrollments) {
    absl::StrAppend(&out, first ? "" : ",", JsonQuote(e), ":", n);
    first = false;
  }
  out += "}}";
  return out;
}

std::string SummaryText(const Summary& s) {
  std::string out = absl::StrCat("devices: ", s.devices, "\nALLOW: ", s.allow,
                                 "\nDENY: ", s.deny, "\nby reason:\n");
  for (const auto& [reason, n] : s.reasons) {
    absl::StrAppend(&out, "  ", reason, ": ", n, "\n");
  }
  out += "by deciding enrollment:\n";
  for (const auto& [e, n] : s.enrollments) {
    absl::StrAppend(&out, "  ", e, ": ", n, "\n");
  }
  return out;
}

}  // namespace

int RunAudit(const std::vector<std::string>& args) {
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
  auto n = DecideCorpus(
      flags->Get("devices"), {*snapshot}, options,
      [&](const CorpusDevice& device, absl::Span<const Decision> decisions) {
        const Decision& d = decisions[0];
        ++summary.devices;
        ++(d.allowed() ? summary.allow : summary.deny);
        ++summary.reasons[std::string(ReasonName(d.reason()))];
        if (d.enrollment_kind() != EnrollmentKind::kNone) {
          ++summary.enrollments[absl::StrCat(
              EnrollmentKindName(d.enrollment_kind()), " ", d.enrollment_id())];
        } else {
          ++summary.enrollments["(none)"];
        }
        if (decisions_out != nullptr) {
          *decisions_out << RenderDeviceJson(device.id, d) << "\n";
        }
      });
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
