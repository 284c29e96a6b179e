#include "tools/cli/lint_command.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "engine/x509/certificate.h"
#include "engine/policy_loader.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "proto/enrollment.pb.h"
#include "tools/cli/cli.h"
#include "tools/cli/device_corpus.h"

namespace chaintrust::cli {
namespace {

struct Finding {
  std::string severity;  // error, warning, info
  std::string code;
  std::string entry;
  std::string message;
};

int Fail(absl::string_view message) {
  std::cerr << "chaintrust lint: " << message << "\n";
  return kExitError;
}

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
                      const std::string& what, absl::Time at,
                      absl::Duration window, std::vector<Finding>* out) {
  const std::string name =
      absl::StrCat(what, " certificate \"", cert.subject_common_name(), "\"");
  if (cert.not_after() < at) {
    out->push_back(
        {"error", "CERTIFICATE_EXPIRED", entry,
         absl::StrCat(name, " expired at ", FormatRfc3339(cert.not_after()))});
  } else if (cert.not_after() < at + window) {
    out->push_back(
        {"warning", "CERTIFICATE_EXPIRING", entry,
         absl::StrCat(name, " expires at ", FormatRfc3339(cert.not_after()))});
  }
  if (cert.not_before() > at) {
    out->push_back({"warning", "CERTIFICATE_NOT_YET_VALID", entry,
                    absl::StrCat(name, " is valid only from ",
                                 FormatRfc3339(cert.not_before()))});
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
       snapshot.FindCertificatesBySubject(cert.issuer_der())) {
    if (VerifySignedBy(cert, *c)) return c;
  }
  return nullptr;
}

}  // namespace

int RunLint(const std::vector<std::string>& args) {
  auto flags = ParseCommandFlags(
      args, {"policy", "registrations", "at", "expiring_within_days",
             "max_registrations", "format"});
  if (!flags.ok()) return Fail(flags.status().message());
  auto format_flag = FormatFlag(*flags);
  if (!format_flag.ok()) return Fail(format_flag.status().message());
  const std::string format = *format_flag;
  if (!flags->Has("policy")) return Fail("needs --policy=FILE");
  absl::Time at = absl::Now();
  if (flags->Has("at")) {
    auto t = ParseRfc3339(flags->Get("at"));
    if (!t.ok()) return Fail(absl::StrCat("--at: ", t.status().message()));
    at = *t;
  }
  int days = 30;
  if (flags->Has("expiring_within_days") &&
      (!absl::SimpleAtoi(flags->Get("expiring_within_days"), &days) ||
       days < 0)) {
    return Fail(absl::StrCat(
        "--expiring_within_days=", flags->Get("expiring_within_days"),
        ": expected a number of days >= 0"));
  }
  int64_t quota = 1000000;
  if (flags->Has("max_registrations") &&
      (!absl::SimpleAtoi(flags->Get("max_registrations"), &quota) ||
       quota <= 0)) {
    return Fail(
        absl::StrCat("--max_registrations=", flags->Get("max_registrations"),
                     ": expected a positive number"));
  }
  const absl::Duration window = absl::Hours(24) * days;
  const std::string policy = flags->Get("policy");
  auto set = LoadEnrollmentSetFile(policy);
  if (!set.ok()) return Fail(set.status().message());
  auto built = BuildSnapshot(*set, policy);
  if (!built.ok()) return Fail(built.status().message());
  const EnrollmentSnapshot& snapshot = **built;

  std::vector<Finding> findings;
  // Groups: certificates, thumbprint-only, shadowed.
  std::vector<std::string> enabled_x509, enabled_sym;
  for (const EnrollmentGroup& g : snapshot.enrollment_groups()) {
    const std::string entry = GroupEntry(g.group_id);
    if (g.enabled) {
      (g.kind == AttestationKind::kSymmetricKey ? enabled_sym : enabled_x509)
          .push_back(g.group_id);
    }
    if (g.kind != AttestationKind::kX509) continue;
    bool any_body = false;
    for (const GroupCertificate& gc : g.certificates) {
      const char* slot = gc.slot == Slot::kPrimary ? "primary" : "secondary";
      if (gc.certificate == nullptr) {
        findings.push_back(
            {"info", "GROUP_THUMBPRINT_ONLY", entry,
             absl::StrCat("the ", slot,
                          " signing certificate is known only "
                          "by thumbprint ",
                          ToHex(gc.sha256),
                          ": devices must present it; its validity, key and "
                          "issuer cannot be checked")});
        continue;
      }
      any_body = true;
      CheckCertificate(*gc.certificate, entry, absl::StrCat(slot, " signing"),
                       at, window, &findings);
      // Children: group certificates it issued.
      std::vector<std::string> children;
      for (const EnrollmentGroup& h : snapshot.enrollment_groups()) {
        for (const GroupCertificate& hc : h.certificates) {
          if (hc.certificate == nullptr || hc.certificate == gc.certificate) {
            continue;
          }
          if (hc.certificate->issuer_der() == gc.certificate->subject_der() &&
              !hc.certificate->self_issued() && h.group_id != g.group_id) {
            children.push_back(absl::StrCat(
                h.group_id, " (", hc.certificate->subject_common_name(), ")"));
          }
        }
      }
      if (!children.empty()) {
        // Disabling a group whose children have enabled groups revokes
        // nothing below them: the nearest group decides.
        bool enabled_child = false;
        for (const EnrollmentGroup& h : snapshot.enrollment_groups()) {
          for (const std::string& c : children) {
            if (h.enabled && absl::StartsWith(c, h.group_id + " (")) {
              enabled_child = true;
            }
          }
        }
        const bool revokes_nothing = !g.enabled && enabled_child;
        findings.push_back(
            {revokes_nothing ? "warning" : "info", "GROUP_SHADOWED", entry,
             absl::StrCat(
                 "every CA certificate below \"",
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
    }
    (void)any_body;
  }
  // Individual enrollments.
  for (int i = 0; i < set->individual_enrollments_size(); ++i) {
    const v1::IndividualEnrollment& e = set->individual_enrollments(i);
    const std::string entry = IndividualEntry(e.registration_id());
    const bool disabled = e.provisioning_status() == v1::DISABLED;
    std::vector<CertificatePtr> certs;
    if (e.attestation().type() == v1::X509) {
      const auto& cc = e.attestation().x509().client_certificates();
      for (const auto* c : {&cc.primary(), &cc.secondary()}) {
        if (c->certificate().empty()) continue;
        auto cert = ParseText(c->certificate());
        if (!cert.ok()) continue;  // BuildSnapshot accepted it; be safe
        CheckCertificate(**cert, entry, "client", at, window, &findings);
        certs.push_back(*std::move(cert));
      }
    }
    if (!disabled) continue;
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
    if (!determined.empty()) {
      findings.push_back(
          {"warning", "INDIVIDUAL_OVERRIDES_GROUP", entry,
           absl::StrCat("this disabled individual enrollment denies the "
                        "device although its certificate chains to enabled "
                        "group ",
                        absl::StrJoin(determined, ", "),
                        ", which would allow it (delete the individual "
                        "enrollment to let the group decide)")});
    } else if (!enabled_x509.empty() || !enabled_sym.empty()) {
      std::string which;
      if (e.attestation().type() == v1::SYMMETRICKEY) {
        which =
            "it is symmetric-key, so which group covers the device "
            "cannot be determined offline";
      } else if (certs.empty()) {
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
      std::vector<std::string> all = enabled_x509;
      all.insert(all.end(), enabled_sym.begin(), enabled_sym.end());
      findings.push_back(
          {"info", "INDIVIDUAL_OVERRIDES_GROUP", entry,
           absl::StrCat("this disabled individual enrollment denies the "
                        "device whatever an enabled group says (enabled "
                        "groups: ",
                        absl::StrJoin(all, ", "), "); ", which)});
    }
  }
  // Registration records.
  if (flags->Has("registrations")) {
    const std::string path = flags->Get("registrations");
    auto text = ReadFile(path);
    if (!text.ok()) return Fail(text.status().message());
    google::protobuf::Value root;
    const auto status =
        google::protobuf::util::JsonStringToMessage(*text, &root);
    if (!status.ok()) {
      return Fail(
          absl::StrCat(path, ": not JSON: ", status.message().as_string()));
    }
    if (root.kind_case() != google::protobuf::Value::kListValue) {
      return Fail(absl::StrCat(
          path, ": expected a JSON array of registration records"));
    }
    std::set<std::string> groups, individuals;
    for (const auto& g : set->enrollment_groups()) {
      groups.insert(g.enrollment_group_id());
    }
    for (const auto& e : set->individual_enrollments()) {
      individuals.insert(absl::AsciiStrToLower(e.registration_id()));
    }
    const auto& records = root.list_value().values();
    int64_t orphans = 0;
    for (int i = 0; i < records.size(); ++i) {
      const std::string where = absl::StrCat(path, ": [", i, "]");
      if (records[i].kind_case() != google::protobuf::Value::kStructValue) {
        return Fail(absl::StrCat(where, ": expected an object"));
      }
      const auto& fields = records[i].struct_value().fields();
      auto str = [&](const char* name, std::string* out) -> bool {
        auto it = fields.find(name);
        if (it == fields.end()) return true;
        if (it->second.kind_case() != google::protobuf::Value::kStringValue) {
          return false;
        }
        *out = it->second.string_value();
        return true;
      };
      std::string id, group;
      if (!str("registrationId", &id) || id.empty()) {
        return Fail(absl::StrCat(
            where, ": \"registrationId\" must be a non-empty string"));
      }
      if (!str("enrollmentGroupId", &group)) {
        return Fail(absl::StrCat(where, " (\"", id,
                                 "\"): \"enrollmentGroupId\" must be a "
                                 "string"));
      }
      const std::string entry =
          absl::StrCat("registrations[", i, "] (\"", id, "\")");
      if (!group.empty()) {
        if (!groups.count(group)) {
          ++orphans;
          findings.push_back(
              {"warning", "ORPHANED_REGISTRATION", entry,
               absl::StrCat("registered through enrollment group \"", group,
                            "\", which no longer exists; the record still "
                            "counts against the quota")});
        }
      } else if (!individuals.count(absl::AsciiStrToLower(id))) {
        ++orphans;
        findings.push_back(
            {"warning", "ORPHANED_REGISTRATION", entry,
             "registered through an individual enrollment that no longer "
             "exists; the record still counts against the quota"});
      }
    }
    const int64_t n = records.size();
    std::string msg =
        absl::StrCat(n, " registration records of a quota of ", quota, " (",
                     std::max<int64_t>(0, quota - n), " left)");
    if (orphans > 0) {
      absl::StrAppend(&msg, "; deleting the ", orphans,
                      " orphaned records would free as many");
    }
    const char* severity =
        n >= quota ? "error" : (n * 10 > quota * 9 ? "warning" : "info");
    findings.push_back({severity, "QUOTA", path, msg});
  }

  int errors = 0, warnings = 0, infos = 0;
  for (const Finding& f : findings) {
    if (f.severity == "error")
      ++errors;
    else if (f.severity == "warning")
      ++warnings;
    else
      ++infos;
  }
  if (format == "json") {
    std::string out = "{\"findings\":[";
    for (size_t i = 0; i < findings.size(); ++i) {
      const Finding& f = findings[i];
      absl::StrAppend(
          &out, i ? "," : "", "{\"severity\":", JsonQuote(f.severity),
          ",\"code\":", JsonQuote(f.code), ",\"entry\":", JsonQuote(f.entry),
          ",\"message\":", JsonQuote(f.message), "}");
    }
    absl::StrAppend(&out, "],\"errors\":", errors, ",\"warnings\":", warnings,
                    ",\"infos\":", infos, "}");
    std::cout << out << "\n";
  } else {
    for (const Finding& f : findings) {
      std::cout << f.severity << " " << f.code << " " << f.entry << ": "
                << f.message << "\n";
    }
    std::cout << errors << " errors, " << warnings << " warnings, " << infos
              << " infos\n";
  }
  if (!std::cout.good()) return kExitError;
  return errors > 0 ? 1 : 0;
}

}  // namespace chaintrust::cli
