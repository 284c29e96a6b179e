#include "tools/serve/enrollment_repository.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

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

absl::Status WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::InternalError(std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

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

}  // namespace

std::string EntryKey(EntryKind kind, absl::string_view id) {
  (void)kind;  // both kinds of id compare case-insensitively in DPS
  return absl::AsciiStrToLower(id);
}

absl::StatusOr<std::unique_ptr<EnrollmentRepository>>
EnrollmentRepository::Open(EngineAdapter* adapter, std::string persist_path,
                           absl::string_view initial_json, absl::Time now) {
  std::unique_ptr<EnrollmentRepository> repository(
      new EnrollmentRepository(adapter, persist_path));
  std::string text(initial_json);
  std::string source = "--policy";
  std::ifstream persisted(persist_path, std::ios::binary);
  const bool restart = persisted.is_open();
  if (restart) {
    std::stringstream buffer;
    buffer << persisted.rdbuf();
    text = buffer.str();
    source = persist_path;
  }
  auto value = ParseJson(text);
  if (!value.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", value.status().message()));
  }
  // The shapes docs/contract.md accepts: a bundle, an array, one entry.
  std::vector<const Value*> entries;
  auto add_list = [&entries](const Value& list) {
    for (const Value& entry : list.list_value().values())
      entries.push_back(&entry);
  };
  if (value->has_list_value()) {
    add_list(*value);
  } else if (value->has_struct_value()) {
    const auto& fields = value->struct_value().fields();
    auto individuals = fields.find("individualEnrollments");
    auto groups = fields.find("enrollmentGroups");
    if (individuals != fields.end()) add_list(individuals->second);
    if (groups != fields.end()) add_list(groups->second);
    if (individuals == fields.end() && groups == fields.end()) {
      entries.push_back(&*value);
    }
  }
  Entries individuals, groups;
  for (const Value* entry : entries) {
    if (!entry->has_struct_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": an enrollment is not a JSON object"));
    }
    Struct object = entry->struct_value();
    Stamp(&object, now);
    const std::string group_id = StringField(object, "enrollmentGroupId");
    if (!group_id.empty()) {
      groups[EntryKey(EntryKind::kGroup, group_id)] = std::move(object);
    } else {
      const std::string id = StringField(object, "registrationId");
      individuals[EntryKey(EntryKind::kIndividual, id)] = std::move(object);
    }
  }
  std::optional<RepositoryResult> error =
      repository->Commit(std::move(individuals), std::move(groups));
  if (error.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": ", error->message));
  }
  return repository;
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

absl::Status EnrollmentRepository::Persist(const std::string& text) const {
  const std::string temp = persist_path_ + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat(temp, ": cannot create: ", std::strerror(errno)));
  }
  absl::Status status = WriteAll(fd, text);
  if (status.ok() && ::fsync(fd) != 0) {
    status = absl::InternalError(std::strerror(errno));
  }
  ::close(fd);
  if (status.ok() && std::rename(temp.c_str(), persist_path_.c_str()) != 0) {
    status = absl::InternalError(std::strerror(errno));
  }
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat(persist_path_, ": cannot write: ", status.message()));
  }
  // The rename is durable once the directory is.
  const size_t slash = persist_path_.rfind('/');
  const std::string dir =
      slash == std::string::npos ? "." : persist_path_.substr(0, slash + 1);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

std::optional<RepositoryResult> EnrollmentRepository::Commit(
    Entries individuals, Entries groups) {
  const std::string bundle = BundleJson(individuals, groups);
  auto compiled = adapter_->Compile(bundle, "enrollments");
  if (!compiled.ok()) {
    return Error(400, 400, std::string(compiled.status().message()));
  }
  absl::Status persisted = Persist(bundle);
  if (!persisted.ok()) {
    return Error(500, 500, std::string(persisted.message()));
  }
  adapter_->Activate(*std::move(compiled));
  individuals_ = std::move(individuals);
  groups_ = std::move(groups);
  return std::nullopt;
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
  std::lock_guard<std::mutex> lock(mu_);
  Entries individuals = individuals_, groups = groups_;
  Entries& entries = kind == EntryKind::kIndividual ? individuals : groups;
  const std::string key = EntryKey(kind, id);
  auto existing = entries.find(key);
  if (!if_match.empty() && if_match != "*" &&
      (existing == entries.end() ||
       StringField(existing->second, "etag") != if_match)) {
    return Error(412, 412,
                 absl::StrCat("etag \"", if_match, "\" does not match ", id));
  }
  if (if_match == "*" && existing == entries.end()) {
    return Error(412, 412, absl::StrCat(id, " does not exist"));
  }
  body.mutable_fields()->erase("registrationState");
  SetString(&body, "etag", RandomId());
  SetString(&body, "createdDateTimeUtc",
            existing != entries.end()
                ? StringField(existing->second, "createdDateTimeUtc")
                : FormatUtc(now));
  SetString(&body, "lastUpdatedDateTimeUtc", FormatUtc(now));
  if (StringField(body, "provisioningStatus").empty()) {
    SetString(&body, "provisioningStatus", "enabled");
  }
  entries[key] = body;
  if (auto error = Commit(std::move(individuals), std::move(groups))) {
    return *error;
  }
  RepositoryResult result;
  result.object = std::move(body);
  return result;
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
  (void)now;
  std::lock_guard<std::mutex> lock(mu_);
  Entries individuals = individuals_, groups = groups_;
  Entries& entries = kind == EntryKind::kIndividual ? individuals : groups;
  auto existing = entries.find(EntryKey(kind, id));
  if (existing == entries.end()) {
    return Error(404, 404, absl::StrCat("no enrollment ", id));
  }
  if (!if_match.empty() && if_match != "*" &&
      StringField(existing->second, "etag") != if_match) {
    return Error(412, 412,
                 absl::StrCat("etag \"", if_match, "\" does not match ", id));
  }
  entries.erase(existing);
  if (auto error = Commit(std::move(individuals), std::move(groups))) {
    return *error;
  }
  RepositoryResult result;
  result.http_status = 204;
  return result;
}

std::vector<Struct> EnrollmentRepository::List(EntryKind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Entries& entries =
      kind == EntryKind::kIndividual ? individuals_ : groups_;
  std::vector<Struct> out;
  out.reserve(entries.size());
  for (const auto& [key, entry] : entries) out.push_back(entry);
  return out;
}

std::optional<Struct> EnrollmentRepository::Find(EntryKind kind,
                                                 const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Entries& entries =
      kind == EntryKind::kIndividual ? individuals_ : groups_;
  auto it = entries.find(EntryKey(kind, id));
  if (it == entries.end()) return std::nullopt;
  return it->second;
}

size_t EnrollmentRepository::size(EntryKind kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  return kind == EntryKind::kIndividual ? individuals_.size() : groups_.size();
}

}  // namespace chaintrust::serve
