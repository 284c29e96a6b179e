// Certificate revocation lists (RFC 5280 §5), parsed once into immutable
// values, and the set of CRLs an Engine checks paths against.
//
// Parsing uses chaintrust's own DER reader (engine/x509/der.h), as
// Certificate does, not OpenSSL's d2i_X509_CRL: a CRL of a million entries
// would cost OpenSSL a million ASN1_INTEGER and X509_REVOKED allocations
// plus its extension caching, while here the revoked serials are views into
// the CRL's one copy of the DER, indexed by a hash set (one pass, one
// allocation per table). The parse is strict and fails closed: what
// chaintrust cannot honour is an error naming the CRL, never ignored.
//
// Accepted at parse time (Crl::Create), else InvalidArgument naming the
// source and the field:
//   - v2 only (a v1 CRL has no extensions to say what it covers);
//   - the outer and inner signature algorithms agree and are known and not
//     SHA-1/MD5 based;
//   - thisUpdate and nextUpdate present (RFC 5280 §5.1.2.5 requires
//     nextUpdate; without it staleness cannot be judged);
//   - cRLNumber present and non-critical (RFC 5280 §5.2.3);
//   - every critical extension understood: an issuingDistributionPoint is
//     honoured only for its onlyContainsUserCerts / onlyContainsCACerts
//     scope; a distributionPoint (a partitioned CRL), onlySomeReasons,
//     indirectCRL or onlyContainsAttributeCerts is an error, as is a delta
//     CRL (deltaCRLIndicator) and any critical entry extension;
//   - serials are unique.
// Accepted at validation time (engine/core/revocation.h): the signature
// verifies with the key of a certificate whose subject is the CRL's issuer
// and whose keyUsage, when present, allows cRLSign; thisUpdate <= the
// validation time; nextUpdate >= it unless stale CRLs are accepted.
#ifndef CHAINTRUST_ENGINE_X509_CRL_H_
#define CHAINTRUST_ENGINE_X509_CRL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust {

// Which certificates a CRL covers (its issuingDistributionPoint scope).
enum class CrlScope : uint8_t { kAll, kEndEntityOnly, kCaOnly };

class Crl {
 public:
  // Parses one DER CRL. `source` names it in errors and explanations (e.g.
  // "revoked.pem#2"). Limits: 256 MiB of DER.
  static absl::StatusOr<std::shared_ptr<const Crl>> Create(
      std::string der, absl::string_view source);

  Crl(const Crl&) = delete;
  Crl& operator=(const Crl&) = delete;

  absl::string_view der() const { return der_; }
  const std::string& source() const { return source_; }
  const Sha256Digest& sha256() const { return sha256_; }
  // The signed part (TBSCertList, with its tag and length).
  absl::string_view tbs_der() const { return tbs_; }
  SignatureAlgorithm signature_algorithm() const { return algorithm_; }
  absl::string_view signature() const { return signature_; }
  // The issuer Name TLV, compared with certificates' subject and issuer.
  absl::string_view issuer_der() const { return issuer_; }
  // The issuer name's comparison key (RFC 5280 §7.1, as
  // Certificate::subject_name_key()): CRLs are matched to issuers by it.
  const std::string& issuer_name_key() const { return issuer_key_; }
  std::string IssuerString() const;
  // authorityKeyIdentifier.keyIdentifier, empty when absent.
  absl::string_view authority_key_identifier() const { return akid_; }
  absl::Time this_update() const { return this_update_; }
  absl::Time next_update() const { return next_update_; }
  uint64_t crl_number_low64() const { return crl_number_; }
  CrlScope scope() const { return scope_; }
  // Whether `certificate` is within the scope (issuingDistributionPoint).
  bool Covers(const Certificate& certificate) const;

  size_t revoked_count() const { return revoked_.size(); }
  // Whether `serial` (INTEGER contents, as Certificate::serial_number()) is
  // listed; sets *revoked_at to its revocationDate when it is.
  bool IsRevoked(absl::string_view serial, absl::Time* revoked_at) const;

  // Whether the signature verifies with `issuer`'s key (the signature only:
  // names, key identifiers and keyUsage are the caller's).
  bool SignatureVerifiesWith(const Certificate& issuer) const;
  // Whether `issuer` may be this CRL's issuer: its subject is the CRL's
  // issuer name and key identifiers, when both are present, agree.
  bool MayBeIssuedBy(const Certificate& issuer) const;

 private:
  Crl() = default;
  friend class CrlParser;

  std::string der_;
  std::string source_;
  Sha256Digest sha256_{};
  absl::string_view tbs_;
  absl::string_view signature_;
  absl::string_view issuer_;
  std::string issuer_key_;
  absl::string_view akid_;
  SignatureAlgorithm algorithm_ = SignatureAlgorithm::kUnknown;
  absl::Time this_update_;
  absl::Time next_update_;
  uint64_t crl_number_ = 0;
  CrlScope scope_ = CrlScope::kAll;
  // serial (a view into der_) -> revocationDate in Unix seconds.
  absl::flat_hash_map<absl::string_view, int64_t> revoked_;
};

using CrlPtr = std::shared_ptr<const Crl>;

// The CRLs an Engine checks against, indexed by issuer name. Immutable.
class CrlSet {
 public:
  explicit CrlSet(std::vector<CrlPtr> crls);

  bool empty() const { return crls_.empty(); }
  const std::vector<CrlPtr>& crls() const { return crls_; }
  // The CRLs whose issuer name has the key `issuer_name_key` (see
  // NameKey), newest thisUpdate first (then by CRL number, then SHA-256);
  // empty when none.
  absl::Span<const Crl* const> FindByIssuer(
      absl::string_view issuer_name_key) const;

 private:
  std::vector<CrlPtr> crls_;
  absl::flat_hash_map<absl::string_view, std::vector<const Crl*>> by_issuer_;
};

// Parses the CRLs in a file's contents: DER (one CRL) or PEM (any number of
// "X509 CRL" blocks; other blocks are skipped; none is an error). Each CRL
// is named "<source>" (DER, or a PEM file with one block) or
// "<source>#<n>" (the n-th CRL block, from 1). Errors name the CRL.
absl::StatusOr<std::vector<CrlPtr>> ParseCrls(absl::string_view data,
                                              absl::string_view source);

// ParseCrls over each file's contents, read whole (at most 1 GiB each);
// every error names the file.
absl::StatusOr<CrlSetPtr> LoadCrlFiles(const std::vector<std::string>& paths);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_CRL_H_
