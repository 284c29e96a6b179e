#include "engine/policy/set_snapshot.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/policy/dps_schema.h"
#include "engine/policy/problems.h"

namespace chaintrust::policy {
namespace {

using ::chaintrust::internal::Problems;
using ::chaintrust::internal::QuoteForProblem;

// An entry's name for problems ("policy.json: individualEnrollments[3]
// (\"dev-7\")"), built only when a problem is reported: most entries have
// none, and building it for each of a million entries costs more than
// converting them.
class EntryLabel {
 public:
  EntryLabel(absl::string_view source, bool group, int index,
             absl::string_view id)
      : source_(source), group_(group), index_(index), id_(id) {}
  const std::string& str() const {
    if (name_.empty()) {
      name_ = absl::StrCat(source_, ": ", dps::EntryLabel(group_, index_));
      if (!id_.empty())
        absl::StrAppend(&name_, " (", QuoteForProblem(id_), ")");
    }
    return name_;
  }

 private:
  absl::string_view source_;
  bool group_;
  int index_;
  absl::string_view id_;
  mutable std::string name_;
};

// Certificate of an enrollment in the proto -> the builder's spec.
CertificateSpec ToSpec(const v1::X509CertificateWithInfo& certificate,
                       const EntryLabel& entry, bool group, bool secondary,
                       Problems* problems) {
  CertificateSpec spec;
  spec.text = certificate.certificate();
  spec.sha256_thumbprint = certificate.info().sha256_thumbprint();
  if (spec.empty() && !certificate.info().sha1_thumbprint().empty()) {
    problems->Add(absl::StrCat(
        entry.str(), ": ", dps::CertificateThumbprintField(group, secondary),
        ": required (a SHA-1 thumbprint alone is not accepted; give the "
        "certificate or its SHA-256 thumbprint)"));
  }
  return spec;
}

bool ToEnabled(v1::ProvisioningStatus status, const EntryLabel& entry,
               Problems* problems) {
  switch (status) {
    case v1::PROVISIONING_STATUS_UNSPECIFIED:
    case v1::ENABLED:
      return true;
    case v1::DISABLED:
      return false;
    default:
      problems->Add(absl::StrCat(entry.str(), ": ", dps::StatusField(),
                                 ": unknown value ", static_cast<int>(status)));
      return false;
  }
}

// Returns false (after reporting) when the type cannot be used.
bool ToKind(const v1::AttestationMechanism& a, bool present,
            const EntryLabel& entry, AttestationKind* kind,
            Problems* problems) {
  if (!present) {
    problems->Add(
        absl::StrCat(entry.str(), ": ", dps::AttestationField(), ": required"));
    return false;
  }
  switch (a.type()) {
    case v1::X509:
      *kind = AttestationKind::kX509;
      return true;
    case v1::SYMMETRICKEY:
      *kind = AttestationKind::kSymmetricKey;
      return true;
    case v1::TPM:
      *kind = AttestationKind::kTpm;
      return true;
    case v1::ATTESTATION_TYPE_UNSPECIFIED:
      problems->Add(absl::StrCat(entry.str(), ": ", dps::AttestationTypeField(),
                                 ": required"));
      return false;
    default:
      problems->Add(absl::StrCat(entry.str(), ": ", dps::AttestationTypeField(),
                                 ": unknown value ",
                                 static_cast<int>(a.type())));
      return false;
  }
}

IndividualEnrollmentSpec IndividualSpec(const v1::IndividualEnrollment& e,
                                        const EntryLabel& entry,
                                        Problems* problems) {
  IndividualEnrollmentSpec spec;
  spec.registration_id = e.registration_id();
  spec.enabled = ToEnabled(e.provisioning_status(), entry, problems);
  const v1::AttestationMechanism& a = e.attestation();
  if (!ToKind(a, e.has_attestation(), entry, &spec.kind, problems)) {
    return spec;
  }
  switch (spec.kind) {
    case AttestationKind::kX509: {
      const auto& certs = a.x509().client_certificates();
      spec.primary_certificate =
          ToSpec(certs.primary(), entry, false, false, problems);
      spec.secondary_certificate =
          ToSpec(certs.secondary(), entry, false, true, problems);
      break;
    }
    case AttestationKind::kSymmetricKey:
      spec.primary_key = a.symmetric_key().primary_key();
      spec.secondary_key = a.symmetric_key().secondary_key();
      break;
    case AttestationKind::kTpm:
      spec.tpm_endorsement_key = a.tpm().endorsement_key();
      spec.tpm_storage_root_key = a.tpm().storage_root_key();
      break;
  }
  return spec;
}

EnrollmentGroupSpec GroupSpec(const v1::EnrollmentGroup& g,
                              const EntryLabel& entry, Problems* problems) {
  EnrollmentGroupSpec spec;
  spec.group_id = g.enrollment_group_id();
  spec.enabled = ToEnabled(g.provisioning_status(), entry, problems);
  const v1::AttestationMechanism& a = g.attestation();
  if (!ToKind(a, g.has_attestation(), entry, &spec.kind, problems)) {
    return spec;
  }
  if (spec.kind == AttestationKind::kX509) {
    const auto& certs = a.x509().signing_certificates();
    spec.primary_certificate =
        ToSpec(certs.primary(), entry, true, false, problems);
    spec.secondary_certificate =
        ToSpec(certs.secondary(), entry, true, true, problems);
    const auto& refs = a.x509().ca_references();
    spec.primary_ca_reference = refs.primary();
    spec.secondary_ca_reference = refs.secondary();
  } else if (spec.kind == AttestationKind::kSymmetricKey) {
    spec.primary_key = a.symmetric_key().primary_key();
    spec.secondary_key = a.symmetric_key().secondary_key();
  }
  // kTpm: the builder rejects it.
  return spec;
}

}  // namespace

absl::StatusOr<SnapshotPtr> EnrollmentSetToSnapshot(
    const v1::EnrollmentSet& set, absl::string_view source_name) {
  EnrollmentSnapshot::Builder builder;
  builder.SetSourceName(std::string(source_name));
  builder.Reserve(set.individual_enrollments_size(),
                  set.enrollment_groups_size());
  Problems problems;
  for (int i = 0; i < set.individual_enrollments_size(); ++i) {
    const v1::IndividualEnrollment& e = set.individual_enrollments(i);
    const EntryLabel entry(source_name, false, i, e.registration_id());
    builder.AddIndividualEnrollment(IndividualSpec(e, entry, &problems));
  }
  for (int i = 0; i < set.enrollment_groups_size(); ++i) {
    const v1::EnrollmentGroup& g = set.enrollment_groups(i);
    const EntryLabel entry(source_name, true, i, g.enrollment_group_id());
    builder.AddEnrollmentGroup(GroupSpec(g, entry, &problems));
  }
  for (const v1::DpsCertificate& c : set.certificates()) {
    CaCertificateSpec spec;
    spec.name = c.name();
    spec.text = c.properties().certificate();
    spec.verified = c.properties().is_verified();
    builder.AddCaCertificate(std::move(spec));
  }
  if (!problems.empty()) return problems.ToStatus();
  return std::move(builder).Build();
}

}  // namespace chaintrust::policy
