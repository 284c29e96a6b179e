#include "tools/whatif_command.h"

#include <iostream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/certificate.h"
#include "engine/decision.h"
#include "engine/policy_loader.h"
#include "proto/enrollment.pb.h"
#include "tools/cli.h"
#include "tools/device_corpus.h"

namespace chaintrust::cli {
namespace {

struct Change {
  std::string device;
  std::string before_json, after_json;
  std::string before_text, after_text;
};

struct Callout {
  std::string device;
  std::string group;       // the deleted / revoked group
  std::string allowed_by;  // "GROUP contoso-root"
};

std::string Outcome(const Decision& d) {
  std::string out =
      absl::StrCat(VerdictName(d.verdict()), " ", ReasonName(d.reason()));
  if (d.enrollment_kind() != EnrollmentKind::kNone) {
    absl::StrAppend(&out, " (", EnrollmentKindName(d.enrollment_kind()), " ",
                    d.enrollment_id(), ")");
  }
  return out;
}

std::string DecidedBy(const Decision& d) {
  if (d.enrollment_kind() == EnrollmentKind::kNone) return "(none)";
  return absl::StrCat(EnrollmentKindName(d.enrollment_kind()), " ",
                      d.enrollment_id());
}

bool Changed(const Decision& a, const Decision& b) {
  return a.verdict() != b.verdict() || a.reason() != b.reason() ||
         a.enrollment_kind() != b.enrollment_kind() ||
         a.enrollment_id() != b.enrollment_id();
}

// The SHA-256 of every certificate the device presents, plus the anchors
// reachable from them by issuer name among `snapshot`'s group certificates.
absl::flat_hash_set<Sha256Digest> ChainThumbprints(
    const std::string& pem, const EnrollmentSnapshot& snapshot) {
  absl::flat_hash_set<Sha256Digest> out;
  auto ders = PemToDer(pem);
  if (!ders.ok()) return out;
  std::vector<const Certificate*> frontier;
  std::vector<CertificatePtr> keep;
  for (const std::string& der : *ders) {
    auto cert = Certificate::Create(der);
    if (!cert.ok()) continue;
    out.insert((*cert)->sha256());
    frontier.push_back(cert->get());
    keep.push_back(*std::move(cert));
  }
  for (int depth = 0; depth < 12 && !frontier.empty(); ++depth) {
    std::vector<const Certificate*> next;
    for (const Certificate* c : frontier) {
      if (c->self_issued()) continue;
      for (const Certificate* issuer :
           snapshot.FindCertificatesBySubject(c->issuer_der())) {
        if (out.insert(issuer->sha256()).second) next.push_back(issuer);
      }
    }
    frontier = std::move(next);
  }
  return out;
}

struct Comparison {
  SnapshotPtr before, after;
  std::set<std::string> deleted_groups;
  std::set<std::string> revoked_groups;  // disabled or deleted groups
  std::string devices;
  absl::Time at;
  std::string format;
};

int Fail(absl::string_view command, absl::string_view message) {
  std::cerr << "chaintrust " << command << ": " << message << "\n";
  return kExitError;
}

int Compare(absl::string_view command, const Comparison& c) {
  // Thumbprint -> group id of every revoked group certificate.
  std::map<Sha256Digest, std::string> revoked;
  for (const EnrollmentGroup& g : c.before->enrollment_groups()) {
    if (!c.revoked_groups.count(g.group_id)) continue;
    for (const GroupCertificate& gc : g.certificates) {
      revoked[gc.sha256] = g.group_id;
    }
  }
  std::map<std::pair<std::string, std::string>, std::vector<Change>> groups;
  std::vector<Callout> higher, still_allowed;
  size_t changed = 0;
  const bool json = c.format == "json";
  DecideOptions options;
  options.at = c.at;
  auto n = DecideCorpus(
      c.devices, {c.before, c.after}, options,
      [&](const CorpusDevice& device, absl::Span<const Decision> d) {
        const Decision& before = d[0];
        const Decision& after = d[1];
        if (Changed(before, after)) {
          ++changed;
          Change ch;
          ch.device = device.id;
          if (json) {
            ch.before_json = RenderJson(before);
            ch.after_json = RenderJson(after);
          } else {
            ch.before_text = RenderText(before);
            ch.after_text = RenderText(after);
          }
          groups[{Outcome(before), Outcome(after)}].push_back(std::move(ch));
          if (after.allowed() &&
              after.enrollment_kind() == EnrollmentKind::kGroup &&
              before.enrollment_kind() == EnrollmentKind::kGroup &&
              c.deleted_groups.count(before.enrollment_id()) &&
              after.enrollment_id() != before.enrollment_id()) {
            higher.push_back(
                {device.id, before.enrollment_id(), DecidedBy(after)});
          }
        }
        if (after.allowed() && !revoked.empty() &&
            !device.input.chain_pem.empty()) {
          for (const Sha256Digest& t :
               ChainThumbprints(device.input.chain_pem, *c.before)) {
            auto it = revoked.find(t);
            if (it != revoked.end()) {
              still_allowed.push_back(
                  {device.id, it->second, DecidedBy(after)});
              break;
            }
          }
        }
      });
  if (!n.ok()) return Fail(command, n.status().message());

  if (json) {
    std::string out = absl::StrCat(
        "{\"devices\":", *n, ",\"changed\":", changed, ",\"transitions\":[");
    bool first_group = true;
    for (const auto& [key, changes] : groups) {
      absl::StrAppend(&out, first_group ? "" : ",",
                      "{\"before\":", JsonQuote(key.first),
                      ",\"after\":", JsonQuote(key.second),
                      ",\"count\":", changes.size(), ",\"devices\":[");
      first_group = false;
      bool first = true;
      for (const Change& ch : changes) {
        absl::StrAppend(
            &out, first ? "" : ",", "{\"device\":", JsonQuote(ch.device),
            ",\"before\":", ch.before_json, ",\"after\":", ch.after_json, "}");
        first = false;
      }
      out += "]}";
    }
    auto callouts = [&](const char* name, const char* group_field,
                        const std::vector<Callout>& list) {
      absl::StrAppend(&out, ",", JsonQuote(name), ":[");
      bool first = true;
      for (const Callout& co : list) {
        absl::StrAppend(&out, first ? "" : ",",
                        "{\"device\":", JsonQuote(co.device), ",",
                        JsonQuote(group_field), ":", JsonQuote(co.group),
                        ",\"allowedBy\":", JsonQuote(co.allowed_by), "}");
        first = false;
      }
      out += "]";
    };
    out += "]";
    callouts("stillEnrolledThroughHigherGroup", "deletedGroup", higher);
    callouts("stillAllowedAfterRevokingCa", "revokedGroup", still_allowed);
    out += "}";
    std::cout << out << "\n";
  } else {
    std::cout << "devices: " << *n << "\nchanged: " << changed << "\n";
    for (const auto& [key, changes] : groups) {
      std::cout << "\n== " << key.first << "  ->  " << key.second << "  ("
                << changes.size() << " device"
                << (changes.size() == 1 ? "" : "s") << ")\n";
      for (const Change& ch : changes) {
        std::cout << "-- " << ch.device << "\n   before:\n"
                  << ch.before_text << "   after:\n"
                  << ch.after_text;
      }
    }
    if (!higher.empty()) {
      std::cout << "\n!! still enrolled only through a higher group after a "
                   "delete ("
                << higher.size() << "):\n";
      for (const Callout& co : higher) {
        std::cout << "  " << co.device << ": group " << co.group
                  << " deleted, now allowed by " << co.allowed_by << "\n";
      }
    }
    if (!still_allowed.empty()) {
      std::cout << "\n!! still allowed although a disabled/deleted group's CA "
                   "is in the chain ("
                << still_allowed.size() << "):\n";
      for (const Callout& co : still_allowed) {
        std::cout << "  " << co.device << ": group " << co.group
                  << " revoked, still allowed by " << co.allowed_by << "\n";
      }
    }
  }
  return std::cout.good() ? 0 : kExitError;
}

absl::StatusOr<std::string> Format(const Flags& flags) {
  const std::string format = flags.Get("format", "text");
  if (format != "text" && format != "json") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--format=", format, " is not supported; use text or json"));
  }
  return format;
}

absl::StatusOr<absl::Time> At(const Flags& flags) {
  if (!flags.Has("at")) return absl::Now();
  auto at = ParseRfc3339(flags.Get("at"));
  if (!at.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--at: ", at.status().message()));
  }
  return *at;
}

}  // namespace

int RunWhatIf(const std::vector<std::string>& args) {
  constexpr absl::string_view kCmd = "whatif";
  auto flags = Flags::Parse(
      args,
      {"policy", "devices", "disable", "enable", "delete", "at", "format"},
      {"disable", "enable", "delete"});
  if (!flags.ok()) return Fail(kCmd, flags.status().message());
  if (!flags->positional().empty()) {
    return Fail(kCmd, absl::StrCat("takes no positional arguments (got \"",
                                   flags->positional()[0], "\")"));
  }
  Comparison c;
  auto format = Format(*flags);
  if (!format.ok()) return Fail(kCmd, format.status().message());
  c.format = *format;
  auto at = At(*flags);
  if (!at.ok()) return Fail(kCmd, at.status().message());
  c.at = *at;
  if (!flags->Has("policy")) return Fail(kCmd, "needs --policy=FILE");
  if (!flags->Has("devices"))
    return Fail(kCmd, "needs --devices=DIR|FILE.jsonl");
  if (!flags->Has("disable") && !flags->Has("enable") &&
      !flags->Has("delete")) {
    return Fail(kCmd,
                "needs at least one --disable=ID, --enable=ID or "
                "--delete=ID");
  }
  c.devices = flags->Get("devices");
  const std::string policy = flags->Get("policy");
  auto set = LoadEnrollmentSetFile(policy);
  if (!set.ok()) return Fail(kCmd, set.status().message());
  auto before = BuildSnapshot(*set, policy);
  if (!before.ok()) return Fail(kCmd, before.status().message());
  c.before = *before;

  // Applies one edit; false when no entry has that ID.
  auto edit = [&](const std::string& op, const std::string& id) -> bool {
    bool found = false;
    auto* individuals = set->mutable_individual_enrollments();
    for (int i = 0; i < individuals->size(); ++i) {
      if (!absl::EqualsIgnoreCase(individuals->Get(i).registration_id(), id)) {
        continue;
      }
      found = true;
      if (op == "delete") {
        individuals->DeleteSubrange(i, 1);
        --i;
      } else {
        individuals->Mutable(i)->set_provisioning_status(
            op == "disable" ? v1::DISABLED : v1::ENABLED);
      }
    }
    auto* groups = set->mutable_enrollment_groups();
    for (int i = 0; i < groups->size(); ++i) {
      if (groups->Get(i).enrollment_group_id() != id) continue;
      found = true;
      if (op == "delete") {
        groups->DeleteSubrange(i, 1);
        --i;
        c.deleted_groups.insert(id);
        c.revoked_groups.insert(id);
      } else {
        groups->Mutable(i)->set_provisioning_status(
            op == "disable" ? v1::DISABLED : v1::ENABLED);
        if (op == "disable") c.revoked_groups.insert(id);
      }
    }
    return found;
  };
  for (const char* op : {"disable", "enable", "delete"}) {
    for (const std::string& id : flags->GetAll(op)) {
      if (!edit(op, id)) {
        return Fail(kCmd, absl::StrCat("--", op, "=", id, ": ", policy,
                                       " has no individual enrollment or "
                                       "enrollment group \"",
                                       id, "\""));
      }
    }
  }
  auto after = BuildSnapshot(*set, absl::StrCat(policy, " (edited)"));
  if (!after.ok()) return Fail(kCmd, after.status().message());
  c.after = *after;
  return Compare(kCmd, c);
}

int RunDiff(const std::vector<std::string>& args) {
  constexpr absl::string_view kCmd = "diff";
  auto flags =
      Flags::Parse(args, {"before", "after", "devices", "at", "format"});
  if (!flags.ok()) return Fail(kCmd, flags.status().message());
  if (!flags->positional().empty()) {
    return Fail(kCmd, absl::StrCat("takes no positional arguments (got \"",
                                   flags->positional()[0], "\")"));
  }
  Comparison c;
  auto format = Format(*flags);
  if (!format.ok()) return Fail(kCmd, format.status().message());
  c.format = *format;
  auto at = At(*flags);
  if (!at.ok()) return Fail(kCmd, at.status().message());
  c.at = *at;
  if (!flags->Has("before") || !flags->Has("after")) {
    return Fail(kCmd, "needs --before=FILE and --after=FILE");
  }
  if (!flags->Has("devices"))
    return Fail(kCmd, "needs --devices=DIR|FILE.jsonl");
  c.devices = flags->Get("devices");
  auto before = LoadSnapshotFile(flags->Get("before"));
  if (!before.ok()) return Fail(kCmd, before.status().message());
  auto after = LoadSnapshotFile(flags->Get("after"));
  if (!after.ok()) return Fail(kCmd, after.status().message());
  c.before = *before;
  c.after = *after;
  std::map<std::string, bool> after_groups;  // id -> enabled
  for (const EnrollmentGroup& g : c.after->enrollment_groups()) {
    after_groups[g.group_id] = g.enabled;
  }
  for (const EnrollmentGroup& g : c.before->enrollment_groups()) {
    auto it = after_groups.find(g.group_id);
    if (it == after_groups.end()) {
      c.deleted_groups.insert(g.group_id);
      c.revoked_groups.insert(g.group_id);
    } else if (g.enabled && !it->second) {
      c.revoked_groups.insert(g.group_id);
    }
  }
  return Compare(kCmd, c);
}

}  // namespace chaintrust::cli
