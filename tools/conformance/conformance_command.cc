#include "tools/conformance/conformance_command.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/certificate.h"
#include "tools/cli/cli.h"
#include "tools/conformance/conformance_cases.h"

namespace chaintrust::cli {
namespace {

using conformance::CaseResult;
using conformance::RunBoringSsl;
using conformance::RunLimbo;
using conformance::RunOpenSslSuite;

struct Totals {
  int passed = 0, failed = 0, skipped = 0;
  // Device-relevant cases (device_relevance=high) that ran.
  int relevant_ran = 0, relevant_agree = 0, relevant_openssl_agree = 0;
  int relevant_total = 0;
};

void Report(const std::string& suite, const std::vector<CaseResult>& results,
            bool json, Totals* all) {
  Totals t;
  for (const CaseResult& r : results) {
    if (r.outcome == "pass") ++t.passed;
    if (r.outcome == "fail") ++t.failed;
    if (r.outcome == "skip") ++t.skipped;
    if (r.device_relevant) {
      ++t.relevant_total;
      if (r.outcome != "skip") {
        ++t.relevant_ran;
        if (r.outcome == "pass") ++t.relevant_agree;
        if (r.openssl == r.expected) ++t.relevant_openssl_agree;
      }
    }
    if (json) std::cout << JsonLine(r) << "\n";
  }
  if (!json) {
    std::cout << "== " << suite << ": " << t.passed << " passed, " << t.failed
              << " failed, " << t.skipped << " skipped\n";
    for (const CaseResult& r : results) {
      if (r.outcome != "fail") continue;
      std::cout << "FAIL " << r.id << ": expected " << r.expected << ", got "
                << r.actual << " (" << r.reason << "); openssl " << r.openssl
                << "\n";
    }
    for (const CaseResult& r : results) {
      if (r.outcome != "skip") continue;
      std::cout << "SKIP " << r.id << ": " << r.reason << "\n";
    }
    if (t.relevant_total > 0) {
      std::cout << suite << " device-relevant (device_relevance=high): "
                << t.relevant_agree << "/" << t.relevant_ran
                << " agree with expected (" << t.relevant_total - t.relevant_ran
                << " of " << t.relevant_total << " skipped); openssl agrees on "
                << t.relevant_openssl_agree << "/" << t.relevant_ran << "\n";
    }
    int openssl_agree = 0, ran = 0;
    for (const CaseResult& r : results) {
      if (r.outcome == "skip") continue;
      ++ran;
      if (r.openssl == r.expected) ++openssl_agree;
    }
    std::cout << suite << ": " << t.passed << "/" << ran
              << " agree with expected; openssl agrees on " << openssl_agree
              << "/" << ran << "\n";
  }
  all->passed += t.passed;
  all->failed += t.failed;
  all->skipped += t.skipped;
}

int RunLimboSuite(const Flags& flags, bool device_relevant_only,
                  const conformance::RunOptions& options, bool json,
                  Totals* all);

}  // namespace

const CommandSpec kConformanceCommand = {
    "conformance",
    "  conformance [--limbo=FILE.json [--case_index=FILE.csv]]\n"
    "           [--boringssl=DIR] [--openssl=FILE.json]\n"
    "           [--format=text|json] [--device_relevant_only] "
    "[--crl=FILE]...\n"
    "           [--profile=default|strict|webpki] [--legacy_crypto]\n"
    "      Runs external path-validation suites through the engine, with "
    "stock\n"
    "      OpenSSL as a reference column. Each limbo case runs under the\n"
    "      profile it is written for (webpki, else strict), the other\n"
    "      suites' under the default; --profile forces one on every case.\n"
    "      --crl adds CRLs to every case.\n",
    {"limbo", "case_index", "format", "device_relevant_only", "boringssl",
     "openssl", "crl", "profile", "legacy_crypto"},
    {"crl"}};

int RunConformance(const std::vector<std::string>& args) {
  auto fail = [](absl::string_view message) {
    return Fail("conformance", message);
  };
  int exit_status = 0;
  auto flags = ParseArgs(kConformanceCommand, args, &exit_status);
  if (!flags) return exit_status;
  auto format_flag = FormatFlag(*flags);
  if (!format_flag.ok()) return fail(format_flag.status().message());
  const std::string format = *format_flag;
  const std::string relevant = flags->Get("device_relevant_only", "false");
  if (relevant != "true" && relevant != "false") {
    return fail("--device_relevant_only takes true or false");
  }
  if (!flags->Has("limbo") && !flags->Has("boringssl") &&
      !flags->Has("openssl")) {
    return fail(
        "needs --limbo=FILE.json, --boringssl=DIR and/or --openssl=FILE.json");
  }
  std::vector<std::string> crl_texts;
  for (const std::string& path : flags->GetAll("crl")) {
    auto text = ReadFile(path, analysis::kMaxSuiteFileBytes);
    if (!text.ok())
      return fail(absl::StrCat("--crl: ", text.status().message()));
    if (auto parsed = ParseCrls(*text, path); !parsed.ok()) {
      return fail(absl::StrCat("--crl: ", parsed.status().message()));
    }
    crl_texts.push_back(*std::move(text));
  }
  conformance::SetAdditionalCrls(std::move(crl_texts));
  auto resolver = ResolverFlags(*flags);
  if (!resolver.ok()) return fail(resolver.status().message());
  conformance::RunOptions run_options;
  run_options.force_profile = flags->Has(std::string(kProfileFlag));
  run_options.profile = resolver->profile;
  run_options.min_rsa_bits = resolver->min_rsa_bits;
  run_options.allow_sha1_signatures = resolver->allow_sha1_signatures;
  Totals all;
  const bool json = format == "json";
  if (flags->Has("limbo")) {
    const int status =
        RunLimboSuite(*flags, relevant == "true", run_options, json, &all);
    if (status != 0) return status;
  }
  if (flags->Has("boringssl")) {
    auto results = RunBoringSsl(flags->Get("boringssl"), run_options);
    if (!results.ok()) return fail(results.status().message());
    Report("boringssl", *results, json, &all);
  }
  if (flags->Has("openssl")) {
    auto results = RunOpenSslSuite(flags->Get("openssl"), run_options);
    if (!results.ok()) return fail(results.status().message());
    Report("openssl", *results, json, &all);
  }
  std::cout << all.passed << " passed, " << all.failed << " failed, "
            << all.skipped << " skipped\n";
  return 0;
}

namespace {

int RunLimboSuite(const Flags& flags, bool device_relevant_only,
                  const conformance::RunOptions& options, bool json,
                  Totals* all) {
  auto fail = [](absl::string_view message) {
    return Fail("conformance", message);
  };
  const std::string relevant = device_relevant_only ? "true" : "false";
  const std::string limbo = flags.Get("limbo");
  std::string index = flags.Get("case_index");
  if (index.empty()) {
    // case-index.csv beside the suite file, when there is one.
    const size_t slash = limbo.rfind('/');
    const std::string dir =
        slash == std::string::npos ? "." : limbo.substr(0, slash);
    const std::string candidate = dir + "/case-index.csv";
    if (ReadFile(candidate, analysis::kMaxSuiteFileBytes).ok())
      index = candidate;
  }
  if (relevant == "true" && index.empty()) {
    return fail(
        "--device_relevant_only needs case-index.csv "
        "(--case_index=FILE.csv)");
  }
  auto results = RunLimbo(limbo, index, relevant == "true", options);
  if (!results.ok()) return fail(results.status().message());
  Report("x509-limbo", *results, json, all);
  return 0;
}

}  // namespace

}  // namespace chaintrust::cli
