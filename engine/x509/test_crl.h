// Test-only minting of CRLs with OpenSSL, beside test_certs.h's
// certificates:
//
//   TestCert root = MintRoot("Contoso Root");
//   TestCrlOptions options;
//   options.revoked_serials = {leaf_serial};
//   std::string der = MintCrl(options, root);
//
// Every option has a default that yields an ordinary v2 CRL: signed by the
// issuer's key with SHA-256, thisUpdate an hour ago, nextUpdate in a week,
// a non-critical cRLNumber 1 and an authorityKeyIdentifier. Options produce
// the CRLs a loader must refuse. Failures inside OpenSSL abort.
#ifndef CHAINTRUST_ENGINE_X509_TEST_CRL_H_
#define CHAINTRUST_ENGINE_X509_TEST_CRL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/x509/test_certs.h"

namespace chaintrust::internal {

struct TestCrlOptions {
  std::vector<uint64_t> revoked_serials;
  absl::Time revocation_date = absl::Now() - absl::Hours(2);
  absl::Time this_update = absl::Now() - absl::Hours(1);
  absl::Time next_update = absl::Now() + absl::Hours(24 * 7);
  bool has_next_update = true;
  // v1: no version field and no extensions at all.
  bool v1 = false;
  bool crl_number = true;
  bool crl_number_critical = false;
  uint64_t number = 1;
  bool authority_key_identifier = true;
  // issuingDistributionPoint (critical) with these fields set.
  bool idp_only_user_certs = false;
  bool idp_only_ca_certs = false;
  bool idp_distribution_point = false;  // a URI: a partitioned CRL
  bool idp_indirect = false;
  bool delta_crl_indicator = false;
  // Dotted OIDs added as critical extensions with an empty value.
  std::vector<std::string> unknown_critical_extensions;
  // Signed with this key instead of the issuer's (a bad signature).
  const TestKey* signing_key = nullptr;
  std::string signature_digest = "SHA256";
};

// A DER CRL issued (named and signed) by `issuer`.
std::string MintCrl(const TestCrlOptions& options, const TestCert& issuer);

// "-----BEGIN X509 CRL-----" text of a DER CRL.
std::string CrlPem(const std::string& der);

// A certificate's serial as TestCertOptions::serial produces it, as the
// INTEGER contents Certificate::serial_number() returns.
std::string SerialContents(uint64_t serial);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_X509_TEST_CRL_H_
