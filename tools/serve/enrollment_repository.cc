// The service API's changes to the enrollment set, and its reads.
// enrollment_repository_sync.cc loads the set from the store and follows it.
#include "tools/serve/enrollment_repository.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::google::protobuf::Struct;

const char* IdField(EntryKind kind) {
  return kind == EntryKind::kIndividual ? "registrationId"
                                        : "enrollmentGroupId";
}

RepositoryResult Error(int status, int code, std::string message) {
  RepositoryResult result;
  result.http_status = status;
  result.error_code = code;
  result.message = std::move(message);
  return result;
}

// The answer to a change the store did not take.
RepositoryResult StoreError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kFailedPrecondition:
      // Lost every compare-and-set race: the client may try again.
      return Error(409, 409, std::string(status.message()));
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return Error(503, 503, std::string(status.message()));
    default:
      return Error(500, 500, std::string(status.message()));
  }
}

}  // namespace

std::string EntryKey(EntryKind kind, absl::string_view id) {
  (void)kind;  // both kinds of id compare case-insensitively in DPS
  return absl::AsciiStrToLower(id);
}

std::string EnrollmentRepository::BundleJson(const Entries& individuals,
                                             const Entries& groups) {
  std::string out = "{\"individualEnrollments\":[";
  bool first = true;
  for (const auto& [key, entry] : individuals) {
    if (!first) out += ",";
    first = false;
    out += ToJson(entry);
  }
  out += "],\"enrollmentGroups\":[";
  first = true;
  for (const auto& [key, entry] : groups) {
    if (!first) out += ",";
    first = false;
    out += ToJson(entry);
  }
  out += "]}\n";
  return out;
}

RepositoryResult EnrollmentRepository::Apply(const Change& change,
                                             absl::Time now) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  for (int attempt = 0;; ++attempt) {
    Entries individuals, groups;
    int64_t base_version = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      individuals = *individuals_;
      groups = *groups_;
      // Over a newer version that is not a valid set, when there is one:
      // the change is applied to the active set and replaces it.
      base_version = std::max(version_, rejected_version_);
    }
    RepositoryResult result;
    if (auto error = change(individuals, groups, &result)) return *error;
    const std::string bundle = BundleJson(individuals, groups);
    auto compiled = adapter_->Compile(bundle, "enrollments");
    if (!compiled.ok()) {
      return Error(400, 400, std::string(compiled.status().message()));
    }
    auto version = store_->PutEnrollmentSet(bundle, now, base_version);
    if (version.ok()) {
      Loaded loaded;
      loaded.version = *version;
      loaded.individuals = std::move(individuals);
      loaded.groups = std::move(groups);
      loaded.policy = *std::move(compiled);
      std::lock_guard<std::mutex> lock(mu_);
      ActivateLocked(std::move(loaded));
      return result;
    }
    if (version.status().code() != absl::StatusCode::kFailedPrecondition ||
        attempt >= options_.max_conflict_retries) {
      return StoreError(version.status());
    }
    // Another writer got there first: take its set and apply the change
    // (and its If-Match) to that.
    conflicts_.fetch_add(1);
    absl::Status refreshed = Refresh();
    if (!refreshed.ok() &&
        refreshed.code() != absl::StatusCode::kFailedPrecondition) {
      return StoreError(refreshed);
    }
  }
}

RepositoryResult EnrollmentRepository::Put(EntryKind kind,
                                           const std::string& id, Struct body,
                                           const std::string& if_match,
                                           absl::Time now) {
  const char* id_field = IdField(kind);
  const std::string body_id = StringField(body, id_field);
  if (body_id.empty()) {
    SetString(&body, id_field, id);
  } else if (EntryKey(kind, body_id) != EntryKey(kind, id)) {
    return Error(
        400, 400,
        absl::StrCat(id_field, " \"", body_id, "\" in the body differs from \"",
                     id, "\" in the path"));
  }
  body.mutable_fields()->erase("registrationState");
  if (StringField(body, "provisioningStatus").empty()) {
    SetString(&body, "provisioningStatus", "enabled");
  }
  return Apply(
      [&](Entries& individuals, Entries& groups,
          RepositoryResult* result) -> std::optional<RepositoryResult> {
        Entries& entries =
            kind == EntryKind::kIndividual ? individuals : groups;
        const std::string key = EntryKey(kind, id);
        auto existing = entries.find(key);
        if (!if_match.empty() && if_match != "*" &&
            (existing == entries.end() ||
             StringField(existing->second, "etag") != if_match)) {
          return Error(
              412, 412,
              absl::StrCat("etag \"", if_match, "\" does not match ", id));
        }
        if (if_match == "*" && existing == entries.end()) {
          return Error(412, 412, absl::StrCat(id, " does not exist"));
        }
        Struct entry = body;
        SetString(&entry, "etag", RandomId());
        SetString(&entry, "createdDateTimeUtc",
                  existing != entries.end()
                      ? StringField(existing->second, "createdDateTimeUtc")
                      : FormatUtc(now));
        SetString(&entry, "lastUpdatedDateTimeUtc", FormatUtc(now));
        entries[key] = entry;
        result->object = std::move(entry);
        return std::nullopt;
      },
      now);
}

RepositoryResult EnrollmentRepository::Get(EntryKind kind,
                                           const std::string& id) const {
  auto entry = Find(kind, id);
  if (!entry.has_value()) {
    return Error(404, 404, absl::StrCat("no enrollment ", id));
  }
  RepositoryResult result;
  result.object = *std::move(entry);
  return result;
}

RepositoryResult EnrollmentRepository::Delete(EntryKind kind,
                                              const std::string& id,
                                              const std::string& if_match,
                                              absl::Time now) {
  return Apply(
      [&](Entries& individuals, Entries& groups,
          RepositoryResult* result) -> std::optional<RepositoryResult> {
        Entries& entries =
            kind == EntryKind::kIndividual ? individuals : groups;
        auto existing = entries.find(EntryKey(kind, id));
        if (existing == entries.end()) {
          return Error(404, 404, absl::StrCat("no enrollment ", id));
        }
        if (!if_match.empty() && if_match != "*" &&
            StringField(existing->second, "etag") != if_match) {
          return Error(
              412, 412,
              absl::StrCat("etag \"", if_match, "\" does not match ", id));
        }
        entries.erase(existing);
        result->http_status = 204;
        return std::nullopt;
      },
      now);
}

std::vector<Struct> EnrollmentRepository::List(EntryKind kind) const {
  std::shared_ptr<const Entries> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries = kind == EntryKind::kIndividual ? individuals_ : groups_;
  }
  std::vector<Struct> out;
  out.reserve(entries->size());
  for (const auto& [key, entry] : *entries) out.push_back(entry);
  return out;
}

std::shared_ptr<const Struct> EnrollmentRepository::FindShared(
    EntryKind kind, const std::string& id) const {
  const std::string key = EntryKey(kind, id);
  std::shared_ptr<const Entries> entries;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries = kind == EntryKind::kIndividual ? individuals_ : groups_;
  }
  auto it = entries->find(key);
  if (it == entries->end()) return nullptr;
  // Shares ownership of the whole map, points at the entry.
  return std::shared_ptr<const Struct>(std::move(entries), &it->second);
}

std::optional<Struct> EnrollmentRepository::Find(EntryKind kind,
                                                 const std::string& id) const {
  std::shared_ptr<const Struct> entry = FindShared(kind, id);
  if (entry == nullptr) return std::nullopt;
  return *entry;
}

size_t EnrollmentRepository::size(EntryKind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  return kind == EntryKind::kIndividual ? individuals_->size()
                                        : groups_->size();
}

}  // namespace chaintrust::serve
