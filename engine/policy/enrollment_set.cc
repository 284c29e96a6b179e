#include "engine/policy/enrollment_set.h"

#include <algorithm>
#include <cstring>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/base64.h"
#include "engine/policy/dps_schema.h"
#include "engine/policy/enrollment_set_ca.h"
#include "engine/policy/problems.h"
#include "engine/policy/registration_id.h"

// Decisions where docs/rules.md is silent (also documented in the README):
// - An entry's credentials are read according to its attestation kind only;
//   keys given with an X.509 entry (and vice versa) are ignored.
// - X.509 and symmetric-key entries need a primary certificate / key; a
//   secondary alone is rejected (as DPS does). A *disabled* individual
//   enrollment may have none at all: it only says "deny this device", and
//   docs/rules.md §2 says its credentials do not matter. Groups always
//   need a primary, since a group is found through its credentials.
// - The same certificate as primary and secondary of one entry is accepted
//   (it is still one entry); it is indexed once.
// - Group IDs are unique case-insensitively, like registration IDs; they
//   must be 1-128 printable ASCII characters.
// - Registration IDs are validated with the general 128-character limit,
//   also for X.509 entries, so that real DPS exports load.
// - TPM individual enrollments are kept as data; TPM groups are rejected.
// - The CN of an individual client certificate is not compared with the
//   registration ID.

namespace chaintrust {

absl::string_view AttestationKindName(AttestationKind kind) {
  switch (kind) {
    case AttestationKind::kX509:
      return "x509";
    case AttestationKind::kSymmetricKey:
      return "symmetricKey";
    case AttestationKind::kTpm:
      return "tpm";
  }
  return "unknown";
}

namespace {

constexpr size_t kMinKeyBytes = 16;
constexpr size_t kMaxKeyBytes = 64;
constexpr size_t kMaxGroupIdLength = 128;

using internal::DecodeBase64Strict;
using internal::Problems;
using internal::QuoteForProblem;

uint64_t DigestPrefix(const Sha256Digest& digest) {
  uint64_t prefix;
  std::memcpy(&prefix, digest.data(), sizeof prefix);
  return prefix;
}

struct DigestHash {
  size_t operator()(const Sha256Digest& digest) const {
    // SHA-256 output is uniform: its first bytes are a good hash.
    return static_cast<size_t>(DigestPrefix(digest));
  }
};

// One certificate of one entry, for the "a certificate belongs to only one
// entry" rule. Sorting these is much smaller than a hash map over every
// thumbprint of ten million entries.
struct ThumbprintRef {
  uint64_t prefix;
  uint32_t entry;  // index into individuals or groups
  uint8_t is_group;
  uint8_t slot;  // individuals: Slot; groups: index into certificates
};

}  // namespace

// ---- Index ----

struct EnrollmentSnapshot::Index {
  // Registration IDs are indexed as positions into individuals_, hashed and
  // compared case-insensitively, so the index holds 4 bytes per entry and
  // lookups by a lowercased string_view allocate nothing.
  struct IdHash {
    using is_transparent = void;
    const std::vector<IndividualEnrollment>* individuals;
    size_t operator()(absl::string_view canonical) const {
      return absl::Hash<absl::string_view>()(canonical);
    }
    size_t operator()(uint32_t index) const {
      char buffer[kMaxRegistrationIdLength];
      return (*this)(CanonicalRegistrationIdInto(
          (*individuals)[index].registration_id, buffer));
    }
  };
  struct IdEq {
    using is_transparent = void;
    const std::vector<IndividualEnrollment>* individuals;
    absl::string_view Id(uint32_t index) const {
      return (*individuals)[index].registration_id;
    }
    bool operator()(uint32_t a, uint32_t b) const {
      return absl::EqualsIgnoreCase(Id(a), Id(b));
    }
    bool operator()(uint32_t a, absl::string_view b) const {
      return absl::EqualsIgnoreCase(Id(a), b);
    }
    bool operator()(absl::string_view a, uint32_t b) const {
      return absl::EqualsIgnoreCase(a, Id(b));
    }
  };

  struct CertRef {
    uint32_t group;
    uint32_t certificate;
  };

  explicit Index(const std::vector<IndividualEnrollment>* individuals)
      : ids(0, IdHash{individuals}, IdEq{individuals}) {}

  absl::flat_hash_set<uint32_t, IdHash, IdEq> ids;
  absl::flat_hash_map<Sha256Digest, CertRef, DigestHash> group_certificates;
  absl::flat_hash_map<absl::string_view, std::vector<const Certificate*>>
      by_subject;
  std::vector<const EnrollmentGroup*> symmetric_key_groups;
};

// ---- Builder ----

struct EnrollmentSnapshot::Builder::Impl {
  std::string source_name;
  std::vector<IndividualEnrollment> individuals;
  std::vector<EnrollmentGroup> groups;
  // Whether each entry's ID is valid (only valid IDs are indexed).
  std::vector<bool> individual_id_valid;
  std::vector<bool> group_id_valid;
  // Callers' names for entries, only for entries added with one.
  absl::flat_hash_map<uint32_t, std::string> individual_where;
  absl::flat_hash_map<uint32_t, std::string> group_where;
  std::vector<ThumbprintRef> thumbprints;
  Problems problems;
  // The DPS instance's CA certificates and the groups' references to them
  // (resolved by Build).
  policy_internal::CaCertificateTable ca_certificates;

  std::string Name(bool is_group, uint32_t index, absl::string_view id) const {
    const auto& where = is_group ? group_where : individual_where;
    if (!where.empty()) {
      auto it = where.find(index);
      if (it != where.end()) return it->second;
    }
    std::string name;
    if (!source_name.empty()) absl::StrAppend(&name, source_name, ": ");
    absl::StrAppend(&name, dps::EntryLabel(is_group, index));
    if (!id.empty()) absl::StrAppend(&name, " (", QuoteForProblem(id), ")");
    return name;
  }
  std::string IndividualName(uint32_t index) const {
    return Name(false, index, individuals[index].registration_id);
  }
  std::string GroupName(uint32_t index) const {
    return Name(true, index, groups[index].group_id);
  }

  const Sha256Digest& Digest(const ThumbprintRef& ref) const {
    if (ref.is_group) return groups[ref.entry].certificates[ref.slot].sha256;
    const IndividualEnrollment& e = individuals[ref.entry];
    return ref.slot == 0 ? *e.primary_thumbprint : *e.secondary_thumbprint;
  }

  // Decodes a symmetric key; reports problems under `field`.
  template <typename Report>
  void DecodeKey(const std::string& base64, absl::string_view field,
                 std::string* raw, const Report& report) {
    if (const char* error = DecodeBase64Strict(base64, raw)) {
      report(field, error);
      raw->clear();
      return;
    }
    if (raw->size() < kMinKeyBytes || raw->size() > kMaxKeyBytes) {
      report(field, absl::StrCat("key is ", raw->size(),
                                 " bytes; must be 16 to 64 bytes"));
      raw->clear();
    }
  }

  // Hashes (and for groups keeps) one certificate. Returns false after
  // reporting a problem.
  template <typename Report>
  bool ProcessCertificate(const CertificateSpec& spec, bool group,
                          bool secondary, Sha256Digest* sha256,
                          CertificatePtr* keep, const Report& report) {
    const absl::string_view field = dps::CertificateField(group, secondary);
    absl::optional<Sha256Digest> from_thumbprint;
    if (!spec.sha256_thumbprint.empty()) {
      auto parsed = ParseSha256Thumbprint(spec.sha256_thumbprint);
      if (!parsed.ok()) {
        report(dps::CertificateThumbprintField(group, secondary),
               parsed.status().message());
        return false;
      }
      from_thumbprint = *parsed;
    }
    if (spec.text.empty()) {
      *sha256 = *from_thumbprint;
      return true;
    }
    const std::string body_field = dps::CertificateBodyField(group, secondary);
    auto der = CertificateTextToDer(spec.text);
    if (!der.ok()) {
      report(body_field, der.status().message());
      return false;
    }
    auto certificate = Certificate::Create(*der);
    if (!certificate.ok()) {
      report(body_field, certificate.status().message());
      return false;
    }
    *sha256 = (*certificate)->sha256();
    if (from_thumbprint.has_value() && *from_thumbprint != *sha256) {
      report(
          field,
          absl::StrCat("the certificate's SHA-256 is ", ToHex(*sha256), " but ",
                       dps::CertificateThumbprintField(group, secondary),
                       " says ", ToHex(*from_thumbprint)));
      return false;
    }
    if (group) {
      if (const std::string problem =
              policy_internal::GroupCaProblem(**certificate);
          !problem.empty()) {
        report(body_field, problem);
        return false;
      }
      *keep = *std::move(certificate);
    }
    return true;
  }
};

EnrollmentSnapshot::Builder::Builder() : impl_(std::make_unique<Impl>()) {}
EnrollmentSnapshot::Builder::~Builder() = default;
EnrollmentSnapshot::Builder::Builder(Builder&&) = default;
EnrollmentSnapshot::Builder& EnrollmentSnapshot::Builder::operator=(Builder&&) =
    default;

EnrollmentSnapshot::Builder& EnrollmentSnapshot::Builder::SetSourceName(
    std::string source_name) {
  impl_->ca_certificates.SetSourceName(source_name);
  impl_->source_name = std::move(source_name);
  return *this;
}

void EnrollmentSnapshot::Builder::Reserve(size_t individual_enrollments,
                                          size_t enrollment_groups) {
  impl_->individuals.reserve(individual_enrollments);
  impl_->individual_id_valid.reserve(individual_enrollments);
  impl_->groups.reserve(enrollment_groups);
  impl_->group_id_valid.reserve(enrollment_groups);
  impl_->thumbprints.reserve(individual_enrollments + 2 * enrollment_groups);
}

EnrollmentSnapshot::Builder&
EnrollmentSnapshot::Builder::AddIndividualEnrollment(
    IndividualEnrollmentSpec spec, std::string where) {
  Impl& impl = *impl_;
  const uint32_t index = static_cast<uint32_t>(impl.individuals.size());
  if (!where.empty()) impl.individual_where.emplace(index, std::move(where));

  impl.individuals.emplace_back();
  IndividualEnrollment& e = impl.individuals.back();
  e.registration_id = std::move(spec.registration_id);
  e.enabled = spec.enabled;
  e.kind = spec.kind;
  auto report = [&impl, index](absl::string_view field,
                               absl::string_view message) {
    impl.problems.Add(
        absl::StrCat(impl.IndividualName(index), ": ", field, ": ", message));
  };

  const absl::Status id_status = ValidateRegistrationId(e.registration_id);
  if (!id_status.ok()) report(dps::IdField(false), id_status.message());
  impl.individual_id_valid.push_back(id_status.ok());

  switch (spec.kind) {
    case AttestationKind::kX509: {
      const absl::string_view kPrimary = dps::CertificateField(false, false);
      if (spec.primary_certificate.empty()) {
        if (!spec.secondary_certificate.empty()) {
          report(kPrimary, "required when a secondary certificate is given");
        } else if (spec.enabled) {
          report(kPrimary,
                 "required (a certificate body or its SHA-256 thumbprint)");
        }
        break;
      }
      Sha256Digest sha256;
      if (impl.ProcessCertificate(spec.primary_certificate, /*group=*/false,
                                  /*secondary=*/false, &sha256, nullptr,
                                  report)) {
        e.primary_thumbprint = sha256;
        impl.thumbprints.push_back(
            {DigestPrefix(sha256), index, 0, static_cast<uint8_t>(0)});
      }
      if (!spec.secondary_certificate.empty() &&
          impl.ProcessCertificate(spec.secondary_certificate, /*group=*/false,
                                  /*secondary=*/true, &sha256, nullptr,
                                  report)) {
        e.secondary_thumbprint = sha256;
        impl.thumbprints.push_back(
            {DigestPrefix(sha256), index, 0, static_cast<uint8_t>(1)});
      }
      break;
    }
    case AttestationKind::kSymmetricKey: {
      const absl::string_view kPrimary = dps::SymmetricKeyField(false);
      if (spec.primary_key.empty()) {
        if (!spec.secondary_key.empty()) {
          report(kPrimary, "required when a secondary key is given");
        } else if (spec.enabled) {
          report(kPrimary, "required");
        }
        break;
      }
      impl.DecodeKey(spec.primary_key, kPrimary, &e.primary_key, report);
      if (!spec.secondary_key.empty()) {
        impl.DecodeKey(spec.secondary_key, dps::SymmetricKeyField(true),
                       &e.secondary_key, report);
      }
      break;
    }
    case AttestationKind::kTpm: {
      // Kept as data: such an entry can only deny (disabled) or mismatch.
      // Its keys are not used, but a key that is not base64 is a broken
      // entry, not data.
      std::string raw;
      for (const bool srk : {false, true}) {
        const std::string& key =
            srk ? spec.tpm_storage_root_key : spec.tpm_endorsement_key;
        if (key.empty()) continue;
        if (const char* error = DecodeBase64Strict(key, &raw)) {
          report(dps::TpmKeyField(srk), error);
        }
      }
      break;
    }
  }
  return *this;
}

EnrollmentSnapshot::Builder& EnrollmentSnapshot::Builder::AddEnrollmentGroup(
    EnrollmentGroupSpec spec, std::string where) {
  Impl& impl = *impl_;
  const uint32_t index = static_cast<uint32_t>(impl.groups.size());
  if (!where.empty()) impl.group_where.emplace(index, std::move(where));

  impl.groups.emplace_back();
  EnrollmentGroup& g = impl.groups.back();
  g.group_id = std::move(spec.group_id);
  g.enabled = spec.enabled;
  g.kind = spec.kind;
  auto report = [&impl, index](absl::string_view field,
                               absl::string_view message) {
    impl.problems.Add(
        absl::StrCat(impl.GroupName(index), ": ", field, ": ", message));
  };

  bool id_ok = true;
  if (g.group_id.empty()) {
    report(dps::IdField(true), "required");
    id_ok = false;
  } else if (g.group_id.size() > kMaxGroupIdLength) {
    report(dps::IdField(true),
           absl::StrCat("longer than ", kMaxGroupIdLength, " characters"));
    id_ok = false;
  } else {
    for (size_t i = 0; i < g.group_id.size(); ++i) {
      const unsigned char c = g.group_id[i];
      if (c < 0x21 || c > 0x7e) {
        report(dps::IdField(true),
               absl::StrCat("character ", i + 1,
                            " is not a printable ASCII character"));
        id_ok = false;
        break;
      }
    }
  }
  impl.group_id_valid.push_back(id_ok);

  switch (spec.kind) {
    case AttestationKind::kX509: {
      const absl::string_view kPrimary = dps::CertificateField(true, false);
      if (!spec.primary_ca_reference.empty() ||
          !spec.secondary_ca_reference.empty()) {
        if (!spec.primary_certificate.empty() ||
            !spec.secondary_certificate.empty()) {
          report(dps::CaReferenceField(false),
                 "give signingCertificates or caReferences, not both");
        } else if (spec.primary_ca_reference.empty()) {
          report(dps::CaReferenceField(false),
                 "required when a secondary reference is given");
        } else {
          impl.ca_certificates.AddReference(
              index, false, std::move(spec.primary_ca_reference));
          if (!spec.secondary_ca_reference.empty()) {
            impl.ca_certificates.AddReference(
                index, true, std::move(spec.secondary_ca_reference));
          }
        }
        break;
      }
      if (spec.primary_certificate.empty()) {
        report(kPrimary,
               spec.secondary_certificate.empty()
                   ? "required (a CA certificate body or its SHA-256 "
                     "thumbprint)"
                   : "required when a secondary certificate is given");
        break;
      }
      g.certificates.reserve(spec.secondary_certificate.empty() ? 1 : 2);
      GroupCertificate primary;
      primary.slot = Slot::kPrimary;
      if (impl.ProcessCertificate(spec.primary_certificate, /*group=*/true,
                                  /*secondary=*/false, &primary.sha256,
                                  &primary.certificate, report)) {
        g.certificates.push_back(std::move(primary));
      }
      if (!spec.secondary_certificate.empty()) {
        GroupCertificate secondary;
        secondary.slot = Slot::kSecondary;
        if (impl.ProcessCertificate(spec.secondary_certificate,
                                    /*group=*/true, /*secondary=*/true,
                                    &secondary.sha256, &secondary.certificate,
                                    report)) {
          g.certificates.push_back(std::move(secondary));
        }
      }
      for (size_t i = 0; i < g.certificates.size(); ++i) {
        impl.thumbprints.push_back({DigestPrefix(g.certificates[i].sha256),
                                    index, 1, static_cast<uint8_t>(i)});
      }
      break;
    }
    case AttestationKind::kSymmetricKey: {
      const absl::string_view kPrimary = dps::SymmetricKeyField(false);
      if (spec.primary_key.empty()) {
        report(kPrimary, spec.secondary_key.empty()
                             ? "required"
                             : "required when a secondary key is given");
        break;
      }
      impl.DecodeKey(spec.primary_key, kPrimary, &g.primary_key, report);
      if (!spec.secondary_key.empty()) {
        impl.DecodeKey(spec.secondary_key, dps::SymmetricKeyField(true),
                       &g.secondary_key, report);
      }
      break;
    }
    case AttestationKind::kTpm:
      report(dps::AttestationTypeField(),
             "tpm attestation is not supported for enrollment groups");
      break;
  }
  return *this;
}

EnrollmentSnapshot::Builder& EnrollmentSnapshot::Builder::AddCaCertificate(
    CaCertificateSpec spec, std::string where) {
  impl_->ca_certificates.Add(std::move(spec), std::move(where),
                             &impl_->problems);
  return *this;
}

absl::StatusOr<std::shared_ptr<const EnrollmentSnapshot>>
EnrollmentSnapshot::Builder::Build() && {
  // Take everything out of the builder: whatever happens, it ends empty.
  std::unique_ptr<Impl> owned = std::move(impl_);
  impl_ = std::make_unique<Impl>();
  Impl& impl = *owned;
  // caReferences become group certificates (before the duplicate check).
  impl.ca_certificates.Resolve(
      [&impl](uint32_t group) { return impl.GroupName(group); },
      [&impl](uint32_t group, GroupCertificate gc) {
        std::vector<GroupCertificate>& certificates =
            impl.groups[group].certificates;
        certificates.push_back(std::move(gc));
        impl.thumbprints.push_back(
            {DigestPrefix(certificates.back().sha256), group, 1,
             static_cast<uint8_t>(certificates.size() - 1)});
      },
      &impl.problems);

  // A certificate belongs to one entry only. Sort the references by
  // thumbprint (ties: individuals before groups, then by position), so each
  // duplicate is reported against the first entry that has it.
  {
    auto key = [](const ThumbprintRef& r) {
      return std::make_tuple(r.is_group, r.entry, r.slot);
    };
    std::sort(impl.thumbprints.begin(), impl.thumbprints.end(),
              [&impl, &key](const ThumbprintRef& a, const ThumbprintRef& b) {
                if (a.prefix != b.prefix) return a.prefix < b.prefix;
                const Sha256Digest& da = impl.Digest(a);
                const Sha256Digest& db = impl.Digest(b);
                if (da != db) return da < db;
                return key(a) < key(b);
              });
    size_t run = 0;
    const ThumbprintRef* last_reported = nullptr;
    for (size_t i = 1; i < impl.thumbprints.size(); ++i) {
      const ThumbprintRef& first = impl.thumbprints[run];
      const ThumbprintRef& ref = impl.thumbprints[i];
      if (ref.prefix != first.prefix ||
          impl.Digest(ref) != impl.Digest(first)) {
        run = i;
        last_reported = nullptr;
        continue;
      }
      if (ref.is_group == first.is_group && ref.entry == first.entry) {
        continue;  // primary == secondary of one entry
      }
      if (last_reported != nullptr && last_reported->is_group == ref.is_group &&
          last_reported->entry == ref.entry) {
        continue;
      }
      last_reported = &ref;
      const bool secondary =
          ref.is_group ? impl.groups[ref.entry].certificates[ref.slot].slot !=
                             Slot::kPrimary
                       : ref.slot != 0;
      const absl::string_view field =
          dps::CertificateField(ref.is_group, secondary);
      impl.problems.Add(
          absl::StrCat(ref.is_group ? impl.GroupName(ref.entry)
                                    : impl.IndividualName(ref.entry),
                       ": ", field, ": certificate ", ToHex(impl.Digest(ref)),
                       " is already used by ",
                       first.is_group ? impl.GroupName(first.entry)
                                      : impl.IndividualName(first.entry),
                       "; a certificate may appear in only one enrollment"));
    }
    std::vector<ThumbprintRef>().swap(impl.thumbprints);
  }

  // Group IDs: unique, case-insensitively.
  {
    absl::flat_hash_map<std::string, uint32_t> seen;
    seen.reserve(impl.groups.size());
    for (uint32_t i = 0; i < impl.groups.size(); ++i) {
      if (!impl.group_id_valid[i]) continue;
      auto [it, inserted] =
          seen.emplace(absl::AsciiStrToLower(impl.groups[i].group_id), i);
      if (!inserted) {
        impl.problems.Add(
            absl::StrCat(impl.GroupName(i), ": ", dps::IdField(true), ": ",
                         QuoteForProblem(impl.groups[i].group_id),
                         " is already used by ", impl.GroupName(it->second)));
      }
    }
  }

  // Move the entries into the snapshot (no copies), then index them in
  // place: the registration-ID index refers to the snapshot's own vector.
  std::shared_ptr<EnrollmentSnapshot> snapshot(new EnrollmentSnapshot());
  snapshot->individuals_ = std::move(impl.individuals);
  snapshot->groups_ = std::move(impl.groups);
  snapshot->ca_certificates_ = impl.ca_certificates.Take();
  snapshot->index_ = std::make_unique<Index>(&snapshot->individuals_);
  Index& index = *snapshot->index_;
  const auto& individuals = snapshot->individuals_;
  const auto& groups = snapshot->groups_;

  index.ids.reserve(individuals.size());
  for (uint32_t i = 0; i < individuals.size(); ++i) {
    if (!impl.individual_id_valid[i]) continue;
    auto [it, inserted] = index.ids.insert(i);
    if (!inserted) {
      // The entries now live in the snapshot; name them from there.
      const std::string other =
          impl.Name(false, *it, individuals[*it].registration_id);
      impl.problems.Add(
          absl::StrCat(impl.Name(false, i, individuals[i].registration_id),
                       ": ", dps::IdField(false), ": ",
                       QuoteForProblem(individuals[i].registration_id),
                       " is already used by ", other,
                       " (registration IDs are "
                       "case-insensitive)"));
    }
  }
  if (!impl.problems.empty()) return impl.problems.ToStatus();

  size_t group_certificates = 0;
  for (const EnrollmentGroup& g : groups) {
    group_certificates += g.certificates.size();
  }
  index.group_certificates.reserve(group_certificates);
  for (uint32_t gi = 0; gi < groups.size(); ++gi) {
    const EnrollmentGroup& g = groups[gi];
    if (g.kind == AttestationKind::kSymmetricKey) {
      index.symmetric_key_groups.push_back(&g);
    }
    for (uint32_t ci = 0; ci < g.certificates.size(); ++ci) {
      const GroupCertificate& gc = g.certificates[ci];
      // try_emplace keeps the primary when primary == secondary.
      const bool inserted = index.group_certificates
                                .try_emplace(gc.sha256, Index::CertRef{gi, ci})
                                .second;
      if (inserted && gc.certificate != nullptr) {
        index.by_subject[gc.certificate->subject_name_key()].push_back(
            gc.certificate.get());
      }
    }
  }
  return std::shared_ptr<const EnrollmentSnapshot>(std::move(snapshot));
}

// ---- Snapshot ----

EnrollmentSnapshot::EnrollmentSnapshot() = default;
EnrollmentSnapshot::~EnrollmentSnapshot() = default;

const IndividualEnrollment* EnrollmentSnapshot::FindIndividual(
    absl::string_view registration_id) const {
  if (registration_id.empty() ||
      registration_id.size() > kMaxRegistrationIdLength) {
    return nullptr;
  }
  char buffer[kMaxRegistrationIdLength];
  const absl::string_view key =
      CanonicalRegistrationIdInto(registration_id, buffer);
  auto it = index_->ids.find(key);
  if (it == index_->ids.end()) return nullptr;
  return &individuals_[*it];
}

absl::optional<EnrollmentSnapshot::GroupMatch>
EnrollmentSnapshot::FindGroupByCertificate(const Sha256Digest& sha256) const {
  auto it = index_->group_certificates.find(sha256);
  if (it == index_->group_certificates.end()) return absl::nullopt;
  const EnrollmentGroup& group = groups_[it->second.group];
  return GroupMatch{&group, &group.certificates[it->second.certificate]};
}

absl::Span<const Certificate* const>
EnrollmentSnapshot::FindCertificatesBySubject(
    absl::string_view subject_name_key) const {
  auto it = index_->by_subject.find(subject_name_key);
  if (it == index_->by_subject.end()) return {};
  return it->second;
}

absl::Span<const IndividualEnrollment>
EnrollmentSnapshot::individual_enrollments() const {
  return individuals_;
}

absl::Span<const CaCertificate> EnrollmentSnapshot::ca_certificates() const {
  return ca_certificates_;
}

absl::Span<const EnrollmentGroup> EnrollmentSnapshot::enrollment_groups()
    const {
  return groups_;
}

absl::Span<const EnrollmentGroup* const>
EnrollmentSnapshot::symmetric_key_groups() const {
  return index_->symmetric_key_groups;
}

namespace {

size_t HeapBytes(const std::string& s) {
  // Short strings live inside the object (libstdc++: up to 15 bytes).
  return s.capacity() > 15 ? s.capacity() + 1 : 0;
}

}  // namespace

size_t EnrollmentSnapshot::MemoryUsage() const {
  size_t bytes = sizeof(*this) + sizeof(Index);
  bytes += individuals_.capacity() * sizeof(IndividualEnrollment);
  for (const IndividualEnrollment& e : individuals_) {
    bytes += HeapBytes(e.registration_id) + HeapBytes(e.primary_key) +
             HeapBytes(e.secondary_key);
  }
  bytes += groups_.capacity() * sizeof(EnrollmentGroup);
  for (const EnrollmentGroup& g : groups_) {
    bytes += HeapBytes(g.group_id) + HeapBytes(g.primary_key) +
             HeapBytes(g.secondary_key) +
             g.certificates.capacity() * sizeof(GroupCertificate);
    for (const GroupCertificate& gc : g.certificates) {
      // The parsed form is roughly the DER again plus fixed fields.
      if (gc.certificate != nullptr) {
        bytes += 2 * gc.certificate->der().size() + 512;
      }
    }
  }
  // Swiss tables: one control byte per slot plus the slot.
  bytes += index_->ids.capacity() * (sizeof(uint32_t) + 1);
  bytes += index_->group_certificates.capacity() *
           (sizeof(Sha256Digest) + sizeof(Index::CertRef) + 1);
  bytes += index_->by_subject.capacity() *
           (sizeof(absl::string_view) + sizeof(std::vector<void*>) + 1);
  for (const auto& [subject, certificates] : index_->by_subject) {
    bytes += certificates.capacity() * sizeof(const Certificate*);
  }
  bytes += index_->symmetric_key_groups.capacity() * sizeof(void*);
  return bytes;
}

}  // namespace chaintrust
