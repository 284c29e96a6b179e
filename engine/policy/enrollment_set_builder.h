// The enrollment-set builder's state, shared by the two halves of the
// builder: enrollment_set_builder.cc checks each entry as it is added
// (Add*), enrollment_set.cc checks the set as a whole and indexes it
// (Build). Private to the enrollment_set library.
#ifndef CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_BUILDER_H_
#define CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_BUILDER_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/policy/dps_schema.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy/enrollment_set_ca.h"
#include "engine/policy/problems.h"

namespace chaintrust {
namespace policy_internal {

inline uint64_t DigestPrefix(const Sha256Digest& digest) {
  uint64_t prefix;
  std::memcpy(&prefix, digest.data(), sizeof prefix);
  return prefix;
}

// One certificate of one entry, for the "a certificate belongs to only one
// entry" rule. Sorting these is much smaller than a hash map over every
// thumbprint of ten million entries.
struct ThumbprintRef {
  uint64_t prefix;
  uint32_t entry;  // index into individuals or groups
  uint8_t is_group;
  uint8_t slot;  // individuals: Slot; groups: index into certificates
};

}  // namespace policy_internal

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
  std::vector<policy_internal::ThumbprintRef> thumbprints;
  internal::Problems problems;
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
    if (!id.empty()) {
      absl::StrAppend(&name, " (", internal::QuoteForProblem(id), ")");
    }
    return name;
  }
  std::string IndividualName(uint32_t index) const {
    return Name(false, index, individuals[index].registration_id);
  }
  std::string GroupName(uint32_t index) const {
    return Name(true, index, groups[index].group_id);
  }

  // Reports problems of entry `index`: "<name>: <field>: <message>".
  auto Reporter(bool is_group, uint32_t index) {
    return [this, is_group, index](absl::string_view field,
                                   absl::string_view message) {
      problems.Add(
          absl::StrCat(is_group ? GroupName(index) : IndividualName(index),
                       ": ", field, ": ", message));
    };
  }

  const Sha256Digest& Digest(const policy_internal::ThumbprintRef& ref) const {
    if (ref.is_group) return groups[ref.entry].certificates[ref.slot].sha256;
    const IndividualEnrollment& e = individuals[ref.entry];
    return ref.slot == 0 ? *e.primary_thumbprint : *e.secondary_thumbprint;
  }

  // Decodes a symmetric key; reports problems under `field`.
  template <typename Report>
  void DecodeKey(const std::string& base64, absl::string_view field,
                 std::string* raw, const Report& report);

  // Hashes (and for groups keeps) one certificate. Returns false after
  // reporting a problem.
  template <typename Report>
  bool ProcessCertificate(const CertificateSpec& spec, bool group,
                          bool secondary, Sha256Digest* sha256,
                          CertificatePtr* keep, const Report& report);
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_BUILDER_H_
