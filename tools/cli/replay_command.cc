#include "tools/cli/replay_command.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "engine/provisioner.h"
#include "engine/registration_store.h"
#include "engine/registry/sqlite_registration_store.h"
#include "engine/registry/throttle.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/cli/cli.h"
#include "tools/cli/device_input.h"

namespace chaintrust::cli {
namespace {

int Fail(std::ostream& err, absl::string_view message) {
  err << "chaintrust: " << message << "\n";
  return kExitError;
}

std::string JsonString(absl::string_view s) {
  google::protobuf::Value value;
  value.set_string_value(std::string(s));
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(value, &out).ok()) {
    return "\"\"";
  }
  return out;
}

struct Attempt {
  int line = 0;
  std::string id;
  DeviceInput input;
};

// Reads a string field; absent is "", a non-string is an error.
absl::Status StringField(const google::protobuf::Struct& object,
                         const std::string& name, std::string* value) {
  auto it = object.fields().find(name);
  if (it == object.fields().end()) return absl::OkStatus();
  if (it->second.kind_case() != google::protobuf::Value::kStringValue) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" must be a string"));
  }
  *value = it->second.string_value();
  return absl::OkStatus();
}

absl::StatusOr<Attempt> ParseAttempt(absl::string_view line) {
  google::protobuf::Struct object;
  const auto parsed =
      google::protobuf::util::JsonStringToMessage(std::string(line), &object);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", parsed.message().as_string()));
  }
  for (const auto& [name, value] : object.fields()) {
    if (name != "id" && name != "at" && name != "chain" &&
        name != "registrationId" && name != "sasToken") {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown field \"", name,
                       "\" (known: id, at, chain, registrationId, sasToken)"));
    }
  }
  Attempt attempt;
  std::string at;
  for (auto [name, value] : std::vector<std::pair<std::string, std::string*>>{
           {"id", &attempt.id},
           {"at", &at},
           {"chain", &attempt.input.chain_pem},
           {"registrationId", &attempt.input.registration_id},
           {"sasToken", &attempt.input.sas_token}}) {
    if (auto s = StringField(object, name, value); !s.ok()) return s;
  }
  if (attempt.id.empty()) {
    return absl::InvalidArgumentError("\"id\" is missing or empty");
  }
  if (at.empty()) return absl::InvalidArgumentError("\"at\" is missing");
  auto time = ParseRfc3339(at);
  if (!time.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"at\": ", time.status().message()));
  }
  attempt.input.at = *time;
  if (attempt.input.chain_pem.empty() && attempt.input.sas_token.empty()) {
    return absl::InvalidArgumentError(
        "needs \"chain\", or \"registrationId\" with \"sasToken\"");
  }
  return attempt;
}

absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> OpenStore(
    const Flags& flags) {
  if (!flags.Has("store")) {
    return absl::InvalidArgumentError("needs --store=PATH");
  }
  return SqliteRegistrationStore::Open(flags.Get("store"));
}

std::string RecordJson(const RegistrationRecord& r) {
  return absl::StrCat(
      "{\"registrationId\":", JsonString(r.registration_id),
      ",\"deviceId\":", JsonString(r.device_id), ",\"enrollment\":{\"kind\":\"",
      r.enrollment_kind == RegistrationEnrollmentKind::kGroup ? "GROUP"
                                                              : "INDIVIDUAL",
      "\",\"id\":", JsonString(r.enrollment_id), "},\"status\":\"",
      RegistrationStatusName(r.status), "\",\"substatus\":\"",
      RegistrationSubstatusName(r.substatus),
      "\",\"assignedHub\":", JsonString(r.assigned_hub),
      ",\"createdDateTimeUtc\":\"", FormatRfc3339(r.created),
      "\",\"lastUpdatedDateTimeUtc\":\"", FormatRfc3339(r.last_updated),
      "\",\"etag\":", JsonString(r.etag), "}");
}

}  // namespace

int ReplayCommand(const std::vector<std::string>& args, std::ostream& out,
                  std::ostream& err) {
  auto flags =
      Flags::Parse(args, {"policy", "store", "attempts", "max_registrations",
                          "throttle", "global_rate_per_minute"});
  if (!flags.ok()) return Fail(err, flags.status().message());
  if (!flags->positional().empty()) {
    return Fail(err,
                absl::StrCat("replay takes no positional arguments (got \"",
                             flags->positional()[0], "\")"));
  }
  for (const char* required : {"policy", "store", "attempts"}) {
    if (!flags->Has(required)) {
      return Fail(err,
                  "replay needs --policy=FILE --store=PATH "
                  "--attempts=FILE.jsonl");
    }
  }
  ProvisionerOptions options;
  if (flags->Has("max_registrations") &&
      (!absl::SimpleAtoi(flags->Get("max_registrations"),
                         &options.max_registrations) ||
       options.max_registrations < 0)) {
    return Fail(err, absl::StrCat("--max_registrations=",
                                  flags->Get("max_registrations"),
                                  " is not a non-negative integer"));
  }
  ThrottleOptions throttle_options;
  const std::string throttle_flag = flags->Get("throttle", "false");
  if (throttle_flag != "true" && throttle_flag != "false") {
    return Fail(err, absl::StrCat("--throttle=", throttle_flag,
                                  " is not true or false"));
  }
  throttle_options.per_id_enabled = throttle_flag == "true";
  if (flags->Has("global_rate_per_minute") &&
      (!absl::SimpleAtod(flags->Get("global_rate_per_minute"),
                         &throttle_options.global_rate_per_minute))) {
    return Fail(err, absl::StrCat("--global_rate_per_minute=",
                                  flags->Get("global_rate_per_minute"),
                                  " is not a number"));
  }
  auto throttle = Throttle::Create(throttle_options);
  if (!throttle.ok()) return Fail(err, throttle.status().message());

  // All input is checked before anything is decided or stored.
  const std::string attempts_path = flags->Get("attempts");
  auto text = ReadFile(attempts_path);
  if (!text.ok()) {
    return Fail(err, absl::StrCat("--attempts: ", text.status().message()));
  }
  std::vector<Attempt> attempts;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    auto attempt = ParseAttempt(line);
    if (!attempt.ok()) {
      return Fail(err, absl::StrCat(attempts_path, ":", line_number, ": ",
                                    attempt.status().message()));
    }
    attempt->line = line_number;
    attempts.push_back(*std::move(attempt));
  }

  auto snapshot = LoadSnapshotFile(flags->Get("policy"));
  if (!snapshot.ok()) return Fail(err, snapshot.status().message());
  auto store = OpenStore(*flags);
  if (!store.ok()) return Fail(err, store.status().message());

  Engine engine;
  engine.SetSnapshot(*std::move(snapshot));
  auto evaluator = engine.NewEvaluator();
  Provisioner provisioner(store->get(), throttle->get(), options);
  Decision decision;
  for (const Attempt& attempt : attempts) {
    const absl::Status status = provisioner.Provision(
        *evaluator, ToAttestation(attempt.input), &decision);
    const std::string json = RenderJson(decision);  // "{...}"
    out << "{\"attempt\":" << JsonString(attempt.id) << ","
        << absl::string_view(json).substr(1) << "\n";
    if (!status.ok()) {
      out.flush();
      return Fail(err,
                  absl::StrCat(attempts_path, ":", attempt.line,
                               ": registration store: ", status.ToString()));
    }
  }
  out.flush();
  return kExitAllow;
}

int RegistrationsCommand(const std::vector<std::string>& args,
                         std::ostream& out, std::ostream& err) {
  auto flags =
      Flags::Parse(args, {"store", "group", "registration_id", "format"});
  if (!flags.ok()) return Fail(err, flags.status().message());
  if (flags->positional().size() != 1 || (flags->positional()[0] != "list" &&
                                          flags->positional()[0] != "delete")) {
    return Fail(err,
                "usage: chaintrust registrations list|delete "
                "--store=PATH [--group=ID] [--registration_id=ID] "
                "[--format=text|json]");
  }
  const std::string format = flags->Get("format", "text");
  if (format != "text" && format != "json") {
    return Fail(err, absl::StrCat("--format=", format,
                                  " is not supported; use text or json"));
  }
  RegistrationFilter filter;
  if (flags->Has("group")) filter.enrollment_group_id = flags->Get("group");
  if (flags->Has("registration_id")) {
    filter.registration_id = flags->Get("registration_id");
  }
  const bool is_delete = flags->positional()[0] == "delete";
  if (is_delete && filter.empty()) {
    return Fail(err,
                "registrations delete needs --group=ID or "
                "--registration_id=ID");
  }
  auto store = OpenStore(*flags);
  if (!store.ok()) return Fail(err, store.status().message());

  if (is_delete) {
    auto deleted = (*store)->Delete(filter);
    if (!deleted.ok()) return Fail(err, deleted.status().ToString());
    if (format == "json") {
      out << "{\"deleted\":" << *deleted << "}\n";
    } else {
      out << "deleted " << *deleted << " registration(s)\n";
    }
    return kExitAllow;
  }
  auto records = (*store)->List(filter);
  if (!records.ok()) return Fail(err, records.status().ToString());
  for (const RegistrationRecord& r : *records) {
    if (format == "json") {
      out << RecordJson(r) << "\n";
    } else {
      out << r.registration_id << "  "
          << (r.enrollment_kind == RegistrationEnrollmentKind::kGroup
                  ? "group:"
                  : "individual:")
          << r.enrollment_id << "  " << RegistrationStatusName(r.status)
          << "  lastUpdated=" << FormatRfc3339(r.last_updated) << "\n";
    }
  }
  return kExitAllow;
}

}  // namespace chaintrust::cli
