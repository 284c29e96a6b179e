#include "engine/analysis/device_input.h"

namespace chaintrust::analysis {

void DecideDevice(Evaluator& evaluator, const DeviceInput& input,
                  Decision* decision) {
  evaluator.Evaluate(ToAttestation(input), decision);
}

Attestation ToAttestation(const DeviceInput& input) {
  Attestation attestation;
  attestation.registration_id = input.registration_id;
  attestation.sas_token = input.sas_token;
  attestation.at = input.at;
  // The engine decodes the PEM: text that does not decode is its DENY
  // MALFORMED_CHAIN, like a certificate that does not parse.
  attestation.chain_pem = input.chain_pem;
  return attestation;
}

}  // namespace chaintrust::analysis
