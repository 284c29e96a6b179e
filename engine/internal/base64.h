// Strict base64 for keys in policies.
#ifndef CHAINTRUST_ENGINE_INTERNAL_BASE64_H_
#define CHAINTRUST_ENGINE_INTERNAL_BASE64_H_

#include <string>

#include "absl/strings/string_view.h"

namespace chaintrust::internal {

// Strict base64 (RFC 4648 §4, standard alphabet): no whitespace, padding
// optional but correct when present, no stray bits. Returns an error text
// ("not base64", "not base64 (bad padding)", ...) or nullptr.
const char* DecodeBase64Strict(absl::string_view in, std::string* out);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_BASE64_H_
