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
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/cli/cli.h"

namespace chaintrust::cli {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr absl::string_view kSuccess = "SUCCESS";
constexpr absl::string_view kFailure = "FAILURE";

// ---- Reading a case. ----

const Value* Field(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  if (it == s.fields().end() || it->second.has_null_value()) return nullptr;
  return &it->second;
}

std::string StringField(const Struct& s, const std::string& name) {
  const Value* v = Field(s, name);
  return v != nullptr && v->has_string_value() ? v->string_value() : "";
}

std::vector<std::string> StringList(const Struct& s, const std::string& name) {
  std::vector<std::string> out;
  const Value* v = Field(s, name);
  if (v == nullptr || !v->has_list_value()) return out;
  for (const Value& e : v->list_value().values()) {
    if (e.has_string_value()) out.push_back(e.string_value());
  }
  return out;
}

// case-index.csv rows: column name -> value, by case id.
using CaseIndex = std::map<std::string, std::map<std::string, std::string>>;

absl::StatusOr<CaseIndex> ReadCaseIndex(const std::string& path) {
  auto text = ReadFile(path, analysis::kMaxSuiteFileBytes);
  if (!text.ok()) return text.status();
  CaseIndex index;
  std::vector<std::string> header;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    line = absl::StripSuffix(line, "\r");
    if (line.empty()) continue;
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (header.empty()) {
      header = cells;
      continue;
    }
    auto& row = index[cells[0]];
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) {
      row[header[i]] = cells[i];
    }
  }
  return index;
}

// limbo's EKU names (and dotted OIDs) -> dotted OIDs; empty if unknown.
std::string EkuOid(absl::string_view name) {
  static const auto* const kNames = new std::map<std::string, std::string>{
      {"serverAuth", "1.3.6.1.5.5.7.3.1"},
      {"clientAuth", "1.3.6.1.5.5.7.3.2"},
      {"codeSigning", "1.3.6.1.5.5.7.3.3"},
      {"emailProtection", "1.3.6.1.5.5.7.3.4"},
      {"timeStamping", "1.3.6.1.5.5.7.3.8"},
      {"OCSPSigning", "1.3.6.1.5.5.7.3.9"},
      {"anyExtendedKeyUsage", "2.5.29.37.0"},
  };
  auto it = kNames->find(std::string(name));
  if (it != kNames->end()) return it->second;
  if (!name.empty() && absl::ascii_isdigit(name[0])) return std::string(name);
  return "";
}

struct CaseResult {
  std::string id;
  std::string expected;
  std::string actual;   // SUCCESS / FAILURE, empty when skipped
  std::string outcome;  // pass / fail / skip
  std::string reason;   // skip reason, or the engine's reason
  std::string openssl;  // SUCCESS / FAILURE / ERROR, empty when skipped
  bool device_relevant = false;
};

// Why a case is not run, or empty.
std::string SkipReason(const Struct& c, const CaseIndex& index,
                       bool device_relevant_only) {
  const std::string id = StringField(c, "id");
  auto row_it = index.find(id);
  const std::map<std::string, std::string> empty;
  const auto& row = row_it == index.end() ? empty : row_it->second;
  auto cell = [&](const std::string& k) {
    auto it = row.find(k);
    return it == row.end() ? std::string() : it->second;
  };
  if (device_relevant_only && cell("device_relevance") != "high") {
    return absl::StrCat(
        "not device-relevant (device_relevance=",
        cell("device_relevance").empty() ? "unknown" : cell("device_relevance"),
        ")");
  }
  // limbo-schema.json: "Consumers that don't understand a given feature
  // should skip tests that are marked with it." The features chaintrust
  // implements; has-crl and the policy features are skipped below anyway.
  static const auto* const kUnderstood = new std::set<std::string>{
      "name-constraint-dn", "max-chain-depth", "pedantic-webpki-subscriber-key",
      "denial-of-service",  "has-crl",         "has-policy-constraints"};
  for (const std::string& feature : StringList(c, "features")) {
    if (kUnderstood->count(feature) == 0) {
      return absl::StrCat("feature \"", feature,
                          "\" is not implemented (limbo: skip features the "
                          "consumer does not implement)");
    }
  }
  const auto conflicts = StringList(c, "conflicts_with");
  if (absl::StartsWith(id, "webpki::") && !conflicts.empty()) {
    return absl::StrCat("CA/B Forum (webpki) profile; conflicts with ",
                        conflicts[0],
                        ", and chaintrust follows the RFC 5280 profile");
  }
  if (!StringList(c, "crls").empty() || absl::StartsWith(id, "crl::")) {
    return "revocation (CRLs) is not checked: devices present no CRLs";
  }
  if (cell("name_check_dependent") == "1") {
    return "hostname/SAN/CN name matching: devices have no peer name";
  }
  if (cell("category") == "policy-constraints") {
    return "certificate policies / policy constraints are not implemented";
  }
  if (!StringList(c, "key_usage").empty()) {
    return "a required leaf keyUsage is not a resolver option";
  }
  if (!StringList(c, "signature_algorithms").empty()) {
    return "a restricted signature-algorithm set is not a resolver option";
  }
  const auto ekus = StringList(c, "extended_key_usage");
  if (ekus.size() > 1) return "more than one required EKU";
  if (ekus.size() == 1 && EkuOid(ekus[0]).empty()) {
    return absl::StrCat("unknown EKU name \"", ekus[0], "\"");
  }
  return "";
}

absl::StatusOr<absl::Time> CaseTime(const Struct& c) {
  const std::string t = StringField(c, "validation_time");
  if (t.empty()) return absl::Now();
  return ParseRfc3339(t);
}

int MaxDepth(const Struct& c) {
  const Value* v = Field(c, "max_chain_depth");
  if (v == nullptr || !v->has_number_value()) return -1;
  return static_cast<int>(v->number_value());
}

// One path-validation case, whatever suite it came from. Each PEM text may
// hold several certificates.
struct ChainCase {
  std::vector<std::string> trusted;
  std::string leaf;
  std::vector<std::string> untrusted;
  absl::Time at;
  int max_depth = -1;   // intermediates, as OpenSSL's depth; -1: none
  std::string eku_oid;  // required EKU, dotted; empty: none
  bool allow_ca_leaf = true;
  ResolverOptions::EkuPolicy eku_policy =
      ResolverOptions::EkuPolicy::kPermissive;
  bool check_group_certificate_eku = true;
  // The OpenSSL reference column's settings.
  unsigned long openssl_flags = X509_V_FLAG_PARTIAL_CHAIN;  // NOLINT
  int openssl_auth_level = 1;
  bool openssl_aux_trust = false;  // read trusted PEMs as TRUSTED CERTIFICATE
};

ChainCase FromLimbo(const Struct& c, absl::Time at) {
  ChainCase out;
  out.trusted = StringList(c, "trusted_certs");
  out.leaf = StringField(c, "peer_certificate");
  out.untrusted = StringList(c, "untrusted_intermediates");
  out.at = at;
  out.max_depth = MaxDepth(c);
  const auto ekus = StringList(c, "extended_key_usage");
  if (!ekus.empty()) out.eku_oid = EkuOid(ekus[0]);
  out.openssl_flags = X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT;
  out.openssl_auth_level = 2;
  return out;
}

// ---- The engine's answer. ----

// Returns "SUCCESS" or "FAILURE" and sets `why`.
std::string RunEngine(const ChainCase& c, std::string* why) {
  // Each trusted certificate becomes an enabled X.509 enrollment group; one
  // the Builder rejects (e.g. not a CA) is left out, and a case with no
  // acceptable anchor is rejected.
  EnrollmentSnapshot::Builder builder;
  int accepted = 0;
  std::string rejected;
  int n = 0;
  std::vector<std::string> trusted;
  for (const std::string& text : c.trusted) {
    auto ders = PemToDer(text);
    if (!ders.ok()) {
      absl::StrAppend(&rejected, rejected.empty() ? "" : "; ",
                      ders.status().message());
      continue;
    }
    for (const std::string& der : *ders) {
      trusted.push_back(absl::StrCat("-----BEGIN CERTIFICATE-----\n",
                                     absl::Base64Escape(der),
                                     "\n-----END CERTIFICATE-----\n"));
    }
  }
  for (const std::string& pem : trusted) {
    EnrollmentGroupSpec spec;
    spec.group_id = absl::StrCat("anchor-", n++);
    spec.primary_certificate.text = pem;
    EnrollmentSnapshot::Builder trial;
    trial.AddEnrollmentGroup(spec);
    auto ok = std::move(trial).Build();
    if (!ok.ok()) {
      absl::StrAppend(&rejected, rejected.empty() ? "" : "; ",
                      ok.status().message());
      continue;
    }
    builder.AddEnrollmentGroup(std::move(spec));
    ++accepted;
  }
  if (accepted == 0) {
    *why = c.trusted.empty()
               ? std::string("no trust anchor")
               : absl::StrCat(
                     "no trusted certificate is a valid group certificate: ",
                     rejected);
    return std::string(kFailure);
  }
  auto snapshot = std::move(builder).Build();
  if (!snapshot.ok()) {
    *why = std::string(snapshot.status().message());
    return std::string(kFailure);
  }
  std::vector<std::string> ders;
  std::vector<std::string> pems = {c.leaf};
  for (const std::string& p : c.untrusted) pems.push_back(p);
  for (size_t i = 0; i < pems.size(); ++i) {
    auto der = PemToDer(pems[i]);
    if (!der.ok() || (i == 0 && der->size() != 1)) {
      *why = absl::StrCat(
          "PEM: ", der.ok() ? "not one certificate" : der.status().message());
      return std::string(kFailure);
    }
    for (std::string& d : *der) ders.push_back(std::move(d));
  }
  Attestation attestation;
  for (const std::string& d : ders) attestation.chain.push_back(d);
  attestation.at = c.at;
  ResolverOptions options;
  options.check_registration_id = false;
  // max_depth counts intermediates (as OpenSSL's depth does);
  // max_chain_length counts the leaf and the anchor too.
  if (c.max_depth >= 0) options.max_chain_length = c.max_depth + 2;
  options.required_eku = c.eku_oid;
  options.allow_ca_leaf = c.allow_ca_leaf;
  options.eku_policy = c.eku_policy;
  options.check_group_certificate_eku = c.check_group_certificate_eku;
  Decision decision;
  Resolve(**snapshot, attestation, options, nullptr, &decision);
  *why = std::string(ReasonName(decision.reason()));
  for (const ExplanationStep& step : decision.explanation()) {
    if (step.outcome == Outcome::kFailed && !step.detail.empty()) {
      absl::StrAppend(why, ": ", step.detail);
      break;
    }
  }
  const bool allow = decision.allowed() &&
                     decision.reason() == Reason::kEnrollmentGroupEnabled;
  return std::string(allow ? kSuccess : kFailure);
}

// ---- The OpenSSL reference column. ----

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr ReadPem(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return nullptr;
  X509* x = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return X509Ptr(x);
}

// Every certificate in `pem` (TRUSTED CERTIFICATE blocks too when `aux`).
std::vector<X509Ptr> ReadAllPem(const std::string& pem, bool aux) {
  std::vector<X509Ptr> out;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return out;
  while (true) {
    X509* x = aux ? PEM_read_bio_X509_AUX(bio, nullptr, nullptr, nullptr)
                  : PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    if (x == nullptr) break;
    out.emplace_back(x);
  }
  ERR_clear_error();
  BIO_free(bio);
  return out;
}

std::string RunOpenSsl(const ChainCase& c) {
  X509_STORE* store = X509_STORE_new();
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  std::string result = "ERROR";
  std::vector<X509Ptr> held;
  X509Ptr leaf = ReadPem(c.leaf);
  bool ok = store != nullptr && untrusted != nullptr && ctx != nullptr &&
            leaf != nullptr;
  for (const std::string& pem : c.trusted) {
    std::vector<X509Ptr> xs = ReadAllPem(pem, c.openssl_aux_trust);
    ok = ok && !xs.empty();
    for (X509Ptr& x : xs) {
      ok = ok && X509_STORE_add_cert(store, x.get()) == 1;
      held.push_back(std::move(x));
    }
  }
  for (const std::string& pem : c.untrusted) {
    std::vector<X509Ptr> xs = ReadAllPem(pem, false);
    ok = ok && !xs.empty();
    for (X509Ptr& x : xs) {
      ok = ok && sk_X509_push(untrusted, x.get()) > 0;
      held.push_back(std::move(x));
    }
  }
  if (ok && X509_STORE_CTX_init(ctx, store, leaf.get(), untrusted) == 1) {
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, c.openssl_flags);
    X509_VERIFY_PARAM_set_time(param, absl::ToTimeT(c.at));
    X509_VERIFY_PARAM_set_auth_level(param, c.openssl_auth_level);
    if (c.max_depth >= 0) X509_VERIFY_PARAM_set_depth(param, c.max_depth);
    if (!c.eku_oid.empty()) {
      const std::string& oid = c.eku_oid;
      if (oid == kEkuServerAuth) {
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
      } else if (oid == kEkuClientAuth) {
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT);
      }
    }
    result = X509_verify_cert(ctx) == 1 ? std::string(kSuccess)
                                        : std::string(kFailure);
  }
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);  // The certificates are owned by `held`.
  X509_STORE_free(store);
  return result;
}

// ---- Output. ----

// A quoted JSON string; bytes outside printable ASCII are escaped (read as
// Latin-1), so the line is always valid JSON.
void AppendJsonString(std::string* out, absl::string_view value) {
  out->push_back('"');
  for (unsigned char ch : value) {
    if (ch == '"' || ch == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(ch));
    } else if (ch < 0x20 || ch >= 0x7f) {
      absl::StrAppend(out, "\\u00", absl::Hex(ch, absl::kZeroPad2));
    } else {
      out->push_back(static_cast<char>(ch));
    }
  }
  out->push_back('"');
}

std::string JsonLine(const CaseResult& r) {
  std::string out = "{\"id\":";
  AppendJsonString(&out, r.id);
  absl::StrAppend(&out, ",\"expected\":");
  AppendJsonString(&out, r.expected);
  absl::StrAppend(&out, ",\"actual\":");
  AppendJsonString(&out, r.actual);
  absl::StrAppend(&out, ",\"outcome\":");
  AppendJsonString(&out, r.outcome);
  absl::StrAppend(&out, ",\"reason\":");
  AppendJsonString(&out, r.reason);
  absl::StrAppend(&out, ",\"openssl\":");
  AppendJsonString(&out, r.openssl);
  absl::StrAppend(&out, "}");
  return out;
}

struct Totals {
  int passed = 0, failed = 0, skipped = 0;
  // Device-relevant cases (device_relevance=high) that ran.
  int relevant_ran = 0, relevant_agree = 0, relevant_openssl_agree = 0;
  int relevant_total = 0;
};

absl::StatusOr<std::vector<CaseResult>> RunLimbo(const std::string& path,
                                                 const std::string& index_path,
                                                 bool device_relevant_only) {
  auto text = ReadFile(path, analysis::kMaxSuiteFileBytes);
  if (!text.ok()) return text.status();
  Struct root;
  auto parsed = google::protobuf::util::JsonStringToMessage(*text, &root);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not JSON: ", parsed.ToString()));
  }
  const Value* cases = Field(root, "testcases");
  if (cases == nullptr || !cases->has_list_value()) {
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
  for (const Value& v : cases->list_value().values()) {
    if (!v.has_struct_value()) continue;
    const Struct& c = v.struct_value();
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
      const ChainCase chain_case = FromLimbo(c, *at);
      r.actual = RunEngine(chain_case, &r.reason);
      r.openssl = RunOpenSsl(chain_case);
      r.outcome = r.actual == r.expected ? "pass" : "fail";
    }
    results.push_back(std::move(r));
  }
  return results;
}

// The directory part of `path` ("." when none).
std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

absl::StatusOr<Struct> ReadJsonFile(const std::string& path) {
  auto text = ReadFile(path, analysis::kMaxSuiteFileBytes);
  if (!text.ok()) return text.status();
  Struct root;
  auto parsed = google::protobuf::util::JsonStringToMessage(*text, &root);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not JSON: ", parsed.ToString()));
  }
  return root;
}

void RunCase(const ChainCase& chain_case, CaseResult* r) {
  r->actual = RunEngine(chain_case, &r->reason);
  r->openssl = RunOpenSsl(chain_case);
  r->outcome = r->actual == r->expected ? "pass" : "fail";
}

// BoringSSL's verify_certificate_chain_unittest corpus, through the
// index.json beside its data/ folder (one entry per .test file).
absl::StatusOr<std::vector<CaseResult>> RunBoringSsl(const std::string& dir) {
  auto root = ReadJsonFile(dir + "/index.json");
  if (!root.ok()) return root.status();
  const Value* cases = Field(*root, "testcases");
  if (cases == nullptr || !cases->has_list_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, "/index.json: no \"testcases\" list"));
  }
  std::vector<CaseResult> results;
  for (const Value& v : cases->list_value().values()) {
    if (!v.has_struct_value()) continue;
    const Struct& c = v.struct_value();
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
    RunCase(chain_case, &r);
    results.push_back(std::move(r));
  }
  return results;
}

// OpenSSL's test/recipes/25-test_verify.t cases (cases.json, certificate
// files under certs/ beside it).
absl::StatusOr<std::vector<CaseResult>> RunOpenSslSuite(
    const std::string& path) {
  auto root = ReadJsonFile(path);
  if (!root.ok()) return root.status();
  const std::string dir = DirName(path);
  const Value* cases = Field(*root, "cases");
  if (cases == nullptr || !cases->has_list_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no \"cases\" list"));
  }
  std::vector<CaseResult> results;
  for (const Value& v : cases->list_value().values()) {
    if (!v.has_struct_value()) continue;
    const Struct& c = v.struct_value();
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
    const Value* aux = Field(c, "requires_openssl_aux_trust");
    if (skip.empty() && aux != nullptr && aux->bool_value()) {
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
        chain_case.openssl_flags |= X509_V_FLAG_X509_STRICT;
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
    const Value* files = Field(c, "files");
    if (skip.empty() && (files == nullptr || !files->has_struct_value())) {
      skip = "no files";
    }
    if (skip.empty()) {
      const Struct& f = files->struct_value();
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
      RunCase(chain_case, &r);
    }
    results.push_back(std::move(r));
  }
  return results;
}

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

int RunLimboSuite(const Flags& flags, bool device_relevant_only, bool json,
                  Totals* all);

}  // namespace

const CommandSpec kConformanceCommand = {
    "conformance",
    "  conformance [--limbo=FILE.json [--case_index=FILE.csv]]\n"
    "           [--boringssl=DIR] [--openssl=FILE.json]\n"
    "           [--format=text|json] [--device_relevant_only]\n"
    "      Runs external path-validation suites through the engine, with "
    "stock\n"
    "      OpenSSL as a reference column.\n",
    {"limbo", "case_index", "format", "device_relevant_only", "boringssl",
     "openssl"}};

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
  Totals all;
  const bool json = format == "json";
  if (flags->Has("limbo")) {
    const int status = RunLimboSuite(*flags, relevant == "true", json, &all);
    if (status != 0) return status;
  }
  if (flags->Has("boringssl")) {
    auto results = RunBoringSsl(flags->Get("boringssl"));
    if (!results.ok()) return fail(results.status().message());
    Report("boringssl", *results, json, &all);
  }
  if (flags->Has("openssl")) {
    auto results = RunOpenSslSuite(flags->Get("openssl"));
    if (!results.ok()) return fail(results.status().message());
    Report("openssl", *results, json, &all);
  }
  std::cout << all.passed << " passed, " << all.failed << " failed, "
            << all.skipped << " skipped\n";
  return 0;
}

namespace {

int RunLimboSuite(const Flags& flags, bool device_relevant_only, bool json,
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
  auto results = RunLimbo(limbo, index, relevant == "true");
  if (!results.ok()) return fail(results.status().message());
  Report("x509-limbo", *results, json, all);
  return 0;
}

}  // namespace

}  // namespace chaintrust::cli
