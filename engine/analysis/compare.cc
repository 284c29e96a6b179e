#include "engine/analysis/compare.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/decision.h"
#include "engine/policy_loader.h"
#include "engine/x509/certificate.h"

namespace chaintrust::analysis {
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

// Which revoked groups' certificates lie on a device's path. Built once,
// read-only during the corpus pass (so the worker threads share it).
class RevokedCas {
 public:
  explicit RevokedCas(const PolicyChange& c) : c_(c) {
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
               snap->FindCertificatesBySubject(c->issuer_name_key())) {
            candidates.push_back(a);
          }
        }
        for (const Certificate* issuer : candidates) {
          if (issuer->subject_name_key() != c->issuer_name_key()) continue;
          if (!seen.insert(issuer->sha256()).second) continue;
          if (VerifySignedBy(*c, *issuer)) next.push_back(issuer);
        }
      }
      frontier = std::move(next);
    }
    return "";
  }

  const PolicyChange& c_;
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

// One device's call-outs and output line, computed on a worker thread.
// notes = {kind, group, allowedBy, wasAllowed}...
void PrepareDevice(const GroupCerts& deleted, const RevokedCas& revoked,
                   bool render_lines, CorpusDevice* device,
                   absl::Span<const Decision> d) {
  const Decision& before = d[0];
  const Decision& after = d[1];
  const bool changed = Changed(before, after);
  if (ThroughHigherGroup(deleted, before, after)) {
    device->notes = {std::string(kHigher), before.enrollment_id(),
                     DecidedBy(after), before.allowed() ? "1" : "0"};
  }
  if (after.allowed() && !revoked.empty()) {
    const std::string revoked_group = revoked.Find(*device, before, after);
    if (!revoked_group.empty()) {
      device->notes.insert(
          device->notes.end(),
          {std::string(kRevoked), revoked_group, DecidedBy(after), ""});
    }
  }
  if (!render_lines || (!changed && device->notes.empty())) return;
  std::string& line = device->annotation;
  absl::StrAppend(&line, "{\"device\":", JsonQuote(device->id),
                  ",\"changed\":", changed ? "true" : "false",
                  ",\"transition\":{\"before\":", JsonQuote(OutcomeOf(before)),
                  ",\"after\":", JsonQuote(OutcomeOf(after)), "}");
  const auto& n = device->notes;
  for (size_t i = 0; i + 4 <= n.size(); i += 4) {
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
}

// Counts one device into the report, on the calling thread.
void CountDevice(const CompareOptions& options, const CorpusDevice& device,
                 absl::Span<const Decision> d, CompareReport* report) {
  auto add = [&](Bucket* b) {
    ++b->count;
    if (b->sample.size() < options.sample) b->sample.push_back(device.id);
  };
  if (Changed(d[0], d[1])) {
    ++report->changed;
    Bucket& b = report->transitions[{OutcomeOf(d[0]), OutcomeOf(d[1])}];
    if (b.count == 0 && options.explain) {
      b.before_text = RenderText(d[0]);
      b.after_text = RenderText(d[1]);
    }
    add(&b);
  }
  const auto& note = device.notes;
  for (size_t i = 0; i + 4 <= note.size(); i += 4) {
    const bool is_higher = note[i] == kHigher;
    Bucket& b = (is_higher ? report->higher
                           : report->still)[{note[i + 1], note[i + 2]}];
    add(&b);
    if (is_higher) {
      ++report->through_higher_group;
      b.was_denied += note[i + 3] == "0";
    } else {
      ++report->still_allowed;
    }
  }
}

}  // namespace

absl::StatusOr<CompareReport> Compare(const PolicyChange& change,
                                      const std::string& devices,
                                      const CompareOptions& options,
                                      const CompareSink& sink) {
  GroupCerts deleted;
  for (const EnrollmentGroup& g : change.before->enrollment_groups()) {
    if (!change.deleted_groups.count(g.group_id)) continue;
    for (const GroupCertificate& gc : g.certificates) {
      deleted[g.group_id].insert(gc.sha256);
    }
  }
  const RevokedCas revoked(change);
  DecideOptions decide;
  decide.at = options.at;
  decide.crls = {change.before_crls, change.after_crls};
  decide.resolver = options.resolver;
  decide.threads = options.threads;
  decide.progress = options.progress;
  decide.prepare = [&](CorpusDevice* device, absl::Span<const Decision> d) {
    PrepareDevice(deleted, revoked, options.render_lines, device, d);
  };
  CompareReport report;
  report.change = change.change;
  auto n = DecideCorpus(
      devices, {change.before, change.after}, decide,
      [&](const CorpusDevice& device, absl::Span<const Decision> d) {
        if (sink && (Changed(d[0], d[1]) || !device.notes.empty())) {
          sink(device, device.annotation);
        }
        CountDevice(options, device, d, &report);
      });
  if (!n.ok()) return n.status();
  report.devices = *n;
  return report;
}

absl::string_view PolicyEditOpName(PolicyEdit::Op op) {
  switch (op) {
    case PolicyEdit::Op::kDisable:
      return "disable";
    case PolicyEdit::Op::kEnable:
      return "enable";
    case PolicyEdit::Op::kDelete:
      return "delete";
  }
  return "";
}

namespace {

// Applies one edit to `set`; false when no entry has that ID.
bool ApplyEdit(const PolicyEdit& edit, v1::EnrollmentSet* set,
               PolicyChange* change) {
  const bool is_delete = edit.op == PolicyEdit::Op::kDelete;
  const auto status =
      edit.op == PolicyEdit::Op::kDisable ? v1::DISABLED : v1::ENABLED;
  bool found = false;
  auto* individuals = set->mutable_individual_enrollments();
  for (int i = 0; i < individuals->size(); ++i) {
    if (!absl::EqualsIgnoreCase(individuals->Get(i).registration_id(),
                                edit.id)) {
      continue;
    }
    found = true;
    if (is_delete) {
      individuals->DeleteSubrange(i--, 1);
    } else {
      individuals->Mutable(i)->set_provisioning_status(status);
    }
  }
  auto* groups = set->mutable_enrollment_groups();
  for (int i = 0; i < groups->size(); ++i) {
    const std::string id = groups->Get(i).enrollment_group_id();
    if (!absl::EqualsIgnoreCase(id, edit.id)) continue;
    found = true;
    if (is_delete) {
      groups->DeleteSubrange(i--, 1);
      change->deleted_groups.insert(id);
      change->revoked_groups.insert(id);
    } else {
      groups->Mutable(i)->set_provisioning_status(status);
      if (edit.op == PolicyEdit::Op::kDisable) {
        change->revoked_groups.insert(id);
      }
    }
  }
  return found;
}

}  // namespace

absl::StatusOr<PolicyChange> EditPolicy(const v1::EnrollmentSet& set,
                                        const std::string& source_name,
                                        const std::vector<PolicyEdit>& edits) {
  for (size_t i = 0; i < edits.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (edits[i].op != edits[j].op &&
          absl::EqualsIgnoreCase(edits[i].id, edits[j].id)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--", PolicyEditOpName(edits[j].op), "=", edits[j].id, " and --",
            PolicyEditOpName(edits[i].op), "=", edits[i].id,
            " contradict each other; give each ID one operation"));
      }
    }
  }
  PolicyChange change;
  auto before = BuildSnapshot(set, source_name);
  if (!before.ok()) return before.status();
  change.before = *before;
  v1::EnrollmentSet edited = set;
  for (const PolicyEdit& edit : edits) {
    change.change.push_back(
        absl::StrCat(PolicyEditOpName(edit.op), " ", edit.id));
    if (!ApplyEdit(edit, &edited, &change)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", PolicyEditOpName(edit.op), "=", edit.id, ": ", source_name,
          " has no individual enrollment or enrollment group \"", edit.id,
          "\""));
    }
  }
  auto after = BuildSnapshot(edited, absl::StrCat(source_name, " (edited)"));
  if (!after.ok()) return after.status();
  change.after = *after;
  return change;
}

PolicyChange DiffPolicies(const SnapshotPtr& before, const SnapshotPtr& after,
                          const std::string& before_name,
                          const std::string& after_name) {
  PolicyChange change;
  change.before = before;
  change.after = after;
  change.change = {absl::StrCat("before ", before_name),
                   absl::StrCat("after ", after_name)};
  std::map<std::string, bool> after_groups;  // id -> enabled
  for (const EnrollmentGroup& g : after->enrollment_groups()) {
    after_groups[g.group_id] = g.enabled;
  }
  for (const EnrollmentGroup& g : before->enrollment_groups()) {
    auto it = after_groups.find(g.group_id);
    if (it == after_groups.end()) {
      change.deleted_groups.insert(g.group_id);
      change.revoked_groups.insert(g.group_id);
    } else if (g.enabled && !it->second) {
      change.revoked_groups.insert(g.group_id);
    }
  }
  return change;
}

}  // namespace chaintrust::analysis
