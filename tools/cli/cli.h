// What every chaintrust subcommand shares: one flag parser (strict
// --flag=value parsing driven by the command's CommandSpec: an unknown flag
// is a usage error, `--help` prints the command's usage), one error path
// (Fail: "chaintrust COMMAND: message" on stderr, exit status 2), bounded
// input reading, and outputs that can never overwrite an input and are
// never left half-written. Exit statuses are docs/contract.md's.
#ifndef CHAINTRUST_TOOLS_CLI_CLI_H_
#define CHAINTRUST_TOOLS_CLI_CLI_H_

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/analysis/bounded_read.h"
#include "engine/internal/rfc3339.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy_loader.h"  // PolicyLoadOptions, PolicyLoadReport
#include "engine/types.h"
#include "proto/enrollment.pb.h"

namespace chaintrust::cli {

// Exit statuses of docs/contract.md.
inline constexpr int kExitAllow = 0;
inline constexpr int kExitDeny = 1;
inline constexpr int kExitError = 2;

using internal::FormatRfc3339;
using internal::ParseRfc3339;

// A subcommand: its name, its usage (printed by `chaintrust help NAME` and
// `chaintrust NAME --help`), and the flags it takes.
struct CommandSpec {
  std::string name;
  // The synopsis and a line or two on what it does, each line indented as
  // in the global usage.
  std::string usage;
  std::set<std::string> flags;
  std::set<std::string> repeatable = {};
  // Whether it takes positional arguments (registrations list|delete).
  bool takes_positional = false;
};

class Flags {
 public:
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The (last) value, or `fallback`.
  std::string Get(const std::string& name,
                  const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

  // Parses "--name=value" (and "--name value", and "--bool" as "true").
  // Positional arguments are kept in order.
  static absl::StatusOr<Flags> Parse(const std::vector<std::string>& args,
                                     const CommandSpec& spec);

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// The one error path: "chaintrust COMMAND: MESSAGE" on stderr; returns
// kExitError.
int Fail(absl::string_view command, absl::string_view message);

// Prints the usage of `spec` ("usage:" and its lines) to `out`.
void PrintUsage(const CommandSpec& spec, std::ostream& out);

// Parses a subcommand's arguments. On `--help` prints the usage on stdout
// and sets *exit_status to 0; on a usage error prints it (and the usage) on
// stderr and sets *exit_status to kExitError; in both cases returns
// nullopt.
std::optional<Flags> ParseArgs(const CommandSpec& spec,
                               const std::vector<std::string>& args,
                               int* exit_status);

// --format: "text" (the default) or "json".
absl::StatusOr<std::string> FormatFlag(const Flags& flags);
// --at: RFC 3339, now when absent.
absl::StatusOr<absl::Time> AtFlag(const Flags& flags);
// An integer flag within [min, max], `fallback` when absent.
absl::StatusOr<int64_t> IntFlag(const Flags& flags, const std::string& name,
                                int64_t min, int64_t max, int64_t fallback);
// A boolean flag: "true" or "false", `fallback` when absent.
absl::StatusOr<bool> BoolFlag(const Flags& flags, const std::string& name,
                              bool fallback);
// The first of `names` that is absent, as "needs --NAME" (nullopt: all
// given).
std::optional<std::string> MissingFlag(const Flags& flags,
                                       const std::vector<std::string>& names);

// A whole input file, up to `max_bytes` (analysis::ReadFileBounded).
absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes);

// The flag every command that loads a policy takes: --allow_unknown_fields
// lets DPS JSON keys of newer service versions through (never near misses of
// known keys; see PolicyLoadOptions).
inline constexpr absl::string_view kAllowUnknownFieldsFlag =
    "allow_unknown_fields";
// --certificates=FILE: the DPS instance's CA certificates (`az iot dps
// certificate list` output), which groups' caReferences name.
inline constexpr absl::string_view kCertificatesFlag = "certificates";
absl::StatusOr<PolicyLoadOptions> PolicyLoadFlags(const Flags& flags);

// The revocation flags of the commands that decide devices: --crl=FILE
// (repeatable; DER, or PEM with any number of X509 CRL blocks) and
// --accept_stale_crls (use CRLs past their nextUpdate instead of denying).
inline constexpr absl::string_view kCrlFlag = "crl";
inline constexpr absl::string_view kAcceptStaleCrlsFlag = "accept_stale_crls";
// The CRLs of every --crl, or null when none is given; an error names the
// file (engine/x509/crl.h: LoadCrlFiles).
absl::StatusOr<CrlSetPtr> CrlFlags(const Flags& flags);
// The flags every deciding command (decide, audit, whatif, diff, lint,
// replay, conformance) takes for the chain checks (README "Checks beyond
// DPS"): --profile=default|strict|webpki (ResolverOptions::Profile) and
// --legacy_crypto (RSA keys from kMinLegacyRsaBits bits and SHA-1
// signatures accepted, for a legacy fleet); and, where a command takes
// --crl, --accept_stale_crls (ResolverOptions::accept_stale_crls).
inline constexpr absl::string_view kProfileFlag = "profile";
inline constexpr absl::string_view kLegacyCryptoFlag = "legacy_crypto";
// ResolverOptions with those flags applied to `base`.
absl::StatusOr<ResolverOptions> ResolverFlags(
    const Flags& flags, ResolverOptions base = ResolverOptions());
// The name of a profile ("default", "strict", "webpki").
absl::string_view ProfileName(ResolverOptions::Profile profile);

// The policy at `path` (LoadSnapshotFile / LoadEnrollmentSetFile), after
// refusing a path that is not a regular file (a directory, a FIFO or a
// device would give a misleading error or block). `report` may be null.
absl::StatusOr<SnapshotPtr> LoadPolicy(const std::string& path,
                                       const PolicyLoadOptions& options,
                                       PolicyLoadReport* report = nullptr);
absl::StatusOr<v1::EnrollmentSet> LoadPolicySet(
    const std::string& path, const PolicyLoadOptions& options,
    PolicyLoadReport* report = nullptr);

// Refuses an output path (given as --FLAG) that resolves to one of `inputs`
// (the same file, by device and inode) or lies inside an input directory.
absl::Status CheckOutputIsNotAnInput(const std::string& out,
                                     const std::vector<std::string>& inputs,
                                     absl::string_view flag = "out");

// An output file written to a temporary file beside it and renamed into
// place by Commit(): a failure (or destruction without Commit) leaves no
// half-written output and the previous file, if any, untouched.
class AtomicOutput {
 public:
  static absl::StatusOr<std::unique_ptr<AtomicOutput>> Open(
      const std::string& path);
  ~AtomicOutput();
  std::ostream& stream() { return file_; }
  // The temporary file, for a writer that is not this stream (a child
  // process); Commit() renames whatever it holds.
  const std::string& temp_path() const { return temp_; }
  absl::Status Commit();

 private:
  AtomicOutput() = default;
  std::string path_;
  std::string temp_;
  std::ofstream file_;
  bool committed_ = false;
};

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_CLI_H_
