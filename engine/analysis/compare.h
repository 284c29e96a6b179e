// What a policy change does to a fleet, before it is made: the analysis
// behind `chaintrust whatif` (edits to one policy) and `chaintrust diff`
// (two policies).
//
// Every device of a corpus is decided under both policies. A device is
// reported when its verdict, reason or deciding enrollment changes, or when
// it is called out:
//   - stillEnrolledThroughHigherGroup: decided by a group that the change
//     deletes, ALLOWed afterwards by another group above it on the same
//     path (deleting an intermediate's group leaves its devices enrolled
//     through an enabled group higher up); wasAllowed false means the delete
//     re-enrolls a device its disabled group denied;
//   - stillAllowedAfterRevokingCa: ALLOWed afterwards although the
//     certificate of a group the change disables or deletes is on its path
//     (presented, or an anchor above it matched by name and signature),
//     e.g. disabling a root group while its intermediates' groups stay
//     enabled.
// Memory is bounded whatever the fleet: the report keeps counts and at most
// CompareOptions::sample device ids per transition and per call-out; the
// per-device JSON lines ({"device", "changed", "transition": {"before",
// "after"}, the call-outs, "before": decision, "after": decision}) are
// streamed to a sink.
#ifndef CHAINTRUST_ENGINE_ANALYSIS_COMPARE_H_
#define CHAINTRUST_ENGINE_ANALYSIS_COMPARE_H_

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/analysis/device_corpus.h"
#include "engine/policy/enrollment_set.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::analysis {

// The two policies and what the change does to groups.
struct PolicyChange {
  SnapshotPtr before, after;
  // The CRLs in force before and after (null: none); a whatif of new CRLs
  // has the same snapshot on both sides and the CRLs after only.
  CrlSetPtr before_crls, after_crls;
  std::set<std::string> deleted_groups;
  std::set<std::string> revoked_groups;  // disabled or deleted groups
  std::vector<std::string> change;       // what changed, for the header
};

// One whatif edit. IDs are matched case-insensitively, against individual
// enrollments (registration IDs) and enrollment groups (group IDs).
struct PolicyEdit {
  enum class Op { kDisable, kEnable, kDelete };
  Op op;
  std::string id;
};
absl::string_view PolicyEditOpName(PolicyEdit::Op op);

// `set` (loaded from `source_name`) before and after `edits`, applied in
// order. An ID that names no entry, and an ID given to two different
// operations, are InvalidArgument errors.
absl::StatusOr<PolicyChange> EditPolicy(const v1::EnrollmentSet& set,
                                        const std::string& source_name,
                                        const std::vector<PolicyEdit>& edits);

// Two policies: groups missing from `after` are deleted, groups enabled in
// `before` and disabled in `after` are revoked.
PolicyChange DiffPolicies(const SnapshotPtr& before, const SnapshotPtr& after,
                          const std::string& before_name,
                          const std::string& after_name);

struct CompareOptions {
  absl::Time at = absl::UnixEpoch();
  ResolverOptions resolver;  // DecideOptions::resolver
  size_t sample = 5;         // device ids kept per bucket
  int threads = 0;           // deciding threads; 0: one per core
  bool progress = true;
  bool render_lines = false;  // fill CompareSink's line
  bool explain = false;       // keep the first device's explanations
};

// Counts plus a bounded sample per transition or call-out.
struct Bucket {
  size_t count = 0;
  std::vector<std::string> sample;
  std::string before_text, after_text;  // explanations of sample[0]
  size_t was_denied = 0;  // stillEnrolledThroughHigherGroup: DENY before
};

struct CompareReport {
  std::vector<std::string> change;
  size_t devices = 0;
  size_t changed = 0;
  // (before outcome, after outcome) -> devices, e.g. ("ALLOW
  // ENROLLMENT_GROUP_ENABLED (GROUP a)", "DENY ...").
  std::map<std::pair<std::string, std::string>, Bucket> transitions;
  size_t through_higher_group = 0;
  // (deleted group, "GROUP allowing-group") -> devices.
  std::map<std::pair<std::string, std::string>, Bucket> higher;
  size_t still_allowed = 0;
  // (revoked group, "GROUP allowing-group") -> devices.
  std::map<std::pair<std::string, std::string>, Bucket> still;
};

// Called in corpus order for each reported device with its JSON line
// (ending in '\n'; empty unless CompareOptions::render_lines).
using CompareSink =
    std::function<void(const CorpusDevice& device, const std::string& line)>;

absl::StatusOr<CompareReport> Compare(const PolicyChange& change,
                                      const std::string& devices,
                                      const CompareOptions& options,
                                      const CompareSink& sink = nullptr);

// The summary as `chaintrust COMMAND` prints it in text; `out_path`, when
// not empty, is named as where the per-device lines went.
std::string CompareText(absl::string_view command, const CompareReport& report,
                        absl::string_view out_path);
// The summary object {"change", "devices", "changed", "transitions",
// "stillEnrolledThroughHigherGroup", "stillAllowedAfterRevokingCa"}.
std::string CompareJson(const CompareReport& report);

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_COMPARE_H_
