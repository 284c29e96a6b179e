#include "engine/analysis/device_input.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace chaintrust::analysis {

void DecideDevice(Evaluator& evaluator, const DeviceInput& input,
                  Decision* decision) {
  Attestation attestation;
  attestation.registration_id = input.registration_id;
  attestation.sas_token = input.sas_token;
  attestation.at = input.at;
  std::vector<std::string> ders;
  if (!input.chain_pem.empty()) {
    // Block by block, so that a bad block is reported with its index.
    const absl::string_view pem = input.chain_pem;
    constexpr absl::string_view kBegin = "-----BEGIN ";
    size_t start = pem.find(kBegin);
    int index = 0;
    std::string problem;
    if (start == absl::string_view::npos) problem = "no PEM block";
    while (start != absl::string_view::npos && problem.empty()) {
      const size_t next = pem.find(kBegin, start + kBegin.size());
      const absl::string_view block = pem.substr(start, next - start);
      start = next;
      if (!absl::StartsWith(block, "-----BEGIN CERTIFICATE-----")) continue;
      auto der = PemToDer(block);
      if (!der.ok() || der->size() != 1) {
        problem = der.ok() ? "not one certificate"
                           : std::string(der.status().message());
        break;
      }
      ders.push_back(std::move((*der)[0]));
      ++index;
    }
    if (problem.empty() && ders.empty()) problem = "no CERTIFICATE block";
    if (!problem.empty()) {
      decision->Clear();
      decision->AddStep(StepId::kParseChain, Outcome::kFailed, index).detail =
          absl::StrCat("the chain is not valid PEM: ", problem);
      decision->Decide(Reason::kMalformedChain, EnrollmentKind::kNone, {},
                       index);
      return;
    }
    attestation.chain.assign(ders.begin(), ders.end());
  }
  evaluator.Evaluate(attestation, decision);
}

}  // namespace chaintrust::analysis
