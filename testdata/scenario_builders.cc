#include "testdata/scenario_builders.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/str_format.h"
#include "engine/x509/test_certs.h"

namespace chaintrust {
namespace testdata {
namespace corpus {
namespace {

std::string HmacSha256(absl::string_view key, absl::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), mac, &mac_length) == nullptr) {
    Die("HMAC");
  }
  return std::string(reinterpret_cast<char*>(mac), mac_length);
}

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

// A DPS SAS token (docs/contract.md) for `registration_id`, signed with raw
// `key`, expiring at `expiry`. Written independently of the engine's
// parser, which the corpus tests.
std::string MakeSasToken(absl::string_view id_scope,
                         absl::string_view registration_id,
                         absl::string_view key, absl::Time expiry) {
  const std::string resource =
      UrlEncode(absl::StrCat(id_scope, "/registrations/", registration_id));
  const std::string expiry_text = absl::StrCat(absl::ToUnixSeconds(expiry));
  const std::string signature =
      Base64(HmacSha256(key, absl::StrCat(resource, "\n", expiry_text)));
  return absl::StrCat("SharedAccessSignature sr=", resource,
                      "&sig=", UrlEncode(signature), "&se=", expiry_text,
                      "&skn=registration");
}

}  // namespace

std::string Base64(absl::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                      reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

std::string IndividualKey(absl::string_view registration_id, bool secondary) {
  return internal::DeterministicBytes(
      absl::StrCat("symkey|individual|", registration_id,
                   secondary ? "|secondary" : "|primary"),
      32);
}
std::string GroupKey(absl::string_view group_id, bool secondary) {
  return internal::DeterministicBytes(
      absl::StrCat("symkey|group|", group_id,
                   secondary ? "|secondary" : "|primary"),
      32);
}
std::string WrongKey(absl::string_view label) {
  return internal::DeterministicBytes(absl::StrCat("symkey|wrong|", label), 32);
}
std::string DerivedKey(absl::string_view group_id,
                       absl::string_view registration_id, bool secondary) {
  return HmacSha256(GroupKey(group_id, secondary), registration_id);
}
std::string Token(absl::string_view registration_id, absl::string_view key,
                  absl::Time expiry) {
  return MakeSasToken(kIdScope, registration_id, key, expiry);
}

CertRef Body(std::string name) { return {std::move(name), false}; }
CertRef Thumb(std::string name) { return {std::move(name), true}; }

Expectation WithCause(std::string cause, Expectation e) {
  e.cause = std::move(cause);
  return e;
}

bool IsChainReason(const std::string& reason) {
  return reason == "CHAIN_UNVERIFIED" || reason == "CERTIFICATE_EXPIRED" ||
         reason == "CERTIFICATE_NOT_YET_VALID" ||
         reason == "CERTIFICATE_REVOKED" || reason == "MALFORMED_CHAIN";
}

Expectation AllowIndividual(std::string id, std::string why) {
  return {"INDIVIDUAL_ENROLLMENT_ENABLED", "INDIVIDUAL", std::move(id), -1,
          std::move(why)};
}
Expectation AllowGroup(std::string id, std::string why) {
  return {"ENROLLMENT_GROUP_ENABLED", "GROUP", std::move(id), -1,
          std::move(why)};
}
Expectation DenyIndividual(std::string reason, std::string id, std::string why,
                           int index) {
  return {std::move(reason), "INDIVIDUAL", std::move(id), index,
          std::move(why)};
}
Expectation DenyGroup(std::string reason, std::string id, std::string why,
                      int index) {
  return {std::move(reason), "GROUP", std::move(id), index, std::move(why)};
}
Expectation Deny(std::string reason, std::string why, int index) {
  return {std::move(reason), "", "", index, std::move(why)};
}

DeviceCase X509(std::string name, std::vector<std::string> chain,
                Expectation expect) {
  DeviceCase d;
  d.name = std::move(name);
  d.chain = std::move(chain);
  d.expect = std::move(expect);
  return d;
}
DeviceCase RawChain(std::string name, std::string pem, Expectation expect) {
  DeviceCase d;
  d.name = std::move(name);
  d.raw_chain = std::move(pem);
  d.expect = std::move(expect);
  return d;
}
DeviceCase Sas(std::string name, std::string registration_id, std::string token,
               Expectation expect) {
  DeviceCase d;
  d.name = std::move(name);
  d.registration_id = std::move(registration_id);
  d.sas_token = std::move(token);
  d.expect = std::move(expect);
  return d;
}

std::vector<std::string> A1() {
  return {"contoso-a-001", "contoso-int-1", "contoso-root"};
}
std::vector<std::string> A2() { return {"contoso-a-002", "contoso-int-1"}; }
std::vector<std::string> A7() {
  return {"contoso-a7-001", "contoso-int-1-sub", "contoso-int-1",
          "contoso-root"};
}
std::vector<std::string> B1() {
  return {"contoso-b-001", "contoso-int-2", "contoso-root"};
}
std::vector<std::string> B2() { return {"contoso-b-002", "contoso-int-2"}; }
std::vector<std::string> UnderInt1(std::string leaf) {
  return {std::move(leaf), "contoso-int-1", "contoso-root"};
}

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust
