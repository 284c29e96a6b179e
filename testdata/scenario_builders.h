// What the scenario families are written with: symmetric keys and SAS
// tokens, policies (DPS service JSON bundles), devices and the outcome each
// must get. Internal to //testdata:scenario_corpus.
#ifndef CHAINTRUST_TESTDATA_SCENARIO_BUILDERS_H_
#define CHAINTRUST_TESTDATA_SCENARIO_BUILDERS_H_

#include <cctype>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "testdata/scenario_json.h"
#include "testdata/scenario_pki.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

inline constexpr char kIdScope[] = "0ne00C0FFEE";
// SAS tokens live one hour, like the DPS device SDKs' default.
inline constexpr absl::Time kTokenExpiry =
    absl::FromUnixSeconds(1748736000 + 3600);
inline constexpr absl::Time kExpiredTokenExpiry =
    absl::FromUnixSeconds(1748736000 - 3600);

// ===================================================================
// Symmetric keys and SAS tokens
// ===================================================================

// Raw 32-byte keys, deterministic in their owner.
std::string IndividualKey(absl::string_view registration_id,
                          bool secondary = false);
std::string GroupKey(absl::string_view group_id, bool secondary = false);
std::string WrongKey(absl::string_view label);
// DPS group device key: HMAC-SHA256(group key, registration ID).
std::string DerivedKey(absl::string_view group_id,
                       absl::string_view registration_id,
                       bool secondary = false);
std::string Token(absl::string_view registration_id, absl::string_view key,
                  absl::Time expiry = kTokenExpiry);
// Standard base64 with padding, on one line.
std::string Base64(absl::string_view bytes);

// ===================================================================
// Policies (DPS service JSON bundles)
// ===================================================================

struct CertRef {
  std::string name;
  bool thumbprint_only = false;
};
CertRef Body(std::string name);
CertRef Thumb(std::string name);

class Policy {
 public:
  explicit Policy(const Pki& pki) : pki_(pki) {}

  Policy& Group(const std::string& id, bool enabled, const CertRef& primary,
                absl::optional<CertRef> secondary = absl::nullopt) {
    Json certs = Json::Object();
    certs.Set("primary", Certificate(primary));
    if (secondary) certs.Set("secondary", Certificate(*secondary));
    Json attestation = Json::Object();
    attestation.Set("type", Json::Str("x509"));
    attestation.Set(
        "x509", Json::Object().Set("signingCertificates", std::move(certs)));
    return AddGroup(id, enabled, std::move(attestation));
  }

  Policy& SymmetricGroup(const std::string& id, bool enabled) {
    return AddGroup(id, enabled,
                    SymmetricAttestation(GroupKey(id), GroupKey(id, true)));
  }

  Policy& X509Individual(const std::string& registration_id, bool enabled,
                         const CertRef& primary,
                         absl::optional<CertRef> secondary = absl::nullopt) {
    Json certs = Json::Object();
    certs.Set("primary", Certificate(primary));
    if (secondary) certs.Set("secondary", Certificate(*secondary));
    Json attestation = Json::Object();
    attestation.Set("type", Json::Str("x509"));
    attestation.Set("x509",
                    Json::Object().Set("clientCertificates", std::move(certs)));
    return AddIndividual(registration_id, enabled, std::move(attestation));
  }

  Policy& SymmetricIndividual(const std::string& registration_id,
                              bool enabled) {
    return AddIndividual(
        registration_id, enabled,
        SymmetricAttestation(IndividualKey(registration_id),
                             IndividualKey(registration_id, true)));
  }

  Policy& TpmIndividual(const std::string& registration_id, bool enabled) {
    Json attestation = Json::Object();
    attestation.Set("type", Json::Str("tpm"));
    attestation.Set("tpm",
                    Json::Object().Set(
                        "endorsementKey",
                        Json::Str(Base64(internal::DeterministicBytes(
                            absl::StrCat("tpm-ek|", registration_id), 256)))));
    return AddIndividual(registration_id, enabled, std::move(attestation));
  }

  // Adds a field, kept but not interpreted by the decision, to the entry
  // added last (realism for the fleet demo).
  Policy& With(const std::string& key, Json value) {
    std::vector<Json>& entries = last_is_group_ ? groups_ : individuals_;
    if (entries.empty()) Die("Policy::With before any entry");
    entries.back().Set(key, std::move(value));
    return *this;
  }

  Json ToJson() const {
    Json individuals = Json::Array();
    for (const Json& e : individuals_) individuals.Push(e);
    Json groups = Json::Array();
    for (const Json& g : groups_) groups.Push(g);
    return Json::Object()
        .Set("individualEnrollments", std::move(individuals))
        .Set("enrollmentGroups", std::move(groups));
  }

 private:
  Json Certificate(const CertRef& ref) {
    const Credential& c = pki_.Get(ref.name);
    // docs/rules.md: a certificate may appear in only one enrollment entry.
    if (!certificates_.insert(c.sha256_hex).second) {
      Die(absl::StrCat("certificate ", ref.name, " used twice in a policy"));
    }
    if (ref.thumbprint_only) {
      return Json::Object().Set(
          "info",
          Json::Object().Set("sha256Thumbprint", Json::Str(c.sha256_hex)));
    }
    return Json::Object().Set("certificate", Json::Str(c.pem));
  }

  static Json SymmetricAttestation(const std::string& primary,
                                   const std::string& secondary) {
    return Json::Object()
        .Set("type", Json::Str("symmetricKey"))
        .Set("symmetricKey",
             Json::Object()
                 .Set("primaryKey", Json::Str(Base64(primary)))
                 .Set("secondaryKey", Json::Str(Base64(secondary))));
  }

  Policy& AddGroup(const std::string& id, bool enabled, Json attestation) {
    if (!ids_.insert("group|" + id).second) Die("duplicate group " + id);
    groups_.push_back(Json::Object()
                          .Set("enrollmentGroupId", Json::Str(id))
                          .Set("provisioningStatus",
                               Json::Str(enabled ? "enabled" : "disabled"))
                          .Set("attestation", std::move(attestation)));
    last_is_group_ = true;
    return *this;
  }

  Policy& AddIndividual(const std::string& registration_id, bool enabled,
                        Json attestation) {
    std::string lower = registration_id;
    for (char& c : lower) c = std::tolower(static_cast<unsigned char>(c));
    if (!ids_.insert("individual|" + lower).second) {
      Die("duplicate individual " + registration_id);
    }
    individuals_.push_back(
        Json::Object()
            .Set("registrationId", Json::Str(registration_id))
            .Set("provisioningStatus",
                 Json::Str(enabled ? "enabled" : "disabled"))
            .Set("attestation", std::move(attestation)));
    last_is_group_ = false;
    return *this;
  }

  const Pki& pki_;
  std::vector<Json> individuals_;
  std::vector<Json> groups_;
  bool last_is_group_ = false;  // which entry With() extends
  std::set<std::string> ids_;
  std::set<std::string> certificates_;
};

// ===================================================================
// Devices and expectations
// ===================================================================

struct Expectation {
  std::string reason;
  std::string enrollment_kind;  // "INDIVIDUAL", "GROUP" or empty
  std::string enrollment_id;
  int certificate_index = -1;  // -1: not about one certificate
  std::string why;
  // The cause (CauseName) of a DENY about the chain or a certificate: the
  // failed check, as the JSON decision prints it.
  std::string cause;
};

// `e`, failing with `cause`.
Expectation WithCause(std::string cause, Expectation e);

// The reasons whose expectations must name a cause.
bool IsChainReason(const std::string& reason);

Expectation AllowIndividual(std::string id, std::string why);
Expectation AllowGroup(std::string id, std::string why);
Expectation DenyIndividual(std::string reason, std::string id, std::string why,
                           int index = -1);
Expectation DenyGroup(std::string reason, std::string id, std::string why,
                      int index = -1);
// A deny that no enrollment decided.
Expectation Deny(std::string reason, std::string why, int index = -1);

struct DeviceCase {
  std::string name;
  std::vector<std::string> chain;  // identity names, leaf first
  std::string raw_chain;           // PEM text overriding `chain`
  std::string registration_id;     // SAS devices
  std::string sas_token;
  Expectation expect;
};

DeviceCase X509(std::string name, std::vector<std::string> chain,
                Expectation expect);
DeviceCase RawChain(std::string name, std::string pem, Expectation expect);
DeviceCase Sas(std::string name, std::string registration_id, std::string token,
               Expectation expect);

// Chains of the shared Contoso devices.
std::vector<std::string> A1();
std::vector<std::string> A2();
std::vector<std::string> A7();
std::vector<std::string> B1();
std::vector<std::string> B2();
// A leaf under contoso-int-1, sent with its intermediate and root.
std::vector<std::string> UnderInt1(std::string leaf);

struct Scenario {
  std::string name;
  std::vector<int> rules;  // docs/rules.md rule numbers
  std::string description;
  Json policy;
  std::vector<DeviceCase> devices;
};

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_SCENARIO_BUILDERS_H_
