// The enrollment-set builder's per-entry half: each entry is checked as it
// is added (IDs, credentials for its attestation kind, certificates hashed
// and parsed); the checks across entries and the index are Build's, in
// enrollment_set.cc, which also lists the decisions where docs/rules.md is
// silent.
#include "engine/policy/enrollment_set_builder.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/internal/base64.h"
#include "engine/policy/dps_schema.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy/enrollment_set_ca.h"
#include "engine/policy/registration_id.h"

namespace chaintrust {
namespace {

constexpr size_t kMinKeyBytes = 16;
constexpr size_t kMaxKeyBytes = 64;
constexpr size_t kMaxGroupIdLength = 128;

using internal::DecodeBase64Strict;
using policy_internal::DigestPrefix;

}  // namespace

template <typename Report>
void EnrollmentSnapshot::Builder::Impl::DecodeKey(const std::string& base64,
                                                  absl::string_view field,
                                                  std::string* raw,
                                                  const Report& report) {
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

template <typename Report>
bool EnrollmentSnapshot::Builder::Impl::ProcessCertificate(
    const CertificateSpec& spec, bool group, bool secondary,
    Sha256Digest* sha256, CertificatePtr* keep, const Report& report) {
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
    report(field, absl::StrCat(
                      "the certificate's SHA-256 is ", ToHex(*sha256), " but ",
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
  const auto report = impl.Reporter(/*is_group=*/false, index);

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
  const auto report = impl.Reporter(/*is_group=*/true, index);

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

}  // namespace chaintrust
