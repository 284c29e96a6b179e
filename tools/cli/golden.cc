#include "tools/cli/golden.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/json.h"
#include "tools/cli/cli.h"

namespace chaintrust::cli {
namespace {

using ::chaintrust::internal::JsonValue;

absl::StatusOr<JsonValue> ReadJson(const std::string& path) {
  auto text = ReadFile(path, analysis::kMaxGoldenFileBytes);
  if (!text.ok()) return text.status();
  auto value = internal::ParseJson(*text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not JSON: ", value.status().message()));
  }
  return value;
}

// The member `name` of `object`; nullptr when `object` is not an object or
// has no such member.
const JsonValue* Member(const JsonValue& object, absl::string_view name) {
  return object.is_object() ? object.Find(name) : nullptr;
}

// A string member, or "" when absent or not a string.
std::string StringField(const JsonValue& object, absl::string_view name) {
  const JsonValue* value = Member(object, name);
  return value != nullptr && value->is_string() ? value->string_value() : "";
}

}  // namespace

absl::StatusOr<GoldenScenario> ReadGoldenScenario(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/expected.json");
  auto json = ReadJson(path);
  if (!json.ok()) return json.status();
  const JsonValue& root = *json;
  GoldenScenario scenario;
  scenario.dir = dir;
  scenario.name = StringField(root, "scenario");
  scenario.description = StringField(root, "description");
  const JsonValue* devices = Member(root, "devices");
  if (devices == nullptr || !devices->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"devices\" must be an array"));
  }
  int n = 0;
  for (size_t i = 0; i < devices->size(); ++i) {
    const JsonValue& d = devices->item(i);
    GoldenDevice device;
    device.device = StringField(d, "device");
    device.chain_file = StringField(d, "chain");
    device.registration_id = StringField(d, "registrationId");
    device.sas_token = StringField(d, "sasToken");
    device.verdict = StringField(d, "verdict");
    device.reason = StringField(d, "reason");
    device.why = StringField(d, "why");
    device.cause = StringField(d, "cause");
    auto at = ParseRfc3339(StringField(d, "at"));
    if (!at.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": devices[", n, "].at: ", at.status().message()));
    }
    device.at = *at;
    if (const JsonValue* enrollment = Member(d, "enrollment");
        enrollment != nullptr) {
      device.enrollment_kind = StringField(*enrollment, "kind");
      device.enrollment_id = StringField(*enrollment, "id");
    }
    if (const JsonValue* index = Member(d, "certificateIndex");
        index != nullptr && index->is_number()) {
      device.certificate_index = static_cast<int>(index->number_value());
    }
    if (device.device.empty() || device.verdict.empty() ||
        device.reason.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": devices[", n, "] needs device, verdict and reason"));
    }
    scenario.devices.push_back(std::move(device));
    ++n;
  }
  return scenario;
}

absl::StatusOr<std::vector<std::string>> ReadScenarioIndex(
    const std::string& corpus_dir) {
  const std::string path = absl::StrCat(corpus_dir, "/index.json");
  auto json = ReadJson(path);
  if (!json.ok()) return json.status();
  std::vector<std::string> names;
  const JsonValue* scenarios = Member(*json, "scenarios");
  if (scenarios == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"scenarios\" is missing"));
  }
  for (size_t i = 0; scenarios->is_array() && i < scenarios->size(); ++i) {
    names.push_back(StringField(scenarios->item(i), "name"));
  }
  return names;
}

}  // namespace chaintrust::cli
