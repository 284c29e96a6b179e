#include "engine/core/revocation.h"

#include <vector>

namespace chaintrust::internal {
namespace {

CheckFailure CrlFailure(Cause cause, int index, const Crl& crl) {
  CheckFailure f;
  f.cause = cause;
  f.certificate_index = index;
  f.name = crl.source();
  return f;
}

// The signer of `crl` among `issuers` (index of each on the path, or -1),
// or a failure saying why none is usable.
CheckFailure FindSigner(const Crl& crl, int index,
                        absl::Span<const Certificate* const> issuers,
                        absl::Span<const int> issuer_indices,
                        const RevocationCheck& check) {
  for (size_t k = 0; k < issuers.size(); ++k) {
    const Certificate& issuer = *issuers[k];
    if (!crl.MayBeIssuedBy(issuer) || !check.verify(crl, issuer)) continue;
    if (issuer.has_key_usage() && (issuer.key_usage() & kCrlSign) == 0) {
      CheckFailure f = CrlFailure(Cause::kCrlIssuerNotCrlSigner, index, crl);
      f.other_index = issuer_indices[k];
      return f;
    }
    return CheckFailure();
  }
  return CrlFailure(Cause::kCrlSignatureInvalid, index, crl);
}

}  // namespace

CheckFailure CheckRevocation(absl::Span<const Certificate* const> path,
                             const RevocationCheck& check, int* checked) {
  *checked = 0;
  const int n = static_cast<int>(path.size());
  std::vector<const Certificate*> found;
  std::vector<int> found_indices;
  for (int i = 0; i < n; ++i) {
    const Certificate& cert = *path[i];
    const bool top = i + 1 == n;
    if (top && cert.self_issued()) break;
    const absl::Span<const Crl* const> crls =
        check.crls.FindByIssuer(cert.issuer_name_key());
    if (crls.empty()) continue;
    const Crl* used = nullptr;
    CheckFailure problem;
    for (const Crl* crl : crls) {
      if (!crl->Covers(cert)) continue;
      if (crl->this_update() > check.at) {
        if (!problem.failed()) {
          problem = CrlFailure(Cause::kCrlNotYetValid, i, *crl);
          problem.value = absl::ToUnixSeconds(crl->this_update());
          problem.limit = absl::ToUnixSeconds(check.at);
        }
        continue;
      }
      CheckFailure f;
      if (!top) {
        const Certificate* issuer = path[i + 1];
        const int issuer_index = i + 1;
        f = FindSigner(*crl, i, absl::MakeConstSpan(&issuer, 1),
                       absl::MakeConstSpan(&issuer_index, 1), check);
      } else {
        if (found.empty()) {
          check.find_certificates(cert.issuer_name_key(), &found);
          found_indices.assign(found.size(), -1);
        }
        f = FindSigner(*crl, i, found, found_indices, check);
      }
      if (f.failed()) {
        if (!problem.failed()) problem = f;
        continue;
      }
      used = crl;
      break;
    }
    if (used == nullptr) {
      // Every covering CRL was unusable: its revocation status is unknown.
      if (problem.failed()) return problem;
      continue;  // no CRL covers this certificate
    }
    ++*checked;
    if (!check.accept_stale && used->next_update() < check.at) {
      CheckFailure f = CrlFailure(Cause::kCrlStale, i, *used);
      f.value = absl::ToUnixSeconds(used->next_update());
      f.limit = absl::ToUnixSeconds(check.at);
      return f;
    }
    absl::Time revoked_at;
    if (used->IsRevoked(cert.serial_number(), &revoked_at)) {
      CheckFailure f = CrlFailure(Cause::kCertificateRevoked, i, *used);
      f.value = absl::ToUnixSeconds(revoked_at);
      f.limit = absl::ToUnixSeconds(used->this_update());
      f.other_index = top ? -1 : i + 1;
      return f;
    }
  }
  return CheckFailure();
}

}  // namespace chaintrust::internal
