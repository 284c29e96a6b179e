// The enrollment set as an immutable, indexed snapshot.
//
// An EnrollmentSnapshot is built once by EnrollmentSnapshot::Builder, which
// validates every entry (docs/rules.md, policy-set rules) and reports every
// problem naming the entry; a rejected set never replaces the active one.
// Once built, a snapshot never changes: lookups are const, allocation-free
// and safe from any number of threads. Certificates of enrollment groups are
// parsed when the snapshot is built; individual enrollments keep only the
// SHA-256 thumbprints of their client certificates (the device presents the
// certificate itself), which keeps ten million enrollments small.
#ifndef CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_H_
#define CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "absl/types/span.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust {

enum class AttestationKind { kX509, kSymmetricKey, kTpm };

// "x509", "symmetricKey", "tpm" (DPS's spelling).
absl::string_view AttestationKindName(AttestationKind kind);

// ---- What the builder takes (as an enrollment-set file gives it). ----

// One certificate of an enrollment: PEM or base64 DER text, and/or a
// SHA-256 thumbprint. When both are given they must agree.
struct CertificateSpec {
  std::string text;
  std::string sha256_thumbprint;
  bool empty() const { return text.empty() && sha256_thumbprint.empty(); }
};

struct IndividualEnrollmentSpec {
  std::string registration_id;
  bool enabled = true;
  AttestationKind kind = AttestationKind::kX509;
  CertificateSpec primary_certificate;    // kX509
  CertificateSpec secondary_certificate;  // kX509, optional
  std::string primary_key;                // kSymmetricKey: base64, 16-64 bytes
  std::string secondary_key;              // kSymmetricKey: base64, 16-64 bytes
  std::string tpm_endorsement_key;        // kTpm: base64, optional, checked
  std::string tpm_storage_root_key;       // kTpm: base64, optional, checked
};

struct EnrollmentGroupSpec {
  std::string group_id;
  bool enabled = true;
  AttestationKind kind = AttestationKind::kX509;  // kX509 or kSymmetricKey
  CertificateSpec primary_certificate;            // kX509: a CA certificate
  CertificateSpec secondary_certificate;          // kX509, optional
  // kX509, instead of the certificates: the names of CA certificates added
  // with AddCaCertificate (DPS's caReferences), resolved by Build.
  std::string primary_ca_reference;
  std::string secondary_ca_reference;
  std::string primary_key;    // kSymmetricKey: base64, 16-64 bytes
  std::string secondary_key;  // kSymmetricKey
};

// A CA certificate uploaded to a DPS instance, which groups name by
// reference: its name, its body (PEM text, base64 DER or base64 of PEM
// text; empty when the listing left it out) and whether DPS verified it
// (proof of possession).
struct CaCertificateSpec {
  std::string name;
  std::string text;
  bool verified = false;
};

// ---- What the snapshot holds. ----

struct IndividualEnrollment {
  std::string registration_id;  // as given
  bool enabled = true;
  AttestationKind kind = AttestationKind::kX509;
  // kX509: thumbprints of the client certificates.
  absl::optional<Sha256Digest> primary_thumbprint;
  absl::optional<Sha256Digest> secondary_thumbprint;
  // kSymmetricKey: raw key bytes (decoded from base64).
  std::string primary_key;
  std::string secondary_key;
};

struct GroupCertificate {
  Sha256Digest sha256;
  Slot slot = Slot::kPrimary;
  CertificatePtr certificate;  // null when known by thumbprint only
  // For a CA named by reference: its name in the certificate list and
  // whether DPS verified it. Embedded certificates count as verified.
  std::string ca_reference;
  bool verified = true;
};

// A CA certificate of the DPS instance (CaCertificateSpec, parsed).
struct CaCertificate {
  std::string name;
  bool verified = false;
  CertificatePtr certificate;  // null when the listing gave no body
};

struct EnrollmentGroup {
  std::string group_id;
  bool enabled = true;
  AttestationKind kind = AttestationKind::kX509;
  std::vector<GroupCertificate> certificates;  // kX509: primary, secondary
  std::string primary_key;                     // kSymmetricKey: raw bytes
  std::string secondary_key;                   // kSymmetricKey: raw bytes
};

class EnrollmentSnapshot {
 public:
  class Builder {
   public:
    Builder();
    ~Builder();
    Builder(Builder&&);
    Builder& operator=(Builder&&);

    // `where` names the entry in the user's input (e.g. "policy.json:
    // individualEnrollments[3]"); problems are reported with it. When empty,
    // the entry is named by its position and ID.
    Builder& AddIndividualEnrollment(IndividualEnrollmentSpec spec,
                                     std::string where = "");
    Builder& AddEnrollmentGroup(EnrollmentGroupSpec spec,
                                std::string where = "");
    // A CA certificate that groups may name (caReferences). Names are
    // unique (case-sensitive, as DPS keeps them).
    Builder& AddCaCertificate(CaCertificateSpec spec, std::string where = "");
    void Reserve(size_t individual_enrollments, size_t enrollment_groups);

    // Names entries added without `where` as "<source_name>:
    // individualEnrollments[3] ("dev-7")" instead of without the prefix.
    // Costs nothing per entry, unlike a `where` string for each.
    Builder& SetSourceName(std::string source_name);

    // Validates and indexes everything added. On failure the status is
    // InvalidArgument and its message lists each problem (at most 20, then a
    // count) on its own line, naming the entry and the field.
    absl::StatusOr<std::shared_ptr<const EnrollmentSnapshot>> Build() &&;

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };

  EnrollmentSnapshot(const EnrollmentSnapshot&) = delete;
  EnrollmentSnapshot& operator=(const EnrollmentSnapshot&) = delete;
  ~EnrollmentSnapshot();

  // The individual enrollment of `registration_id` (case-insensitive), or
  // null. `registration_id` must be a valid registration ID.
  const IndividualEnrollment* FindIndividual(
      absl::string_view registration_id) const;

  struct GroupMatch {
    const EnrollmentGroup* group;
    const GroupCertificate* certificate;
  };
  // The enrollment group whose signing certificate has this thumbprint.
  absl::optional<GroupMatch> FindGroupByCertificate(
      const Sha256Digest& sha256) const;

  // Group certificates (with bodies) whose subject's name key
  // (Certificate::subject_name_key) is `subject_name_key`: the candidate
  // anchors a device may not have sent.
  absl::Span<const Certificate* const> FindCertificatesBySubject(
      absl::string_view subject_name_key) const;

  absl::Span<const IndividualEnrollment> individual_enrollments() const;
  absl::Span<const EnrollmentGroup> enrollment_groups() const;
  // The DPS instance's CA certificates, in the order they were added.
  absl::Span<const CaCertificate> ca_certificates() const;
  // Symmetric-key groups in the order they were added.
  absl::Span<const EnrollmentGroup* const> symmetric_key_groups() const;

  // Approximate bytes held by the snapshot (for benchmarks and reports).
  size_t MemoryUsage() const;

 private:
  struct Index;
  EnrollmentSnapshot();
  std::vector<IndividualEnrollment> individuals_;
  std::vector<EnrollmentGroup> groups_;
  std::vector<CaCertificate> ca_certificates_;
  std::unique_ptr<Index> index_;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_H_
