#include "engine/analysis/audit.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace chaintrust::analysis {
namespace {

constexpr int kReasonSlots = 32;

// Devices per deciding enrollment: per kind, by enrollment ID, so that
// counting a device allocates nothing once its enrollment has been seen.
class EnrollmentCounts {
 public:
  void Add(const Decision& d) {
    auto& by_id = by_kind_[static_cast<int>(d.enrollment_kind()) % kKinds];
    auto it = by_id.find(d.enrollment_id());
    if (it == by_id.end()) {
      it = by_id.emplace(std::string(d.enrollment_id()), 0).first;
    }
    ++it->second;
  }

  // "GROUP contoso-root", "INDIVIDUAL dev-1" or "(none)" -> devices.
  void AddTo(std::map<std::string, size_t>* out) const {
    for (int kind = 0; kind < kKinds; ++kind) {
      for (const auto& [id, n] : by_kind_[kind]) {
        const auto k = static_cast<EnrollmentKind>(kind);
        (*out)[k == EnrollmentKind::kNone
                   ? std::string("(none)")
                   : absl::StrCat(EnrollmentKindName(k), " ", id)] += n;
      }
    }
  }

 private:
  static constexpr int kKinds = 3;  // EnrollmentKind's values
  absl::flat_hash_map<std::string, size_t> by_kind_[kKinds];
};

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
      AppendDeviceJson(device->id, decisions[0], &device->annotation);
      device->annotation += '\n';
    };
  }
  AuditSummary summary;
  size_t by_reason[kReasonSlots] = {};
  // Counting by reason into an array and by enrollment into hash maps
  // keeps the per-device cost small on million-device corpora.
  EnrollmentCounts enrollments;
  auto n = DecideCorpus(
      devices, {snapshot}, decide,
      [&](const CorpusDevice& device, absl::Span<const Decision> decisions) {
        const Decision& d = decisions[0];
        ++summary.devices;
        ++(d.allowed() ? summary.allow : summary.deny);
        ++by_reason[static_cast<int>(d.reason()) & (kReasonSlots - 1)];
        enrollments.Add(d);
        if (sink) sink(device, d);
      });
  if (!n.ok()) return n.status();
  for (int r = 0; r < kReasonSlots; ++r) {
    if (by_reason[r] == 0) continue;
    summary.reasons[std::string(ReasonName(static_cast<Reason>(r)))] =
        by_reason[r];
  }
  enrollments.AddTo(&summary.enrollments);
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
