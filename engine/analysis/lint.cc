#include "engine/analysis/lint.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/analysis/device_corpus.h"
#include "engine/decision.h"
#include "engine/internal/json.h"
#include "engine/internal/rfc3339.h"
#include "engine/x509/certificate.h"
#include "engine/x509/chain_checks.h"

namespace chaintrust::analysis {
namespace {

std::string GroupEntry(absl::string_view id) {
  return absl::StrCat("enrollmentGroups[\"", id, "\"]");
}
std::string IndividualEntry(absl::string_view id) {
  return absl::StrCat("individualEnrollments[\"", id, "\"]");
}

bool IsSha1(SignatureAlgorithm a) {
  return a == SignatureAlgorithm::kRsaPkcs1Sha1 ||
         a == SignatureAlgorithm::kEcdsaSha1;
}

void CheckCertificate(const Certificate& cert, const std::string& entry,
                      const std::string& what, const LintOptions& options,
                      std::vector<Finding>* out) {
  const absl::Time at = options.at;
  const std::string name =
      absl::StrCat(what, " certificate \"", cert.subject_common_name(), "\"");
  if (cert.not_after() < at) {
    out->push_back({"error", "CERTIFICATE_EXPIRED", entry,
                    absl::StrCat(name, " expired at ",
                                 internal::FormatRfc3339(cert.not_after()))});
  } else if (cert.not_after() < at + options.expiring_within) {
    out->push_back({"warning", "CERTIFICATE_EXPIRING", entry,
                    absl::StrCat(name, " expires at ",
                                 internal::FormatRfc3339(cert.not_after()))});
  }
  if (cert.not_before() > at) {
    out->push_back({"warning", "CERTIFICATE_NOT_YET_VALID", entry,
                    absl::StrCat(name, " is valid only from ",
                                 internal::FormatRfc3339(cert.not_before()))});
  }
  if (cert.key_type() == KeyType::kRsa && cert.key_bits() < 2048) {
    out->push_back({"warning", "WEAK_KEY", entry,
                    absl::StrCat(name, " has an RSA key of ", cert.key_bits(),
                                 " bits (< 2048)")});
  }
  if (IsSha1(cert.signature_algorithm())) {
    out->push_back(
        {"warning", "WEAK_SIGNATURE", entry,
         absl::StrCat(name, " is signed with ",
                      SignatureAlgorithmName(cert.signature_algorithm()))});
  }
}

// PROFILE_VIOLATION: `cert`, a group certificate, fails the profile checks
// options.resolver asks of the deciding group's certificate. Only asked
// beyond the default profile; a self-issued group certificate is taken as
// self-signed (lint verifies no signatures).
void CheckGroupProfile(const Certificate& cert, const std::string& entry,
                       const std::string& what, const LintOptions& options,
                       std::vector<Finding>* out) {
  const ResolverOptions& resolver = options.resolver;
  if (resolver.profile == ResolverOptions::Profile::kDefault &&
      !resolver.require_key_identifiers) {
    return;
  }
  PathPosition position;
  position.issuer = true;
  position.top = true;
  const CheckFailure f = CheckProfile(
      cert, position, ProfileOptionsFor(resolver), [] { return true; });
  if (!f.failed()) return;
  CauseParameters params;
  params.value = f.value;
  params.limit = f.limit;
  params.name = std::string(f.name);
  out->push_back(
      {"warning", "PROFILE_VIOLATION", entry,
       absl::StrCat(what, " certificate \"", cert.subject_common_name(),
                    "\" would deny its devices (", CauseName(f.cause),
                    "): ", DescribeCause(f.cause, params))});
}

absl::StatusOr<CertificatePtr> ParseText(const std::string& text) {
  auto der = CertificateTextToDer(text);
  if (!der.ok()) return der.status();
  return Certificate::Create(*der);
}

// The group certificate (with a body, in the snapshot) that issued `cert`.
const Certificate* IssuerInSet(const EnrollmentSnapshot& snapshot,
                               const Certificate& cert) {
  if (cert.self_issued()) return nullptr;
  for (const Certificate* c :
       snapshot.FindCertificatesBySubject(cert.issuer_name_key())) {
    if (VerifySignedBy(cert, *c)) return c;
  }
  return nullptr;
}

// GROUP_SHADOWED for group `g`'s certificate `gc`, when the set holds group
// certificates it issued.
void CheckShadowed(const EnrollmentSnapshot& snapshot, const EnrollmentGroup& g,
                   const GroupCertificate& gc, std::vector<Finding>* out) {
  std::vector<std::string> children;
  bool enabled_child = false;
  for (const EnrollmentGroup& h : snapshot.enrollment_groups()) {
    for (const GroupCertificate& hc : h.certificates) {
      if (hc.certificate == nullptr || hc.certificate == gc.certificate) {
        continue;
      }
      if (hc.certificate->issuer_name_key() ==
              gc.certificate->subject_name_key() &&
          !hc.certificate->self_issued() && h.group_id != g.group_id) {
        children.push_back(absl::StrCat(
            h.group_id, " (", hc.certificate->subject_common_name(), ")"));
      }
    }
  }
  if (children.empty()) return;
  // Disabling a group whose children have enabled groups revokes nothing
  // below them: the nearest group decides.
  for (const EnrollmentGroup& h : snapshot.enrollment_groups()) {
    for (const std::string& c : children) {
      if (h.enabled && absl::StartsWith(c, h.group_id + " (")) {
        enabled_child = true;
      }
    }
  }
  const bool revokes_nothing = !g.enabled && enabled_child;
  out->push_back(
      {revokes_nothing ? "warning" : "info", "GROUP_SHADOWED",
       GroupEntry(g.group_id),
       absl::StrCat("every CA certificate below \"",
                    gc.certificate->subject_common_name(),
                    "\" known in the set has its own group (",
                    absl::StrJoin(children, ", "),
                    "), which decides first: this group decides only for "
                    "devices its certificate issues directly, and for devices "
                    "of a child group that is deleted",
                    revokes_nothing
                        ? "; it is disabled, but the devices of its enabled "
                          "child groups stay allowed"
                        : "")});
}

void LintGroups(const EnrollmentSnapshot& snapshot, const LintOptions& options,
                std::vector<Finding>* out) {
  for (const EnrollmentGroup& g : snapshot.enrollment_groups()) {
    if (g.kind != AttestationKind::kX509) continue;
    const std::string entry = GroupEntry(g.group_id);
    for (const GroupCertificate& gc : g.certificates) {
      const char* slot = gc.slot == Slot::kPrimary ? "primary" : "secondary";
      if (gc.certificate == nullptr) {
        out->push_back(
            {"info", "GROUP_THUMBPRINT_ONLY", entry,
             absl::StrCat("the ", slot,
                          " signing certificate is known only "
                          "by thumbprint ",
                          ToHex(gc.sha256),
                          ": devices must present it; its validity, key and "
                          "issuer cannot be checked")});
        continue;
      }
      CheckCertificate(*gc.certificate, entry, absl::StrCat(slot, " signing"),
                       options, out);
      CheckGroupProfile(*gc.certificate, entry, absl::StrCat(slot, " signing"),
                        options, out);
      CheckShadowed(snapshot, g, gc, out);
    }
  }
}

// The DPS instance's CA certificates: CA_NOT_VERIFIED for each one DPS has
// not verified (an error when a group names it: DPS refuses every device
// under it; a warning otherwise), CA_UNREFERENCED (info) for each one no
// group names.
void LintCaCertificates(const EnrollmentSnapshot& snapshot,
                        std::vector<Finding>* out) {
  if (snapshot.ca_certificates().empty()) return;
  std::map<std::string, std::vector<std::string>> referenced_by;
  for (const EnrollmentGroup& g : snapshot.enrollment_groups()) {
    for (const GroupCertificate& gc : g.certificates) {
      if (!gc.ca_reference.empty()) {
        referenced_by[gc.ca_reference].push_back(g.group_id);
      }
    }
  }
  for (const CaCertificate& ca : snapshot.ca_certificates()) {
    const std::string entry = absl::StrCat("certificate \"", ca.name, "\"");
    auto it = referenced_by.find(ca.name);
    if (!ca.verified) {
      if (it != referenced_by.end()) {
        out->push_back(
            {"error", "CA_NOT_VERIFIED", entry,
             absl::StrCat("not verified (no proof of possession): DPS refuses "
                          "every device under it; referenced by ",
                          absl::StrJoin(it->second, ", "))});
      } else {
        out->push_back({"warning", "CA_NOT_VERIFIED", entry,
                        "not verified (no proof of possession)"});
      }
    }
    if (it == referenced_by.end()) {
      out->push_back({"info", "CA_UNREFERENCED", entry,
                      "no enrollment group names it in caReferences"});
    }
  }
}

// RENEWED_CA_STATUS_MISMATCH: group certificates with one subject and one
// key (a CA renewed without a new key) whose groups differ in status. Both
// verify the same devices, so which group decides depends on the
// certificate a device presents: a device that presents only the renewed
// certificate is decided by its group (docs/rules.md §3).
void CheckRenewedPairs(const EnrollmentSnapshot& snapshot,
                       std::vector<Finding>* out) {
  struct Holder {
    const EnrollmentGroup* group;
    const Certificate* certificate;
  };
  std::map<std::pair<absl::string_view, absl::string_view>, std::vector<Holder>>
      by_name_and_key;
  for (const EnrollmentGroup& g : snapshot.enrollment_groups()) {
    for (const GroupCertificate& gc : g.certificates) {
      if (gc.certificate == nullptr) continue;
      by_name_and_key[{gc.certificate->subject_name_key(),
                       gc.certificate->spki_der()}]
          .push_back({&g, gc.certificate.get()});
    }
  }
  for (const auto& [unused, holders] : by_name_and_key) {
    for (size_t i = 0; i < holders.size(); ++i) {
      for (size_t j = i + 1; j < holders.size(); ++j) {
        const Holder& a = holders[i];
        const Holder& b = holders[j];
        if (a.group->enabled == b.group->enabled) continue;
        const Holder& off = a.group->enabled ? b : a;
        const Holder& on = a.group->enabled ? a : b;
        out->push_back(
            {"warning", "RENEWED_CA_STATUS_MISMATCH",
             GroupEntry(off.group->group_id),
             absl::StrCat("its certificate and the one of enabled group \"",
                          on.group->group_id, "\" have the same subject (CN \"",
                          off.certificate->subject_common_name(),
                          "\") and key (a renewal): a device that presents "
                          "only the other certificate is allowed through "
                          "\"",
                          on.group->group_id, "\"")});
      }
    }
  }
}

// The enabled groups a disabled individual enrollment's certificates chain
// to in the set.
std::set<std::string> GroupsAbove(const EnrollmentSnapshot& snapshot,
                                  const std::vector<CertificatePtr>& certs) {
  std::set<std::string> determined;
  for (const CertificatePtr& cert : certs) {
    const Certificate* c = cert.get();
    for (int depth = 0; depth < 12; ++depth) {
      const Certificate* issuer = IssuerInSet(snapshot, *c);
      if (issuer == nullptr) break;
      auto match = snapshot.FindGroupByCertificate(issuer->sha256());
      if (match) {
        if (match->group->enabled) determined.insert(match->group->group_id);
        break;
      }
      c = issuer;
    }
  }
  return determined;
}

// INDIVIDUAL_OVERRIDES_GROUP at info level: why the group cannot be named.
Finding UndeterminedOverride(const v1::IndividualEnrollment& e, bool has_certs,
                             const std::vector<std::string>& enabled_groups) {
  std::string which;
  if (e.attestation().type() == v1::SYMMETRICKEY) {
    which =
        "it is symmetric-key, so which group covers the device "
        "cannot be determined offline";
  } else if (!has_certs) {
    which =
        "its certificate is known only by thumbprint (or it has "
        "none), so which group covers the device cannot be "
        "determined";
  } else {
    which =
        "its certificate's issuer is not a group certificate in the "
        "set (the device sends it), so which group covers the device "
        "cannot be determined";
  }
  return {"info", "INDIVIDUAL_OVERRIDES_GROUP",
          IndividualEntry(e.registration_id()),
          absl::StrCat("this disabled individual enrollment denies the "
                       "device whatever an enabled group says (enabled "
                       "groups: ",
                       absl::StrJoin(enabled_groups, ", "), "); ", which)};
}

void LintIndividuals(const v1::EnrollmentSet& set,
                     const EnrollmentSnapshot& snapshot,
                     const LintOptions& options, std::vector<Finding>* out) {
  std::vector<std::string> enabled_x509, enabled_sym;
  for (const EnrollmentGroup& g : snapshot.enrollment_groups()) {
    if (!g.enabled) continue;
    (g.kind == AttestationKind::kSymmetricKey ? enabled_sym : enabled_x509)
        .push_back(g.group_id);
  }
  std::vector<std::string> enabled = enabled_x509;
  enabled.insert(enabled.end(), enabled_sym.begin(), enabled_sym.end());
  for (const v1::IndividualEnrollment& e : set.individual_enrollments()) {
    const std::string entry = IndividualEntry(e.registration_id());
    std::vector<CertificatePtr> certs;
    if (e.attestation().type() == v1::X509) {
      const auto& cc = e.attestation().x509().client_certificates();
      for (const auto* c : {&cc.primary(), &cc.secondary()}) {
        if (c->certificate().empty()) continue;
        auto cert = ParseText(c->certificate());
        if (!cert.ok()) continue;  // BuildSnapshot accepted it; be safe
        CheckCertificate(**cert, entry, "client", options, out);
        certs.push_back(*std::move(cert));
      }
    }
    if (e.provisioning_status() != v1::DISABLED) continue;
    const std::set<std::string> determined = GroupsAbove(snapshot, certs);
    if (!determined.empty()) {
      out->push_back(
          {"warning", "INDIVIDUAL_OVERRIDES_GROUP", entry,
           absl::StrCat("this disabled individual enrollment denies the "
                        "device although its certificate chains to enabled "
                        "group ",
                        absl::StrJoin(determined, ", "),
                        ", which would allow it (delete the individual "
                        "enrollment to let the group decide)")});
    } else if (!enabled.empty()) {
      out->push_back(UndeterminedOverride(e, !certs.empty(), enabled));
    }
  }
}

}  // namespace

int LintReport::Count(absl::string_view severity) const {
  return static_cast<int>(
      std::count_if(findings.begin(), findings.end(),
                    [&](const Finding& f) { return f.severity == severity; }));
}

void LintIgnoredFields(const PolicyLoadReport& load_report,
                       LintReport* report) {
  for (const IgnoredField& field : load_report.ignored_fields) {
    report->findings.push_back(
        {"warning", "UNKNOWN_FIELD_IGNORED", field.entry,
         absl::StrCat("unknown key \"", field.path,
                      "\" was ignored (--allow_unknown_fields); this "
                      "version of chaintrust does not apply it")});
  }
  if (load_report.ignored_field_count > load_report.ignored_fields.size()) {
    report->findings.push_back(
        {"warning", "UNKNOWN_FIELD_IGNORED", "",
         absl::StrCat(load_report.ignored_field_count -
                          load_report.ignored_fields.size(),
                      " more unknown keys were ignored")});
  }
}

void LintPolicy(const v1::EnrollmentSet& set,
                const EnrollmentSnapshot& snapshot, const LintOptions& options,
                LintReport* report) {
  LintGroups(snapshot, options, &report->findings);
  LintCaCertificates(snapshot, &report->findings);
  CheckRenewedPairs(snapshot, &report->findings);
  LintIndividuals(set, snapshot, options, &report->findings);
}

absl::StatusOr<std::vector<RegistrationRef>> ParseRegistrationExport(
    absl::string_view json, absl::string_view source_name) {
  auto root = internal::ParseJson(json);
  if (!root.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": not JSON: ", root.status().message()));
  }
  if (!root->is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": expected a JSON array of registration records"));
  }
  std::vector<RegistrationRef> records;
  for (size_t i = 0; i < root->size(); ++i) {
    const std::string where = absl::StrCat(source_name, ": [", i, "]");
    const internal::JsonValue& record = root->item(i);
    if (!record.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": expected an object"));
    }
    auto str = [&](const char* name, std::string* out) -> bool {
      const internal::JsonValue* field = record.Find(name);
      if (field == nullptr) return true;
      if (!field->is_string()) return false;
      *out = field->string_value();
      return true;
    };
    RegistrationRef r;
    if (!str("registrationId", &r.registration_id) ||
        r.registration_id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": \"registrationId\" must be a non-empty string"));
    }
    if (!str("enrollmentGroupId", &r.enrollment_group_id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " (\"", r.registration_id,
                       "\"): \"enrollmentGroupId\" must be a string"));
    }
    records.push_back(std::move(r));
  }
  return records;
}

void LintRegistrations(const v1::EnrollmentSet& set,
                       const std::vector<RegistrationRef>& records,
                       absl::string_view source_name, int64_t quota,
                       LintReport* report) {
  std::set<std::string> groups, individuals;
  for (const auto& g : set.enrollment_groups()) {
    groups.insert(g.enrollment_group_id());
  }
  for (const auto& e : set.individual_enrollments()) {
    individuals.insert(absl::AsciiStrToLower(e.registration_id()));
  }
  int64_t orphans = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const RegistrationRef& r = records[i];
    const std::string entry =
        absl::StrCat("registrations[", i, "] (\"", r.registration_id, "\")");
    if (!r.enrollment_group_id.empty()) {
      if (groups.count(r.enrollment_group_id)) continue;
      ++orphans;
      report->findings.push_back(
          {"warning", "ORPHANED_REGISTRATION", entry,
           absl::StrCat("registered through enrollment group \"",
                        r.enrollment_group_id,
                        "\", which no longer exists; the record still "
                        "counts against the quota")});
    } else if (!individuals.count(absl::AsciiStrToLower(r.registration_id))) {
      ++orphans;
      report->findings.push_back(
          {"warning", "ORPHANED_REGISTRATION", entry,
           "registered through an individual enrollment that no longer "
           "exists; the record still counts against the quota"});
    }
  }
  const int64_t n = static_cast<int64_t>(records.size());
  std::string msg =
      absl::StrCat(n, " registration records of a quota of ", quota, " (",
                   std::max<int64_t>(0, quota - n), " left)");
  if (orphans > 0) {
    absl::StrAppend(&msg, "; deleting the ", orphans,
                    " orphaned records would free as many");
  }
  const char* severity =
      n >= quota ? "error" : (n * 10 > quota * 9 ? "warning" : "info");
  report->findings.push_back(
      {severity, "QUOTA", std::string(source_name), msg});
}

std::string LintText(const LintReport& report) {
  std::string out;
  for (const Finding& f : report.findings) {
    absl::StrAppend(&out, f.severity, " ", f.code, " ", f.entry, ": ",
                    f.message, "\n");
  }
  absl::StrAppend(&out, report.errors(), " errors, ", report.warnings(),
                  " warnings, ", report.infos(), " infos\n");
  return out;
}

std::string LintJson(const LintReport& report) {
  std::string out = "{\"findings\":[";
  for (size_t i = 0; i < report.findings.size(); ++i) {
    const Finding& f = report.findings[i];
    absl::StrAppend(&out, i ? "," : "", "{\"severity\":", JsonQuote(f.severity),
                    ",\"code\":", JsonQuote(f.code),
                    ",\"entry\":", JsonQuote(f.entry),
                    ",\"message\":", JsonQuote(f.message), "}");
  }
  absl::StrAppend(&out, "],\"errors\":", report.errors(),
                  ",\"warnings\":", report.warnings(),
                  ",\"infos\":", report.infos(), "}");
  return out;
}

}  // namespace chaintrust::analysis
