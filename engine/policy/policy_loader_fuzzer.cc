// libFuzzer target for enrollment-set loading: the input is parsed as DPS
// JSON (first byte even) or protobuf text format (odd), then built into a
// snapshot. Invariants: an error always has a message; a set the builder
// rejects never yields a snapshot; a built snapshot holds exactly the
// entries of the set; DPS JSON read straight into a snapshot
// (DpsJsonToSnapshot) gives the same snapshot, or the same error, as the
// converter followed by BuildSnapshot.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view input(reinterpret_cast<const char*>(data) + 1,
                                size - 1);
  auto set = (data[0] & 1) == 0
                 ? chaintrust::ParseDpsJson(input, "fuzz.json")
                 : chaintrust::ParseEnrollmentSetText(input, "fuzz.textproto");
  if ((data[0] & 1) == 0) {
    auto streamed = chaintrust::DpsJsonToSnapshot(input, "fuzz.json");
    const absl::Status strict =
        set.ok() ? chaintrust::BuildSnapshot(*set, "fuzz.json").status()
                 : set.status();
    if (streamed.status() != strict) abort();
    if (streamed.ok() &&
        ((*streamed)->individual_enrollments().size() !=
             static_cast<size_t>(set->individual_enrollments_size()) ||
         (*streamed)->enrollment_groups().size() !=
             static_cast<size_t>(set->enrollment_groups_size()))) {
      abort();
    }
  }
  if (!set.ok()) {
    if (set.status().message().empty()) abort();
    return 0;
  }
  auto snapshot = chaintrust::BuildSnapshot(*set, "fuzz");
  if (!snapshot.ok()) {
    if (snapshot.status().message().empty()) abort();
    return 0;
  }
  if (*snapshot == nullptr) abort();
  if ((*snapshot)->individual_enrollments().size() !=
          static_cast<size_t>(set->individual_enrollments_size()) ||
      (*snapshot)->enrollment_groups().size() !=
          static_cast<size_t>(set->enrollment_groups_size())) {
    abort();
  }
  return 0;
}
