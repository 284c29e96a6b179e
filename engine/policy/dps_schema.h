// What DPS service JSON calls things, for every layer that reports a
// problem in a policy: the names of entries and fields (so that a problem
// found while building a snapshot names the field as the file spells it),
// and the keys each object of the service schema may hold (api-version
// 2021-10-01, plus the fields later preview versions add to an export),
// with the nearest known key for a misspelt one.
#ifndef CHAINTRUST_ENGINE_POLICY_DPS_SCHEMA_H_
#define CHAINTRUST_ENGINE_POLICY_DPS_SCHEMA_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace chaintrust::dps {

// ---- Names ----

// The bundle's lists: "individualEnrollments", "enrollmentGroups".
absl::string_view ListName(bool group);
// An entry of a list: "enrollmentGroups[3]".
std::string EntryLabel(bool group, size_t index);
// The ID field: "registrationId", "enrollmentGroupId".
absl::string_view IdField(bool group);
// "attestation", "attestation.type".
absl::string_view AttestationField();
absl::string_view AttestationTypeField();
// "attestation.x509.clientCertificates.primary" (individual enrollments)
// or "attestation.x509.signingCertificates.secondary" (groups), and the
// certificate body and thumbprint under them.
absl::string_view CertificateField(bool group, bool secondary);
std::string CertificateBodyField(bool group, bool secondary);
std::string CertificateThumbprintField(bool group, bool secondary);
// "attestation.x509.signingCertificates".
absl::string_view SigningCertificatesField();
// "attestation.symmetricKey.primaryKey" / "...secondaryKey".
absl::string_view SymmetricKeyField(bool secondary);
// "attestation.tpm.endorsementKey" / "attestation.tpm.storageRootKey".
absl::string_view TpmKeyField(bool storage_root_key);
// "provisioningStatus".
absl::string_view StatusField();
// The bundle's list of DPS CA certificates: "certificates".
absl::string_view CertificatesListName();
// "attestation.x509.caReferences.primary" / "...secondary".
absl::string_view CaReferenceField(bool secondary);
// A DPS certificate's body: "properties.certificate".
absl::string_view DpsCertificateBodyField();

// ---- Keys ----

// One object of the service schema and the keys it may hold.
struct SchemaObject {
  // The chaintrust.v1 message that models it ("" for the bundle object).
  absl::string_view message;
  // How a problem names it: "an enrollment", "attestation.x509".
  absl::string_view name;
  std::vector<absl::string_view> keys;
};

// Every object of the schema, the bundle first. Keys that the chaintrust.v1
// proto does not model (optionalDeviceInformation, credentialPolicyName,
// registrationState.payload) are accepted and dropped.
const std::vector<SchemaObject>& ServiceSchema();
// The schema object modelled by `message` (a proto full name), or null.
const SchemaObject* FindSchemaObject(absl::string_view message);

// The schema of a free-form proto field (google.protobuf.Struct) whose keys
// are nevertheless fixed, e.g. initialTwin.properties (only "desired");
// null when any key is allowed. `field` is the proto field's full name.
const SchemaObject* StructSchema(absl::string_view field);

// A misspelling's verdict.
struct KeyCheck {
  bool known = false;
  // When not known: a key this one is probably meant to be (same letters
  // in another case, or a small edit away), or the place where the key
  // belongs when it is a known key of another object ("enrollment" for
  // "provisioningStatus" inside attestation). Empty when neither.
  std::string nearest;
  std::string belongs_to;
  bool near_miss() const { return !nearest.empty() || !belongs_to.empty(); }
};

// Checks `key` against `object`'s keys and, when it is none of them,
// against the keys of every other object of the schema.
KeyCheck CheckKey(absl::string_view key, const SchemaObject& object);

// "edit distance" between a and b, ASCII case ignored, counting an
// adjacent transposition as one edit (optimal string alignment); stops
// counting above `limit` (returns limit + 1).
size_t KeyDistance(absl::string_view a, absl::string_view b, size_t limit);

}  // namespace chaintrust::dps

#endif  // CHAINTRUST_ENGINE_POLICY_DPS_SCHEMA_H_
