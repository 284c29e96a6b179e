// `chaintrust replay` and `chaintrust registrations`.
//
// replay reads every line of the attempts file first (a bad line is exit
// status 2 naming FILE:LINE, before anything is decided or stored; so is a
// file with no attempts, or a path that is not a regular file), then
// provisions the attempts in order through a Provisioner over the SQLite
// store at PATH and prints, per attempt, `decide --format=json`'s object
// with "attempt": ID first. Each line is read up to
// analysis::MaxCorpusRecordBytes(). Exit status 0 once every attempt was
// decided, DENYs included; 2 for bad flags or input, or when the store
// fails (the failing attempt's DENY is printed first).
#include <cstdint>
#include <iostream>
#include <limits>
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
#include "engine/analysis/bounded_read.h"
#include "engine/analysis/device_input.h"
#include "engine/engine.h"
#include "engine/internal/json.h"
#include "engine/policy_loader.h"
#include "engine/provisioner.h"
#include "engine/registration_store.h"
#include "engine/throttle.h"
#include "tools/cli/commands.h"

namespace chaintrust::cli {

const CommandSpec kReplayCommand = {
    "replay",
    "  replay   --policy=FILE --store=PATH --attempts=FILE.jsonl\n"
    "           [--max_registrations=N] [--throttle] "
    "[--global_rate_per_minute=N]\n"
    "           [--allow_unknown_fields]\n"
    "           [--certificates=FILE]\n"
    "           [--profile=default|strict|webpki] [--legacy_crypto]\n"
    "      Provisions attempts in order against a registration store; one "
    "JSON\n"
    "      decision per attempt. Exit status 0 = all decided, 2 = error.\n",
    {"policy", "store", "attempts", "max_registrations", "throttle",
     "global_rate_per_minute", "allow_unknown_fields", "certificates",
     "profile", "legacy_crypto"}};

const CommandSpec kRegistrationsCommand = {
    "registrations",
    "  registrations list|delete --store=PATH [--group=ID] "
    "[--registration_id=ID]\n"
    "           [--format=text|json]\n"
    "      Lists or deletes registration records.\n",
    {"store", "group", "registration_id", "format"},
    {},
    /*takes_positional=*/true};

namespace {

using analysis::DeviceInput;

using internal::JsonValue;

std::string JsonString(absl::string_view s) {
  std::string out;
  internal::AppendJsonString(&out, s);
  return out;
}

struct Attempt {
  int line = 0;
  std::string id;
  DeviceInput input;
};

// Reads a string field; absent is "", a non-string is an error.
absl::Status StringField(const JsonValue& object, const std::string& name,
                         std::string* value) {
  const JsonValue* field = object.Find(name);
  if (field == nullptr) return absl::OkStatus();
  if (!field->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" must be a string"));
  }
  *value = field->string_value();
  return absl::OkStatus();
}

absl::StatusOr<Attempt> ParseAttempt(absl::string_view line) {
  auto parsed = internal::ParseJson(line);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", parsed.status().message()));
  }
  if (!parsed->is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  const JsonValue& object = *parsed;
  for (size_t i = 0; i < object.member_count(); ++i) {
    const std::string& name = object.key(i);
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

// replay creates the store; `registrations list` opens it read-only and
// `delete` needs it to exist.
absl::StatusOr<std::unique_ptr<RegistrationStore>> OpenStore(
    const Flags& flags, bool read_only, bool create_if_missing) {
  if (!flags.Has("store")) {
    return absl::InvalidArgumentError("needs --store=PATH");
  }
  RegistrationStoreOpenOptions options;
  options.read_only = read_only;
  options.create_if_missing = create_if_missing;
  return OpenRegistrationStore(flags.Get("store"), options);
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

// Every attempt of the file at `path`, each line read up to
// MaxCorpusRecordBytes(); errors name the file and line.
absl::StatusOr<std::vector<Attempt>> ReadAttempts(const std::string& path) {
  auto reader = analysis::LineReader::Open(path);
  if (!reader.ok()) return reader.status();
  std::vector<Attempt> attempts;
  std::string line;
  size_t total = 0;
  for (;;) {
    auto more = (*reader)->Next(analysis::MaxCorpusRecordBytes(), &line);
    if (!more.ok()) return more.status();
    if (!*more) break;
    total += line.size() + 1;
    if (total > analysis::kMaxAttemptsFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than the limit of ",
                       analysis::kMaxAttemptsFileBytes, " bytes"));
    }
    const absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty()) continue;
    const size_t number = (*reader)->line_number();
    auto attempt = ParseAttempt(trimmed);
    if (!attempt.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", attempt.status().message()));
    }
    attempt->line = static_cast<int>(number);
    attempts.push_back(*std::move(attempt));
  }
  if (attempts.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": holds no attempts (one JSON object per line)"));
  }
  return attempts;
}

}  // namespace

int RunReplay(const Args& args) {
  const auto fail = [](absl::string_view m) { return Fail("replay", m); };
  int exit_status = 0;
  auto flags = ParseArgs(kReplayCommand, args, &exit_status);
  if (!flags) return exit_status;
  if (MissingFlag(*flags, {"policy", "store", "attempts"})) {
    return fail("needs --policy=FILE --store=PATH --attempts=FILE.jsonl");
  }
  ProvisionerOptions options;
  auto quota =
      IntFlag(*flags, "max_registrations", 0,
              std::numeric_limits<int64_t>::max(), options.max_registrations);
  if (!quota.ok()) return fail(quota.status().message());
  options.max_registrations = *quota;
  ThrottleOptions throttle_options;
  auto per_id = BoolFlag(*flags, "throttle", false);
  if (!per_id.ok()) return fail(per_id.status().message());
  throttle_options.per_id_enabled = *per_id;
  if (flags->Has("global_rate_per_minute") &&
      (!absl::SimpleAtod(flags->Get("global_rate_per_minute"),
                         &throttle_options.global_rate_per_minute))) {
    return fail(absl::StrCat(
        "--global_rate_per_minute=", flags->Get("global_rate_per_minute"),
        " is not a number"));
  }
  auto throttle = Throttle::Create(throttle_options);
  if (!throttle.ok()) return fail(throttle.status().message());

  // All input is checked before anything is decided or stored.
  const std::string attempts_path = flags->Get("attempts");
  if (auto s = CheckOutputIsNotAnInput(
          flags->Get("store"), {flags->Get("policy"), attempts_path}, "store");
      !s.ok()) {
    return fail(s.message());
  }
  auto attempts = ReadAttempts(attempts_path);
  if (!attempts.ok()) {
    return fail(absl::StrCat("--attempts: ", attempts.status().message()));
  }
  auto load_options = PolicyLoadFlags(*flags);
  if (!load_options.ok()) return fail(load_options.status().message());
  auto snapshot = LoadPolicy(flags->Get("policy"), *load_options);
  if (!snapshot.ok()) return fail(snapshot.status().message());
  auto store = OpenStore(*flags, /*read_only=*/false,
                         /*create_if_missing=*/true);
  if (!store.ok()) return fail(store.status().message());

  auto resolver = ResolverFlags(*flags);
  if (!resolver.ok()) return fail(resolver.status().message());
  EngineOptions engine_options;
  engine_options.resolver = *resolver;
  Engine engine(engine_options);
  engine.SetSnapshot(*std::move(snapshot));
  auto evaluator = engine.NewEvaluator();
  Provisioner provisioner(store->get(), throttle->get(), options);
  Decision decision;
  for (const Attempt& attempt : *attempts) {
    const absl::Status status = provisioner.Provision(
        *evaluator, analysis::ToAttestation(attempt.input), &decision);
    const std::string json = RenderJson(decision);  // "{...}"
    std::cout << "{\"attempt\":" << JsonString(attempt.id) << ","
              << absl::string_view(json).substr(1) << "\n";
    if (!status.ok()) {
      std::cout.flush();
      return fail(absl::StrCat(attempts_path, ":", attempt.line,
                               ": registration store: ", status.ToString()));
    }
  }
  std::cout.flush();
  return std::cout.good() ? kExitAllow : kExitError;
}

int RunRegistrations(const Args& args) {
  const auto fail = [](absl::string_view m) {
    return Fail("registrations", m);
  };
  int exit_status = 0;
  auto flags = ParseArgs(kRegistrationsCommand, args, &exit_status);
  if (!flags) return exit_status;
  if (flags->positional().size() != 1 || (flags->positional()[0] != "list" &&
                                          flags->positional()[0] != "delete")) {
    fail("needs one of list or delete");
    PrintUsage(kRegistrationsCommand, std::cerr);
    return kExitError;
  }
  auto format = FormatFlag(*flags);
  if (!format.ok()) return fail(format.status().message());
  RegistrationFilter filter;
  if (flags->Has("group")) filter.enrollment_group_id = flags->Get("group");
  if (flags->Has("registration_id")) {
    filter.registration_id = flags->Get("registration_id");
  }
  const bool is_delete = flags->positional()[0] == "delete";
  if (is_delete && filter.empty()) {
    return fail("delete needs --group=ID or --registration_id=ID");
  }
  auto store = OpenStore(*flags, /*read_only=*/!is_delete,
                         /*create_if_missing=*/false);
  if (!store.ok()) return fail(store.status().message());

  if (is_delete) {
    auto deleted = (*store)->Delete(filter);
    if (!deleted.ok()) return fail(deleted.status().ToString());
    if (*format == "json") {
      std::cout << "{\"deleted\":" << *deleted << "}\n";
    } else {
      std::cout << "deleted " << *deleted << " registration(s)\n";
    }
    return kExitAllow;
  }
  auto records = (*store)->List(filter);
  if (!records.ok()) return fail(records.status().ToString());
  for (const RegistrationRecord& r : *records) {
    if (*format == "json") {
      std::cout << RecordJson(r) << "\n";
    } else {
      std::cout << r.registration_id << "  "
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
