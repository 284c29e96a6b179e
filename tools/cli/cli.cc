#include "tools/cli/cli.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace chaintrust::cli {

absl::StatusOr<Flags> Flags::Parse(const std::vector<std::string>& args,
                                   const std::set<std::string>& known,
                                   const std::set<std::string>& repeatable) {
  Flags flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!absl::StartsWith(arg, "--") || arg == "--") {
      flags.positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else if (i + 1 < args.size() && !absl::StartsWith(args[i + 1], "--") &&
               known.count(name) > 0 && name != "help") {
      value = args[++i];
    } else {
      value = "true";
    }
    if (known.count(name) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, "; this command takes --",
                       absl::StrJoin(known, ", --")));
    }
    auto& values = flags.values_[name];
    if (!values.empty() && repeatable.count(name) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " is given more than once"));
    }
    values.push_back(std::move(value));
  }
  return flags;
}

std::string Flags::Get(const std::string& name,
                       const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Flags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>() : it->second;
}

absl::StatusOr<Flags> ParseCommandFlags(
    const std::vector<std::string>& args, const std::set<std::string>& known,
    const std::set<std::string>& repeatable) {
  auto flags = Flags::Parse(args, known, repeatable);
  if (flags.ok() && !flags->positional().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("takes no positional arguments (got \"",
                     flags->positional()[0], "\")"));
  }
  return flags;
}

absl::StatusOr<std::string> FormatFlag(const Flags& flags) {
  std::string format = flags.Get("format", "text");
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=", format, " is not supported; use text or json"));
  }
  return format;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) {
    return absl::DataLossError(absl::StrCat(path, ": read error"));
  }
  return buffer.str();
}

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not an RFC 3339 time (", error,
                     "); e.g. 2025-06-01T00:00:00Z"));
  }
  return t;
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace chaintrust::cli
