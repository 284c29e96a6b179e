// The enrollment-set builder's handling of CA certificates: the checks a
// group's CA must pass, the bodies of a DPS instance's CA certificates, and
// the table of those certificates that groups name by reference
// (caReferences). For the enrollment-set builder and the policy loader.
#ifndef CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_CA_H_
#define CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_CA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy/problems.h"
#include "engine/x509/certificate.h"

namespace chaintrust::policy_internal {

// Why `cert` cannot be an enrollment group's certificate (not a CA, or a
// keyUsage without keyCertSign), or "" when it can.
std::string GroupCaProblem(const Certificate& cert);

// A DPS certificate's body: PEM text, base64 DER, or base64 of PEM text
// (the resource API's `certificate` is the bytes of a .cer or .pem file).
absl::StatusOr<CertificatePtr> ParseDpsCertificateBody(absl::string_view text);

// The DPS instance's CA certificates as the builder collects them, and the
// groups' references to them, resolved once everything is added.
class CaCertificateTable {
 public:
  // Names entries added without `where`: "<source>: certificates[3]
  // (\"name\")".
  void SetSourceName(std::string source_name) {
    source_name_ = std::move(source_name);
  }

  // Parses the body (when given); reports a missing name or a bad body.
  void Add(CaCertificateSpec spec, std::string where,
           internal::Problems* problems);

  // Group `group`'s primary or secondary reference to `name`.
  void AddReference(uint32_t group, bool secondary, std::string name) {
    references_.push_back({group, secondary, std::move(name)});
  }

  // Reports duplicate names, then resolves each reference: a name the table
  // lacks, a certificate without a body or one that cannot sign is a
  // problem naming the group (`group_name`) and the reference; each other
  // reference is handed to `add` as the group's certificate.
  void Resolve(absl::FunctionRef<std::string(uint32_t)> group_name,
               absl::FunctionRef<void(uint32_t, GroupCertificate)> add,
               internal::Problems* problems);

  // The certificates, for the snapshot (the table ends empty).
  std::vector<CaCertificate> Take() { return std::move(certificates_); }

 private:
  struct Reference {
    uint32_t group;
    bool secondary;
    std::string name;
  };
  std::string Name(uint32_t index) const;

  std::string source_name_;
  std::vector<CaCertificate> certificates_;
  absl::flat_hash_map<uint32_t, std::string> where_;
  std::vector<Reference> references_;
};

}  // namespace chaintrust::policy_internal

#endif  // CHAINTRUST_ENGINE_POLICY_ENROLLMENT_SET_CA_H_
