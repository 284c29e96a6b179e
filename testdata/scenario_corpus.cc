#include "testdata/scenario_corpus.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "testdata/test_pki.h"

namespace chaintrust {
namespace testdata {
namespace {

// Changing the seed changes every key and signature of the corpus.
constexpr char kSeed[] = "chaintrust/testdata/scenarios v1";
constexpr char kIdScope[] = "0ne00C0FFEE";
constexpr char kAtText[] = "2025-06-01T00:00:00Z";

absl::Time Utc(int year, int month, int day, int hour = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0),
                         absl::UTCTimeZone());
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// Every scenario is evaluated at this instant (kAtText).
constexpr absl::Time kAt = absl::FromUnixSeconds(1748736000);
// SAS tokens live one hour, like the DPS device SDKs' default.
constexpr absl::Time kTokenExpiry = absl::FromUnixSeconds(1748736000 + 3600);
constexpr absl::Time kExpiredTokenExpiry =
    absl::FromUnixSeconds(1748736000 - 3600);

[[noreturn]] void Die(absl::string_view what) {
  std::fprintf(stderr, "scenario_corpus: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

// A string of `length` characters: `prefix`, then a-j repeated.
std::string Padded(absl::string_view prefix, size_t length) {
  std::string out(prefix);
  for (size_t i = 0; out.size() < length; ++i) out.push_back('a' + i % 10);
  out.resize(length);
  return out;
}

// ===================================================================
// Identities
// ===================================================================

// How an identity differs from the defaults of its kind.
struct Opts {
  KeyType key = KeyType::kEcdsaP256;
  absl::optional<absl::Time> not_before;
  absl::optional<absl::Time> not_after;
  int path_len = -1;
  bool basic_constraints = true;
  bool key_usage = true;
  bool key_cert_sign = true;
  CertSpec::Extra extra = CertSpec::Extra::kNone;
  std::string signer;       // a standalone key that signs instead of the issuer
  std::string same_key_as;  // reuse this identity's key (a renewal)
  std::string organization = "Contoso";
  bool has_common_name = true;
  std::string note;

  Opts& Rsa() {
    key = KeyType::kRsa2048;
    return *this;
  }
  Opts& Valid(absl::Time from, absl::Time to) {
    not_before = from;
    not_after = to;
    return *this;
  }
  Opts& PathLen(int n) {
    path_len = n;
    return *this;
  }
  Opts& NoBasicConstraints() {
    basic_constraints = false;
    return *this;
  }
  Opts& NoKeyUsage() {
    key_usage = false;
    return *this;
  }
  Opts& NoKeyCertSign() {
    key_cert_sign = false;
    return *this;
  }
  Opts& Extension(CertSpec::Extra e) {
    extra = e;
    return *this;
  }
  Opts& ForgedWith(std::string key_name) {
    signer = std::move(key_name);
    return *this;
  }
  Opts& Org(std::string o) {
    organization = std::move(o);
    return *this;
  }
  Opts& NoCommonName() {
    has_common_name = false;
    return *this;
  }
  Opts& Note(std::string n) {
    note = std::move(n);
    return *this;
  }
  Opts& RenewalOf(std::string identity) {
    same_key_as = std::move(identity);
    return *this;
  }
};

Opts ExpiredLeaf() { return Opts().Valid(Utc(2023, 1, 1), Utc(2025, 1, 1)); }
Opts FutureLeaf() { return Opts().Valid(Utc(2025, 9, 1), Utc(2027, 9, 1)); }

class Pki {
 public:
  const Credential& Root(const std::string& name, const std::string& cn,
                         Opts opts = Opts()) {
    return Add(name, cn, /*issuer=*/"", /*is_ca=*/true, opts);
  }
  const Credential& Ca(const std::string& name, const std::string& cn,
                       const std::string& issuer, Opts opts = Opts()) {
    return Add(name, cn, issuer, /*is_ca=*/true, opts);
  }
  // A device certificate whose CN is its name.
  const Credential& Leaf(const std::string& name, const std::string& issuer,
                         Opts opts = Opts()) {
    return Add(name, name, issuer, /*is_ca=*/false, opts);
  }
  const Credential& LeafWithCn(const std::string& name, const std::string& cn,
                               const std::string& issuer, Opts opts = Opts()) {
    return Add(name, cn, issuer, /*is_ca=*/false, opts);
  }
  // A key with no certificate: the forger's.
  void StandaloneKey(const std::string& name) {
    keys_[name] = GenerateKey(KeyType::kEcdsaP256, name);
  }

  const Credential& Get(const std::string& name) const {
    auto it = certs_.find(name);
    if (it == certs_.end()) Die(absl::StrCat("unknown identity ", name));
    return *it->second;
  }

  // Every identity, in definition order, for index.json.
  Json Describe() const {
    Json list = Json::Array();
    for (const Json& identity : described_) list.Push(identity);
    return list;
  }

 private:
  const Credential& Add(const std::string& name, const std::string& cn,
                        const std::string& issuer, bool is_ca,
                        const Opts& opts) {
    if (certs_.count(name) != 0) Die(absl::StrCat("duplicate ", name));
    CertSpec spec;
    spec.organization = opts.organization;
    spec.common_name = cn;
    spec.has_common_name = opts.has_common_name;
    const std::string serial = DeterministicBytes("serial|" + name, 8);
    spec.serial = 0;
    for (unsigned char c : serial) spec.serial = (spec.serial << 8) | c;
    spec.serial = (spec.serial >> 1) | 1;  // positive, non-zero
    const bool root = issuer.empty();
    spec.not_before = opts.not_before.value_or(
        is_ca ? (root ? Utc(2020, 1, 1) : Utc(2021, 1, 1)) : Utc(2025, 1, 1));
    spec.not_after = opts.not_after.value_or(
        is_ca ? (root ? Utc(2040, 1, 1) : Utc(2036, 1, 1)) : Utc(2027, 1, 1));
    spec.basic_constraints = opts.basic_constraints;
    spec.is_ca = is_ca;
    spec.path_len = opts.path_len;
    spec.key_usage = opts.key_usage;
    spec.key_cert_sign = opts.key_cert_sign;
    spec.extra_extension = opts.extra;

    if (opts.same_key_as.empty()) {
      keys_[name] = GenerateKey(opts.key, name);
    } else {
      EVP_PKEY* same = keys_.at(opts.same_key_as).get();
      if (EVP_PKEY_up_ref(same) != 1) Die("EVP_PKEY_up_ref");
      keys_[name] = KeyPtr(same);
    }
    const Credential* issuer_cert = root ? nullptr : &Get(issuer);
    EVP_PKEY* issuer_key = root ? nullptr : keys_.at(issuer).get();
    EVP_PKEY* signer = nullptr;
    if (!opts.signer.empty()) signer = keys_.at(opts.signer).get();
    auto credential = MintCertificate(name, spec, opts.key, keys_[name].get(),
                                      issuer_cert, issuer_key, signer);

    Json d = Json::Object();
    d.Set("name", Json::Str(name));
    std::string subject = absl::StrCat("C=US, O=", opts.organization);
    if (opts.has_common_name) absl::StrAppend(&subject, ", CN=", cn);
    d.Set("subject", Json::Str(subject));
    d.Set("issuer", Json::Str(root ? "(self-signed)" : issuer));
    if (!opts.signer.empty()) d.Set("signedBy", Json::Str(opts.signer));
    d.Set("key", Json::Str(opts.key == KeyType::kRsa2048 ? "RSA-2048"
                                                         : "ECDSA P-256"));
    d.Set("ca", Json::Bool(is_ca));
    d.Set("notBefore", Json::Str(Rfc3339(spec.not_before)));
    d.Set("notAfter", Json::Str(Rfc3339(spec.not_after)));
    d.Set("sha256Thumbprint", Json::Str(credential->sha256_hex));
    if (!opts.note.empty()) d.Set("note", Json::Str(opts.note));
    described_.push_back(std::move(d));

    const Credential& result = *credential;
    certs_[name] = std::move(credential);
    return result;
  }

  std::map<std::string, std::unique_ptr<Credential>> certs_;
  std::map<std::string, KeyPtr> keys_;
  std::vector<Json> described_;
};

void DefineIdentities(Pki& p) {
  p.StandaloneKey("rogue");

  // Contoso: the main ECDSA hierarchy (factory A under intermediate 1,
  // factory B under intermediate 2).
  p.Root("contoso-root", "Contoso Root CA");
  p.Ca("contoso-int-1", "Contoso Intermediate CA 1", "contoso-root",
       Opts().Note("factory A"));
  p.Ca("contoso-int-1-sub", "Contoso Line 7 Issuing CA", "contoso-int-1",
       Opts().Note("sub-intermediate under factory A"));
  p.Ca("contoso-int-1-sub-2", "Contoso Line 7 Cell 3 Issuing CA",
       "contoso-int-1-sub", Opts().Note("third level: depth-5 chains"));
  p.Ca("contoso-int-1-g2", "Contoso Intermediate CA 1 G2", "contoso-root",
       Opts().Note("successor of contoso-int-1 (certificate rollover)"));
  p.Ca("contoso-int-2", "Contoso Intermediate CA 2", "contoso-root",
       Opts().PathLen(0).Note("factory B; pathLenConstraint 0"));
  p.Ca("contoso-int-2-sub", "Contoso Intermediate CA 2 Sub", "contoso-int-2",
       Opts().Note("violates contoso-int-2's pathLenConstraint 0"));
  p.Ca("contoso-int-rsa", "Contoso RSA Issuing CA", "contoso-root",
       Opts().Rsa());
  p.Ca("contoso-int-expired", "Contoso Legacy CA", "contoso-root",
       Opts().Valid(Utc(2019, 1, 1), Utc(2025, 1, 1)).Note("expired"));
  p.Ca("contoso-int-future", "Contoso Future CA", "contoso-root",
       Opts().Valid(Utc(2026, 1, 1), Utc(2036, 1, 1)).Note("not yet valid"));
  p.Ca("contoso-int-no-keycertsign", "Contoso CA Without keyCertSign",
       "contoso-root",
       Opts().NoKeyCertSign().Note("CA:TRUE, keyUsage digitalSignature only"));
  p.Ca("contoso-int-no-key-usage", "Contoso CA Without Key Usage",
       "contoso-root", Opts().NoKeyUsage().Note("CA:TRUE, no keyUsage"));
  p.Ca("contoso-int-no-basic-constraints",
       "Contoso CA Without Basic Constraints", "contoso-root",
       Opts().NoBasicConstraints().Note(
           "keyUsage keyCertSign but no basicConstraints: not a CA"));
  p.Ca("contoso-int-critical-ext", "Contoso CA With Unknown Critical Extension",
       "contoso-root",
       Opts()
           .Extension(CertSpec::Extra::kUnknownCritical)
           .Note("critical extension 1.3.6.1.4.1.55555.7.1"));
  p.Ca("contoso-int-3-forged", "Contoso Intermediate CA 3", "contoso-root",
       Opts().ForgedWith("rogue").Note(
           "names contoso-root as issuer (and its AKID) but is signed by "
           "the rogue key"));
  p.Leaf("contoso-gateway-01", "contoso-int-1",
         Opts().Note("end-entity (CA:FALSE) misused as an issuer"));

  // Contoso devices shared by the group scenarios.
  p.Leaf("contoso-a-001", "contoso-int-1");
  p.Leaf("contoso-a-002", "contoso-int-1");
  p.Leaf("contoso-a7-001", "contoso-int-1-sub");
  p.Leaf("contoso-a7c3-001", "contoso-int-1-sub-2");
  p.Leaf("contoso-a-g2-001", "contoso-int-1-g2");
  p.Leaf("contoso-b-001", "contoso-int-2");
  p.Leaf("contoso-b-002", "contoso-int-2");
  p.Leaf("contoso-b-sub-001", "contoso-int-2-sub");
  p.Leaf("contoso-r-001", "contoso-int-rsa", Opts().Rsa());
  p.Leaf("contoso-r-002", "contoso-int-rsa");

  // Rule 1: registration IDs from the leaf CN (all under contoso-int-1).
  p.LeafWithCn("cn-space", "contoso device 01", "contoso-int-1");
  p.LeafWithCn("cn-slash", "contoso/device-01", "contoso-int-1");
  p.LeafWithCn("cn-trailing-dot", "contoso-device-01.", "contoso-int-1");
  p.LeafWithCn("cn-trailing-underscore", "contoso_device_01_", "contoso-int-1");
  p.LeafWithCn("cn-non-ascii", "contoso-\xc3\xa9-01", "contoso-int-1");
  p.LeafWithCn("cn-65-chars", Padded("contoso-65-", 65), "contoso-int-1");
  p.LeafWithCn("cn-64-chars", Padded("contoso-64-", 64), "contoso-int-1");
  p.LeafWithCn("cn-empty", "", "contoso-int-1");
  p.LeafWithCn("cn-missing", "", "contoso-int-1", Opts().NoCommonName());
  p.LeafWithCn("cn-all-allowed-characters", "Contoso_Line-7:Robot.Arm-02",
               "contoso-int-1");
  p.LeafWithCn("cn-trailing-hyphen", "contoso-sensor-", "contoso-int-1");
  p.Leaf("contoso-mixed-case-01", "contoso-int-1");
  p.LeafWithCn("contoso-upper-01", "CONTOSO-UPPER-01", "contoso-int-1");

  // Rule 2: individually enrolled devices.
  p.Leaf("ind-primary-01", "contoso-int-1");
  p.LeafWithCn("ind-secondary-01-previous", "ind-secondary-01", "contoso-int-1",
               Opts().Valid(Utc(2024, 1, 1), Utc(2026, 1, 1)));
  p.Leaf("ind-secondary-01", "contoso-int-1");
  p.Leaf("ind-mismatch-01", "contoso-int-1");
  p.LeafWithCn("ind-mismatch-01-enrolled", "ind-mismatch-01", "contoso-int-1",
               Opts().Note("the certificate enrolled for ind-mismatch-01; "
                           "the device presents another"));
  p.Leaf("ind-thumbprint-01", "contoso-int-1");
  p.Leaf("ind-expired-01", "contoso-int-1", ExpiredLeaf());
  p.Leaf("ind-not-yet-valid-01", "contoso-int-1", FutureLeaf());
  p.Leaf("ind-self-signed-01", /*issuer=*/"");
  p.Leaf("ind-symmetric-key-01", "contoso-int-1");
  p.Leaf("ind-tpm-01", "contoso-int-1");
  p.Leaf("sas-ind-x509-01", "contoso-int-1");
  p.Leaf("dis-sym-01", "contoso-int-1");
  p.Leaf("dis-x509-own-01", "contoso-int-1");
  p.Leaf("dis-x509-other-01", "contoso-int-1");
  p.LeafWithCn("dis-x509-other-01-enrolled", "dis-x509-other-01",
               "contoso-int-1");
  p.Leaf("dis-expired-01", "contoso-int-1", ExpiredLeaf());

  // Rule 4: validity.
  p.Leaf("contoso-a-expired-001", "contoso-int-1", ExpiredLeaf());
  p.Leaf("contoso-a-future-001", "contoso-int-1", FutureLeaf());
  p.Leaf("contoso-a-edge-expiry-001", "contoso-int-1",
         Opts().Valid(Utc(2024, 6, 1), kAt).Note("notAfter = validation time"));
  p.Leaf(
      "contoso-a-edge-start-001", "contoso-int-1",
      Opts().Valid(kAt, Utc(2026, 6, 1)).Note("notBefore = validation time"));
  p.Leaf("contoso-legacy-001", "contoso-int-expired");
  p.Leaf("contoso-future-int-001", "contoso-int-future");

  // Rule 4: signatures, CA constraints, extensions.
  p.Leaf("contoso-a-forged-001", "contoso-int-1",
         Opts().ForgedWith("rogue").Note(
             "names contoso-int-1 as issuer (and its AKID) but is signed by "
             "the rogue key"));
  p.Leaf("contoso-c-001", "contoso-int-3-forged");
  p.Leaf("contoso-gw-child-001", "contoso-gateway-01");
  p.Leaf("contoso-nobc-001", "contoso-int-no-basic-constraints");
  p.Leaf("contoso-noks-001", "contoso-int-no-keycertsign");
  p.Leaf("contoso-noku-001", "contoso-int-no-key-usage");
  p.Leaf("contoso-crit-ext-001", "contoso-int-1",
         Opts().Extension(CertSpec::Extra::kUnknownCritical));
  p.Leaf("contoso-noncrit-ext-001", "contoso-int-1",
         Opts().Extension(CertSpec::Extra::kUnknownNonCritical));
  p.Leaf("contoso-crit-int-001", "contoso-int-critical-ext");

  // Constrained root: pathLenConstraint 0 with an intermediate below it.
  p.Root("constrained-root", "Contoso Constrained Root CA", Opts().PathLen(0));
  p.Ca("constrained-int", "Contoso Constrained Intermediate CA",
       "constrained-root", Opts().Note("violates its root's pathLen 0"));
  p.Leaf("constrained-001", "constrained-int");

  // Northwind: an expired root above a valid issuing CA.
  const Opts northwind = Opts().Org("Northwind");
  p.Root(
      "northwind-root", "Northwind Root CA 2015",
      Opts(northwind).Valid(Utc(2015, 1, 1), Utc(2025, 1, 1)).Note("expired"));
  p.Ca("northwind-issuing", "Northwind Issuing CA", "northwind-root",
       Opts(northwind).Valid(Utc(2020, 1, 1), Utc(2030, 1, 1)));
  p.Leaf("northwind-001", "northwind-issuing", northwind);

  // Fabrikam: an RSA root with ECDSA and RSA intermediates.
  const Opts fabrikam = Opts().Org("Fabrikam");
  p.Root("fabrikam-root", "Fabrikam Root CA", Opts(fabrikam).Rsa());
  p.Ca("fabrikam-int-ec", "Fabrikam ECC Issuing CA", "fabrikam-root", fabrikam);
  p.Ca("fabrikam-int-rsa", "Fabrikam RSA Issuing CA", "fabrikam-root",
       Opts(fabrikam).Rsa());
  p.Leaf("fabrikam-ec-001", "fabrikam-int-ec", fabrikam);
  p.Leaf("fabrikam-rsa-ec-001", "fabrikam-int-rsa", fabrikam);
  p.Leaf("fabrikam-rsa-001", "fabrikam-int-rsa", Opts(fabrikam).Rsa());

  // Tailspin: a deep hierarchy for the depth limit.
  const Opts tailspin = Opts().Org("Tailspin");
  p.Root("tailspin-root", "Tailspin Deep Root CA", tailspin);
  std::string issuer = "tailspin-root";
  for (int level = 1; level <= 11; ++level) {
    const std::string name =
        absl::StrCat("tailspin-ca-", level < 10 ? "0" : "", level);
    p.Ca(name, absl::StrCat("Tailspin Level ", level, " CA"), issuer, tailspin);
    issuer = name;
  }
  p.Leaf("tailspin-depth-10", "tailspin-ca-08", tailspin);
  p.Leaf("tailspin-depth-13", "tailspin-ca-11", tailspin);

  // The fleet demo.
  for (const char* name : {"fleet-dev-001", "fleet-dev-002", "fleet-dev-004"}) {
    p.Leaf(name, "contoso-int-1");
  }
  p.Leaf("fleet-dev-003", "contoso-int-1-sub");
  for (const char* name : {"fleet-dev-005", "fleet-dev-006", "fleet-dev-007"}) {
    p.Leaf(name, "contoso-int-2");
  }
  p.Leaf("fleet-dev-008", "contoso-int-1", ExpiredLeaf());
  p.Leaf("fleet-dev-009", "contoso-int-rsa");
  p.Leaf("fleet-dev-010", "fabrikam-int-ec", fabrikam);

  // An intermediate renewed with the same name and key.
  p.Ca("contoso-int-4", "Contoso Intermediate CA 4", "contoso-root");
  p.Ca("contoso-int-4-renewed", "Contoso Intermediate CA 4", "contoso-root",
       Opts()
           .RenewalOf("contoso-int-4")
           .Valid(Utc(2024, 1, 1), Utc(2038, 1, 1))
           .Note("contoso-int-4 renewed: same name and key"));
  p.Leaf("contoso-renewal-001", "contoso-int-4");
}

// ===================================================================
// Symmetric keys and SAS tokens
// ===================================================================

// Raw 32-byte keys, deterministic in their owner.
std::string IndividualKey(absl::string_view registration_id,
                          bool secondary = false) {
  return DeterministicBytes(absl::StrCat("symkey|individual|", registration_id,
                                         secondary ? "|secondary" : "|primary"),
                            32);
}
std::string GroupKey(absl::string_view group_id, bool secondary = false) {
  return DeterministicBytes(absl::StrCat("symkey|group|", group_id,
                                         secondary ? "|secondary" : "|primary"),
                            32);
}
std::string WrongKey(absl::string_view label) {
  return DeterministicBytes(absl::StrCat("symkey|wrong|", label), 32);
}
// DPS group device key: HMAC-SHA256(group key, registration ID).
std::string DerivedKey(absl::string_view group_id,
                       absl::string_view registration_id,
                       bool secondary = false) {
  return HmacSha256(GroupKey(group_id, secondary), registration_id);
}
std::string Token(absl::string_view registration_id, absl::string_view key,
                  absl::Time expiry = kTokenExpiry) {
  return MakeSasToken(kIdScope, registration_id, key, expiry);
}

// ===================================================================
// Policies (DPS service JSON bundles)
// ===================================================================

struct CertRef {
  std::string name;
  bool thumbprint_only = false;
};
CertRef Body(std::string name) { return {std::move(name), false}; }
CertRef Thumb(std::string name) { return {std::move(name), true}; }

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
                        Json::Str(Base64(DeterministicBytes(
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
Expectation WithCause(std::string cause, Expectation e) {
  e.cause = std::move(cause);
  return e;
}

// The reasons whose expectations must name a cause.
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
                           int index = -1) {
  return {std::move(reason), "INDIVIDUAL", std::move(id), index,
          std::move(why)};
}
Expectation DenyGroup(std::string reason, std::string id, std::string why,
                      int index = -1) {
  return {std::move(reason), "GROUP", std::move(id), index, std::move(why)};
}
// A deny that no enrollment decided.
Expectation Deny(std::string reason, std::string why, int index = -1) {
  return {std::move(reason), "", "", index, std::move(why)};
}

struct DeviceCase {
  std::string name;
  std::vector<std::string> chain;  // identity names, leaf first
  std::string raw_chain;           // PEM text overriding `chain`
  std::string registration_id;     // SAS devices
  std::string sas_token;
  Expectation expect;
};

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

// Chains of the shared Contoso devices.
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
// A leaf under contoso-int-1, sent with its intermediate and root.
std::vector<std::string> UnderInt1(std::string leaf) {
  return {std::move(leaf), "contoso-int-1", "contoso-root"};
}

struct Scenario {
  std::string name;
  std::vector<int> rules;  // docs/rules.md rule numbers
  std::string description;
  Json policy;
  std::vector<DeviceCase> devices;
};

// ===================================================================
// The scenarios
// ===================================================================

Scenario RegistrationIdSyntax(const Pki& pki) {
  const std::string id128 = Padded("sas-128-", 128);
  const std::string id129 = Padded("sas-129-", 129);
  const std::string invalid =
      "the leaf CN is the registration ID and rule 1 rejects it before any "
      "enrollment is looked at, although an enabled root group covers the "
      "chain";
  return {
      "registration-id-syntax",
      {1},
      "Registration ID syntax (rule 1): CNs with forbidden characters, a bad "
      "last character, over 64 characters, empty or missing are denied "
      "INVALID_REGISTRATION_ID before any lookup; the boundary cases (64 "
      "characters, every allowed character, a trailing '-') are allowed "
      "through the enabled root group. SAS registration IDs may have up to "
      "128 characters.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .SymmetricIndividual(id128, true)
          .ToJson(),
      {
          X509("cn-space", UnderInt1("cn-space"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso device 01' contains a space; " + invalid)),
          X509("cn-slash", UnderInt1("cn-slash"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso/device-01' contains '/'; " + invalid)),
          X509("cn-trailing-dot", UnderInt1("cn-trailing-dot"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso-device-01.' ends with '.', and an ID must "
                    "end with a letter, digit or '-'; " +
                        invalid)),
          X509("cn-trailing-underscore", UnderInt1("cn-trailing-underscore"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso_device_01_' ends with '_' (allowed inside "
                    "an ID, not at its end); " +
                        invalid)),
          X509("cn-non-ascii", UnderInt1("cn-non-ascii"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso-\xc3\xa9-01' contains a non-ASCII letter; " +
                        invalid)),
          X509("cn-65-chars", UnderInt1("cn-65-chars"),
               Deny("INVALID_REGISTRATION_ID",
                    "the CN has 65 characters, one over the X.509 limit of "
                    "64; " +
                        invalid)),
          X509("cn-empty", UnderInt1("cn-empty"),
               Deny("INVALID_REGISTRATION_ID",
                    "the CN is present but empty, and an empty ID has no "
                    "valid last character; " +
                        invalid)),
          X509("cn-missing", UnderInt1("cn-missing"),
               Deny("INVALID_REGISTRATION_ID",
                    "the leaf subject has no CN at all (C and O only), so "
                    "there is no registration ID")),
          X509("cn-64-chars", UnderInt1("cn-64-chars"),
               AllowGroup("contoso-root",
                          "a 64-character CN is exactly at the X.509 limit; "
                          "no individual enrollment, and the enabled "
                          "contoso-root group is the first group on the "
                          "chain")),
          X509("cn-all-allowed-characters",
               UnderInt1("cn-all-allowed-characters"),
               AllowGroup("contoso-root",
                          "'Contoso_Line-7:Robot.Arm-02' uses letters of "
                          "both cases, digits and each of - . _ : and ends "
                          "with a digit: valid; allowed through the root "
                          "group")),
          X509("cn-trailing-hyphen", UnderInt1("cn-trailing-hyphen"),
               AllowGroup("contoso-root",
                          "'contoso-sensor-' ends with '-', which rule 1 "
                          "allows as a last character; allowed through the "
                          "root group")),
          Sas("sas-id-128-chars", id128, Token(id128, IndividualKey(id128)),
              AllowIndividual(id128,
                              "a 128-character ID is at the limit for "
                              "symmetric-key attestation and the token "
                              "verifies with the enrollment's primary key")),
          Sas("sas-id-129-chars", id129, Token(id129, IndividualKey(id129)),
              Deny("INVALID_REGISTRATION_ID",
                   "129 characters is one over the limit of 128")),
          Sas("sas-id-with-space", "sas device 01",
              Token("sas device 01", IndividualKey("sas device 01")),
              Deny("INVALID_REGISTRATION_ID",
                   "'sas device 01' contains spaces")),
      }};
}

Scenario RegistrationIdCase(const Pki& pki) {
  return {
      "registration-id-case",
      {1, 2},
      "Registration IDs compare case-insensitively (rule 1): individual "
      "enrollments whose registrationId differs from the leaf CN or the SAS "
      "registration ID only in case still decide, whether enabled or "
      "disabled. The enrollment is reported with the registrationId as the "
      "policy spells it.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .X509Individual("Contoso-Mixed-Case-01", true,
                          Body("contoso-mixed-case-01"))
          .X509Individual("contoso-upper-01", true, Body("contoso-upper-01"))
          .SymmetricIndividual("Sas-Mixed-Case-01", true)
          .SymmetricIndividual("CONTOSO-A-002", false)
          .ToJson(),
      {
          X509("contoso-mixed-case-01", UnderInt1("contoso-mixed-case-01"),
               AllowIndividual("Contoso-Mixed-Case-01",
                               "CN 'contoso-mixed-case-01' matches the "
                               "enrollment 'Contoso-Mixed-Case-01' ignoring "
                               "case, and the leaf is its primary "
                               "certificate")),
          X509("contoso-upper-01", UnderInt1("contoso-upper-01"),
               AllowIndividual("contoso-upper-01",
                               "CN 'CONTOSO-UPPER-01' matches the enrollment "
                               "'contoso-upper-01' ignoring case, and the "
                               "leaf is its primary certificate")),
          Sas("sas-mixed-case-01", "sas-mixed-case-01",
              Token("sas-mixed-case-01", IndividualKey("Sas-Mixed-Case-01")),
              AllowIndividual("Sas-Mixed-Case-01",
                              "'sas-mixed-case-01' finds the enrollment "
                              "'Sas-Mixed-Case-01' ignoring case and the "
                              "token verifies with its primary key")),
          X509("contoso-a-002", A2(),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "CONTOSO-A-002",
                              "CN 'contoso-a-002' finds the disabled "
                              "enrollment 'CONTOSO-A-002' ignoring case; it "
                              "decides although the root group is enabled")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root",
                          "control: no individual enrollment, so the "
                          "enabled root group decides")),
      }};
}

Scenario IndividualX509(const Pki& pki) {
  return {
      "individual-x509",
      {2},
      "Individual X.509 enrollments (rule 2): the leaf must be the "
      "enrollment's primary or secondary certificate (by SHA-256, body or "
      "thumbprint only) and valid at the validation time; otherwise the "
      "enrollment still decides (ATTESTATION_MISMATCH, or the validity "
      "reason) and the enabled root group covering every chain is never "
      "consulted. The leaf's chain is not verified for individual "
      "enrollments: a self-signed leaf is fine.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .X509Individual("ind-primary-01", true, Body("ind-primary-01"))
          .X509Individual("ind-secondary-01", true,
                          Body("ind-secondary-01-previous"),
                          Body("ind-secondary-01"))
          .X509Individual("ind-mismatch-01", true,
                          Body("ind-mismatch-01-enrolled"))
          .X509Individual("ind-thumbprint-01", true, Thumb("ind-thumbprint-01"))
          .X509Individual("ind-expired-01", true, Body("ind-expired-01"))
          .X509Individual("ind-not-yet-valid-01", true,
                          Body("ind-not-yet-valid-01"))
          .X509Individual("ind-self-signed-01", true,
                          Body("ind-self-signed-01"))
          .SymmetricIndividual("ind-symmetric-key-01", true)
          .ToJson(),
      {
          X509("ind-primary-01", UnderInt1("ind-primary-01"),
               AllowIndividual("ind-primary-01",
                               "the leaf is the enrollment's primary "
                               "certificate and is valid")),
          X509("ind-secondary-01", UnderInt1("ind-secondary-01"),
               AllowIndividual("ind-secondary-01",
                               "the leaf is the enrollment's secondary "
                               "certificate")),
          X509("ind-secondary-01-previous",
               UnderInt1("ind-secondary-01-previous"),
               AllowIndividual("ind-secondary-01",
                               "the same registration ID presenting the "
                               "enrollment's primary (previous) certificate, "
                               "still valid until 2026")),
          X509("ind-mismatch-01", UnderInt1("ind-mismatch-01"),
               DenyIndividual("ATTESTATION_MISMATCH", "ind-mismatch-01",
                              "the enrollment names another certificate "
                              "with the same CN; no fall-through to the "
                              "enabled root group that covers this chain")),
          X509("ind-thumbprint-01", UnderInt1("ind-thumbprint-01"),
               AllowIndividual("ind-thumbprint-01",
                               "the enrollment knows the certificate only by "
                               "info.sha256Thumbprint, which matches the "
                               "leaf")),
          X509("ind-expired-01", UnderInt1("ind-expired-01"),
               WithCause(
                   "EXPIRED",
                   DenyIndividual("CERTIFICATE_EXPIRED", "ind-expired-01",
                                  "the leaf is the enrolled certificate but "
                                  "expired on 2025-01-01; rule 2 requires the "
                                  "leaf to be valid, reported with rule 4's "
                                  "validity code at index 0",
                                  0))),
          X509("ind-not-yet-valid-01", UnderInt1("ind-not-yet-valid-01"),
               WithCause("NOT_YET_VALID",
                         DenyIndividual("CERTIFICATE_NOT_YET_VALID",
                                        "ind-not-yet-valid-01",
                                        "the enrolled leaf is valid only from "
                                        "2025-09-01",
                                        0))),
          X509("ind-self-signed-01", {"ind-self-signed-01"},
               AllowIndividual("ind-self-signed-01",
                               "a self-signed leaf, individually enrolled: "
                               "rule 2 checks the thumbprint and the leaf's "
                               "validity, not a chain")),
          X509("ind-symmetric-key-01", UnderInt1("ind-symmetric-key-01"),
               DenyIndividual("ATTESTATION_MISMATCH", "ind-symmetric-key-01",
                              "an enabled symmetric-key enrollment cannot be "
                              "satisfied by a certificate; it still decides "
                              "(no fall-through to the root group)")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root",
                          "control: no individual enrollment for this ID")),
      }};
}

Scenario IndividualTpm(const Pki& pki) {
  return {
      "individual-tpm",
      {2},
      "An individual enrollment decides whatever its attestation type "
      "(rule 2): a TPM enrollment for an X.509 device's registration ID "
      "denies it, disabled or enabled, although an enabled group covers the "
      "chain.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .TpmIndividual("ind-tpm-01", true)
          .TpmIndividual("contoso-a-002", false)
          .ToJson(),
      {
          X509("ind-tpm-01", UnderInt1("ind-tpm-01"),
               DenyIndividual("ATTESTATION_MISMATCH", "ind-tpm-01",
                              "an enabled TPM enrollment cannot be satisfied "
                              "by a certificate chain, and it alone "
                              "decides")),
          X509("contoso-a-002", A2(),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "contoso-a-002",
                              "a disabled enrollment denies whatever its "
                              "type")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root",
                          "control: no individual "
                          "enrollment")),
      }};
}

// The groups shared by individual-disabled and individual-deleted.
Policy& DisabledGroups(Policy& policy) {
  return policy.Group("contoso-int-1", true, Body("contoso-int-1"))
      .Group("contoso-root", true, Body("contoso-root"))
      .SymmetricGroup("contoso-sas-fleet", true);
}

Scenario IndividualDisabled(const Pki& pki) {
  Policy policy(pki);
  DisabledGroups(policy)
      .SymmetricIndividual("dis-sym-01", false)
      .X509Individual("dis-x509-own-01", false, Body("dis-x509-own-01"))
      .X509Individual("dis-x509-other-01", false,
                      Body("dis-x509-other-01-enrolled"))
      .SymmetricIndividual("dis-expired-01", false)
      .SymmetricIndividual("dis-sas-01", false);
  return {
      "individual-disabled",
      {2},
      "Disallowing single devices inside enabled groups (rule 2): a disabled "
      "individual enrollment denies INDIVIDUAL_ENROLLMENT_DISABLED whatever "
      "its type and whatever the device presents, before any group or "
      "validity check. Compare individual-deleted: the same devices once the "
      "individual enrollments are deleted.",
      policy.ToJson(),
      {
          X509("dis-sym-01", UnderInt1("dis-sym-01"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "dis-sym-01",
                              "a disabled symmetric-key enrollment (keys "
                              "irrelevant) blocks this X.509 device although "
                              "the enabled contoso-int-1 group covers it")),
          X509("dis-x509-own-01", UnderInt1("dis-x509-own-01"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED",
                              "dis-x509-own-01",
                              "a disabled X.509 enrollment carrying the "
                              "device's own certificate")),
          X509("dis-x509-other-01", UnderInt1("dis-x509-other-01"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED",
                              "dis-x509-other-01",
                              "disabled wins before attestation is looked "
                              "at, so the enrolled certificate being another "
                              "one does not change the reason")),
          X509(
              "dis-expired-01", UnderInt1("dis-expired-01"),
              DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "dis-expired-01",
                             "the leaf is expired too, but a disabled "
                             "enrollment decides before any validity "
                             "check")),
          Sas("dis-sas-01", "dis-sas-01",
              Token("dis-sas-01",
                    DerivedKey("contoso-sas-fleet", "dis-sas-01")),
              DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "dis-sas-01",
                             "the token verifies with the enabled "
                             "contoso-sas-fleet group's derived key, but the "
                             "disabled individual enrollment decides first")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-int-1",
                          "control: a sibling without an individual "
                          "enrollment is allowed by the nearest group")),
      }};
}

Scenario IndividualDeleted(const Pki& pki) {
  Policy policy(pki);
  DisabledGroups(policy);
  return {
      "individual-deleted",
      {2, 3},
      "The policy of individual-disabled after deleting every individual "
      "enrollment: the same devices now fall to their enrollment groups "
      "(rule 3), nearest first.",
      policy.ToJson(),
      {
          X509("dis-sym-01", UnderInt1("dis-sym-01"),
               AllowGroup("contoso-int-1",
                          "no individual enrollment any more; contoso-int-1 "
                          "is the nearest group and is enabled")),
          X509("dis-x509-own-01", UnderInt1("dis-x509-own-01"),
               AllowGroup("contoso-int-1", "falls to the nearest group")),
          X509("dis-x509-other-01", UnderInt1("dis-x509-other-01"),
               AllowGroup("contoso-int-1", "falls to the nearest group")),
          X509("dis-expired-01", UnderInt1("dis-expired-01"),
               WithCause(
                   "EXPIRED",
                   DenyGroup("CERTIFICATE_EXPIRED", "contoso-int-1",
                             "falls to contoso-int-1, whose chain check finds "
                             "the leaf expired (2025-01-01)",
                             0))),
          Sas("dis-sas-01", "dis-sas-01",
              Token("dis-sas-01",
                    DerivedKey("contoso-sas-fleet", "dis-sas-01")),
              AllowGroup("contoso-sas-fleet",
                         "the token verifies with the key derived from "
                         "contoso-sas-fleet's primary key")),
          X509("contoso-a-001", A1(), AllowGroup("contoso-int-1", "unchanged")),
      }};
}

Scenario IndividualSymmetricKey(const Pki& pki) {
  const std::string id = "sas-ind-01";
  const std::string mismatch =
      "the individual enrollment sas-ind-01 alone decides (rule 2)";
  return {
      "individual-symmetric-key",
      {2},
      "Individual symmetric-key enrollments with SAS tokens (rule 2): the "
      "token must verify with the enrollment's primary or secondary key, "
      "name the attesting registration ID and not be expired; otherwise "
      "ATTESTATION_MISMATCH, with no fall-through to the enabled "
      "symmetric-key group.",
      Policy(pki)
          .SymmetricIndividual(id, true)
          .SymmetricIndividual("sas-ind-02", true)
          .X509Individual("sas-ind-x509-01", true, Body("sas-ind-x509-01"))
          .SymmetricGroup("contoso-sas-fleet", true)
          .ToJson(),
      {
          Sas("sas-ind-01-primary", id, Token(id, IndividualKey(id)),
              AllowIndividual(id,
                              "signed with the enrollment's primary "
                              "key, not expired")),
          Sas("sas-ind-01-secondary", id, Token(id, IndividualKey(id, true)),
              AllowIndividual(id,
                              "signed with the enrollment's secondary "
                              "key")),
          Sas("sas-ind-01-uppercase", "SAS-IND-01",
              Token("SAS-IND-01", IndividualKey(id)),
              AllowIndividual(id,
                              "'SAS-IND-01' finds 'sas-ind-01' ignoring "
                              "case; the token (over the resource as "
                              "sent) verifies with the primary key")),
          Sas("sas-ind-01-wrong-key", id, Token(id, WrongKey(id)),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "signed with a key that is neither of the "
                             "enrollment's; " +
                                 mismatch)),
          Sas("sas-ind-01-group-key", id,
              Token(id, DerivedKey("contoso-sas-fleet", id)),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "the token would satisfy the enabled "
                             "contoso-sas-fleet group, but " +
                                 mismatch + " and there is no fall-through")),
          Sas("sas-ind-01-expired", id,
              Token(id, IndividualKey(id), kExpiredTokenExpiry),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "right key, but the token expired at "
                             "2025-05-31T23:00:00Z, before the validation "
                             "time; an expired token is a mismatch")),
          Sas("sas-ind-01-other-resource", id,
              Token("sas-ind-02", IndividualKey("sas-ind-02")),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "a valid token of sas-ind-02 replayed as "
                             "sas-ind-01: the resource must name the "
                             "attesting registration ID")),
          Sas("sas-ind-x509-01", "sas-ind-x509-01",
              Token("sas-ind-x509-01", WrongKey("sas-ind-x509-01")),
              DenyIndividual("ATTESTATION_MISMATCH", "sas-ind-x509-01",
                             "an enabled X.509 enrollment cannot be "
                             "satisfied by a SAS token")),
          Sas("sas-unenrolled-01", "sas-unenrolled-01",
              Token("sas-unenrolled-01", WrongKey("sas-unenrolled-01")),
              Deny("NO_ENROLLMENT",
                   "no individual enrollment, and the token verifies with "
                   "no symmetric-key group's derived key")),
      }};
}

Scenario GroupRootOnly(const Pki& pki) {
  const std::string why =
      "the only group is on contoso-root; the walk passes every "
      "intermediate and the chain up to the root verifies";
  return {
      "group-root-only",
      {3},
      "One enabled enrollment group on the Contoso root (rule 3) admits "
      "every valid device of the hierarchy, at every depth, ECDSA or "
      "RSA, whether or not the device sends the root.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          X509("contoso-a-001", A1(), AllowGroup("contoso-root", why)),
          X509("contoso-a-002", A2(),
               AllowGroup("contoso-root",
                          why + " (the root is found among the group "
                                "certificates by issuer name and AKID)")),
          X509("contoso-a7-001", A7(), AllowGroup("contoso-root", why)),
          X509("contoso-a7c3-001",
               {"contoso-a7c3-001", "contoso-int-1-sub-2", "contoso-int-1-sub",
                "contoso-int-1", "contoso-root"},
               AllowGroup("contoso-root", why + " (depth 5)")),
          X509("contoso-b-001", B1(), AllowGroup("contoso-root", why)),
          X509("contoso-r-001",
               {"contoso-r-001", "contoso-int-rsa", "contoso-root"},
               AllowGroup("contoso-root", why + " (RSA below ECDSA)")),
      }};
}

// The five shared Contoso devices, with expectations for the factory A
// devices (under contoso-int-1) and the factory B devices.
std::vector<DeviceCase> FactoryDevices(const Expectation& a,
                                       const Expectation& b) {
  return {X509("contoso-a-001", A1(), a), X509("contoso-a-002", A2(), a),
          X509("contoso-a7-001", A7(), a), X509("contoso-b-001", B1(), b),
          X509("contoso-b-002", B2(), b)};
}

Scenario GroupIntermediateOnly(const Pki& pki) {
  return {
      "group-intermediate-only",
      {3},
      "An enabled group on contoso-int-1 only (rule 3): its devices, "
      "including those under its sub-intermediate, are allowed; devices of "
      "contoso-int-2 find no group on any certificate of their chain.",
      Policy(pki).Group("contoso-int-1", true, Body("contoso-int-1")).ToJson(),
      FactoryDevices(
          AllowGroup("contoso-int-1",
                     "contoso-int-1 is on the chain and its group is "
                     "enabled; the chain verifies up to it"),
          Deny("NO_ENROLLMENT",
               "neither contoso-int-2 nor contoso-root has a group"))};
}

Scenario GroupNearestDecides(const Pki& pki) {
  return {
      "group-nearest-decides",
      {3},
      "Baseline of the disable/delete-intermediate pair: enabled groups on "
      "contoso-int-1 and on contoso-root (rule 3). The nearest group "
      "decides: contoso-int-1 for factory A devices, the root for factory B. "
      "Compare group-disabled-intermediate and group-deleted-intermediate.",
      Policy(pki)
          .Group("contoso-int-1", true, Body("contoso-int-1"))
          .Group("contoso-root", true, Body("contoso-root"))
          .ToJson(),
      FactoryDevices(
          AllowGroup("contoso-int-1",
                     "contoso-int-1 is met before the root on the walk "
                     "upward, so its group decides"),
          AllowGroup("contoso-root",
                     "contoso-int-2 has no group; the walk goes on to the "
                     "root"))};
}

Scenario GroupDisabledIntermediate(const Pki& pki) {
  return {"group-disabled-intermediate",
          {3},
          "The baseline with contoso-int-1's group disabled (rule 3): every "
          "device below contoso-int-1 is denied although the root group is "
          "enabled; factory B devices are still allowed through the root.",
          Policy(pki)
              .Group("contoso-int-1", false, Body("contoso-int-1"))
              .Group("contoso-root", true, Body("contoso-root"))
              .ToJson(),
          FactoryDevices(
              DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-1",
                        "the first group on the walk is contoso-int-1's, "
                        "disabled; it blocks every device below it even though "
                        "a higher group is enabled"),
              AllowGroup("contoso-root",
                         "siblings under contoso-int-2 never meet the disabled "
                         "group"))};
}

Scenario GroupDeletedIntermediate(const Pki& pki) {
  return {
      "group-deleted-intermediate",
      {3},
      "The baseline with contoso-int-1's group deleted (rule 3): a deleted "
      "group is simply absent, the walk goes on to the enabled root group, "
      "and factory A devices stay enrolled.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      FactoryDevices(
          AllowGroup("contoso-root",
                     "no group on contoso-int-1 any more; the walk reaches "
                     "the enabled root group"),
          AllowGroup("contoso-root", "unchanged"))};
}

Scenario GroupDisabledRoot(const Pki& pki) {
  return {"group-disabled-root",
          {3},
          "A disabled group on the root and an enabled group on contoso-int-2 "
          "(rule 3): factory A devices meet only the disabled root group; "
          "factory B devices are decided by the nearer, enabled group.",
          Policy(pki)
              .Group("contoso-root", false, Body("contoso-root"))
              .Group("contoso-int-2", true, Body("contoso-int-2"))
              .ToJson(),
          FactoryDevices(
              DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-root",
                        "no group below the root; the root's group is "
                        "disabled"),
              AllowGroup("contoso-int-2",
                         "contoso-int-2's enabled group is met first; the "
                         "disabled root group above it is never reached"))};
}

Scenario GroupDeletedAll(const Pki& pki) {
  return {"group-deleted-all",
          {3},
          "An empty enrollment set (every enrollment deleted): nothing "
          "decides, every device is denied NO_ENROLLMENT.",
          Policy(pki).ToJson(),
          {
              X509("contoso-a-001", A1(),
                   Deny("NO_ENROLLMENT", "no enrollment of any kind")),
              X509("contoso-b-002", B2(),
                   Deny("NO_ENROLLMENT", "no enrollment of any kind")),
              Sas("sas-fleet-01", "sas-fleet-01",
                  Token("sas-fleet-01",
                        DerivedKey("contoso-sas-fleet", "sas-fleet-01")),
                  Deny("NO_ENROLLMENT",
                       "no individual enrollment and no symmetric-key "
                       "group")),
          }};
}

Scenario GroupThumbprintOnly(const Pki& pki) {
  return {"group-thumbprint-only",
          {3},
          "Groups known only by info.sha256Thumbprint, as DPS lists them "
          "(rule 3, docs/contract.md): they match a certificate the device sends. A "
          "certificate the device does not send cannot be found for a group "
          "with no certificate body.",
          Policy(pki)
              .Group("contoso-int-1", true, Thumb("contoso-int-1"))
              .Group("contoso-root", true, Thumb("contoso-root"))
              .ToJson(),
          {
              X509("contoso-a-001", A1(),
                   AllowGroup("contoso-int-1",
                              "the presented contoso-int-1 matches the group's "
                              "thumbprint; nearest group")),
              X509("contoso-a-002", A2(),
                   AllowGroup("contoso-int-1",
                              "the presented contoso-int-1 matches the group's "
                              "thumbprint")),
              X509("contoso-b-001", B1(),
                   AllowGroup("contoso-root",
                              "the device sends the root, which matches the "
                              "root group's thumbprint")),
              X509("contoso-b-002", B2(),
                   Deny("NO_ENROLLMENT",
                        "the root is not sent and its group has no "
                        "certificate body, so no certificate above "
                        "contoso-int-2 can be found and no group matches")),
              X509("contoso-a-001-leaf-only", {"contoso-a-001"},
                   Deny("NO_ENROLLMENT",
                        "only the leaf is sent; its issuer contoso-int-1 is "
                        "known to the policy by thumbprint only, so the walk "
                        "cannot reach it")),
          }};
}

Scenario GroupUnsentAnchor(const Pki& pki) {
  return {
      "group-unsent-anchor",
      {3},
      "Group certificates the device does not send (rule 3): with the "
      "certificate body in the policy, the engine finds the issuer by name "
      "and authority key identifier among the group certificates and "
      "continues the walk there.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("fabrikam-int-ec", true, Body("fabrikam-int-ec"))
          .ToJson(),
      {
          X509("contoso-b-002", B2(),
               AllowGroup("contoso-root",
                          "contoso-int-2's issuer is not sent; it is found "
                          "among the group certificates (contoso-root) and "
                          "the chain verifies up to it")),
          X509("contoso-a7-001-no-root",
               {"contoso-a7-001", "contoso-int-1-sub", "contoso-int-1"},
               AllowGroup("contoso-root",
                          "depth 4 with the root left out: the walk ends on "
                          "the root found in the policy")),
          X509("fabrikam-ec-001-leaf-only", {"fabrikam-ec-001"},
               AllowGroup("fabrikam-int-ec",
                          "only the leaf is sent; its issuer is the "
                          "fabrikam-int-ec group's certificate, found by "
                          "name/AKID")),
          X509("contoso-a-001-leaf-only", {"contoso-a-001"},
               Deny("NO_ENROLLMENT",
                    "only the leaf is sent and its issuer contoso-int-1 is "
                    "neither sent nor a group certificate, so the walk "
                    "stops before the root")),
      }};
}

Scenario GroupCertificateRollover(const Pki& pki) {
  return {
      "group-certificate-rollover",
      {3},
      "A group whose CA moved to the secondary signing certificate (rule 3): "
      "the primary is the successor contoso-int-1-g2. Devices under either "
      "certificate are allowed by the same group.",
      Policy(pki)
          .Group("contoso-factory-a", true, Body("contoso-int-1-g2"),
                 Body("contoso-int-1"))
          .ToJson(),
      {
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-factory-a",
                          "contoso-int-1 is the group's secondary signing "
                          "certificate")),
          X509("contoso-a7-001", A7(),
               AllowGroup("contoso-factory-a",
                          "the sub-intermediate has no group; contoso-int-1 "
                          "above it is the group's secondary")),
          X509("contoso-a-g2-001",
               {"contoso-a-g2-001", "contoso-int-1-g2", "contoso-root"},
               AllowGroup("contoso-factory-a",
                          "contoso-int-1-g2 is the group's primary signing "
                          "certificate")),
          X509("contoso-b-001", B1(),
               Deny("NO_ENROLLMENT",
                    "no group on contoso-int-2 or the "
                    "root")),
      }};
}

Scenario GroupRenewedIntermediate(const Pki& pki) {
  const std::string leaf = "contoso-renewal-001";
  const std::string why_disabled =
      "both contoso-int-4 and its renewal (same name and key) verify the "
      "leaf; the disabled group's certificate is on a candidate path at the "
      "level where a group is found, so it wins whatever the order";
  return {
      "group-renewed-intermediate",
      {3},
      "An intermediate CA renewed with the same name and key (rule 3): both "
      "certificates verify the leaf. The old certificate's group is "
      "disabled and the root's enabled. Every candidate that verifies is "
      "considered, so the verdict does not depend on the order of the "
      "presented certificates; a device that presents only the renewed "
      "certificate is decided by the renewed certificate's own enrollment "
      "(none: the root's group).",
      Policy(pki)
          .Group("contoso-int-4-old", false, Body("contoso-int-4"))
          .Group("contoso-root", true, Body("contoso-root"))
          .ToJson(),
      {
          X509("renewed-first",
               {leaf, "contoso-int-4-renewed", "contoso-int-4"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-4-old",
                         why_disabled, 1)),
          X509("old-first", {leaf, "contoso-int-4", "contoso-int-4-renewed"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-4-old",
                         why_disabled, 1)),
          X509("old-only", {leaf, "contoso-int-4"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-4-old",
                         "the presented contoso-int-4 is the disabled "
                         "group's certificate",
                         1)),
          X509("renewed-only", {leaf, "contoso-int-4-renewed"},
               AllowGroup("contoso-root",
                          "only the renewal is presented; it has no group, "
                          "and the root's enabled group (an anchor from the "
                          "enrollment set) decides")),
      }};
}

Scenario GroupSymmetricKey(const Pki& pki) {
  const std::string fleet = "contoso-sas-fleet";
  const std::string no_group =
      "; with no individual enrollment, a SAS device is tied to a group "
      "only by its token verifying with that group's derived key, so no "
      "group is identified: NO_ENROLLMENT rather than ATTESTATION_MISMATCH "
      "(which needs an enrollment that decided)";
  return {
      "group-symmetric-key",
      {2, 3},
      "Symmetric-key enrollment groups (rule 3): a device key is "
      "HMAC-SHA256(group key, registration ID) and the token must verify "
      "with a key derived from the group's primary or secondary key.",
      Policy(pki)
          .SymmetricGroup(fleet, true)
          .SymmetricGroup("contoso-sas-retired", false)
          .Group("contoso-root", true, Body("contoso-root"))
          .SymmetricIndividual("sas-fleet-blocked-01", false)
          .ToJson(),
      {
          Sas("sas-fleet-01-primary", "sas-fleet-01",
              Token("sas-fleet-01", DerivedKey(fleet, "sas-fleet-01")),
              AllowGroup(fleet,
                         "signed with HMAC-SHA256(primary group key, "
                         "'sas-fleet-01')")),
          Sas("sas-fleet-01-secondary", "sas-fleet-01",
              Token("sas-fleet-01", DerivedKey(fleet, "sas-fleet-01", true)),
              AllowGroup(fleet,
                         "signed with the key derived from the "
                         "secondary group key")),
          Sas("sas-fleet-02-group-key-itself", "sas-fleet-02",
              Token("sas-fleet-02", GroupKey(fleet)),
              Deny("NO_ENROLLMENT",
                   "signed with the group key itself instead of the "
                   "derived device key" +
                       no_group)),
          Sas("sas-fleet-03-wrong-key", "sas-fleet-03",
              Token("sas-fleet-03", WrongKey("sas-fleet-03")),
              Deny("NO_ENROLLMENT", "signed with an unrelated key" + no_group)),
          Sas("sas-fleet-04-other-device-key", "sas-fleet-04",
              Token("sas-fleet-04", DerivedKey(fleet, "sas-fleet-05")),
              Deny("NO_ENROLLMENT",
                   "signed with the key derived for sas-fleet-05: the "
                   "derivation binds the key to the registration ID" +
                       no_group)),
          Sas("sas-retired-01", "sas-retired-01",
              Token("sas-retired-01",
                    DerivedKey("contoso-sas-retired", "sas-retired-01")),
              DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-sas-retired",
                        "the token verifies with the disabled "
                        "contoso-sas-retired group's derived key")),
          Sas("sas-fleet-blocked-01", "sas-fleet-blocked-01",
              Token("sas-fleet-blocked-01",
                    DerivedKey(fleet, "sas-fleet-blocked-01")),
              DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED",
                             "sas-fleet-blocked-01",
                             "a valid group token, but a disabled "
                             "individual enrollment disallows this one "
                             "device (rule 2 comes first)")),
      }};
}

Scenario ChainValidity(const Pki& pki) {
  return {
      "chain-validity",
      {4},
      "Validity at the validation time (rule 4), for every certificate of "
      "the chain up to the deciding group's certificate: expired and "
      "not-yet-valid leaves, intermediates and roots are denied with "
      "CERTIFICATE_EXPIRED / CERTIFICATE_NOT_YET_VALID at their index; "
      "validity bounds are inclusive (RFC 5280 4.1.2.5).",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("northwind-root", true, Body("northwind-root"))
          .ToJson(),
      {
          X509("expired-leaf", UnderInt1("contoso-a-expired-001"),
               WithCause("EXPIRED",
                         DenyGroup("CERTIFICATE_EXPIRED", "contoso-root",
                                   "the leaf expired on 2025-01-01", 0))),
          X509("not-yet-valid-leaf", UnderInt1("contoso-a-future-001"),
               WithCause("NOT_YET_VALID",
                         DenyGroup("CERTIFICATE_NOT_YET_VALID", "contoso-root",
                                   "the leaf is valid from 2025-09-01", 0))),
          X509("expired-intermediate",
               {"contoso-legacy-001", "contoso-int-expired", "contoso-root"},
               WithCause(
                   "EXPIRED",
                   DenyGroup(
                       "CERTIFICATE_EXPIRED", "contoso-root",
                       "the enabled root group decides and the chain up to "
                       "it fails: contoso-int-expired expired on "
                       "2025-01-01; rule 4 names the validity codes, so "
                       "CERTIFICATE_EXPIRED rather than CHAIN_UNVERIFIED",
                       1))),
          X509(
              "not-yet-valid-intermediate",
              {"contoso-future-int-001", "contoso-int-future", "contoso-root"},
              WithCause(
                  "NOT_YET_VALID",
                  DenyGroup("CERTIFICATE_NOT_YET_VALID", "contoso-root",
                            "contoso-int-future is valid from 2026-01-01", 1))),
          X509("expired-root",
               {"northwind-001", "northwind-issuing", "northwind-root"},
               WithCause(
                   "EXPIRED",
                   DenyGroup("CERTIFICATE_EXPIRED", "northwind-root",
                             "the deciding group's own certificate, the root, "
                             "expired on 2025-01-01; rule 4 checks every "
                             "certificate up to and including the deciding one "
                             "(compare verification-scope)",
                             2))),
          X509("leaf-expires-at-validation-time",
               UnderInt1("contoso-a-edge-expiry-001"),
               AllowGroup("contoso-root",
                          "notAfter equals the validation time and the "
                          "bound is inclusive")),
          X509("leaf-valid-from-validation-time",
               UnderInt1("contoso-a-edge-start-001"),
               AllowGroup("contoso-root",
                          "notBefore equals the validation time and the "
                          "bound is inclusive")),
      }};
}

Scenario VerificationScope(const Pki& pki) {
  return {"verification-scope",
          {3, 4},
          "The chain is verified only up to the deciding group's certificate "
          "(rules 3 and 4): defects above it (an expired root, a root whose "
          "pathLenConstraint the group's intermediate violates) do not matter. "
          "Compare chain-validity and chain-ca-constraints, where groups on "
          "those roots decide.",
          Policy(pki)
              .Group("northwind-issuing", true, Body("northwind-issuing"))
              .Group("constrained-int", true, Body("constrained-int"))
              .ToJson(),
          {
              X509("northwind-001",
                   {"northwind-001", "northwind-issuing", "northwind-root"},
                   AllowGroup("northwind-issuing",
                              "the group is on the issuing CA; the expired "
                              "root above it is sent but outside the verified "
                              "path")),
              X509("constrained-001",
                   {"constrained-001", "constrained-int", "constrained-root"},
                   AllowGroup("constrained-int",
                              "the group is on the intermediate; the root's "
                              "pathLenConstraint 0 is outside the verified "
                              "path")),
          }};
}

Scenario ChainSignature(const Pki& pki) {
  return {
      "chain-signature",
      {4},
      "Forged signatures (rule 4): certificates that name a real issuer "
      "(subject and AKID) but were signed by another key fail chain "
      "verification with CHAIN_UNVERIFIED at their index.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          X509("forged-leaf", UnderInt1("contoso-a-forged-001"),
               WithCause(
                   "SIGNATURE_INVALID",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the leaf names contoso-int-1 as issuer but its "
                             "signature does not verify with contoso-int-1's "
                             "key",
                             0))),
          X509("forged-intermediate",
               {"contoso-c-001", "contoso-int-3-forged", "contoso-root"},
               WithCause(
                   "SIGNATURE_INVALID",
                   DenyGroup(
                       "CHAIN_UNVERIFIED", "contoso-root",
                       "the leaf verifies with contoso-int-3-forged's key, "
                       "but that intermediate's signature does not verify "
                       "with contoso-root's key",
                       1))),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root", "control: genuine chain")),
      }};
}

Scenario ChainCaConstraints(const Pki& pki) {
  return {
      "chain-ca-constraints",
      {4},
      "Issuers must be CAs (rule 4): basicConstraints CA:TRUE, keyCertSign "
      "when keyUsage is present, pathLenConstraint respected (it counts the "
      "intermediate CAs below the constrained CA, not the leaf). Violations "
      "are CHAIN_UNVERIFIED at the index of the certificate whose "
      "constraint fails (for pathLen: the CA carrying the constraint, as "
      "OpenSSL reports it).",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("constrained-root", true, Body("constrained-root"))
          .ToJson(),
      {
          X509("issuer-not-ca",
               {"contoso-gw-child-001", "contoso-gateway-01", "contoso-int-1",
                "contoso-root"},
               WithCause(
                   "ISSUER_NOT_CA",
                   DenyGroup(
                       "CHAIN_UNVERIFIED", "contoso-root",
                       "the leaf's issuer contoso-gateway-01 is an "
                       "end-entity certificate (basicConstraints CA:FALSE)",
                       1))),
          X509("issuer-without-basic-constraints",
               {"contoso-nobc-001", "contoso-int-no-basic-constraints",
                "contoso-root"},
               WithCause(
                   "ISSUER_NOT_CA",
                   DenyGroup(
                       "CHAIN_UNVERIFIED", "contoso-root",
                       "the issuer has keyCertSign but no basicConstraints, "
                       "so it is not a CA",
                       1))),
          X509("issuer-without-keycertsign",
               {"contoso-noks-001", "contoso-int-no-keycertsign",
                "contoso-root"},
               WithCause(
                   "KEY_CERT_SIGN_MISSING",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the issuer is CA:TRUE but its keyUsage lacks "
                             "keyCertSign",
                             1))),
          X509("issuer-without-key-usage",
               {"contoso-noku-001", "contoso-int-no-key-usage", "contoso-root"},
               AllowGroup("contoso-root",
                          "the issuer is CA:TRUE with no keyUsage "
                          "extension; keyCertSign is required only when "
                          "keyUsage is present")),
          X509("root-pathlen-0-with-intermediate",
               {"constrained-001", "constrained-int", "constrained-root"},
               WithCause(
                   "PATH_LENGTH_EXCEEDED",
                   DenyGroup("CHAIN_UNVERIFIED", "constrained-root",
                             "constrained-root has pathLenConstraint 0 and one "
                             "intermediate CA below it; reported at the root, "
                             "the certificate whose constraint is exceeded",
                             2))),
          X509("intermediate-pathlen-0-with-sub-ca",
               {"contoso-b-sub-001", "contoso-int-2-sub", "contoso-int-2",
                "contoso-root"},
               WithCause(
                   "PATH_LENGTH_EXCEEDED",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "contoso-int-2 has pathLenConstraint 0 and issued "
                             "the CA contoso-int-2-sub; reported at "
                             "contoso-int-2",
                             2))),
          X509("intermediate-pathlen-0-issues-leaf", B1(),
               AllowGroup("contoso-root",
                          "pathLenConstraint 0 still lets contoso-int-2 "
                          "issue end-entity certificates")),
      }};
}

Scenario ChainCriticalExtensions(const Pki& pki) {
  return {
      "chain-critical-extensions",
      {4},
      "Unknown critical extensions fail verification (rule 4); unknown "
      "non-critical ones are ignored. The unknown extension is OID "
      "1.3.6.1.4.1.55555.7.1.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          X509("unknown-critical-extension-leaf",
               UnderInt1("contoso-crit-ext-001"),
               WithCause(
                   "UNHANDLED_CRITICAL_EXTENSION",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the leaf carries an unknown critical extension",
                             0))),
          X509("unknown-critical-extension-intermediate",
               {"contoso-crit-int-001", "contoso-int-critical-ext",
                "contoso-root"},
               WithCause(
                   "UNHANDLED_CRITICAL_EXTENSION",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the intermediate carries an unknown critical "
                             "extension",
                             1))),
          X509("unknown-noncritical-extension-leaf",
               UnderInt1("contoso-noncrit-ext-001"),
               AllowGroup("contoso-root",
                          "an unknown non-critical extension is ignored")),
      }};
}

Scenario ChainPathBuilding(const Pki& pki) {
  std::vector<std::string> depth10 = {"tailspin-depth-10"};
  for (int level = 8; level >= 1; --level) {
    depth10.push_back(absl::StrCat("tailspin-ca-0", level));
  }
  depth10.push_back("tailspin-root");
  std::vector<std::string> depth13 = {"tailspin-depth-13"};
  for (int level = 11; level >= 1; --level) {
    depth13.push_back(
        absl::StrCat("tailspin-ca-", level < 10 ? "0" : "", level));
  }
  depth13.push_back("tailspin-root");
  return {
      "chain-path-building",
      {4},
      "Path building and the depth limit (rule 4): certificates after the "
      "leaf may come in any order; chains of depth 5 and 10 verify; a chain "
      "of 13 certificates (11 intermediates) exceeds the default depth of "
      "10 however depth is counted.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("tailspin-root", true, Body("tailspin-root"))
          .ToJson(),
      {
          X509("depth-5-in-order",
               {"contoso-a7c3-001", "contoso-int-1-sub-2", "contoso-int-1-sub",
                "contoso-int-1", "contoso-root"},
               AllowGroup("contoso-root",
                          "leaf, three intermediates and the "
                          "root, in order")),
          X509("depth-4-reversed",
               {"contoso-a7-001", "contoso-root", "contoso-int-1",
                "contoso-int-1-sub"},
               AllowGroup("contoso-root",
                          "root, int, sub-int after the leaf: the engine "
                          "builds the path")),
          X509("depth-5-shuffled",
               {"contoso-a7c3-001", "contoso-int-1", "contoso-root",
                "contoso-int-1-sub-2", "contoso-int-1-sub"},
               AllowGroup("contoso-root", "any order after the leaf")),
          X509("depth-10", depth10,
               AllowGroup("tailspin-root",
                          "10 certificates (8 intermediates): within the "
                          "default limit of 10")),
          X509(
              "depth-13", depth13,
              WithCause(
                  "CHAIN_TOO_LONG",
                  DenyGroup("CHAIN_UNVERIFIED", "tailspin-root",
                            "the enabled root group decides but the path to it "
                            "has 13 certificates (11 intermediates), over the "
                            "default depth limit of 10; the limit is about the "
                            "whole path, so no certificate index"))),
      }};
}

Scenario ChainAlgorithms(const Pki& pki) {
  return {"chain-algorithms",
          {4},
          "ECDSA P-256 and RSA-2048 mixed in every position (rule 4).",
          Policy(pki)
              .Group("contoso-root", true, Body("contoso-root"))
              .Group("fabrikam-root", true, Body("fabrikam-root"))
              .ToJson(),
          {
              X509("rsa-root-ecdsa-int-ecdsa-leaf",
                   {"fabrikam-ec-001", "fabrikam-int-ec", "fabrikam-root"},
                   AllowGroup("fabrikam-root", "RSA root, ECDSA below")),
              X509("rsa-root-rsa-int-ecdsa-leaf",
                   {"fabrikam-rsa-ec-001", "fabrikam-int-rsa", "fabrikam-root"},
                   AllowGroup("fabrikam-root",
                              "RSA root and intermediate, ECDSA "
                              "leaf")),
              X509("rsa-root-rsa-int-rsa-leaf",
                   {"fabrikam-rsa-001", "fabrikam-int-rsa", "fabrikam-root"},
                   AllowGroup("fabrikam-root", "RSA throughout")),
              X509("ecdsa-root-rsa-int-rsa-leaf",
                   {"contoso-r-001", "contoso-int-rsa", "contoso-root"},
                   AllowGroup("contoso-root", "ECDSA root, RSA below")),
              X509("ecdsa-root-rsa-int-ecdsa-leaf",
                   {"contoso-r-002", "contoso-int-rsa", "contoso-root"},
                   AllowGroup("contoso-root",
                              "ECDSA root, RSA intermediate, "
                              "ECDSA leaf")),
              X509("ecdsa-throughout", A1(),
                   AllowGroup("contoso-root", "ECDSA throughout")),
          }};
}

Scenario ChainMalformed(const Pki& pki) {
  const Credential& leaf = pki.Get("contoso-a-001");
  const std::string int1 = pki.Get("contoso-int-1").pem;
  const std::string root = pki.Get("contoso-root").pem;
  const std::string not_der = PemWrap("this is not a DER certificate");
  const std::string truncated_leaf = PemWrap(leaf.der.substr(0, 120));
  const std::string bad_base64 =
      "-----BEGIN CERTIFICATE-----\n"
      "!!!! this is not base64 !!!!\n"
      "-----END CERTIFICATE-----\n";
  const std::string& int1_der = pki.Get("contoso-int-1").der;
  const std::string truncated_int =
      PemWrap(int1_der.substr(0, int1_der.size() / 2));
  return {
      "chain-malformed",
      {4},
      "Certificates that do not parse (rule 4): the device is denied "
      "MALFORMED_CHAIN at the index of the bad certificate, before any "
      "enrollment is looked at (an enabled root group would otherwise "
      "allow these devices).",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          RawChain(
              "leaf-not-der", not_der + int1 + root,
              WithCause("MALFORMED_CERTIFICATE",
                        Deny("MALFORMED_CHAIN",
                             "the first PEM block decodes to ASCII text, not a "
                             "DER certificate",
                             0))),
          RawChain(
              "leaf-truncated-der", truncated_leaf + int1 + root,
              WithCause(
                  "MALFORMED_CERTIFICATE",
                  Deny("MALFORMED_CHAIN",
                       "the leaf is contoso-a-001's DER cut after 120 bytes",
                       0))),
          RawChain(
              "leaf-bad-base64", bad_base64 + int1 + root,
              WithCause("MALFORMED_PEM",
                        Deny("MALFORMED_CHAIN",
                             "the first PEM block's body is not base64", 0))),
          RawChain(
              "intermediate-truncated-der", leaf.pem + truncated_int + root,
              WithCause("MALFORMED_CERTIFICATE",
                        Deny("MALFORMED_CHAIN",
                             "the leaf is fine but the second certificate is "
                             "contoso-int-1's DER cut in half",
                             1))),
      }};
}

Scenario Fleet(const Pki& pki) {
  Policy policy(pki);
  policy.Group("contoso-factory-a", true, Thumb("contoso-int-1"))
      .With("etag", Json::Str("\"0b00f9a2-0000-0800-0000-65f1c0de0000\""))
      .With("createdDateTimeUtc", Json::Str("2024-11-04T09:12:44.1234567Z"))
      .With("lastUpdatedDateTimeUtc", Json::Str("2025-02-17T16:40:03.7654321Z"))
      .Group("contoso-factory-b", false, Body("contoso-int-2"))
      .With("etag", Json::Str("\"0b00faa7-0000-0800-0000-67b36b930000\""))
      .Group("contoso-root", true, Body("contoso-root"))
      .With("allocationPolicy", Json::Str("hashed"))
      .With("reprovisionPolicy",
            Json::Object()
                .Set("updateHubAssignment", Json::Bool(true))
                .Set("migrateDeviceData", Json::Bool(true)))
      .SymmetricGroup("contoso-sas-sensors", true)
      .SymmetricIndividual("fleet-dev-004", false)
      .With("deviceId", Json::Str("fleet-dev-004"))
      .X509Individual("fleet-dev-007", true, Body("fleet-dev-007"))
      .With("deviceId", Json::Str("fleet-dev-007"))
      .With("iotHubHostName", Json::Str("contoso-hub-b.azure-devices.net"))
      .With(
          "initialTwin",
          Json::Object()
              .Set("tags", Json::Object().Set("site", Json::Str("factory-b")))
              .Set("properties", Json::Object().Set("desired", Json::Object())))
      .With("capabilities", Json::Object().Set("iotEdge", Json::Bool(false)))
      .SymmetricIndividual("fleet-sas-001", true)
      .With("deviceId", Json::Str("fleet-sas-001"));
  const auto under = [](std::string leaf, std::string intermediate) {
    return std::vector<std::string>{std::move(leaf), std::move(intermediate),
                                    "contoso-root"};
  };
  return {
      "fleet",
      {1, 2, 3, 4},
      "The README demo: a Contoso fleet of 13 devices across factory A "
      "(contoso-int-1, group known by thumbprint as DPS lists it), factory B "
      "(contoso-int-2, group disabled) and the root (group enabled), with "
      "one device disallowed by a disabled symmetric-key individual "
      "enrollment, one individually enrolled device, one expired device, "
      "a stranger from another vendor and three SAS devices.",
      policy.ToJson(),
      {
          X509("fleet-dev-001", under("fleet-dev-001", "contoso-int-1"),
               AllowGroup("contoso-factory-a",
                          "factory A's group is the nearest and enabled")),
          X509("fleet-dev-002", {"fleet-dev-002", "contoso-int-1"},
               AllowGroup("contoso-factory-a",
                          "sent without the root, which is not needed")),
          X509("fleet-dev-003",
               {"fleet-dev-003", "contoso-int-1-sub", "contoso-int-1",
                "contoso-root"},
               AllowGroup("contoso-factory-a",
                          "under line 7's sub-CA, which has no group; "
                          "factory A's group above it decides")),
          X509("fleet-dev-004", under("fleet-dev-004", "contoso-int-1"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "fleet-dev-004",
                              "disallowed by a disabled symmetric-key "
                              "individual enrollment inside an enabled "
                              "group")),
          X509("fleet-dev-005", under("fleet-dev-005", "contoso-int-2"),
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-factory-b",
                         "factory B's group is disabled, which blocks it "
                         "although the root group is enabled")),
          X509("fleet-dev-006", {"fleet-dev-006", "contoso-int-2"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-factory-b",
                         "factory B's group is disabled")),
          X509("fleet-dev-007", under("fleet-dev-007", "contoso-int-2"),
               AllowIndividual("fleet-dev-007",
                               "individually enrolled with this certificate; "
                               "the individual enrollment decides before "
                               "factory B's disabled group")),
          X509("fleet-dev-008", under("fleet-dev-008", "contoso-int-1"),
               WithCause(
                   "EXPIRED",
                   DenyGroup("CERTIFICATE_EXPIRED", "contoso-factory-a",
                             "factory A's group decides, but the leaf expired "
                             "on 2025-01-01",
                             0))),
          X509("fleet-dev-009", under("fleet-dev-009", "contoso-int-rsa"),
               AllowGroup("contoso-root",
                          "the RSA issuing CA has no group; the root's "
                          "group decides")),
          X509("fleet-dev-010",
               {"fleet-dev-010", "fabrikam-int-ec", "fabrikam-root"},
               Deny("NO_ENROLLMENT",
                    "a Fabrikam device: no enrollment on its chain")),
          Sas("fleet-sas-001", "fleet-sas-001",
              Token("fleet-sas-001", IndividualKey("fleet-sas-001")),
              AllowIndividual("fleet-sas-001",
                              "individual symmetric-key enrollment, primary "
                              "key")),
          Sas("fleet-sensor-001", "fleet-sensor-001",
              Token("fleet-sensor-001",
                    DerivedKey("contoso-sas-sensors", "fleet-sensor-001")),
              AllowGroup("contoso-sas-sensors",
                         "key derived from the sensors group's primary "
                         "key")),
          Sas("fleet-sensor-intruder", "fleet-sensor-intruder",
              Token("fleet-sensor-intruder", WrongKey("fleet-sensor-intruder")),
              Deny("NO_ENROLLMENT",
                   "the token verifies with no group's derived key, so no "
                   "enrollment is identified")),
      }};
}

using ScenarioFn = Scenario (*)(const Pki&);
constexpr ScenarioFn kScenarios[] = {
    Fleet,
    RegistrationIdSyntax,
    RegistrationIdCase,
    IndividualX509,
    IndividualTpm,
    IndividualDisabled,
    IndividualDeleted,
    IndividualSymmetricKey,
    GroupRootOnly,
    GroupIntermediateOnly,
    GroupNearestDecides,
    GroupDisabledIntermediate,
    GroupDeletedIntermediate,
    GroupDisabledRoot,
    GroupDeletedAll,
    GroupThumbprintOnly,
    GroupUnsentAnchor,
    GroupCertificateRollover,
    GroupRenewedIntermediate,
    GroupSymmetricKey,
    ChainValidity,
    VerificationScope,
    ChainSignature,
    ChainCaConstraints,
    ChainCriticalExtensions,
    ChainPathBuilding,
    ChainAlgorithms,
    ChainMalformed,
};

// ===================================================================
// Output
// ===================================================================

bool IsAllow(const std::string& reason) {
  return reason == "INDIVIDUAL_ENROLLMENT_ENABLED" ||
         reason == "ENROLLMENT_GROUP_ENABLED";
}

Json ExpectedDevice(const DeviceCase& d) {
  Json j = Json::Object();
  j.Set("device", Json::Str(d.name));
  if (d.sas_token.empty()) {
    j.Set("chain", Json::Str(d.name + ".pem"));
  } else {
    j.Set("registrationId", Json::Str(d.registration_id));
    j.Set("sasToken", Json::Str(d.sas_token));
  }
  j.Set("at", Json::Str(kAtText));
  j.Set("verdict", Json::Str(IsAllow(d.expect.reason) ? "ALLOW" : "DENY"));
  j.Set("reason", Json::Str(d.expect.reason));
  if (!d.expect.enrollment_kind.empty()) {
    j.Set("enrollment", Json::Object()
                            .Set("kind", Json::Str(d.expect.enrollment_kind))
                            .Set("id", Json::Str(d.expect.enrollment_id)));
  }
  if (d.expect.certificate_index >= 0) {
    j.Set("certificateIndex", Json::Int(d.expect.certificate_index));
  }
  if (!d.expect.cause.empty()) j.Set("cause", Json::Str(d.expect.cause));
  j.Set("why", Json::Str(d.expect.why));
  return j;
}

Json RulesJson(const std::vector<int>& rules) {
  Json j = Json::Array();
  for (int r : rules) j.Push(Json::Int(r));
  return j;
}

}  // namespace

std::map<std::string, std::string> GenerateScenarioCorpus() {
  if (Rfc3339(kAt) != kAtText) Die("kAt and kAtText disagree");
  InstallDeterministicRandom(kSeed);
  Pki pki;
  DefineIdentities(pki);

  std::map<std::string, std::string> files;
  Json index_list = Json::Array();
  std::set<std::string> names;
  for (ScenarioFn fn : kScenarios) {
    const Scenario s = fn(pki);
    if (!names.insert(s.name).second) Die("duplicate scenario " + s.name);
    const std::string dir = s.name + "/";
    files[dir + "policy.json"] = s.policy.Dump();
    Json devices = Json::Array();
    std::set<std::string> device_names;
    for (const DeviceCase& d : s.devices) {
      if (!device_names.insert(d.name).second) {
        Die(absl::StrCat("duplicate device ", d.name, " in ", s.name));
      }
      if (IsChainReason(d.expect.reason) != !d.expect.cause.empty()) {
        Die(absl::StrCat(s.name, "/", d.name,
                         ": a chain or certificate DENY names its cause, "
                         "and nothing else does"));
      }
      if (d.sas_token.empty()) {
        std::string pem = d.raw_chain;
        for (const std::string& c : d.chain) pem += pki.Get(c).pem;
        files[dir + d.name + ".pem"] = pem;
      }
      devices.Push(ExpectedDevice(d));
    }
    files[dir + "expected.json"] =
        Json::Object()
            .Set("scenario", Json::Str(s.name))
            .Set("description", Json::Str(s.description))
            .Set("rules", RulesJson(s.rules))
            .Set("policy", Json::Str("policy.json"))
            .Set("devices", std::move(devices))
            .Dump();
    index_list.Push(Json::Object()
                        .Set("name", Json::Str(s.name))
                        .Set("rules", RulesJson(s.rules))
                        .Set("devices", Json::Int(s.devices.size()))
                        .Set("description", Json::Str(s.description)));
  }
  files["index.json"] = Json::Object()
                            .Set("regenerate", Json::Str(kRegenerateCommand))
                            .Set("validationTime", Json::Str(kAtText))
                            .Set("idScope", Json::Str(kIdScope))
                            .Set("scenarios", std::move(index_list))
                            .Set("identities", pki.Describe())
                            .Dump();
  return files;
}

absl::Status WriteScenarioCorpus(const std::string& dir) {
  namespace fs = std::filesystem;
  const auto files = GenerateScenarioCorpus();
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  // Remove the previous corpus's scenario folders (and nothing else).
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "expected.json")) {
      fs::remove_all(entry.path(), error);
      if (error) {
        return absl::InternalError(absl::StrCat(
            "cannot remove ", entry.path().string(), ": ", error.message()));
      }
    }
  }
  for (const auto& [path, contents] : files) {
    const fs::path full = fs::path(dir) / path;
    fs::create_directories(full.parent_path(), error);
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), contents.size());
    out.close();
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", full.string()));
    }
  }
  return absl::OkStatus();
}

}  // namespace testdata
}  // namespace chaintrust
