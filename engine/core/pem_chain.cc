#include "engine/core/pem_chain.h"

#include <utility>

#include "absl/strings/match.h"
#include "engine/x509/certificate.h"

namespace chaintrust {
namespace internal {

CheckFailure DecodePemChain(absl::string_view pem,
                            std::vector<std::string>* ders,
                            std::string* problem) {
  constexpr absl::string_view kBegin = "-----BEGIN ";
  problem->clear();
  size_t start = pem.find(kBegin);
  if (start == absl::string_view::npos) *problem = "no PEM block";
  while (start != absl::string_view::npos && problem->empty()) {
    const size_t next = pem.find(kBegin, start + kBegin.size());
    const absl::string_view block = pem.substr(start, next - start);
    start = next;
    if (!absl::StartsWith(block, "-----BEGIN CERTIFICATE-----")) continue;
    auto der = PemToDer(block);
    if (!der.ok()) {
      *problem = std::string(der.status().message());
    } else if (der->size() != 1) {
      *problem = "not one certificate";
    } else {
      ders->push_back(std::move((*der)[0]));
    }
  }
  if (problem->empty() && ders->empty()) *problem = "no CERTIFICATE block";
  if (problem->empty()) return CheckFailure();
  CheckFailure f;
  f.cause = Cause::kMalformedPem;
  f.certificate_index = static_cast<int>(ders->size());
  f.name = *problem;
  return f;
}

}  // namespace internal
}  // namespace chaintrust
