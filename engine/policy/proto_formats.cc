#include "engine/policy/proto_formats.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/policy/problems.h"
#include "engine/policy_load_options.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/text_format.h"

namespace chaintrust::policy {
namespace {

using ::chaintrust::internal::Problems;

class TextErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  TextErrorCollector(absl::string_view source, Problems* problems)
      : source_(source), problems_(problems) {}
  void AddError(int line, int column, const std::string& message) override {
    problems_->Add(
        absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int, int, const std::string&) override {}

 private:
  std::string source_;
  Problems* problems_;
};

absl::Status TooLarge(absl::string_view source_name) {
  return absl::InvalidArgumentError(
      absl::StrCat(source_name, ": larger than ", kMaxPolicyFileBytes >> 20,
                   " MiB, the limit for policy files"));
}

// Whether text format `text` holds nothing but whitespace and # comments.
bool IsBlankText(absl::string_view text) {
  bool comment = false;
  for (char c : text) {
    if (comment) {
      comment = c != '\n';
    } else if (c == '#') {
      comment = true;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
               c != '\v') {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<v1::EnrollmentSet> TextToEnrollmentSet(
    absl::string_view text, absl::string_view source_name) {
  if (text.size() > kMaxPolicyFileBytes) return TooLarge(source_name);
  if (IsBlankText(text)) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name,
        ": empty file (expected a chaintrust.v1.EnrollmentSet in text "
        "format)"));
  }
  Problems problems;
  TextErrorCollector collector(source_name, &problems);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  v1::EnrollmentSet set;
  google::protobuf::io::ArrayInputStream input(text.data(),
                                               static_cast<int>(text.size()));
  if (!parser.Parse(&input, &set)) {
    if (problems.empty()) {
      problems.Add(absl::StrCat(source_name,
                                ": not a valid chaintrust.v1.EnrollmentSet in "
                                "text format"));
    }
    return problems.ToStatus();
  }
  return set;
}

absl::StatusOr<v1::EnrollmentSet> BinaryToEnrollmentSet(
    absl::string_view bytes, absl::string_view source_name) {
  if (bytes.size() > kMaxPolicyFileBytes) return TooLarge(source_name);
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name,
        ": empty file (expected a binary chaintrust.v1.EnrollmentSet)"));
  }
  v1::EnrollmentSet set;
  if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": not a valid binary chaintrust.v1.EnrollmentSet"));
  }
  return set;
}

}  // namespace chaintrust::policy
