#include "engine/analysis/audit.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace chaintrust::analysis {
namespace {

constexpr int kReasonSlots = 32;

std::string EnrollmentKey(const Decision& d) {
  if (d.enrollment_kind() == EnrollmentKind::kNone) return "(none)";
  return absl::StrCat(EnrollmentKindName(d.enrollment_kind()), " ",
                      d.enrollment_id());
}

std::string Percent(size_t n, size_t of) {
  return of == 0 ? "" : absl::StrFormat("%5.1f%%", 100.0 * n / of);
}

template <typename Map>
std::string JsonCounts(const Map& counts) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, n] : counts) {
    absl::StrAppend(&out, first ? "" : ",", JsonQuote(key), ":", n);
    first = false;
  }
  return out + "}";
}

}  // namespace

absl::StatusOr<AuditSummary> Audit(const SnapshotPtr& snapshot,
                                   const std::string& devices,
                                   const AuditOptions& options,
                                   const AuditSink& sink) {
  DecideOptions decide;
  decide.at = options.at;
  decide.crls = {options.crls};
  decide.resolver = options.resolver;
  decide.threads = options.threads;
  decide.progress = options.progress;
  // Rendering the JSON lines is most of the output work: done on the worker
  // threads, handed to the sink in corpus order.
  if (options.render_lines) {
    decide.prepare = [](CorpusDevice* device,
                        absl::Span<const Decision> decisions) {
      device->annotation = RenderDeviceJson(device->id, decisions[0]);
      device->annotation += '\n';
    };
  }
  AuditSummary summary;
  size_t by_reason[kReasonSlots] = {};
  // Counting by reason into an array and by enrollment into a hash map
  // keeps the per-device cost small on million-device corpora.
  absl::flat_hash_map<std::string, size_t> enrollments;
  auto n = DecideCorpus(
      devices, {snapshot}, decide,
      [&](const CorpusDevice& device, absl::Span<const Decision> decisions) {
        const Decision& d = decisions[0];
        ++summary.devices;
        ++(d.allowed() ? summary.allow : summary.deny);
        ++by_reason[static_cast<int>(d.reason()) & (kReasonSlots - 1)];
        ++enrollments[EnrollmentKey(d)];
        if (sink) sink(device, d);
      });
  if (!n.ok()) return n.status();
  for (int r = 0; r < kReasonSlots; ++r) {
    if (by_reason[r] == 0) continue;
    summary.reasons[std::string(ReasonName(static_cast<Reason>(r)))] =
        by_reason[r];
  }
  summary.enrollments.insert(enrollments.begin(), enrollments.end());
  return summary;
}

std::string AuditSummaryJson(const AuditSummary& s) {
  return absl::StrCat("{\"devices\":", s.devices, ",\"allow\":", s.allow,
                      ",\"deny\":", s.deny,
                      ",\"reasons\":", JsonCounts(s.reasons),
                      ",\"enrollments\":", JsonCounts(s.enrollments), "}");
}

std::string AuditSummaryText(const AuditSummary& s) {
  std::string out = absl::StrFormat(
      "devices: %d\n  ALLOW %10d  %s\n  DENY  %10d  %s\n", s.devices, s.allow,
      Percent(s.allow, s.devices), s.deny, Percent(s.deny, s.devices));
  size_t width = 0;
  for (const auto& [reason, n] : s.reasons) {
    width = std::max(width, reason.size());
  }
  for (const auto& [e, n] : s.enrollments) width = std::max(width, e.size());
  out += "by reason:\n";
  for (const auto& [reason, n] : s.reasons) {
    absl::StrAppend(&out, absl::StrFormat("  %-*s %10d  %s\n", width, reason, n,
                                          Percent(n, s.devices)));
  }
  out += "by deciding enrollment:\n";
  for (const auto& [e, n] : s.enrollments) {
    absl::StrAppend(&out, absl::StrFormat("  %-*s %10d  %s\n", width, e, n,
                                          Percent(n, s.devices)));
  }
  return out;
}

}  // namespace chaintrust::analysis
