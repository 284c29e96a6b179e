#include "engine/policy/enrollment_set_ca.h"

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/base64.h"
#include "engine/policy/dps_schema.h"

namespace chaintrust::policy_internal {

using internal::QuoteForProblem;

std::string GroupCaProblem(const Certificate& cert) {
  if (!cert.is_ca()) {
    return "not a CA certificate (basicConstraints cA is not set); "
           "enrollment group certificates must be CAs";
  }
  if (cert.has_key_usage() && (cert.key_usage() & kKeyCertSign) == 0) {
    return "keyUsage lacks keyCertSign; enrollment group certificates "
           "must be able to sign certificates";
  }
  return "";
}

absl::StatusOr<CertificatePtr> ParseDpsCertificateBody(absl::string_view text) {
  const absl::string_view stripped = absl::StripAsciiWhitespace(text);
  std::string decoded;
  if (!absl::StartsWith(stripped, "-----BEGIN") &&
      internal::DecodeBase64Strict(stripped, &decoded) == nullptr &&
      absl::StartsWith(absl::StripLeadingAsciiWhitespace(decoded),
                       "-----BEGIN")) {
    text = decoded;  // base64 of PEM text
  }
  auto der = CertificateTextToDer(text);
  if (!der.ok()) return der.status();
  auto cert = Certificate::Create(*der);
  if (!cert.ok()) return cert.status();
  return *std::move(cert);
}

std::string CaCertificateTable::Name(uint32_t index) const {
  auto it = where_.find(index);
  if (it != where_.end()) return it->second;
  std::string name;
  if (!source_name_.empty()) absl::StrAppend(&name, source_name_, ": ");
  absl::StrAppend(&name, dps::CertificatesListName(), "[", index, "]");
  const std::string& id = certificates_[index].name;
  if (!id.empty()) absl::StrAppend(&name, " (", QuoteForProblem(id), ")");
  return name;
}

void CaCertificateTable::Add(CaCertificateSpec spec, std::string where,
                             internal::Problems* problems) {
  const uint32_t index = static_cast<uint32_t>(certificates_.size());
  if (!where.empty()) where_.emplace(index, std::move(where));
  CaCertificate& ca = certificates_.emplace_back();
  ca.name = std::move(spec.name);
  ca.verified = spec.verified;
  if (ca.name.empty())
    problems->Add(absl::StrCat(Name(index), ": name: required"));
  if (spec.text.empty()) return;
  auto certificate = ParseDpsCertificateBody(spec.text);
  if (!certificate.ok()) {
    problems->Add(absl::StrCat(Name(index), ": ",
                               dps::DpsCertificateBodyField(), ": ",
                               certificate.status().message()));
    return;
  }
  ca.certificate = *std::move(certificate);
}

void CaCertificateTable::Resolve(
    absl::FunctionRef<std::string(uint32_t)> group_name,
    absl::FunctionRef<void(uint32_t, GroupCertificate)> add,
    internal::Problems* problems) {
  absl::flat_hash_map<absl::string_view, uint32_t> by_name;
  for (uint32_t i = 0; i < certificates_.size(); ++i) {
    if (certificates_[i].name.empty()) continue;
    auto [it, inserted] = by_name.emplace(certificates_[i].name, i);
    if (!inserted) {
      problems->Add(absl::StrCat(
          Name(i), ": name: ", QuoteForProblem(certificates_[i].name),
          " is already used by ", Name(it->second)));
    }
  }
  for (const Reference& ref : references_) {
    const auto report = [&](absl::string_view message) {
      problems->Add(absl::StrCat(group_name(ref.group), ": ",
                                 dps::CaReferenceField(ref.secondary), ": ",
                                 message));
    };
    auto it = by_name.find(ref.name);
    if (it == by_name.end()) {
      report(absl::StrCat(
          "no CA certificate named ", QuoteForProblem(ref.name),
          " in the DPS certificate list (give it with --certificates=FILE "
          "or in the policy's \"certificates\")"));
      continue;
    }
    const CaCertificate& ca = certificates_[it->second];
    if (ca.certificate == nullptr) {
      report(absl::StrCat(Name(it->second), " has no ",
                          dps::DpsCertificateBodyField(),
                          " (list the certificates with their bodies)"));
      continue;
    }
    if (const std::string problem = GroupCaProblem(*ca.certificate);
        !problem.empty()) {
      report(absl::StrCat(Name(it->second), ": ", problem));
      continue;
    }
    GroupCertificate gc;
    gc.sha256 = ca.certificate->sha256();
    gc.slot = ref.secondary ? Slot::kSecondary : Slot::kPrimary;
    gc.certificate = ca.certificate;
    gc.ca_reference = ref.name;
    gc.verified = ca.verified;
    add(ref.group, std::move(gc));
  }
  references_.clear();
}

}  // namespace chaintrust::policy_internal
