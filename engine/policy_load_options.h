// What a caller may ask of the policy loaders, and what they report besides
// the enrollment set: limits, the unknown-key policy, the keys let through.
#ifndef CHAINTRUST_ENGINE_POLICY_LOAD_OPTIONS_H_
#define CHAINTRUST_ENGINE_POLICY_LOAD_OPTIONS_H_

#include <cstddef>
#include <string>
#include <vector>

namespace chaintrust {

inline constexpr size_t kMaxPolicyFileBytes = size_t{1} << 30;
inline constexpr int kMaxPolicyJsonNesting = 40;

struct PolicyLoadOptions {
  // DPS JSON: a key that is not in the DPS service schema is an error
  // unless this is set; then it is skipped and recorded in the report.
  // A near miss (a known key in another case or a small edit away, or a
  // known key of another object, e.g. provisioningStatus inside
  // attestation) is an error either way: it is a typo, not a newer field.
  bool allow_unknown_fields = false;
  // A DPS certificate list file (`az iot dps certificate list` output) whose
  // certificates are added to the policy's, for caReferences; empty: none.
  std::string certificates_path;
};

// A key that allow_unknown_fields let through.
struct IgnoredField {
  std::string entry;  // "policy.json: enrollmentGroups[2] (\"g\")", or the
                      // file name for a key of the top-level object
  std::string path;   // "attestation.futureKey"
  std::string ToString() const { return entry + ": " + path; }
};

struct PolicyLoadReport {
  static constexpr size_t kMaxRecorded = 1000;
  // The first kMaxRecorded keys let through, in file order, and how many
  // there were in all.
  std::vector<IgnoredField> ignored_fields;
  size_t ignored_field_count = 0;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_POLICY_LOAD_OPTIONS_H_
