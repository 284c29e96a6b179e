#include "engine/policy/enrollment_set.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/policy/dps_schema.h"
#include "engine/policy/enrollment_set_builder.h"
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

using internal::QuoteForProblem;
using policy_internal::DigestPrefix;
using policy_internal::ThumbprintRef;

struct DigestHash {
  size_t operator()(const Sha256Digest& digest) const {
    // SHA-256 output is uniform: its first bytes are a good hash.
    return static_cast<size_t>(DigestPrefix(digest));
  }
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

  // A blocked Bloom filter of the registration IDs (by IdHash): most
  // devices of a fleet have no individual enrollment, and the filter
  // answers "not enrolled" from one cache line in a small array (1 to 2
  // bytes an ID), where the hash set's probe is a miss to memory and, for
  // one lookup in ten, a second one to compare an ID whose 7-bit tag
  // matched. Six bits an ID, in one 512-bit block: a false positive (which
  // then probes the set as before) for about 1 lookup in 100 to 300.
  class IdFilter {
   public:
    // Sized for `ids` entries; holds none.
    explicit IdFilter(size_t ids) {
      blocks_ = 1;
      while (blocks_ * 512 < 8 * ids) blocks_ *= 2;
      words_.reset(new Block[blocks_]());
    }
    void Add(uint64_t hash) {
      Block& block = words_[BlockOf(hash)];
      uint64_t bits = Remix(hash);
      for (int k = 0; k < kBits; ++k, bits >>= 9) {
        block.word[(bits >> 6) & 7] |= uint64_t{1} << (bits & 63);
      }
    }
    bool MayContain(uint64_t hash) const {
      const Block& block = words_[BlockOf(hash)];
      uint64_t bits = Remix(hash);
      bool all = true;
      for (int k = 0; k < kBits; ++k, bits >>= 9) {
        all &= ((block.word[(bits >> 6) & 7] >> (bits & 63)) & 1) != 0;
      }
      return all;
    }
    size_t bytes() const { return blocks_ * sizeof(Block); }

   private:
    static constexpr int kBits = 6;  // 6 x 9 bits of the remixed hash
    struct alignas(64) Block {
      uint64_t word[8];
    };
    size_t BlockOf(uint64_t hash) const {
      return static_cast<size_t>(hash >> 32) & (blocks_ - 1);
    }
    // The bit positions come from bits the block index does not use.
    static uint64_t Remix(uint64_t hash) {
      hash *= 0x9E3779B97F4A7C15ull;
      return hash ^ (hash >> 29);
    }
    size_t blocks_ = 0;
    std::unique_ptr<Block[]> words_;
  };

  explicit Index(const std::vector<IndividualEnrollment>* individuals)
      : ids(0, IdHash{individuals}, IdEq{individuals}),
        id_filter(individuals->size()) {}

  absl::flat_hash_set<uint32_t, IdHash, IdEq> ids;
  IdFilter id_filter;
  absl::flat_hash_map<Sha256Digest, CertRef, DigestHash> group_certificates;
  absl::flat_hash_map<absl::string_view, std::vector<const Certificate*>>
      by_subject;
  std::vector<const EnrollmentGroup*> symmetric_key_groups;
};

// ---- Builder ----

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
    if (inserted) {
      char buffer[kMaxRegistrationIdLength];
      index.id_filter.Add(index.ids.hash_function()(
          CanonicalRegistrationIdInto(individuals[i].registration_id, buffer)));
    } else {
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
  const size_t hash = index_->ids.hash_function()(key);
  if (!index_->id_filter.MayContain(hash)) return nullptr;
  auto it = index_->ids.find(key, hash);
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
  bytes += index_->ids.capacity() * (sizeof(uint32_t) + 1) +
           index_->id_filter.bytes();
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
