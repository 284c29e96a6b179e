// Collects the problems found in user input (a policy file, an enrollment
// set) so that all of them are reported at once, one per line, capped.
#ifndef CHAINTRUST_ENGINE_POLICY_PROBLEMS_H_
#define CHAINTRUST_ENGINE_POLICY_PROBLEMS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace chaintrust::internal {

// `text` in double quotes for a problem report, C-escaped and cut after 80
// characters ("aaaa...").
inline std::string QuoteForProblem(absl::string_view text) {
  constexpr size_t kMaxQuotedLength = 80;
  if (text.size() > kMaxQuotedLength) {
    return absl::StrCat(
        "\"", absl::CHexEscape(text.substr(0, kMaxQuotedLength)), "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

// Problems in the order found; only the first kMaxReported are kept, the
// rest are counted ("... and N more problems").
class Problems {
 public:
  static constexpr size_t kMaxReported = 20;

  void Add(std::string problem) {
    if (lines_.size() < kMaxReported) lines_.push_back(std::move(problem));
    ++count_;
  }
  bool empty() const { return count_ == 0; }

  // InvalidArgument with one problem per line.
  absl::Status ToStatus() const {
    std::string message;
    for (const std::string& line : lines_) {
      if (!message.empty()) message.push_back('\n');
      message.append(line);
    }
    if (count_ > lines_.size()) {
      absl::StrAppend(&message, "\n... and ", count_ - lines_.size(),
                      " more problem", count_ - lines_.size() == 1 ? "" : "s");
    }
    return absl::InvalidArgumentError(message);
  }

 private:
  std::vector<std::string> lines_;
  size_t count_ = 0;
};

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_POLICY_PROBLEMS_H_
