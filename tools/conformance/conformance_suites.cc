// The three suites' readers: each turns its files into ChainCases and runs
// them (conformance_cases.h).
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

namespace chaintrust::cli::conformance {

absl::StatusOr<std::vector<CaseResult>> RunLimbo(const std::string& path,
                                                 const std::string& index_path,
                                                 bool device_relevant_only,
                                                 const RunOptions& options) {
  auto root = ReadJsonFile(path);
  if (!root.ok()) return root.status();
  const JsonValue* cases = Field(*root, "testcases");
  if (cases == nullptr || !cases->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no \"testcases\" list"));
  }
  CaseIndex index;
  if (!index_path.empty()) {
    auto read = ReadCaseIndex(index_path);
    if (!read.ok()) return read.status();
    index = *std::move(read);
  }
  std::vector<CaseResult> results;
  for (size_t k = 0; k < cases->size(); ++k) {
    const JsonValue& c = cases->item(k);
    if (!c.is_object()) continue;
    CaseResult r;
    r.id = StringField(c, "id");
    r.expected = StringField(c, "expected_result");
    auto row = index.find(r.id);
    r.device_relevant = row != index.end() &&
                        row->second.count("device_relevance") > 0 &&
                        row->second.at("device_relevance") == "high";
    std::string skip = SkipReason(c, index, device_relevant_only);
    auto at = CaseTime(c);
    if (skip.empty() && !at.ok()) {
      skip = absl::StrCat("validation_time: ", at.status().message());
    }
    if (!skip.empty()) {
      r.outcome = "skip";
      r.reason = skip;
    } else {
      ChainCase chain_case = FromLimbo(c, *at, LimboProfile(r.id, index));
      ApplyRunOptions(options, &chain_case);
      r.actual = RunEngine(chain_case, &r.reason);
      r.openssl = RunOpenSsl(chain_case);
      r.outcome = r.actual == r.expected ? "pass" : "fail";
    }
    results.push_back(std::move(r));
  }
  return results;
}

// BoringSSL's verify_certificate_chain_unittest corpus, through the
// index.json beside its data/ folder (one entry per .test file).
absl::StatusOr<std::vector<CaseResult>> RunBoringSsl(
    const std::string& dir, const RunOptions& options) {
  auto root = ReadJsonFile(dir + "/index.json");
  if (!root.ok()) return root.status();
  const JsonValue* cases = Field(*root, "testcases");
  if (cases == nullptr || !cases->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, "/index.json: no \"testcases\" list"));
  }
  std::vector<CaseResult> results;
  for (size_t k = 0; k < cases->size(); ++k) {
    const JsonValue& c = cases->item(k);
    if (!c.is_object()) continue;
    CaseResult r;
    r.id = StringField(c, "id");
    r.expected = StringField(c, "expected_result");
    const std::string trust = StringField(c, "last_cert_trust");
    const std::string purpose = StringField(c, "key_purpose");
    std::string skip;
    ChainCase chain_case;
    if (absl::StartsWith(trust, "TRUSTED_LEAF") ||
        trust == "TRUSTED_ANCHOR_OR_LEAF") {
      skip = absl::StrCat(trust,
                          ": a directly trusted leaf is an individual "
                          "enrollment (thumbprint), not path validation");
    } else if (absl::StartsWith(purpose, "MLS_") ||
               absl::StartsWith(purpose, "C2PA_")) {
      skip =
          absl::StrCat("key_purpose ", purpose, " has no device counterpart");
    } else if (absl::StartsWith(r.id, "polic") ||
               !StringField(c, "expected_user_constrained_policy_set")
                    .empty()) {
      skip = "certificate policies are not implemented";
    }
    auto at = ParseRfc3339(StringField(c, "validation_time"));
    if (skip.empty() && !at.ok()) {
      skip = absl::StrCat("validation_time: ", at.status().message());
    }
    std::vector<std::string> ders;
    if (skip.empty()) {
      auto text = ReadFile(absl::StrCat(dir, "/", StringField(c, "chain_file")),
                           analysis::kMaxSuiteFileBytes);
      auto parsed =
          text.ok() ? PemToDer(*text)
                    : absl::StatusOr<std::vector<std::string>>(text.status());
      if (!parsed.ok() || parsed->empty()) {
        skip = absl::StrCat("chain file: ", parsed.ok()
                                                ? "no certificate"
                                                : parsed.status().message());
      } else {
        ders = *std::move(parsed);
      }
    }
    if (!skip.empty()) {
      r.outcome = "skip";
      r.reason = skip;
      results.push_back(std::move(r));
      continue;
    }
    const auto pem = [](const std::string& der) {
      return absl::StrCat("-----BEGIN CERTIFICATE-----\n",
                          absl::Base64Escape(der),
                          "\n-----END CERTIFICATE-----\n");
    };
    chain_case.leaf = pem(ders[0]);
    for (size_t i = 1; i + 1 < ders.size(); ++i) {
      chain_case.untrusted.push_back(pem(ders[i]));
    }
    // DISTRUSTED / UNSPECIFIED: the last certificate is no anchor.
    if (ders.size() > 1) {
      if (absl::StartsWith(trust, "TRUSTED_ANCHOR")) {
        chain_case.trusted.push_back(pem(ders.back()));
      } else {
        chain_case.untrusted.push_back(pem(ders.back()));
      }
    }
    chain_case.at = *at;
    if (absl::StartsWith(purpose, "CLIENT_AUTH")) {
      chain_case.eku_oid = std::string(kEkuClientAuth);
    } else if (absl::StartsWith(purpose, "SERVER_AUTH")) {
      chain_case.eku_oid = std::string(kEkuServerAuth);
    }
    // *_STRICT: the target must be an end entity (as ResolverOptions::
    // allow_ca_leaf = false) and BoringSSL's strict key-purpose rules apply,
    // to the whole path or, for *_STRICT_LEAF, to the target only.
    chain_case.allow_ca_leaf = !absl::StrContains(purpose, "_STRICT");
    if (absl::EndsWith(purpose, "_STRICT_LEAF")) {
      chain_case.eku_policy = ResolverOptions::EkuPolicy::kStrictLeaf;
    } else if (absl::EndsWith(purpose, "_STRICT")) {
      chain_case.eku_policy = ResolverOptions::EkuPolicy::kStrict;
    }
    // A plain TRUSTED_ANCHOR (or ..._WITH_EXPIRATION) has its EKU ignored
    // by BoringSSL; the *_CONSTRAINTS trusts enforce it, as chaintrust's
    // default does for a group certificate.
    chain_case.check_group_certificate_eku =
        absl::StrContains(trust, "WITH_CONSTRAINTS") ||
        absl::StrContains(trust, "AND_CONSTRAINTS");
    chain_case.openssl_flags = X509_V_FLAG_PARTIAL_CHAIN;
    chain_case.openssl_auth_level = 1;
    // BoringSSL's harness accepts SHA-1 unless a case says digest_policy
    // STRONG: the legacy-fleet option.
    chain_case.allow_sha1_signatures =
        StringField(c, "digest_policy") != "STRONG";
    ApplyRunOptions(options, &chain_case);
    RunCase(chain_case, &r);
    results.push_back(std::move(r));
  }
  return results;
}

// OpenSSL's test/recipes/25-test_verify.t cases (cases.json, certificate
// files under certs/ beside it).
absl::StatusOr<std::vector<CaseResult>> RunOpenSslSuite(
    const std::string& path, const RunOptions& run_options) {
  auto root = ReadJsonFile(path);
  if (!root.ok()) return root.status();
  const std::string dir = DirName(path);
  const JsonValue* cases = Field(*root, "cases");
  if (cases == nullptr || !cases->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no \"cases\" list"));
  }
  std::vector<CaseResult> results;
  for (size_t k = 0; k < cases->size(); ++k) {
    const JsonValue& c = cases->item(k);
    if (!c.is_object()) continue;
    CaseResult r;
    r.id =
        absl::StrCat(StringField(c, "id"), " ", StringField(c, "description"));
    r.expected = StringField(c, "expected") == "ACCEPT" ? "SUCCESS" : "FAILURE";
    ChainCase chain_case;
    chain_case.at = absl::Now();
    chain_case.openssl_flags = 0;
    chain_case.openssl_auth_level = 1;
    std::string skip;
    const std::string purpose = StringField(c, "purpose");
    if (purpose == "sslserver") {
      chain_case.eku_oid = std::string(kEkuServerAuth);
    } else if (purpose == "sslclient") {
      chain_case.eku_oid = std::string(kEkuClientAuth);
    } else if (!purpose.empty()) {
      skip = absl::StrCat("purpose ", purpose, " has no device counterpart");
    }
    const JsonValue* aux = Field(c, "requires_openssl_aux_trust");
    if (skip.empty() && aux != nullptr && aux->is_bool() && aux->bool_value()) {
      skip =
          "OpenSSL auxiliary trust settings (TRUSTED CERTIFICATE PEM) are "
          "OpenSSL's trust model";
    }
    const std::vector<std::string> options = StringList(c, "extra_options");
    for (size_t i = 0; i < options.size() && skip.empty(); ++i) {
      const std::string& o = options[i];
      const std::string next = i + 1 < options.size() ? options[i + 1] : "";
      if (o == "-partial_chain") {
        chain_case.openssl_flags |= X509_V_FLAG_PARTIAL_CHAIN;
      } else if (o == "-x509_strict") {
        // OpenSSL's RFC 5280 profile checks: the engine's strict profile.
        chain_case.openssl_flags |= X509_V_FLAG_X509_STRICT;
        chain_case.profile = ResolverOptions::Profile::kStrict;
      } else if (o == "-auth_level") {
        int level = 1;
        if (absl::SimpleAtoi(next, &level)) {
          chain_case.openssl_auth_level = level;
        }
        ++i;
      } else if (o == "-verify_depth") {
        int depth = -1;
        if (absl::SimpleAtoi(next, &depth)) chain_case.max_depth = depth;
        ++i;
      } else if (o == "-attime") {
        int64_t t = 0;
        if (absl::SimpleAtoi(next, &t)) {
          chain_case.at = absl::FromUnixSeconds(t);
        }
        ++i;
      } else {
        skip = absl::StrCat("option ", o,
                            " (certificate policies, proxy certificates, "
                            "SM2 ids, ...) is not implemented");
      }
    }
    const JsonValue* files = Field(c, "files");
    if (skip.empty() && (files == nullptr || !files->is_object())) {
      skip = "no files";
    }
    if (skip.empty()) {
      const JsonValue& f = *files;
      auto read = [&](const std::string& name, std::string* out) {
        auto text = ReadFile(absl::StrCat(dir, "/", name),
                             analysis::kMaxSuiteFileBytes);
        if (!text.ok()) return false;
        *out = *std::move(text);
        return true;
      };
      // A missing file is what upstream's REJECT then means: nothing to
      // verify (e.g. pc6-cert.pem); the engine's answer is FAILURE.
      if (!read(StringField(f, "leaf"), &chain_case.leaf)) {
        chain_case.leaf.clear();
      }
      for (const std::string& name : StringList(f, "trusted")) {
        std::string text;
        if (read(name, &text)) chain_case.trusted.push_back(text);
      }
      for (const std::string& name : StringList(f, "untrusted")) {
        std::string text;
        if (read(name, &text)) chain_case.untrusted.push_back(text);
      }
    }
    if (!skip.empty()) {
      r.outcome = "skip";
      r.reason = skip;
    } else {
      ApplyRunOptions(run_options, &chain_case);
      RunCase(chain_case, &r);
    }
    results.push_back(std::move(r));
  }
  return results;
}
}  // namespace chaintrust::cli::conformance
