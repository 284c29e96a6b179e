#include "engine/internal/base64.h"

#include <array>
#include <cstdint>
#include <string>

namespace chaintrust::internal {
namespace {

// Per byte: its 6-bit value, or one of these.
constexpr uint8_t kSpace = 64;  // skipped in a PEM body
constexpr uint8_t kPad = 65;    // '='
constexpr uint8_t kInvalid = 255;

constexpr std::array<uint8_t, 256> MakePemTable() {
  std::array<uint8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (int i = 0; i < 26; ++i) {
    table['A' + i] = static_cast<uint8_t>(i);
    table['a' + i] = static_cast<uint8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) table['0' + i] = static_cast<uint8_t>(52 + i);
  table['+'] = 62;
  table['/'] = 63;
  table['='] = kPad;
  for (char c : {' ', '\t', '\r', '\n', '\f', '\v'}) {
    table[static_cast<unsigned char>(c)] = kSpace;
  }
  return table;
}

constexpr std::array<uint8_t, 256> kPemTable = MakePemTable();

}  // namespace

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

bool DecodeBase64Pem(absl::string_view in, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const size_t n = in.size();
  out->resize(n / 4 * 3 + 3);
  auto* o = reinterpret_cast<unsigned char*>(&(*out)[0]);
  size_t written = 0;
  uint32_t group[4];
  int k = 0;  // characters of the group being read
  size_t i = 0;
  while (i < n) {
    // A whole group of four alphabet characters at once (PEM lines are
    // whole groups; the line breaks between them take the path below).
    if (k == 0 && i + 4 <= n) {
      const uint32_t a = kPemTable[p[i]], b = kPemTable[p[i + 1]],
                     c = kPemTable[p[i + 2]], d = kPemTable[p[i + 3]];
      if ((a | b | c | d) < 64) {
        const uint32_t v = a << 18 | b << 12 | c << 6 | d;
        o[written] = static_cast<unsigned char>(v >> 16);
        o[written + 1] = static_cast<unsigned char>(v >> 8);
        o[written + 2] = static_cast<unsigned char>(v);
        written += 3;
        i += 4;
        continue;
      }
    }
    const uint8_t v = kPemTable[p[i]];
    if (v == kPad) break;
    ++i;
    if (v == kSpace) continue;
    if (v == kInvalid) return false;
    group[k++] = v;
    if (k == 4) {
      const uint32_t w =
          group[0] << 18 | group[1] << 12 | group[2] << 6 | group[3];
      o[written] = static_cast<unsigned char>(w >> 16);
      o[written + 1] = static_cast<unsigned char>(w >> 8);
      o[written + 2] = static_cast<unsigned char>(w);
      written += 3;
      k = 0;
    }
  }
  // Only padding and whitespace may follow the first '='.
  int padding = 0;
  for (; i < n; ++i) {
    const uint8_t v = kPemTable[p[i]];
    if (v == kPad) {
      ++padding;
    } else if (v != kSpace) {
      return false;
    }
  }
  if (k == 1) return false;
  if (padding > 0 && (k == 0 || padding != 4 - k)) return false;
  if (k >= 2) {
    const uint32_t w =
        group[0] << 18 | group[1] << 12 | (k == 3 ? group[2] << 6 : 0);
    o[written++] = static_cast<unsigned char>(w >> 16);
    if (k == 3) o[written++] = static_cast<unsigned char>(w >> 8);
  }
  out->resize(written);
  return written > 0;
}

}  // namespace chaintrust::internal
