// Base64 decoding: strict for keys in policies, whitespace-tolerant for the
// bodies of PEM blocks.
#ifndef CHAINTRUST_ENGINE_INTERNAL_BASE64_H_
#define CHAINTRUST_ENGINE_INTERNAL_BASE64_H_

#include <string>

#include "absl/strings/string_view.h"

namespace chaintrust::internal {

// Strict base64 (RFC 4648 §4, standard alphabet): no whitespace, padding
// optional but correct when present, no stray bits. Returns an error text
// ("not base64", "not base64 (bad padding)", ...) or nullptr.
const char* DecodeBase64Strict(absl::string_view in, std::string* out);

// The base64 body of a PEM block (standard alphabet): the whitespace
// characters ' ', '\t', '\r', '\n', '\f' and '\v' are skipped anywhere;
// any other character outside the alphabet and '=' is an error; padding is
// optional, but when present it comes only at the end and completes the
// last group exactly; a last group of one character is an error; the bits
// a short last group leaves over are ignored. At least one byte must come
// out. Replaces *out (its storage reused) and returns true, or returns
// false (*out then unspecified).
bool DecodeBase64Pem(absl::string_view in, std::string* out);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_INTERNAL_BASE64_H_
