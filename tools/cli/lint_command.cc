// `chaintrust lint`: findings about an enrollment set, offline
// (engine/analysis/lint.h).
//
// --registrations names a DPS registration export (a JSON array of records,
// see ParseRegistrationExport) to check for orphans and the quota. Exit
// status 0 (no error findings), 1 (error findings), 2 (could not lint).
#include <cstdint>
#include <iostream>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/analysis/lint.h"
#include "engine/policy_loader.h"
#include "tools/cli/commands.h"

namespace chaintrust::cli {

const CommandSpec kLintCommand = {
    "lint",
    "  lint     --policy=FILE [--registrations=FILE.json] [--at=RFC3339]\n"
    "           [--expiring_within_days=N] [--max_registrations=N]\n"
    "           [--crl=FILE]... [--crl_expiring_within_hours=N]\n"
    "           [--format=text|json] [--allow_unknown_fields]\n"
    "           [--certificates=FILE]\n"
    "           [--profile=default|strict|webpki] [--legacy_crypto]\n"
    "      Findings about a policy (and its CRLs). Exit status 1 when there\n"
    "      are errors.\n",
    {"policy", "registrations", "at", "expiring_within_days",
     "max_registrations", "format", "allow_unknown_fields", "crl",
     "crl_expiring_within_hours", "certificates", "profile", "legacy_crypto"},
    {"crl"}};

int RunLint(const Args& args) {
  const auto fail = [](absl::string_view m) { return Fail("lint", m); };
  int exit_status = 0;
  auto flags = ParseArgs(kLintCommand, args, &exit_status);
  if (!flags) return exit_status;
  auto format = FormatFlag(*flags);
  if (!format.ok()) return fail(format.status().message());
  if (!flags->Has("policy")) return fail("needs --policy=FILE");
  analysis::LintOptions options;
  auto at = AtFlag(*flags);
  if (!at.ok()) return fail(at.status().message());
  options.at = *at;
  auto resolver = ResolverFlags(*flags);
  if (!resolver.ok()) return fail(resolver.status().message());
  options.resolver = *resolver;
  auto days = IntFlag(*flags, "expiring_within_days", 0, 100000, 30);
  if (!days.ok()) return fail(days.status().message());
  options.expiring_within = absl::Hours(24) * *days;
  auto crl_hours = IntFlag(*flags, "crl_expiring_within_hours", 0, 1000000, 24);
  if (!crl_hours.ok()) return fail(crl_hours.status().message());
  options.crl_expiring_within = absl::Hours(*crl_hours);
  auto crls = CrlFlags(*flags);
  if (!crls.ok()) return fail(crls.status().message());
  auto quota = IntFlag(*flags, "max_registrations", 1,
                       std::numeric_limits<int64_t>::max(), 1000000);
  if (!quota.ok()) return fail(quota.status().message());
  const std::string policy = flags->Get("policy");
  auto load_options = PolicyLoadFlags(*flags);
  if (!load_options.ok()) return fail(load_options.status().message());
  PolicyLoadReport load_report;
  auto set = LoadPolicySet(policy, *load_options, &load_report);
  if (!set.ok()) return fail(set.status().message());
  auto snapshot = BuildSnapshot(*set, policy);
  if (!snapshot.ok()) return fail(snapshot.status().message());

  analysis::LintReport report;
  analysis::LintIgnoredFields(load_report, &report);
  analysis::LintPolicy(*set, **snapshot, options, &report);
  if (*crls != nullptr)
    analysis::LintCrls(**crls, **snapshot, options, &report);
  if (flags->Has("registrations")) {
    const std::string path = flags->Get("registrations");
    auto text = ReadFile(path, analysis::kMaxRegistrationExportBytes);
    if (!text.ok()) return fail(text.status().message());
    auto records = analysis::ParseRegistrationExport(*text, path);
    if (!records.ok()) return fail(records.status().message());
    analysis::LintRegistrations(*set, *records, path, *quota, &report);
  }
  if (*format == "json") {
    std::cout << analysis::LintJson(report) << "\n";
  } else {
    std::cout << analysis::LintText(report);
  }
  if (!std::cout.good()) return kExitError;
  return report.errors() > 0 ? 1 : 0;
}

}  // namespace chaintrust::cli
