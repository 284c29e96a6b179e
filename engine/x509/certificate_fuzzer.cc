// libFuzzer entry point for Certificate::Create: every input must be either
// rejected with a status or parsed into a certificate whose views are
// consistent with the input (BoringSSL fuzz/parse_certificate_fuzzer.cc
// does the same). The fuzz build rule is wired up separately.
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/string_view.h"
#include "engine/x509/certificate.h"

namespace {

// Aborts (a finding) unless `part` lies inside `whole`.
void CheckInside(absl::string_view part, absl::string_view whole) {
  if (part.empty()) return;
  if (part.data() < whole.data() ||
      part.data() + part.size() > whole.data() + whole.size()) {
    abort();
  }
}

void Check(bool condition) {
  if (!condition) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = chaintrust::Certificate::Create(input);
  if (!parsed.ok()) {
    Check(!parsed.status().message().empty());
    return 0;
  }
  const chaintrust::Certificate& cert = **parsed;
  Check(cert.der() == input);
  Check(cert.der().data() != input.data());  // It owns a copy.
  chaintrust::Sha256Digest sha256;
  SHA256(data, size, sha256.data());
  Check(sha256 == cert.sha256());
  chaintrust::Sha1Digest sha1;
  SHA1(data, size, sha1.data());
  Check(sha1 == cert.sha1());
  for (absl::string_view part :
       {cert.tbs_der(), cert.signature(), cert.serial_number(),
        cert.subject_der(), cert.issuer_der(), cert.spki_der(),
        cert.subject_key_identifier(), cert.authority_key_identifier()}) {
    CheckInside(part, cert.der());
  }
  Check(!cert.tbs_der().empty() && !cert.subject_der().empty() &&
        !cert.issuer_der().empty() && !cert.spki_der().empty());
  Check(cert.version() >= 1 && cert.version() <= 3);
  Check(cert.version() == 3 ||
        (!cert.has_basic_constraints() && !cert.has_key_usage() &&
         !cert.has_extended_key_usage()));
  Check(!cert.path_len_constraint().has_value() ||
        *cert.path_len_constraint() >= 0);
  Check(cert.key_usage() < (1u << 9));
  Check(cert.unhandled_critical_extensions().size() <= 64);
  // Rendering and key decoding must not crash on anything that parsed.
  (void)cert.SubjectString();
  (void)cert.IssuerString();
  (void)chaintrust::VerifySignedBy(cert, cert);
  return 0;
}
