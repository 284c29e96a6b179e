// Small pieces shared by chaintrust's subcommands: strict --flag=value
// parsing (unknown flags are errors, exit status 2, as CONTRACT.md says),
// file reading, and time parsing.
#ifndef CHAINTRUST_TOOLS_CLI_CLI_H_
#define CHAINTRUST_TOOLS_CLI_CLI_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust::cli {

// Exit statuses of CONTRACT.md.
inline constexpr int kExitAllow = 0;
inline constexpr int kExitDeny = 1;
inline constexpr int kExitError = 2;

class Flags {
 public:
  // Parses "--name=value" (and "--name value", and "--bool" as "true").
  // `known` lists the flags the subcommand takes; `repeatable` those that
  // may be given more than once. Positional arguments are kept in order.
  static absl::StatusOr<Flags> Parse(
      const std::vector<std::string>& args, const std::set<std::string>& known,
      const std::set<std::string>& repeatable = {});

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The (last) value, or `fallback`.
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// Flags::Parse for a subcommand that takes no positional arguments.
absl::StatusOr<Flags> ParseCommandFlags(
    const std::vector<std::string>& args, const std::set<std::string>& known,
    const std::set<std::string>& repeatable = {});

// The --format flag: "text" (the default) or "json".
absl::StatusOr<std::string> FormatFlag(const Flags& flags);

absl::StatusOr<std::string> ReadFile(const std::string& path);

// RFC 3339 ("2025-06-01T00:00:00Z", offsets and fractions allowed).
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text);
std::string FormatRfc3339(absl::Time t);

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_CLI_H_
