// PEM and base64 certificate text (part of the :certificate target).
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/base64.h"
#include "engine/x509/certificate.h"

namespace chaintrust {
namespace {

constexpr absl::string_view kBegin = "-----BEGIN ";
constexpr absl::string_view kDashes = "-----";

// One PEM block: its label and base64 body.
struct PemBlock {
  std::string label;
  absl::string_view body;
};

// Reads the block whose BEGIN line starts `*pem` ("-----BEGIN " already
// found there) and advances `*pem` past its END line. `number` (1-based)
// names the block in errors.
absl::Status NextBlock(absl::string_view* pem, int number, PemBlock* out) {
  absl::string_view rest = pem->substr(kBegin.size());
  const size_t label_end = rest.find(kDashes);
  const size_t line_end = rest.find('\n');
  if (label_end == absl::string_view::npos ||
      (line_end != absl::string_view::npos && line_end < label_end)) {
    return absl::InvalidArgumentError(
        absl::StrCat("PEM block ", number, ": malformed BEGIN line"));
  }
  out->label = std::string(rest.substr(0, label_end));
  rest.remove_prefix(label_end + kDashes.size());
  const std::string end_line = absl::StrCat("-----END ", out->label, kDashes);
  const size_t end = rest.find(end_line);
  if (end == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("PEM block ", number, " (", out->label, "): no END line"));
  }
  out->body = rest.substr(0, end);
  rest.remove_prefix(end + end_line.size());
  *pem = rest;
  return absl::OkStatus();
}

// The DER of a CERTIFICATE block.
absl::StatusOr<std::string> CertificateBlockDer(const PemBlock& block,
                                                int number) {
  std::string der;
  if (!internal::DecodeBase64Pem(block.body, &der)) {
    return absl::InvalidArgumentError(
        absl::StrCat("PEM block ", number, " (CERTIFICATE): invalid base64"));
  }
  return der;
}

}  // namespace

bool CertificateBlockToDer(absl::string_view block, std::string* der) {
  constexpr absl::string_view kCertificateBegin = "-----BEGIN CERTIFICATE-----";
  constexpr absl::string_view kCertificateEnd = "-----END CERTIFICATE-----";
  if (!absl::StartsWith(block, kCertificateBegin)) return false;
  block.remove_prefix(kCertificateBegin.size());
  const size_t end = block.find(kCertificateEnd);
  if (end == absl::string_view::npos) return false;
  return internal::DecodeBase64Pem(block.substr(0, end), der);
}

absl::StatusOr<std::vector<std::string>> PemToDer(absl::string_view pem) {
  std::vector<std::string> certificates;
  int number = 0;
  while (true) {
    const size_t begin = pem.find(kBegin);
    if (begin == absl::string_view::npos) break;
    ++number;
    pem.remove_prefix(begin);
    PemBlock block;
    if (absl::Status status = NextBlock(&pem, number, &block); !status.ok()) {
      return status;
    }
    if (block.label != "CERTIFICATE") continue;
    absl::StatusOr<std::string> der = CertificateBlockDer(block, number);
    if (!der.ok()) return der.status();
    certificates.push_back(*std::move(der));
  }
  if (certificates.empty()) {
    return absl::InvalidArgumentError("PEM: no CERTIFICATE block");
  }
  return certificates;
}

PemChain ReadPemChain(absl::string_view pem) {
  constexpr absl::string_view kCertificateBegin = "-----BEGIN CERTIFICATE-----";
  PemChain chain;
  size_t start = pem.find(kBegin);
  if (start == absl::string_view::npos) {
    chain.problem = "no PEM block";
    return chain;
  }
  for (int number = 1; start != absl::string_view::npos; ++number) {
    const size_t next = pem.find(kBegin, start + kBegin.size());
    absl::string_view text = pem.substr(start, next - start);
    start = next;
    if (!absl::StartsWith(text, kCertificateBegin)) continue;
    PemBlock block;
    absl::Status status = NextBlock(&text, number, &block);
    absl::StatusOr<std::string> der = status.ok()
                                          ? CertificateBlockDer(block, number)
                                          : absl::StatusOr<std::string>(status);
    if (!der.ok()) {
      chain.problem = std::string(der.status().message());
      return chain;
    }
    chain.ders.push_back(*std::move(der));
  }
  if (chain.ders.empty()) chain.problem = "no CERTIFICATE block";
  return chain;
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
  if (!internal::DecodeBase64Pem(text, &der)) {
    return absl::InvalidArgumentError(
        "certificate text: neither PEM nor valid base64");
  }
  return der;
}

}  // namespace chaintrust
