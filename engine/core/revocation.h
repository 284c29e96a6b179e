// Revocation: the certificates of a verified path checked against the CRLs
// loaded beside the enrollment snapshot (engine/x509/crl.h). Ranking X.509
// 5c' in resolver.h: after the structural checks, before validity.
#ifndef CHAINTRUST_ENGINE_CORE_REVOCATION_H_
#define CHAINTRUST_ENGINE_CORE_REVOCATION_H_

#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"
#include "engine/x509/crl.h"

namespace chaintrust::internal {

struct RevocationCheck {
  const CrlSet& crls;
  absl::Time at;  // the validation time
  bool accept_stale = false;
  // Whether `crl`'s signature verifies with `issuer`'s key (the resolver
  // keeps the proof per Evaluator).
  absl::FunctionRef<bool(const Crl& crl, const Certificate& issuer)> verify;
  // The certificates, presented or the snapshot's, whose subject name has
  // the key `name_key` (see NameKey): the CRL issuers of a path's top
  // certificate, whose issuer is not on the path.
  absl::FunctionRef<void(absl::string_view name_key,
                         std::vector<const Certificate*>* out)>
      find_certificates;
};

// Checks each certificate of `path` (path[0] the leaf) against the CRLs of
// its issuer, from the leaf up; the top certificate too unless it is
// self-issued (an anchor is not revoked by its own CRL). Per certificate:
// no CRL of its issuer's name covering it -> nothing to check; else the
// newest CRL whose thisUpdate <= at, that verifies with the issuer's key
// and whose issuer's keyUsage, when present, allows cRLSign, is used; none
// usable -> kCrlNotYetValid / kCrlSignatureInvalid / kCrlIssuerNotCrlSigner
// (the first problem met); the used CRL past its nextUpdate ->
// kCrlStale unless accept_stale; the certificate's serial on it ->
// kCertificateRevoked. Returns the failure at the lowest index (none when
// every check passed); `*checked` counts the certificates a CRL covered.
CheckFailure CheckRevocation(absl::Span<const Certificate* const> path,
                             const RevocationCheck& check, int* checked);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_CORE_REVOCATION_H_
