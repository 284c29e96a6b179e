#include "testdata/scenario_builders.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

std::string IndividualKey(absl::string_view registration_id, bool secondary) {
  return DeterministicBytes(absl::StrCat("symkey|individual|", registration_id,
                                         secondary ? "|secondary" : "|primary"),
                            32);
}
std::string GroupKey(absl::string_view group_id, bool secondary) {
  return DeterministicBytes(absl::StrCat("symkey|group|", group_id,
                                         secondary ? "|secondary" : "|primary"),
                            32);
}
std::string WrongKey(absl::string_view label) {
  return DeterministicBytes(absl::StrCat("symkey|wrong|", label), 32);
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
