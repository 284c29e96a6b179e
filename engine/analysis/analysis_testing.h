// Helpers for the in-process tests of the analyses (test only): loading the
// scenario corpus's policies and splitting output into lines.
#ifndef CHAINTRUST_ENGINE_ANALYSIS_ANALYSIS_TESTING_H_
#define CHAINTRUST_ENGINE_ANALYSIS_ANALYSIS_TESTING_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "engine/policy_loader.h"
#include "gtest/gtest.h"

namespace chaintrust::analysis {

// The validation time the scenario corpus is written for.
inline absl::Time ScenarioTime() {
  return absl::FromUnixSeconds(1748736000);  // 2025-06-01T00:00:00Z
}

inline std::string Scenario(const std::string& name) {
  return absl::StrCat("testdata/scenarios/", name);
}

inline SnapshotPtr LoadOrDie(const std::string& path) {
  auto snapshot = LoadSnapshotFile(path);
  EXPECT_TRUE(snapshot.ok()) << snapshot.status();
  return snapshot.ok() ? *snapshot : nullptr;
}

inline v1::EnrollmentSet LoadSetOrDie(const std::string& path) {
  auto set = LoadEnrollmentSetFile(path);
  EXPECT_TRUE(set.ok()) << set.status();
  return set.ok() ? *set : v1::EnrollmentSet();
}

inline std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_ANALYSIS_TESTING_H_
