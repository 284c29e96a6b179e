#include "engine/policy/dps_schema.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace chaintrust::dps {

absl::string_view ListName(bool group) {
  return group ? "enrollmentGroups" : "individualEnrollments";
}

std::string EntryLabel(bool group, size_t index) {
  return absl::StrCat(ListName(group), "[", index, "]");
}

absl::string_view IdField(bool group) {
  return group ? "enrollmentGroupId" : "registrationId";
}

absl::string_view AttestationField() { return "attestation"; }
absl::string_view AttestationTypeField() { return "attestation.type"; }

absl::string_view CertificateField(bool group, bool secondary) {
  if (group) {
    return secondary ? "attestation.x509.signingCertificates.secondary"
                     : "attestation.x509.signingCertificates.primary";
  }
  return secondary ? "attestation.x509.clientCertificates.secondary"
                   : "attestation.x509.clientCertificates.primary";
}

std::string CertificateBodyField(bool group, bool secondary) {
  return absl::StrCat(CertificateField(group, secondary), ".certificate");
}

std::string CertificateThumbprintField(bool group, bool secondary) {
  return absl::StrCat(CertificateField(group, secondary),
                      ".info.sha256Thumbprint");
}

absl::string_view SigningCertificatesField() {
  return "attestation.x509.signingCertificates";
}

absl::string_view SymmetricKeyField(bool secondary) {
  return secondary ? "attestation.symmetricKey.secondaryKey"
                   : "attestation.symmetricKey.primaryKey";
}

absl::string_view TpmKeyField(bool storage_root_key) {
  return storage_root_key ? "attestation.tpm.storageRootKey"
                          : "attestation.tpm.endorsementKey";
}

absl::string_view StatusField() { return "provisioningStatus"; }

absl::string_view CertificatesListName() { return "certificates"; }

absl::string_view CaReferenceField(bool secondary) {
  return secondary ? "attestation.x509.caReferences.secondary"
                   : "attestation.x509.caReferences.primary";
}

absl::string_view DpsCertificateBodyField() { return "properties.certificate"; }

// The schema: Azure/azure-rest-api-specs, specification/
// deviceprovisioningservices/data-plane, service.json of api-version
// 2021-10-01, plus what the preview versions up to 2025-07-01-preview add
// to the same objects (credentialPolicyName, registrationState.payload).
const std::vector<SchemaObject>& ServiceSchema() {
  static const auto* schema = new std::vector<SchemaObject>{
      {"",
       "the top-level object",
       {"individualEnrollments", "enrollmentGroups", "certificates"}},
      {"chaintrust.v1.IndividualEnrollment",
       "an enrollment",
       {"registrationId", "deviceId", "registrationState",
        "optionalDeviceInformation", "attestation", "capabilities",
        "iotHubHostName", "initialTwin", "etag", "provisioningStatus",
        "reprovisionPolicy", "createdDateTimeUtc", "lastUpdatedDateTimeUtc",
        "allocationPolicy", "iotHubs", "customAllocationDefinition",
        "credentialPolicyName"}},
      {"chaintrust.v1.EnrollmentGroup",
       "an enrollment",
       {"enrollmentGroupId", "attestation", "capabilities", "iotHubHostName",
        "initialTwin", "etag", "provisioningStatus", "reprovisionPolicy",
        "createdDateTimeUtc", "lastUpdatedDateTimeUtc", "allocationPolicy",
        "iotHubs", "customAllocationDefinition", "credentialPolicyName"}},
      {"chaintrust.v1.AttestationMechanism",
       "attestation",
       {"type", "tpm", "x509", "symmetricKey"}},
      {"chaintrust.v1.TpmAttestation",
       "attestation.tpm",
       {"endorsementKey", "storageRootKey"}},
      {"chaintrust.v1.X509Attestation",
       "attestation.x509",
       {"clientCertificates", "signingCertificates", "caReferences"}},
      {"chaintrust.v1.X509Certificates",
       "a certificate pair",
       {"primary", "secondary"}},
      {"chaintrust.v1.X509CertificateWithInfo",
       "a certificate",
       {"certificate", "info"}},
      {"chaintrust.v1.X509CertificateInfo",
       "certificate info",
       {"subjectName", "sha1Thumbprint", "sha256Thumbprint", "issuerName",
        "notBeforeUtc", "notAfterUtc", "serialNumber", "version"}},
      {"chaintrust.v1.X509CAReferences",
       "attestation.x509.caReferences",
       {"primary", "secondary"}},
      {"chaintrust.v1.SymmetricKeyAttestation",
       "attestation.symmetricKey",
       {"primaryKey", "secondaryKey"}},
      {"chaintrust.v1.DeviceCapabilities", "capabilities", {"iotEdge"}},
      {"chaintrust.v1.ReprovisionPolicy",
       "reprovisionPolicy",
       {"updateHubAssignment", "migrateDeviceData"}},
      {"chaintrust.v1.CustomAllocationDefinition",
       "customAllocationDefinition",
       {"webhookUrl", "apiVersion"}},
      {"chaintrust.v1.InitialTwin", "initialTwin", {"tags", "properties"}},
      {"chaintrust.v1.InitialTwin.properties",
       "initialTwin.properties",
       {"desired"}},
      {"chaintrust.v1.DeviceRegistrationState",
       "registrationState",
       {"registrationId", "createdDateTimeUtc", "assignedHub", "deviceId",
        "status", "substatus", "errorCode", "errorMessage",
        "lastUpdatedDateTimeUtc", "etag", "payload"}},
      // The resource API's certificate list (api-version 2022-12-12), as
      // `az iot dps certificate list` prints it.
      {"chaintrust.v1.DpsCertificateList", "a certificate list", {"value"}},
      {"chaintrust.v1.DpsCertificate",
       "a DPS certificate",
       {"name", "etag", "properties", "id", "type", "resourceGroup",
        "systemData"}},
      {"chaintrust.v1.DpsCertificateProperties",
       "properties",
       {"subject", "expiry", "thumbprint", "isVerified", "created", "updated",
        "certificate"}},
      {"chaintrust.v1.DpsCertificateSystemData",
       "systemData",
       {"createdBy", "createdByType", "createdAt", "lastModifiedBy",
        "lastModifiedByType", "lastModifiedAt"}},
  };
  return *schema;
}

const SchemaObject* FindSchemaObject(absl::string_view message) {
  for (const SchemaObject& object : ServiceSchema()) {
    if (object.message == message) return &object;
  }
  return nullptr;
}

const SchemaObject* StructSchema(absl::string_view field) {
  if (field == "chaintrust.v1.InitialTwin.properties") {
    return FindSchemaObject(field);
  }
  return nullptr;
}

size_t KeyDistance(absl::string_view a, absl::string_view b, size_t limit) {
  const size_t longer = std::max(a.size(), b.size());
  const size_t shorter = std::min(a.size(), b.size());
  if (longer - shorter > limit) return limit + 1;
  // Optimal string alignment over three rows.
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1),
      current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    size_t row_min = current[0];
    for (size_t j = 1; j <= b.size(); ++j) {
      const char ca = absl::ascii_tolower(a[i - 1]);
      const char cb = absl::ascii_tolower(b[j - 1]);
      const size_t cost = ca == cb ? 0 : 1;
      size_t best = std::min(
          {previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && ca == absl::ascii_tolower(b[j - 2]) &&
          absl::ascii_tolower(a[i - 2]) == cb) {
        best = std::min(best, before[j - 2] + 1);
      }
      current[j] = best;
      row_min = std::min(row_min, best);
    }
    if (row_min > limit) return limit + 1;
    before.swap(previous);
    previous.swap(current);
  }
  return std::min(previous[b.size()], limit + 1);
}

namespace {

// How many edits still make a near miss of a key of this length: none for
// short keys (too many of them are a few edits apart), one or two for
// longer ones.
size_t EditLimit(absl::string_view key) {
  if (key.size() <= 4) return 0;
  if (key.size() <= 9) return 1;
  return 2;
}

}  // namespace

KeyCheck CheckKey(absl::string_view key, const SchemaObject& object) {
  KeyCheck check;
  for (absl::string_view known : object.keys) {
    if (known == key) {
      check.known = true;
      return check;
    }
  }
  size_t best = EditLimit(key) + 1;
  for (absl::string_view known : object.keys) {
    const size_t distance = absl::EqualsIgnoreCase(known, key)
                                ? 0
                                : KeyDistance(key, known, EditLimit(key));
    if (distance < best) {
      best = distance;
      check.nearest = std::string(known);
    }
  }
  if (!check.nearest.empty()) return check;
  for (const SchemaObject& other : ServiceSchema()) {
    if (&other == &object || other.name == object.name) continue;
    for (absl::string_view known : other.keys) {
      if (absl::EqualsIgnoreCase(known, key)) {
        check.belongs_to = std::string(other.name);
        return check;
      }
    }
  }
  return check;
}

}  // namespace chaintrust::dps
