#include "tools/cli/golden.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/cli/cli.h"

namespace chaintrust::cli {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

absl::StatusOr<Value> ReadJson(const std::string& path) {
  auto text = ReadFile(path);
  if (!text.ok()) return text.status();
  Value value;
  const auto status =
      google::protobuf::util::JsonStringToMessage(*text, &value);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not JSON: ", status.message().as_string()));
  }
  return value;
}

std::string StringField(const Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

}  // namespace

absl::StatusOr<GoldenScenario> ReadGoldenScenario(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/expected.json");
  auto json = ReadJson(path);
  if (!json.ok()) return json.status();
  const Struct& root = json->struct_value();
  GoldenScenario scenario;
  scenario.dir = dir;
  scenario.name = StringField(root, "scenario");
  scenario.description = StringField(root, "description");
  auto devices = root.fields().find("devices");
  if (devices == root.fields().end() || !devices->second.has_list_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"devices\" must be an array"));
  }
  int n = 0;
  for (const Value& v : devices->second.list_value().values()) {
    const Struct& d = v.struct_value();
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
    auto enrollment = d.fields().find("enrollment");
    if (enrollment != d.fields().end() &&
        enrollment->second.has_struct_value()) {
      device.enrollment_kind =
          StringField(enrollment->second.struct_value(), "kind");
      device.enrollment_id =
          StringField(enrollment->second.struct_value(), "id");
    }
    auto index = d.fields().find("certificateIndex");
    if (index != d.fields().end()) {
      device.certificate_index = static_cast<int>(index->second.number_value());
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
  auto it = json->struct_value().fields().find("scenarios");
  if (it == json->struct_value().fields().end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"scenarios\" is missing"));
  }
  for (const Value& v : it->second.list_value().values()) {
    names.push_back(StringField(v.struct_value(), "name"));
  }
  return names;
}

}  // namespace chaintrust::cli
