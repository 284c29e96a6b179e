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
#include "engine/policy/dps_json_stream.h"
#include "engine/policy/enrollment_set.h"
#include "engine/policy/enrollment_set_ca.h"
#include "engine/policy/problems.h"
#include "engine/policy/proto_formats.h"
#include "engine/policy/set_snapshot.h"
#include "google/protobuf/text_format.h"

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
  struct stat info {};
  if (fstat(fileno(file.get()), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_size) > kMaxPolicyFileBytes) {
    return TooLarge(name);
  }
  std::string contents;
  // Read into place: no copies as the text grows.
  if (S_ISREG(info.st_mode)) contents.reserve(info.st_size);
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

enum class Format { kJson, kText, kBinary };

// The format `path`'s extension names, or an error naming what `what` is.
absl::StatusOr<Format> FormatOf(absl::string_view path,
                                absl::string_view what) {
  if (absl::EndsWith(path, ".json")) return Format::kJson;
  if (absl::EndsWith(path, ".textproto") || absl::EndsWith(path, ".txtpb")) {
    return Format::kText;
  }
  if (absl::EndsWith(path, ".binpb")) return Format::kBinary;
  const size_t slash = path.rfind('/');
  const absl::string_view base =
      slash == absl::string_view::npos ? path : path.substr(slash + 1);
  const size_t dot = base.rfind('.');
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": unknown ", what, " file extension ",
      dot == absl::string_view::npos
          ? "(none)"
          : internal::QuoteForProblem(base.substr(dot)),
      "; expected .json (DPS service JSON), .textproto or .txtpb (text "
      "format) or .binpb (binary)"));
}

}  // namespace

absl::StatusOr<v1::DpsCertificateList> LoadCertificateListFile(
    absl::string_view path, const PolicyLoadOptions& options,
    PolicyLoadReport* report) {
  auto format = FormatOf(path, "certificate list");
  if (!format.ok()) return format.status();
  auto contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  v1::DpsCertificateList list;
  switch (*format) {
    case Format::kJson: {
      auto parsed =
          policy::DpsJsonToCertificateList(*contents, path, options, report);
      if (!parsed.ok()) return parsed.status();
      list = *std::move(parsed);
      break;
    }
    case Format::kText:
      if (!google::protobuf::TextFormat::ParseFromString(*contents, &list)) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": not a chaintrust.v1.DpsCertificateList in text format"));
      }
      break;
    case Format::kBinary:
      if (!list.ParseFromString(*contents)) {
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": not a chaintrust.v1.DpsCertificateList (binary)"));
      }
      break;
  }
  internal::Problems problems;
  for (int i = 0; i < list.value_size(); ++i) {
    const v1::DpsCertificate& c = list.value(i);
    if (c.properties().certificate().empty()) continue;
    auto cert =
        policy_internal::ParseDpsCertificateBody(c.properties().certificate());
    if (!cert.ok()) {
      problems.Add(absl::StrCat(
          path, ": value[", i, "] (", internal::QuoteForProblem(c.name()),
          "): properties.certificate: ", cert.status().message()));
    }
  }
  if (!problems.empty()) return problems.ToStatus();
  return list;
}

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
  auto format = FormatOf(path, "policy");
  if (!format.ok()) return format.status();
  auto contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  absl::StatusOr<v1::EnrollmentSet> set;
  switch (*format) {
    case Format::kJson:
      set = ParseDpsJson(*contents, path, options, report);
      break;
    case Format::kText:
      set = ParseEnrollmentSetText(*contents, path);
      break;
    case Format::kBinary:
      set = ParseEnrollmentSetBinary(*contents, path);
      break;
  }
  if (!set.ok() || options.certificates_path.empty()) return set;
  auto list =
      LoadCertificateListFile(options.certificates_path, options, report);
  if (!list.ok()) return list.status();
  for (v1::DpsCertificate& c : *list->mutable_value()) {
    *set->add_certificates() = std::move(c);
  }
  return set;
}

namespace {

// The strict path: the converter, then BuildSnapshot.
absl::StatusOr<SnapshotPtr> ConvertAndBuild(absl::string_view json,
                                            absl::string_view source_name,
                                            const PolicyLoadOptions& options,
                                            PolicyLoadReport* report) {
  auto set = ParseDpsJson(json, source_name, options, report);
  if (!set.ok()) return set.status();
  if (!options.certificates_path.empty()) {
    auto list =
        LoadCertificateListFile(options.certificates_path, options, report);
    if (!list.ok()) return list.status();
    for (v1::DpsCertificate& c : *list->mutable_value()) {
      *set->add_certificates() = std::move(c);
    }
  }
  return BuildSnapshot(*set, source_name);
}

// After the stream: the certificate list's CAs, then the build.
absl::StatusOr<SnapshotPtr> FinishStreamed(EnrollmentSnapshot::Builder builder,
                                           const PolicyLoadOptions& options,
                                           PolicyLoadReport* report) {
  if (!options.certificates_path.empty()) {
    auto list =
        LoadCertificateListFile(options.certificates_path, options, report);
    if (!list.ok()) return list.status();
    for (const v1::DpsCertificate& c : list->value()) {
      CaCertificateSpec spec;
      spec.name = c.name();
      spec.text = c.properties().certificate();
      spec.verified = c.properties().is_verified();
      builder.AddCaCertificate(std::move(spec));
    }
  }
  return std::move(builder).Build();
}

}  // namespace

absl::StatusOr<SnapshotPtr> DpsJsonToSnapshot(absl::string_view json,
                                              absl::string_view source_name,
                                              const PolicyLoadOptions& options,
                                              PolicyLoadReport* report) {
  EnrollmentSnapshot::Builder builder;
  builder.SetSourceName(std::string(source_name));
  if (policy::StreamDpsJsonIntoBuilder(json, &builder)) {
    return FinishStreamed(std::move(builder), options, report);
  }
  // The text has a problem (or a shape the stream leaves to the converter):
  // the converter reads it again and says what and where.
  return ConvertAndBuild(json, source_name, options, report);
}

absl::StatusOr<SnapshotPtr> BuildSnapshot(const v1::EnrollmentSet& set,
                                          absl::string_view source_name) {
  return policy::EnrollmentSetToSnapshot(set, source_name);
}

absl::StatusOr<SnapshotPtr> LoadSnapshotFile(absl::string_view path,
                                             const PolicyLoadOptions& options,
                                             PolicyLoadReport* report) {
  auto format = FormatOf(path, "policy");
  if (format.ok() && *format == Format::kJson) {
    auto contents = ReadFile(path);
    if (!contents.ok()) return contents.status();
    EnrollmentSnapshot::Builder builder;
    builder.SetSourceName(std::string(path));
    if (!policy::StreamDpsJsonIntoBuilder(*contents, &builder)) {
      return ConvertAndBuild(*contents, path, options, report);
    }
    // The builder holds its own copies: the text goes before the build.
    std::string().swap(*contents);
    return FinishStreamed(std::move(builder), options, report);
  }
  auto set = LoadEnrollmentSetFile(path, options, report);
  if (!set.ok()) return set.status();
  return BuildSnapshot(*set, path);
}

std::string EnrollmentSetToDpsJson(const v1::EnrollmentSet& set) {
  return policy::EnrollmentSetToDpsJson(set);
}

}  // namespace chaintrust
