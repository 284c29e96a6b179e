#include "engine/policy/registration_id.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace chaintrust {
namespace {

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.' || c == '_' || c == ':';
}

std::string Describe(char c) {
  if (absl::ascii_isprint(static_cast<unsigned char>(c))) {
    return absl::StrCat("'", absl::string_view(&c, 1), "'");
  }
  return absl::StrCat("byte 0x",
                      absl::Hex(static_cast<uint8_t>(c), absl::kZeroPad2));
}

}  // namespace

absl::Status ValidateRegistrationId(absl::string_view id, size_t max_length) {
  if (id.empty()) {
    return absl::InvalidArgumentError("registration ID is empty");
  }
  if (id.size() > max_length) {
    return absl::InvalidArgumentError(
        absl::StrCat("registration ID is ", id.size(),
                     " characters long; at most ", max_length, " allowed"));
  }
  // Compiled once; RE2 matching is thread-safe. The pattern is the rule;
  // the loop below only explains a mismatch.
  static const RE2* const kPattern =
      new RE2("[A-Za-z0-9._:-]*[A-Za-z0-9-]", RE2::Latin1);
  if (RE2::FullMatch(re2::StringPiece(id.data(), id.size()), *kPattern)) {
    return absl::OkStatus();
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (!IsIdChar(id[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "registration ID has invalid character ", Describe(id[i]),
          " at position ", i,
          " (0-based); allowed: ASCII letters, digits and - . _ :"));
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "registration ID ends with ", Describe(id.back()), " at position ",
      id.size() - 1, " (0-based); it must end with a letter, digit or '-'"));
}

std::string CanonicalRegistrationId(absl::string_view id) {
  return absl::AsciiStrToLower(id);
}

absl::string_view CanonicalRegistrationIdInto(absl::string_view id,
                                              char* buffer) {
  // `id` must be valid, hence short; the bound keeps a caller's mistake
  // from overrunning `buffer`.
  const size_t size = std::min(id.size(), kMaxRegistrationIdLength);
  for (size_t i = 0; i < size; ++i) {
    buffer[i] = absl::ascii_tolower(static_cast<unsigned char>(id[i]));
  }
  return absl::string_view(buffer, size);
}

}  // namespace chaintrust
