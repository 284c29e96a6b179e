#include "engine/internal/base64.h"

#include <cstdint>
#include <string>

namespace chaintrust::internal {

const char* DecodeBase64Strict(absl::string_view in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  size_t end = in.size();
  size_t padding = 0;
  while (end > 0 && in[end - 1] == '=' && padding < 2) {
    --end;
    ++padding;
  }
  if (padding > 0 && in.size() % 4 != 0) return "not base64 (bad padding)";
  if (end % 4 == 1) return "not base64 (bad length)";
  out->clear();
  out->reserve(end * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    const int v = value(in[i]);
    if (v < 0) return "not base64";
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return "not base64 (nonzero trailing bits)";
  }
  return nullptr;
}

}  // namespace chaintrust::internal
