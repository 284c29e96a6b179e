// The deterministic identities of the scenario corpus: every root,
// intermediate and device certificate, by name, and the instant every
// scenario is evaluated at. The certificates are minted with the project's
// test PKI (engine/x509/test_certs.h) under its deterministic random stream:
// each key and signature depends only on the identity's name. Internal to
// //testdata:scenario_corpus.
#ifndef CHAINTRUST_TESTDATA_SCENARIO_PKI_H_
#define CHAINTRUST_TESTDATA_SCENARIO_PKI_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "engine/x509/test_certs.h"
#include "testdata/scenario_json.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

// Every scenario is evaluated at this instant (kAtText).
inline constexpr char kAtText[] = "2025-06-01T00:00:00Z";
inline constexpr absl::Time kAt = absl::FromUnixSeconds(1748736000);

// Midnight UTC (or `hour` o'clock) of a calendar day.
absl::Time Utc(int year, int month, int day, int hour = 0);

// Prints `what` and aborts: the corpus definition contradicts itself.
[[noreturn]] void Die(absl::string_view what);

// A string of `length` characters: `prefix`, then a-j repeated.
std::string Padded(absl::string_view prefix, size_t length);

using KeyType = internal::TestKeyType;

// An extension added to an identity: the private-arc OID
// 1.3.6.1.4.1.55555.7.1, which no verifier knows.
enum class ExtraExtension { kNone, kUnknownCritical, kUnknownNonCritical };

// A minted identity.
struct Credential {
  std::string name;  // the identity's handle in the corpus
  internal::TestCert cert;
  std::string der;
  std::string pem;
  std::string sha256_hex;  // uppercase, no separators (DPS's spelling)
};

// How an identity differs from the defaults of its kind.
struct Opts {
  KeyType key = KeyType::kEcP256;
  absl::optional<absl::Time> not_before;
  absl::optional<absl::Time> not_after;
  int path_len = -1;
  bool basic_constraints = true;
  bool key_usage = true;
  bool key_cert_sign = true;
  ExtraExtension extra = ExtraExtension::kNone;
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
  Opts& Extension(ExtraExtension e) {
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
    keys_.insert_or_assign(name,
                           internal::TestKey::Derive(KeyType::kEcP256, name));
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
                        const Opts& opts);

  std::map<std::string, std::unique_ptr<Credential>> certs_;
  std::map<std::string, internal::TestKey> keys_;
  std::vector<Json> described_;
};

// Mints every identity of the corpus into `p`, in index.json's order.
void DefineIdentities(Pki& p);

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_SCENARIO_PKI_H_
