// Shared-access-signature tokens for symmetric-key attestation.
//
//   SharedAccessSignature sr={URL-encoded "<idScope>/registrations/<id>"}
//     &sig={URL-encoded base64 HMAC-SHA256(key, sr + "\n" + se)}
//     &se={expiry, Unix seconds}&skn=registration
//
// The string signed is the URL-encoded resource, a newline and the expiry,
// exactly as the device sent them. Group enrollments derive each device's
// key as HMAC-SHA256(group key, registration ID).
#ifndef CHAINTRUST_ENGINE_POLICY_SAS_TOKEN_H_
#define CHAINTRUST_ENGINE_POLICY_SAS_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace chaintrust {

struct SasToken {
  std::string resource;          // decoded sr, e.g. "0ne00/registrations/d1"
  std::string resource_encoded;  // sr as sent (what was signed)
  std::string signature;         // decoded sig: raw HMAC bytes
  std::string expiry_text;       // se as sent (what was signed)
  absl::Time expiry;             // se
  std::string key_name;          // skn, may be empty
  std::string registration_id;   // the ID named by the resource
};

// Parses a token; errors name the field that is missing or malformed.
// At most 4 KiB.
absl::StatusOr<SasToken> ParseSasToken(absl::string_view token);

// HMAC-SHA256(key, message).
std::string HmacSha256(absl::string_view key, absl::string_view message);

// The device key of `registration_id` in a symmetric-key group.
std::string DeriveDeviceKey(absl::string_view group_key,
                            absl::string_view registration_id);

// Whether `token`'s signature verifies with raw `key` (constant-time
// comparison). Does not look at expiry or resource.
bool VerifySasSignature(const SasToken& token, absl::string_view key);

// Makes a token (for tests, tools and the fleet generator).
std::string MakeSasToken(absl::string_view id_scope,
                         absl::string_view registration_id,
                         absl::string_view key, absl::Time expiry);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_POLICY_SAS_TOKEN_H_
