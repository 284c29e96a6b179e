// PEM and base64 certificate text (part of the :certificate target).
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/x509/certificate.h"

namespace chaintrust {
namespace {

constexpr absl::string_view kBegin = "-----BEGIN ";
constexpr absl::string_view kDashes = "-----";

bool IsBase64Space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
         c == '\v';
}

// Strict standard base64 (with or without padding) after removing
// whitespace; absl::Base64Unescape alone would also accept web-safe text.
bool DecodeBase64(absl::string_view text, std::string* out) {
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (IsBase64Space(c)) continue;
    const bool valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                       (c >= '0' && c <= '9') || c == '+' || c == '/' ||
                       c == '=';
    if (!valid) return false;
    compact.push_back(c);
  }
  if (compact.empty()) return false;
  return absl::Base64Unescape(compact, out) && !out->empty();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> PemToDer(absl::string_view pem) {
  std::vector<std::string> certificates;
  int block = 0;
  while (true) {
    const size_t begin = pem.find(kBegin);
    if (begin == absl::string_view::npos) break;
    ++block;
    pem.remove_prefix(begin + kBegin.size());
    const size_t label_end = pem.find(kDashes);
    const size_t line_end = pem.find('\n');
    if (label_end == absl::string_view::npos ||
        (line_end != absl::string_view::npos && line_end < label_end)) {
      return absl::InvalidArgumentError(
          absl::StrCat("PEM block ", block, ": malformed BEGIN line"));
    }
    const std::string label(pem.substr(0, label_end));
    pem.remove_prefix(label_end + kDashes.size());
    const std::string end_line = absl::StrCat("-----END ", label, kDashes);
    const size_t end = pem.find(end_line);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("PEM block ", block, " (", label, "): no END line"));
    }
    const absl::string_view body = pem.substr(0, end);
    pem.remove_prefix(end + end_line.size());
    if (label != "CERTIFICATE") continue;
    std::string der;
    if (!DecodeBase64(body, &der)) {
      return absl::InvalidArgumentError(
          absl::StrCat("PEM block ", block, " (CERTIFICATE): invalid base64"));
    }
    certificates.push_back(std::move(der));
  }
  if (certificates.empty()) {
    return absl::InvalidArgumentError("PEM: no CERTIFICATE block");
  }
  return certificates;
}

absl::StatusOr<std::string> CertificateTextToDer(absl::string_view text) {
  if (absl::StrContains(text, kBegin)) {
    absl::StatusOr<std::vector<std::string>> ders = PemToDer(text);
    if (!ders.ok()) return ders.status();
    if (ders->size() != 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "certificate text: expected one certificate, found ", ders->size()));
    }
    return std::move(ders->front());
  }
  std::string der;
  if (!DecodeBase64(text, &der)) {
    return absl::InvalidArgumentError(
        "certificate text: neither PEM nor valid base64");
  }
  return der;
}

}  // namespace chaintrust
