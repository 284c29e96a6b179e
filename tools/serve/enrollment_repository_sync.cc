// How the repository loads the enrollment set from its store, seeds an
// empty store from --policy, and follows versions written by other
// processes.
#include <iostream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/registry/file_enrollment_set_store.h"
#include "tools/serve/enrollment_repository.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

// Adds the fields DPS maintains to an entry loaded from a file.
void Stamp(Struct* entry, absl::Time now) {
  if (StringField(*entry, "etag").empty()) SetString(entry, "etag", RandomId());
  if (StringField(*entry, "createdDateTimeUtc").empty()) {
    SetString(entry, "createdDateTimeUtc", FormatUtc(now));
  }
  if (StringField(*entry, "lastUpdatedDateTimeUtc").empty()) {
    SetString(entry, "lastUpdatedDateTimeUtc", FormatUtc(now));
  }
}

// The entries of DPS service JSON in the shapes docs/contract.md accepts:
// a bundle, an array, one entry.
absl::Status CollectEntries(const Value& value,
                            std::vector<const Value*>* entries) {
  auto add_list = [entries](const Value& list) {
    for (const Value& entry : list.list_value().values())
      entries->push_back(&entry);
  };
  if (value.has_list_value()) {
    add_list(value);
  } else if (value.has_struct_value()) {
    const auto& fields = value.struct_value().fields();
    auto individuals = fields.find("individualEnrollments");
    auto groups = fields.find("enrollmentGroups");
    if (individuals != fields.end()) add_list(individuals->second);
    if (groups != fields.end()) add_list(groups->second);
    if (individuals == fields.end() && groups == fields.end()) {
      entries->push_back(&value);
    }
  }
  for (const Value* entry : *entries) {
    if (!entry->has_struct_value()) {
      return absl::InvalidArgumentError("an enrollment is not a JSON object");
    }
  }
  return absl::OkStatus();
}

}  // namespace

EnrollmentRepository::EnrollmentRepository(EngineAdapter* adapter,
                                           EnrollmentSetStore* store,
                                           EnrollmentRepositoryOptions options)
    : adapter_(adapter), store_(store), options_(std::move(options)) {}

EnrollmentRepository::~EnrollmentRepository() {
  {
    std::lock_guard<std::mutex> lock(poll_mu_);
    stopping_ = true;
  }
  poll_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

absl::StatusOr<std::unique_ptr<EnrollmentRepository>>
EnrollmentRepository::Open(EngineAdapter* adapter, std::string persist_path,
                           absl::string_view initial_json, absl::Time now) {
  auto store = std::make_unique<FileEnrollmentSetStore>(persist_path);
  EnrollmentRepositoryOptions options;
  options.store_name = persist_path;
  auto repository =
      Open(adapter, store.get(), initial_json, now, std::move(options));
  if (repository.ok()) (*repository)->owned_store_ = std::move(store);
  return repository;
}

absl::StatusOr<std::unique_ptr<EnrollmentRepository>>
EnrollmentRepository::Open(EngineAdapter* adapter, EnrollmentSetStore* store,
                           absl::string_view initial_json, absl::Time now,
                           EnrollmentRepositoryOptions options) {
  std::unique_ptr<EnrollmentRepository> repository(
      new EnrollmentRepository(adapter, store, std::move(options)));
  absl::Status seeded = repository->Seed(initial_json, now);
  if (!seeded.ok()) return seeded;
  if (repository->options_.poll_interval > absl::ZeroDuration()) {
    EnrollmentRepository* self = repository.get();
    repository->poller_ = std::thread([self] { self->PollLoop(); });
  }
  return repository;
}

absl::StatusOr<EnrollmentRepository::Loaded> EnrollmentRepository::Load(
    const std::string& body, absl::string_view source, absl::Time now) const {
  auto value = ParseJson(body);
  if (!value.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", value.status().message()));
  }
  std::vector<const Value*> entries;
  absl::Status collected = CollectEntries(*value, &entries);
  if (!collected.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", collected.message()));
  }
  Loaded loaded;
  for (const Value* entry : entries) {
    Struct object = entry->struct_value();
    Stamp(&object, now);
    const std::string group_id = StringField(object, "enrollmentGroupId");
    if (!group_id.empty()) {
      loaded.groups[EntryKey(EntryKind::kGroup, group_id)] = std::move(object);
    } else {
      const std::string id = StringField(object, "registrationId");
      loaded.individuals[EntryKey(EntryKind::kIndividual, id)] =
          std::move(object);
    }
  }
  auto compiled = adapter_->Compile(
      BundleJson(loaded.individuals, loaded.groups), "enrollments");
  if (!compiled.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", compiled.status().message()));
  }
  loaded.policy = *std::move(compiled);
  return loaded;
}

bool EnrollmentRepository::ActivateLocked(Loaded loaded) {
  if (loaded.version <= version_) return false;
  adapter_->Activate(std::move(loaded.policy));
  version_ = loaded.version;
  individuals_ = std::make_shared<const Entries>(std::move(loaded.individuals));
  groups_ = std::make_shared<const Entries>(std::move(loaded.groups));
  return true;
}

absl::Status EnrollmentRepository::Seed(absl::string_view initial_json,
                                        absl::Time now) {
  // Twice at most: a store found empty may be seeded by another process
  // before this one writes; then that set is loaded instead.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto version = store_->EnrollmentSetVersion();
    if (!version.ok()) return version.status();
    if (*version == 0) {
      auto loaded = Load(std::string(initial_json), "--policy", now);
      if (!loaded.ok()) return loaded.status();
      const std::string bundle =
          BundleJson(loaded->individuals, loaded->groups);
      auto put = store_->PutEnrollmentSet(bundle, now, /*expected_version=*/0);
      if (put.ok()) {
        loaded->version = *put;
        std::lock_guard<std::mutex> lock(mu_);
        ActivateLocked(*std::move(loaded));
        return absl::OkStatus();
      }
      if (put.status().code() != absl::StatusCode::kFailedPrecondition) {
        return put.status();
      }
      continue;  // seeded by another process meanwhile
    }
    auto stored = store_->GetEnrollmentSet();
    if (!stored.ok()) return stored.status();
    auto loaded = Load(stored->body, options_.store_name, now);
    if (!loaded.ok()) return loaded.status();
    loaded->version = stored->version;
    std::lock_guard<std::mutex> lock(mu_);
    ActivateLocked(*std::move(loaded));
    return absl::OkStatus();
  }
  return absl::AbortedError(absl::StrCat(
      options_.store_name, ": the enrollment set changed while loading it"));
}

absl::Status EnrollmentRepository::Refresh() {
  auto version = store_->EnrollmentSetVersion();
  if (!version.ok()) {
    poll_errors_.fetch_add(1);
    return version.status();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (*version <= version_) return absl::OkStatus();
    if (*version == rejected_version_) {
      return absl::FailedPreconditionError(
          absl::StrCat(options_.store_name, ": version ", *version,
                       " of the enrollment set is not a valid set"));
    }
  }
  auto stored = store_->GetEnrollmentSet();
  if (!stored.ok()) {
    poll_errors_.fetch_add(1);
    return stored.status();
  }
  auto loaded = Load(
      stored->body,
      absl::StrCat(options_.store_name, " (version ", stored->version, ")"),
      absl::Now());
  std::lock_guard<std::mutex> lock(mu_);
  if (!loaded.ok()) {
    if (stored->version != rejected_version_ && stored->version > version_) {
      rejected_version_ = stored->version;
      rejected_.fetch_add(1);
      std::cerr << "chaintrust serve: keeping enrollment set version "
                << version_
                << ", not loading a newer one: " << loaded.status().message()
                << std::endl;
    }
    return absl::FailedPreconditionError(loaded.status().message());
  }
  loaded->version = stored->version;
  if (ActivateLocked(*std::move(loaded))) reloads_.fetch_add(1);
  return absl::OkStatus();
}

void EnrollmentRepository::PollLoop() {
  const auto interval = absl::ToChronoMilliseconds(options_.poll_interval);
  bool failing = false;
  std::unique_lock<std::mutex> lock(poll_mu_);
  while (!poll_cv_.wait_for(lock, interval, [this] { return stopping_; })) {
    lock.unlock();
    const uint64_t errors_before = poll_errors_.load();
    absl::Status status = Refresh();
    const bool store_failed = poll_errors_.load() != errors_before;
    if (store_failed && !failing) {
      std::cerr << "chaintrust serve: cannot read the enrollment set from "
                << options_.store_name << ": " << status.message()
                << " (serving version " << sync_stats().version << "; retrying)"
                << std::endl;
    } else if (!store_failed && failing) {
      std::cerr << "chaintrust serve: reading the enrollment set from "
                << options_.store_name << " again" << std::endl;
    }
    failing = store_failed;
    lock.lock();
  }
}

EnrollmentSyncStats EnrollmentRepository::sync_stats() const {
  EnrollmentSyncStats stats;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats.version = version_;
  }
  stats.reloads = reloads_.load();
  stats.rejected = rejected_.load();
  stats.poll_errors = poll_errors_.load();
  stats.conflicts = conflicts_.load();
  return stats;
}

}  // namespace chaintrust::serve
