// Reading cases and deciding them through the engine and OpenSSL.
#include "tools/conformance/conformance_cases.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
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

namespace chaintrust::cli::conformance {

// ---- Reading a case. ----

const JsonValue* Field(const JsonValue& s, const std::string& name) {
  if (!s.is_object()) return nullptr;
  const JsonValue* value = s.Find(name);
  return value == nullptr || value->is_null() ? nullptr : value;
}

std::string StringField(const JsonValue& s, const std::string& name) {
  const JsonValue* v = Field(s, name);
  return v != nullptr && v->is_string() ? v->string_value() : "";
}

std::vector<std::string> StringList(const JsonValue& s,
                                    const std::string& name) {
  std::vector<std::string> out;
  const JsonValue* v = Field(s, name);
  if (v == nullptr || !v->is_array()) return out;
  for (size_t k = 0; k < v->size(); ++k) {
    const JsonValue& e = v->item(k);
    if (e.is_string()) out.push_back(e.string_value());
  }
  return out;
}

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

uint16_t KeyUsageBitOf(absl::string_view name) {
  static const auto* const kBits = new std::map<std::string, uint16_t>{
      {"digitalSignature", kDigitalSignature},
      {"contentCommitment", kNonRepudiation},
      {"nonRepudiation", kNonRepudiation},
      {"keyEncipherment", kKeyEncipherment},
      {"dataEncipherment", kDataEncipherment},
      {"keyAgreement", kKeyAgreement},
      {"keyCertSign", kKeyCertSign},
      {"cRLSign", kCrlSign},
      {"encipherOnly", kEncipherOnly},
      {"decipherOnly", kDecipherOnly},
  };
  auto it = kBits->find(std::string(name));
  return it == kBits->end() ? 0 : it->second;
}

ResolverOptions::Profile LimboProfile(const std::string& id,
                                      const CaseIndex& index) {
  std::string profile;
  auto row = index.find(id);
  if (row != index.end()) {
    auto cell = row->second.find("profile");
    if (cell != row->second.end()) profile = cell->second;
  }
  if (profile.empty() && absl::StartsWith(id, "webpki::")) profile = "webpki";
  return absl::StartsWith(profile, "webpki")
             ? ResolverOptions::Profile::kWebPki
             : ResolverOptions::Profile::kStrict;
}

// Why a case is not run, or empty.
std::string SkipReason(const JsonValue& c, const CaseIndex& index,
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
  // implements (pedantic-webpki-eku through the profile LimboProfile
  // selects, pedantic-rfc5280 as require_anchor_authority_key_id, has-crl:
  // the case's CRLs are checked); the policy features are skipped below
  // anyway.
  static const auto* const kUnderstood =
      new std::set<std::string>{"name-constraint-dn",
                                "max-chain-depth",
                                "pedantic-webpki-subscriber-key",
                                "pedantic-webpki-eku",
                                "pedantic-rfc5280",
                                "denial-of-service",
                                "has-crl",
                                "has-policy-constraints"};
  for (const std::string& feature : StringList(c, "features")) {
    if (kUnderstood->count(feature) == 0) {
      return absl::StrCat("feature \"", feature,
                          "\" is not implemented (limbo: skip features the "
                          "consumer does not implement)");
    }
  }
  if (cell("name_check_dependent") == "1") {
    return "hostname/SAN/CN name matching: devices have no peer name";
  }
  if (cell("category") == "policy-constraints") {
    return "certificate policies / policy constraints are not implemented";
  }
  for (const std::string& usage : StringList(c, "key_usage")) {
    if (KeyUsageBitOf(usage) == 0) {
      return absl::StrCat("unknown keyUsage name \"", usage, "\"");
    }
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

absl::StatusOr<absl::Time> CaseTime(const JsonValue& c) {
  const std::string t = StringField(c, "validation_time");
  if (t.empty()) return absl::Now();
  return ParseRfc3339(t);
}

int MaxDepth(const JsonValue& c) {
  const JsonValue* v = Field(c, "max_chain_depth");
  if (v == nullptr || !v->is_number()) return -1;
  return static_cast<int>(v->number_value());
}

void ApplyRunOptions(const RunOptions& options, ChainCase* c) {
  if (options.force_profile) c->profile = options.profile;
  c->min_rsa_bits = std::min(c->min_rsa_bits, options.min_rsa_bits);
  c->allow_sha1_signatures |= options.allow_sha1_signatures;
}

ChainCase FromLimbo(const JsonValue& c, absl::Time at,
                    ResolverOptions::Profile profile) {
  ChainCase out;
  out.profile = profile;
  // pedantic-rfc5280: the one rule RFC 5280 profiles leave out, a
  // cross-signed anchor's AKI.
  for (const std::string& feature : StringList(c, "features")) {
    if (feature == "pedantic-rfc5280") out.anchor_aki = true;
  }
  for (const std::string& usage : StringList(c, "key_usage")) {
    out.leaf_key_usage |= KeyUsageBitOf(usage);
  }
  out.trusted = StringList(c, "trusted_certs");
  out.leaf = StringField(c, "peer_certificate");
  out.untrusted = StringList(c, "untrusted_intermediates");
  out.crls = StringList(c, "crls");
  out.at = at;
  out.max_depth = MaxDepth(c);
  const auto ekus = StringList(c, "extended_key_usage");
  if (!ekus.empty()) out.eku_oid = EkuOid(ekus[0]);
  out.openssl_flags = X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT;
  out.openssl_auth_level = 2;
  return out;
}

// ---- The engine's answer. ----

namespace {

std::vector<std::string>& AdditionalCrls() {
  static auto* const crls = new std::vector<std::string>();
  return *crls;
}

// The case's CRLs and the additional ones, as the Engine would load them.
absl::StatusOr<CrlSetPtr> CaseCrls(const ChainCase& c) {
  std::vector<CrlPtr> all;
  std::vector<std::string> texts = c.crls;
  for (const std::string& t : AdditionalCrls()) texts.push_back(t);
  if (texts.empty()) return CrlSetPtr();
  for (size_t i = 0; i < texts.size(); ++i) {
    auto crls = ParseCrls(texts[i], absl::StrCat("crls[", i, "]"));
    if (!crls.ok()) return crls.status();
    for (CrlPtr& crl : *crls) all.push_back(std::move(crl));
  }
  return std::make_shared<const CrlSet>(std::move(all));
}

}  // namespace

void SetAdditionalCrls(std::vector<std::string> texts) {
  AdditionalCrls() = std::move(texts);
}

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
  options.profile = c.profile;
  options.required_leaf_key_usage = c.leaf_key_usage;
  options.require_anchor_authority_key_id = c.anchor_aki;
  options.min_rsa_bits = c.min_rsa_bits;
  options.allow_sha1_signatures = c.allow_sha1_signatures;
  options.eku_policy = c.eku_policy;
  options.check_group_certificate_eku = c.check_group_certificate_eku;
  auto crls = CaseCrls(c);
  if (!crls.ok()) {
    *why = absl::StrCat("CRL refused: ", crls.status().message());
    return std::string(kFailure);
  }
  Decision decision;
  Resolve(**snapshot, attestation, options, nullptr, &decision, crls->get());
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
  for (const std::string& pem : c.crls) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509_CRL* crl = bio == nullptr
                        ? nullptr
                        : PEM_read_bio_X509_CRL(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ok = ok && crl != nullptr && X509_STORE_add_crl(store, crl) == 1;
    X509_CRL_free(crl);  // the store holds its own reference
  }
  if (ok && X509_STORE_CTX_init(ctx, store, leaf.get(), untrusted) == 1) {
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(
        param, c.openssl_flags | (c.crls.empty() ? 0 : X509_V_FLAG_CRL_CHECK));
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

std::string JsonLine(const CaseResult& r) {
  std::string out;
  internal::JsonWriter(&out)
      .BeginObject()
      .Key("id")
      .String(r.id)
      .Key("expected")
      .String(r.expected)
      .Key("actual")
      .String(r.actual)
      .Key("outcome")
      .String(r.outcome)
      .Key("reason")
      .String(r.reason)
      .Key("openssl")
      .String(r.openssl)
      .EndObject();
  return out;
}

// The directory part of `path` ("." when none).
std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

absl::StatusOr<JsonValue> ReadJsonFile(const std::string& path) {
  auto text = ReadFile(path, analysis::kMaxSuiteFileBytes);
  if (!text.ok()) return text.status();
  auto parsed = internal::ParseJson(*text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not JSON: ", parsed.status().message()));
  }
  return parsed;
}

void RunCase(const ChainCase& chain_case, CaseResult* r) {
  r->actual = RunEngine(chain_case, &r->reason);
  r->openssl = RunOpenSsl(chain_case);
  r->outcome = r->actual == r->expected ? "pass" : "fail";
}

}  // namespace chaintrust::cli::conformance
