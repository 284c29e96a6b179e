// A chain given as PEM text (Attestation::chain_pem) decoded block by
// block, so that a bad block is reported with its index.
#ifndef CHAINTRUST_ENGINE_CORE_PEM_CHAIN_H_
#define CHAINTRUST_ENGINE_CORE_PEM_CHAIN_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/types.h"

namespace chaintrust {
namespace internal {

// Decodes every CERTIFICATE block of `pem` (other blocks are skipped) into
// `ders`, leaf first. On failure returns a kMalformedPem failure at the
// index of the bad block (the count of good ones before it) whose name
// views `*problem`; `ders` then holds the blocks decoded so far.
CheckFailure DecodePemChain(absl::string_view pem,
                            std::vector<std::string>* ders,
                            std::string* problem);

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_PEM_CHAIN_H_
