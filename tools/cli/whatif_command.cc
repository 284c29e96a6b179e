#include "tools/cli/whatif_command.h"

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/x509/certificate.h"
#include "engine/decision.h"
#include "engine/policy_loader.h"
#include "proto/enrollment.pb.h"
#include "tools/cli/cli.h"
#include "tools/cli/device_corpus.h"

namespace chaintrust::cli {
namespace {

constexpr absl::string_view kHigher = "stillEnrolledThroughHigherGroup";
constexpr absl::string_view kRevoked = "stillAllowedAfterRevokingCa";

std::string OutcomeOf(const Decision& d) {
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

struct Comparison {
  SnapshotPtr before, after;
  std::set<std::string> deleted_groups;
  std::set<std::string> revoked_groups;  // disabled or deleted groups
  std::vector<std::string> change;       // what changed, for the header
  std::string devices;
  std::string out_path;
  absl::Time at;
  std::string format;
  size_t sample = 5;
};

int Fail(absl::string_view command, absl::string_view message) {
  std::cerr << "chaintrust " << command << ": " << message << "\n";
  return kExitError;
}

// Which revoked groups' certificates lie on a device's path. Built once,
// read-only during the corpus pass (so the worker threads share it).
class RevokedCas {
 public:
  RevokedCas(const Comparison& c) : c_(c) {
    for (const EnrollmentGroup& g : c.before->enrollment_groups()) {
      if (!c.revoked_groups.count(g.group_id)) continue;
      for (const GroupCertificate& gc : g.certificates) {
        revoked_[gc.sha256] = g.group_id;
      }
    }
    if (revoked_.empty()) return;
    // For every group certificate with a body, in either policy: the first
    // revoked group among itself and its ancestors (by signature).
    for (const SnapshotPtr& snap : {c.before, c.after}) {
      for (const EnrollmentGroup& g : snap->enrollment_groups()) {
        for (const GroupCertificate& gc : g.certificates) {
          if (gc.certificate == nullptr || reach_.count(gc.sha256)) continue;
          reach_[gc.sha256] = FirstRevoked(*gc.certificate, {});
        }
      }
    }
  }

  bool empty() const { return revoked_.empty(); }

  // The revoked group whose CA is on the path of an ALLOWed device, or "".
  std::string Find(const CorpusDevice& device, const Decision& before,
                   const Decision& after) const {
    // The path the engine built (up to the deciding group), both times.
    const Sha256Digest* top = nullptr;
    for (const Decision* d : {&before, &after}) {
      for (const ExplanationStep& s : d->explanation()) {
        if (s.step != StepId::kLookupGroup || !s.has_thumbprint) continue;
        auto it = revoked_.find(s.thumbprint);
        if (it != revoked_.end()) return it->second;
        if (d == &after) top = &s.thumbprint;
      }
    }
    // Above the deciding certificate: its known ancestors.
    if (after.enrollment_kind() == EnrollmentKind::kGroup && top != nullptr) {
      auto it = reach_.find(*top);
      if (it != reach_.end()) return it->second;
    }
    // Individual enrollments (and thumbprint-only anchors): the presented
    // chain and the anchors above it.
    auto ders = PemToDer(device.input.chain_pem);
    if (!ders.ok()) return "";
    std::vector<CertificatePtr> certs;
    for (const std::string& der : *ders) {
      auto cert = Certificate::Create(der);
      if (cert.ok()) certs.push_back(*std::move(cert));
    }
    for (const CertificatePtr& cert : certs) {
      std::string found = FirstRevoked(*cert, certs);
      if (!found.empty()) return found;
    }
    return "";
  }

 private:
  // Breadth-first up from `cert` through issuers among `presented` and the
  // group certificates of both policies, matched by name and signature.
  std::string FirstRevoked(const Certificate& cert,
                           const std::vector<CertificatePtr>& presented) const {
    std::vector<const Certificate*> frontier = {&cert};
    std::set<Sha256Digest> seen = {cert.sha256()};
    for (int depth = 0; depth < 12 && !frontier.empty(); ++depth) {
      std::vector<const Certificate*> next;
      for (const Certificate* c : frontier) {
        auto it = revoked_.find(c->sha256());
        if (it != revoked_.end()) return it->second;
        if (c->self_issued()) continue;
        std::vector<const Certificate*> candidates;
        for (const CertificatePtr& p : presented) candidates.push_back(p.get());
        for (const SnapshotPtr& snap : {c_.before, c_.after}) {
          for (const Certificate* a :
               snap->FindCertificatesBySubject(c->issuer_der())) {
            candidates.push_back(a);
          }
        }
        for (const Certificate* issuer : candidates) {
          if (issuer->subject_der() != c->issuer_der()) continue;
          if (!seen.insert(issuer->sha256()).second) continue;
          if (VerifySignedBy(*c, *issuer)) next.push_back(issuer);
        }
      }
      frontier = std::move(next);
    }
    return "";
  }

  const Comparison& c_;
  std::map<Sha256Digest, std::string> revoked_;  // thumbprint -> group
  std::map<Sha256Digest, std::string> reach_;    // thumbprint -> group or ""
};

// Thumbprints of a group's certificates, per deleted group.
using GroupCerts = std::map<std::string, std::set<Sha256Digest>>;

// A device decided by a group the change deletes and ALLOWed afterwards by
// a group above it on the same path (the deleted group's certificate is on
// the path the engine walked before reaching the new group).
bool ThroughHigherGroup(const GroupCerts& deleted, const Decision& before,
                        const Decision& after) {
  if (!after.allowed() || after.enrollment_kind() != EnrollmentKind::kGroup ||
      before.enrollment_kind() != EnrollmentKind::kGroup ||
      after.enrollment_id() == before.enrollment_id()) {
    return false;
  }
  auto it = deleted.find(before.enrollment_id());
  if (it == deleted.end()) return false;
  for (const ExplanationStep& s : after.explanation()) {
    if (s.step == StepId::kLookupGroup && s.has_thumbprint &&
        it->second.count(s.thumbprint)) {
      return true;
    }
  }
  return false;
}

// Counts plus a bounded sample: what the summary keeps per bucket, so that
// memory does not grow with the fleet.
struct Bucket {
  size_t count = 0;
  std::vector<std::string> sample;
  std::string before_text, after_text;  // explanations of sample[0]
  size_t was_denied = 0;                // kHigher: DENY before
};

std::string Indent(absl::string_view text, absl::string_view prefix) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&out, prefix, line, "\n");
  }
  return out;
}

std::string SampleJson(const std::vector<std::string>& sample) {
  std::string out = "[";
  for (size_t i = 0; i < sample.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", JsonQuote(sample[i]));
  }
  return out + "]";
}

std::string SampleText(const Bucket& b) {
  std::string out = absl::StrJoin(b.sample, ", ");
  if (b.count > b.sample.size()) {
    absl::StrAppend(&out, ", ... (", b.count - b.sample.size(), " more)");
  }
  return out;
}

std::string Plural(size_t n, absl::string_view word) {
  return absl::StrCat(n, " ", word, n == 1 ? "" : "s");
}

int Compare(absl::string_view command, const Comparison& c) {
  const bool json = c.format == "json";
  GroupCerts deleted;
  for (const EnrollmentGroup& g : c.before->enrollment_groups()) {
    if (!c.deleted_groups.count(g.group_id)) continue;
    for (const GroupCertificate& gc : g.certificates) {
      deleted[g.group_id].insert(gc.sha256);
    }
  }
  const RevokedCas revoked(c);

  std::ofstream file;
  std::ostream* lines = nullptr;
  if (!c.out_path.empty()) {
    file.open(c.out_path, std::ios::binary | std::ios::trunc);
    if (!file) {
      return Fail(command, absl::StrCat("--out: cannot write ", c.out_path));
    }
    lines = &file;
  } else if (json) {
    lines = &std::cout;
  }
  const bool write_lines = lines != nullptr;

  // On the worker threads: the call-outs and the output line of each device
  // that changes or is called out. notes = {kind, group, allowedBy}...
  DecideOptions options;
  options.at = c.at;
  options.prepare = [&](CorpusDevice* device, absl::Span<const Decision> d) {
    const Decision& before = d[0];
    const Decision& after = d[1];
    const bool changed = Changed(before, after);
    if (ThroughHigherGroup(deleted, before, after)) {
      device->notes = {std::string(kHigher), before.enrollment_id(),
                       DecidedBy(after), before.allowed() ? "1" : "0"};
    }
    std::string revoked_group;
    if (after.allowed() && !revoked.empty()) {
      revoked_group = revoked.Find(*device, before, after);
      if (!revoked_group.empty()) {
        device->notes.insert(
            device->notes.end(),
            {std::string(kRevoked), revoked_group, DecidedBy(after), ""});
      }
    }
    if (!write_lines || (!changed && device->notes.empty())) return;
    std::string& line = device->annotation;
    absl::StrAppend(
        &line, "{\"device\":", JsonQuote(device->id),
        ",\"changed\":", changed ? "true" : "false",
        ",\"transition\":{\"before\":", JsonQuote(OutcomeOf(before)),
        ",\"after\":", JsonQuote(OutcomeOf(after)), "}");
    for (size_t i = 0; i + 4 <= device->notes.size(); i += 4) {
      const auto& n = device->notes;
      if (n[i] == kHigher) {
        absl::StrAppend(
            &line, ",\"", kHigher, "\":{\"deletedGroup\":", JsonQuote(n[i + 1]),
            ",\"allowedBy\":", JsonQuote(n[i + 2]),
            ",\"wasAllowed\":", n[i + 3] == "1" ? "true" : "false", "}");
      } else {
        absl::StrAppend(&line, ",\"", kRevoked,
                        "\":{\"revokedGroup\":", JsonQuote(n[i + 1]),
                        ",\"allowedBy\":", JsonQuote(n[i + 2]), "}");
      }
    }
    absl::StrAppend(&line, ",\"before\":", RenderJson(before),
                    ",\"after\":", RenderJson(after), "}\n");
  };

  // On this thread: counts and bounded samples only.
  std::map<std::pair<std::string, std::string>, Bucket> transitions;
  std::map<std::pair<std::string, std::string>, Bucket> higher, still;
  size_t changed = 0, n_higher = 0, n_still = 0;
  auto add = [&](Bucket* b, const std::string& id) {
    ++b->count;
    if (b->sample.size() < c.sample) b->sample.push_back(id);
  };
  auto n = DecideCorpus(
      c.devices, {c.before, c.after}, options,
      [&](const CorpusDevice& device, absl::Span<const Decision> d) {
        if (write_lines) *lines << device.annotation;
        if (Changed(d[0], d[1])) {
          ++changed;
          Bucket& b = transitions[{OutcomeOf(d[0]), OutcomeOf(d[1])}];
          if (b.count == 0 && !json) {
            b.before_text = RenderText(d[0]);
            b.after_text = RenderText(d[1]);
          }
          add(&b, device.id);
        }
        for (size_t i = 0; i + 4 <= device.notes.size(); i += 4) {
          const auto& note = device.notes;
          const bool is_higher = note[i] == kHigher;
          Bucket& b = (is_higher ? higher : still)[{note[i + 1], note[i + 2]}];
          add(&b, device.id);
          if (is_higher) {
            ++n_higher;
            b.was_denied += note[i + 3] == "0";
          } else {
            ++n_still;
          }
        }
      });
  if (!n.ok()) return Fail(command, n.status().message());
  if (file.is_open()) {
    file.close();
    if (!file) {
      return Fail(command, absl::StrCat("--out: write failed: ", c.out_path));
    }
  }

  if (json) {
    std::string out = absl::StrCat("{\"change\":[");
    for (size_t i = 0; i < c.change.size(); ++i) {
      absl::StrAppend(&out, i ? "," : "", JsonQuote(c.change[i]));
    }
    absl::StrAppend(&out, "],\"devices\":", *n, ",\"changed\":", changed,
                    ",\"transitions\":[");
    bool first = true;
    for (const auto& [key, b] : transitions) {
      absl::StrAppend(
          &out, first ? "" : ",", "{\"before\":", JsonQuote(key.first),
          ",\"after\":", JsonQuote(key.second), ",\"count\":", b.count,
          ",\"sample\":", SampleJson(b.sample), "}");
      first = false;
    }
    out += "]";
    auto callouts = [&](absl::string_view name, const char* group_field,
                        size_t total, const auto& buckets) {
      absl::StrAppend(&out, ",\"", name, "\":{\"count\":", total,
                      ",\"byGroup\":[");
      bool first = true;
      for (const auto& [key, b] : buckets) {
        absl::StrAppend(&out, first ? "" : ",", "{\"", group_field,
                        "\":", JsonQuote(key.first),
                        ",\"allowedBy\":", JsonQuote(key.second),
                        ",\"count\":", b.count);
        if (name == kHigher) {
          absl::StrAppend(&out, ",\"wereDenied\":", b.was_denied);
        }
        absl::StrAppend(&out, ",\"sample\":", SampleJson(b.sample), "}");
        first = false;
      }
      out += "]}";
    };
    callouts(kHigher, "deletedGroup", n_higher, higher);
    callouts(kRevoked, "revokedGroup", n_still, still);
    out += "}";
    std::cout << (write_lines && c.out_path.empty()
                      ? absl::StrCat("{\"summary\":", out, "}")
                      : out)
              << "\n";
  } else {
    std::string out;
    absl::StrAppend(&out, command, ": ", absl::StrJoin(c.change, ", "), "\n",
                    "devices: ", *n, "   changed: ", changed,
                    "   called out: ", n_higher, " (higher group), ", n_still,
                    " (revoked CA)\n");
    if (!c.out_path.empty()) {
      absl::StrAppend(&out, "every changed or called-out device: ", c.out_path,
                      "\n");
    }
    for (const auto& [key, b] : transitions) {
      absl::StrAppend(&out, "\n== ", Plural(b.count, "device"),
                      "\n   before: ", key.first, "\n   after:  ", key.second,
                      "\n   ", SampleText(b), "\n   e.g. ", b.sample[0],
                      " before:\n", Indent(b.before_text, "     "), "   e.g. ",
                      b.sample[0], " after:\n", Indent(b.after_text, "     "));
    }
    if (n_higher > 0) {
      absl::StrAppend(&out, "\n!! ", Plural(n_higher, "device"),
                      " stay enrolled only through a higher group after the "
                      "delete:\n");
      for (const auto& [key, b] : higher) {
        absl::StrAppend(&out, "   group ", key.first,
                        " deleted -> now allowed by ", key.second, ": ",
                        Plural(b.count, "device"));
        if (b.was_denied > 0) {
          absl::StrAppend(&out, " (", b.was_denied,
                          " of them DENIED before: the delete re-enrolls "
                          "them)");
        }
        absl::StrAppend(&out, "\n     ", SampleText(b), "\n");
      }
    }
    if (n_still > 0) {
      absl::StrAppend(&out, "\n!! ", Plural(n_still, "device"),
                      " still allowed although a disabled or deleted "
                      "group's CA is on their path:\n");
      for (const auto& [key, b] : still) {
        absl::StrAppend(&out, "   group ", key.first,
                        " revoked -> still allowed by ", key.second, ": ",
                        Plural(b.count, "device"), "\n     ", SampleText(b),
                        "\n");
      }
    }
    std::cout << out;
  }
  return std::cout.good() ? 0 : kExitError;
}

// --out and --sample, shared by whatif and diff.
absl::Status OutputFlags(const Flags& flags, Comparison* c) {
  c->out_path = flags.Get("out");
  if (flags.Has("sample")) {
    int sample = 0;
    if (!absl::SimpleAtoi(flags.Get("sample"), &sample) || sample < 1 ||
        sample > 10000) {
      return absl::InvalidArgumentError(
          absl::StrCat("--sample=", flags.Get("sample"),
                       ": expected a number of devices from 1 to 10000"));
    }
    c->sample = sample;
  }
  return absl::OkStatus();
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
  auto flags = ParseCommandFlags(args,
                                 {"policy", "devices", "disable", "enable",
                                  "delete", "at", "format", "out", "sample"},
                                 {"disable", "enable", "delete"});
  if (!flags.ok()) return Fail(kCmd, flags.status().message());
  Comparison c;
  auto format = FormatFlag(*flags);
  if (!format.ok()) return Fail(kCmd, format.status().message());
  c.format = *format;
  if (auto s = OutputFlags(*flags, &c); !s.ok()) {
    return Fail(kCmd, s.message());
  }
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
      c.change.push_back(absl::StrCat(op, " ", id));
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
  auto flags = ParseCommandFlags(
      args, {"before", "after", "devices", "at", "format", "out", "sample"});
  if (!flags.ok()) return Fail(kCmd, flags.status().message());
  Comparison c;
  auto format = FormatFlag(*flags);
  if (!format.ok()) return Fail(kCmd, format.status().message());
  c.format = *format;
  if (auto s = OutputFlags(*flags, &c); !s.ok()) {
    return Fail(kCmd, s.message());
  }
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
  c.change.push_back(absl::StrCat("before ", flags->Get("before")));
  c.change.push_back(absl::StrCat("after ", flags->Get("after")));
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
