// The facts of a leaf certificate's bytes that the shared proof store keeps
// with its proof (LeafFacts, engine/core/proof_store.h), taken from a parsed
// certificate, and the validity test on them that the path verifier would
// make on the certificate (engine/x509/path_verification.h).
#ifndef CHAINTRUST_ENGINE_CORE_LEAF_FACTS_H_
#define CHAINTRUST_ENGINE_CORE_LEAF_FACTS_H_

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/core/proof_store.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust {
namespace internal {

// The facts of `leaf` as the certificate signed by `issuer`, whose CN is
// (`common_name_is_valid_id`) a valid registration ID. False when they do
// not fit a LeafFacts: a CN longer than LeafFacts::kMaxCommonName, a
// validity bound not in whole seconds, or an authorityKeyIdentifier that is
// not `issuer`'s subjectKeyIdentifier (the facts say only whether it is).
bool TakeLeafFacts(const Certificate& leaf, const Certificate& issuer,
                   bool common_name_is_valid_id, LeafFacts* facts);

// What CheckValidity(leaf, at) says, from the leaf's facts: whether `at`,
// to the second, is within the leaf's validity.
bool LeafFactsValidAt(const LeafFacts& facts, absl::Time at);

// SHA-256 of `der` (a certificate's thumbprint, as Certificate::sha256()).
Sha256Digest Sha256Of(absl::string_view der);
// The same, calling `midway` once about half of `der` is hashed (for work
// that waits on memory, overlapped with the rest of the hashing).
Sha256Digest Sha256Of(absl::string_view der, absl::FunctionRef<void()> midway);

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_LEAF_FACTS_H_
