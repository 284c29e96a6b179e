// Policy files: reading them (bounded), choosing the format by extension,
// and handing the text to engine/policy/ (dps_json, proto_formats,
// set_snapshot).
#include "engine/policy_loader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/policy/dps_json.h"
#include "engine/policy/problems.h"
#include "engine/policy/proto_formats.h"
#include "engine/policy/set_snapshot.h"

namespace chaintrust {
namespace {

absl::Status TooLarge(absl::string_view name) {
  return absl::InvalidArgumentError(
      absl::StrCat(name, ": larger than ", kMaxPolicyFileBytes >> 20,
                   " MiB, the limit for policy files"));
}

absl::StatusOr<std::string> ReadFile(absl::string_view path) {
  const std::string name(path);
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(name.c_str(), "rb"),
                                             &std::fclose);
  if (file == nullptr) {
    const int error = errno;
    const std::string message =
        absl::StrCat(name, ": cannot open: ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message)
                           : absl::PermissionDeniedError(message);
  }
  // A regular file says its size: refuse an oversized one before reading
  // it. Pipes and the like are bounded while reading, below.
  struct stat info;
  if (fstat(fileno(file.get()), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_size) > kMaxPolicyFileBytes) {
    return TooLarge(name);
  }
  std::string contents;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    if (contents.size() + n > kMaxPolicyFileBytes) return TooLarge(name);
    contents.append(buffer, n);
  }
  if (std::ferror(file.get())) {
    return absl::DataLossError(absl::StrCat(name, ": read error"));
  }
  return contents;
}

}  // namespace

absl::StatusOr<v1::EnrollmentSet> ParseDpsJson(absl::string_view json,
                                               absl::string_view source_name,
                                               const PolicyLoadOptions& options,
                                               PolicyLoadReport* report) {
  return policy::DpsJsonToEnrollmentSet(json, source_name, options, report);
}

absl::StatusOr<v1::EnrollmentSet> ParseEnrollmentSetText(
    absl::string_view text, absl::string_view source_name) {
  return policy::TextToEnrollmentSet(text, source_name);
}

absl::StatusOr<v1::EnrollmentSet> ParseEnrollmentSetBinary(
    absl::string_view bytes, absl::string_view source_name) {
  return policy::BinaryToEnrollmentSet(bytes, source_name);
}

absl::StatusOr<v1::EnrollmentSet> LoadEnrollmentSetFile(
    absl::string_view path, const PolicyLoadOptions& options,
    PolicyLoadReport* report) {
  enum class Format { kJson, kText, kBinary };
  Format format;
  if (absl::EndsWith(path, ".json")) {
    format = Format::kJson;
  } else if (absl::EndsWith(path, ".textproto") ||
             absl::EndsWith(path, ".txtpb")) {
    format = Format::kText;
  } else if (absl::EndsWith(path, ".binpb")) {
    format = Format::kBinary;
  } else {
    const size_t slash = path.rfind('/');
    const absl::string_view base =
        slash == absl::string_view::npos ? path : path.substr(slash + 1);
    const size_t dot = base.rfind('.');
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": unknown policy file extension ",
        dot == absl::string_view::npos
            ? "(none)"
            : internal::QuoteForProblem(base.substr(dot)),
        "; expected .json (DPS service JSON), .textproto or .txtpb (text "
        "format) or .binpb (binary)"));
  }
  auto contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  switch (format) {
    case Format::kJson:
      return ParseDpsJson(*contents, path, options, report);
    case Format::kText:
      return ParseEnrollmentSetText(*contents, path);
    case Format::kBinary:
      return ParseEnrollmentSetBinary(*contents, path);
  }
  return absl::InternalError("unreachable");
}

absl::StatusOr<SnapshotPtr> BuildSnapshot(const v1::EnrollmentSet& set,
                                          absl::string_view source_name) {
  return policy::EnrollmentSetToSnapshot(set, source_name);
}

absl::StatusOr<SnapshotPtr> LoadSnapshotFile(absl::string_view path,
                                             const PolicyLoadOptions& options,
                                             PolicyLoadReport* report) {
  auto set = LoadEnrollmentSetFile(path, options, report);
  if (!set.ok()) return set.status();
  return BuildSnapshot(*set, path);
}

std::string EnrollmentSetToDpsJson(const v1::EnrollmentSet& set) {
  return policy::EnrollmentSetToDpsJson(set);
}

}  // namespace chaintrust
