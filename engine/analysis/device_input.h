// Turns what a command line or a corpus file gives for one device (PEM
// chain text, registration ID, SAS token) into an attestation and a
// decision. A chain that is not valid PEM is the engine's DENY
// MALFORMED_CHAIN, like a certificate that does not parse: the device sent
// it, so it is the device's failure, not the tool's.
#ifndef CHAINTRUST_ENGINE_ANALYSIS_DEVICE_INPUT_H_
#define CHAINTRUST_ENGINE_ANALYSIS_DEVICE_INPUT_H_

#include <string>

#include "absl/time/time.h"
#include "engine/decision.h"
#include "engine/engine.h"

namespace chaintrust::analysis {

struct DeviceInput {
  std::string chain_pem;  // empty for symmetric-key devices
  std::string registration_id;
  std::string sas_token;
  absl::Time at = absl::InfinitePast();  // unset: now (Attestation::at)
};

void DecideDevice(Evaluator& evaluator, const DeviceInput& input,
                  Decision* decision);

// The attestation of `input`; it views `input`, which must outlive it.
Attestation ToAttestation(const DeviceInput& input);

}  // namespace chaintrust::analysis

#endif  // CHAINTRUST_ENGINE_ANALYSIS_DEVICE_INPUT_H_
