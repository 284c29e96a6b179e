#include "tools/cli/cli.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "engine/policy_loader.h"
#include "engine/x509/crl.h"

namespace chaintrust::cli {
namespace {

// The directory part of `path` ("." when none) and the file name.
std::pair<std::string, std::string> SplitPath(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::optional<std::string> RealPath(const std::string& path) {
  char buffer[PATH_MAX];
  if (realpath(path.c_str(), buffer) == nullptr) return std::nullopt;
  return std::string(buffer);
}

}  // namespace

absl::StatusOr<Flags> Flags::Parse(const std::vector<std::string>& args,
                                   const CommandSpec& spec) {
  Flags flags;
  auto known = [&](const std::string& name) {
    return name == "help" || spec.flags.count(name) > 0;
  };
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
               known(name) && name != "help") {
      value = args[++i];
    } else {
      value = "true";
    }
    if (!known(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, "; this command takes --",
                       absl::StrJoin(spec.flags, ", --")));
    }
    auto& values = flags.values_[name];
    if (!values.empty() && spec.repeatable.count(name) == 0) {
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

int Fail(absl::string_view command, absl::string_view message) {
  std::cerr << "chaintrust " << command << ": " << message << "\n";
  return kExitError;
}

void PrintUsage(const CommandSpec& spec, std::ostream& out) {
  out << "usage:\n" << spec.usage;
}

std::optional<Flags> ParseArgs(const CommandSpec& spec,
                               const std::vector<std::string>& args,
                               int* exit_status) {
  auto flags = Flags::Parse(args, spec);
  if (flags.ok() && flags->Has("help")) {
    PrintUsage(spec, std::cout);
    *exit_status = std::cout.good() ? 0 : kExitError;
    return std::nullopt;
  }
  absl::Status status = flags.status();
  if (status.ok() && !spec.takes_positional && !flags->positional().empty()) {
    status = absl::InvalidArgumentError(
        absl::StrCat("takes no positional arguments (got \"",
                     flags->positional()[0], "\")"));
  }
  if (!status.ok()) {
    *exit_status = Fail(spec.name, status.message());
    PrintUsage(spec, std::cerr);
    return std::nullopt;
  }
  return *std::move(flags);
}

absl::StatusOr<std::string> FormatFlag(const Flags& flags) {
  std::string format = flags.Get("format", "text");
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=", format, " is not supported; use text or json"));
  }
  return format;
}

absl::StatusOr<absl::Time> AtFlag(const Flags& flags) {
  if (!flags.Has("at")) return absl::Now();
  auto at = ParseRfc3339(flags.Get("at"));
  if (!at.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--at: ", at.status().message()));
  }
  return *at;
}

absl::StatusOr<int64_t> IntFlag(const Flags& flags, const std::string& name,
                                int64_t min, int64_t max, int64_t fallback) {
  if (!flags.Has(name)) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(flags.Get(name), &value) || value < min ||
      value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, "=", flags.Get(name),
                     ": expected a whole number from ", min, " to ", max));
  }
  return value;
}

absl::StatusOr<bool> BoolFlag(const Flags& flags, const std::string& name,
                              bool fallback) {
  if (!flags.Has(name)) return fallback;
  const std::string value = flags.Get(name);
  if (value != "true" && value != "false") {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, "=", value, " is not true or false"));
  }
  return value == "true";
}

std::optional<std::string> MissingFlag(const Flags& flags,
                                       const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (!flags.Has(name)) return absl::StrCat("needs --", name);
  }
  return std::nullopt;
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     size_t max_bytes) {
  return analysis::ReadFileBounded(path, max_bytes);
}

absl::StatusOr<PolicyLoadOptions> PolicyLoadFlags(const Flags& flags) {
  auto allow = BoolFlag(flags, std::string(kAllowUnknownFieldsFlag), false);
  if (!allow.ok()) return allow.status();
  PolicyLoadOptions options;
  options.allow_unknown_fields = *allow;
  if (flags.Has(std::string(kCertificatesFlag))) {
    options.certificates_path = flags.Get(std::string(kCertificatesFlag));
    if (auto s = analysis::CheckRegularFile(options.certificates_path);
        !s.ok()) {
      return s;
    }
  }
  return options;
}

absl::StatusOr<CrlSetPtr> CrlFlags(const Flags& flags) {
  const std::vector<std::string> paths = flags.GetAll(std::string(kCrlFlag));
  if (paths.empty()) return CrlSetPtr();
  auto crls = LoadCrlFiles(paths);
  if (!crls.ok()) {
    return absl::Status(crls.status().code(),
                        absl::StrCat("--crl: ", crls.status().message()));
  }
  return crls;
}

absl::string_view ProfileName(ResolverOptions::Profile profile) {
  switch (profile) {
    case ResolverOptions::Profile::kStrict:
      return "strict";
    case ResolverOptions::Profile::kWebPki:
      return "webpki";
    case ResolverOptions::Profile::kDefault:
      break;
  }
  return "default";
}

absl::StatusOr<ResolverOptions> ResolverFlags(const Flags& flags,
                                              ResolverOptions base) {
  const std::string profile_flag(kProfileFlag);
  if (flags.Has(profile_flag)) {
    const std::string value = flags.Get(profile_flag);
    bool known = false;
    for (auto p :
         {ResolverOptions::Profile::kDefault, ResolverOptions::Profile::kStrict,
          ResolverOptions::Profile::kWebPki}) {
      if (value == ProfileName(p)) {
        base.profile = p;
        known = true;
      }
    }
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--profile: \"", value, "\" is not one of default, strict, webpki"));
    }
  }
  auto legacy = BoolFlag(flags, std::string(kLegacyCryptoFlag), false);
  if (!legacy.ok()) return legacy.status();
  if (*legacy) {
    base.min_rsa_bits = kMinLegacyRsaBits;
    base.allow_sha1_signatures = true;
  }
  auto accept_stale = BoolFlag(flags, std::string(kAcceptStaleCrlsFlag), false);
  if (!accept_stale.ok()) return accept_stale.status();
  if (*accept_stale) base.accept_stale_crls = true;
  return base;
}

absl::StatusOr<SnapshotPtr> LoadPolicy(const std::string& path,
                                       const PolicyLoadOptions& options,
                                       PolicyLoadReport* report) {
  if (auto s = analysis::CheckRegularFile(path); !s.ok()) return s;
  return LoadSnapshotFile(path, options, report);
}

absl::StatusOr<v1::EnrollmentSet> LoadPolicySet(
    const std::string& path, const PolicyLoadOptions& options,
    PolicyLoadReport* report) {
  if (auto s = analysis::CheckRegularFile(path); !s.ok()) return s;
  return LoadEnrollmentSetFile(path, options, report);
}

absl::Status CheckOutputIsNotAnInput(const std::string& out,
                                     const std::vector<std::string>& inputs,
                                     absl::string_view flag) {
  struct stat out_st;
  const bool out_exists = stat(out.c_str(), &out_st) == 0;
  if (out_exists && S_ISDIR(out_st.st_mode)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", out, " is a directory; name a file"));
  }
  const auto [dir, base] = SplitPath(out);
  const std::optional<std::string> out_dir = RealPath(dir);
  for (const std::string& input : inputs) {
    struct stat in_st;
    if (input.empty() || stat(input.c_str(), &in_st) != 0) continue;
    if (out_exists && in_st.st_dev == out_st.st_dev &&
        in_st.st_ino == out_st.st_ino) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, "=", out, " is the input ", input,
                       "; refusing to overwrite an input"));
    }
    if (!S_ISDIR(in_st.st_mode) || !out_dir.has_value()) continue;
    const std::optional<std::string> in_dir = RealPath(input);
    if (in_dir.has_value() &&
        (*out_dir == *in_dir ||
         absl::StartsWith(*out_dir, absl::StrCat(*in_dir, "/")) ||
         *in_dir == "/")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", flag, "=", out, " lies inside the input directory ", input,
          "; write it elsewhere"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AtomicOutput>> AtomicOutput::Open(
    const std::string& path) {
  const auto [dir, base] = SplitPath(path);
  std::string temp = absl::StrCat(dir, "/.", base, ".tmp-XXXXXX");
  const int fd = mkstemp(temp.data());
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "--out: cannot write ", path, " (", std::strerror(errno), ")"));
  }
  // mkstemp creates the file 0600; give it the mode a plain create would.
  const mode_t mask = umask(0);
  umask(mask);
  fchmod(fd, 0666 & ~mask);
  close(fd);
  std::unique_ptr<AtomicOutput> out(new AtomicOutput());
  out->path_ = path;
  out->temp_ = temp;
  out->file_.open(temp, std::ios::binary | std::ios::trunc);
  if (!out->file_) {
    unlink(temp.c_str());
    out->committed_ = true;  // nothing left to clean up
    return absl::PermissionDeniedError(
        absl::StrCat("--out: cannot write ", path));
  }
  return out;
}

AtomicOutput::~AtomicOutput() {
  if (committed_) return;
  file_.close();
  unlink(temp_.c_str());
}

absl::Status AtomicOutput::Commit() {
  file_.close();
  if (!file_) {
    return absl::DataLossError(absl::StrCat("--out: write failed: ", path_));
  }
  if (rename(temp_.c_str(), path_.c_str()) != 0) {
    return absl::DataLossError(absl::StrCat("--out: cannot rename into ", path_,
                                            " (", std::strerror(errno), ")"));
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace chaintrust::cli
