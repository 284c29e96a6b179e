// The audit: every device of a corpus decided against one policy, counted
// by verdict, by reason and by deciding enrollment.
//
// Audit() streams the corpus (bounded memory whatever its size) and calls a
// sink once per device, in corpus order, with its decision and, when
// AuditOptions::render_lines is set, its JSON line (the decision's JSON
// with "device": id first and a trailing '\n', rendered on the worker
// threads) in CorpusDevice::annotation. AuditSummaryText and
// AuditSummaryJson render the counts as `chaintrust audit` prints them.
#ifndef CHAINTRUST_ENGINE_ANALYSIS_AUDIT_H_
#define CHAINTRUST_ENGINE_ANALYSIS_AUDIT_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/analysis/device_corpus.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"

namespace chaintrust::analysis {

struct AuditOptions {
  absl::Time at = absl::UnixEpoch();
  CrlSetPtr crls;            // null: no revocation checking
  ResolverOptions resolver;  // DecideOptions::resolver
  int threads = 0;           // deciding threads; 0: one per core
  bool progress = true;      // a progress line on stderr when it is a terminal
  bool render_lines = false;
};

struct AuditSummary {
  size_t devices = 0;
  size_t allow = 0;
  size_t deny = 0;
  std::map<std::string, size_t> reasons;  // reason name -> devices
  // "GROUP contoso-root", "INDIVIDUAL dev-1" or "(none)" -> devices.
  std::map<std::string, size_t> enrollments;
};

using AuditSink =
    std::function<void(const CorpusDevice& device, const Decision& decision)>;

// Decides every device of the corpus at `devices` against `snapshot`.
absl::StatusOr<AuditSummary> Audit(const SnapshotPtr& snapshot,
                                   const std::string& devices,
                                   const AuditOptions& options,
                                   const AuditSink& sink = nullptr);

// "devices: N", ALLOW/DENY with percentages, then per reason and per
// deciding enrollment.
std::string AuditSummaryText(const AuditSummary& summary);
// {"devices", "allow", "deny", "reasons": {...}, "enrollments": {...}}.
std::string AuditSummaryJson(const AuditSummary& summary);

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_AUDIT_H_
