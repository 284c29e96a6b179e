// The enrollment set behind the service API: individual enrollments and
// enrollment groups as DPS JSON objects, with DPS's etags and timestamps.
//
// Every change builds the whole set as a DPS JSON bundle, has the engine
// validate and compile it exactly as the policy loader would (an error names
// the entry and field, and nothing changes), writes the bundle to
// `persist_path` atomically (temporary file, fsync, rename, fsync of the
// directory), and only then makes the new snapshot active and answers.
// So an acknowledged change survives a crash or restart, and evaluations
// never see a half-applied one. Changes are serialised by one mutex; reads
// take it briefly. Thread-safe.
#ifndef CHAINTRUST_TOOLS_SERVE_ENROLLMENT_REPOSITORY_H_
#define CHAINTRUST_TOOLS_SERVE_ENROLLMENT_REPOSITORY_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "tools/serve/engine_adapter.h"

namespace chaintrust::serve {

enum class EntryKind { kIndividual, kGroup };

// The outcome of a service API call on enrollments.
struct RepositoryResult {
  int http_status = 200;
  int error_code = 0;   // DPS errorCode when http_status >= 300
  std::string message;  // error message when http_status >= 300
  google::protobuf::Struct object;
};

class EnrollmentRepository {
 public:
  // Starts from the set persisted at `persist_path` when that file exists
  // (a restart), else from `initial_json` (DPS service JSON: a bundle, an
  // array of entries or one entry), and activates it in `adapter`.
  static absl::StatusOr<std::unique_ptr<EnrollmentRepository>> Open(
      EngineAdapter* adapter, std::string persist_path,
      absl::string_view initial_json, absl::Time now);

  // Create or update (PUT). `if_match`: empty = unconditional; "*" = any
  // existing entry; otherwise the entry's current etag, else 412.
  RepositoryResult Put(EntryKind kind, const std::string& id,
                       google::protobuf::Struct body,
                       const std::string& if_match, absl::Time now);
  RepositoryResult Get(EntryKind kind, const std::string& id) const;
  // 204 when deleted.
  RepositoryResult Delete(EntryKind kind, const std::string& id,
                          const std::string& if_match, absl::Time now);
  // All entries of a kind, ordered by id.
  std::vector<google::protobuf::Struct> List(EntryKind kind) const;
  std::optional<google::protobuf::Struct> Find(EntryKind kind,
                                               const std::string& id) const;
  size_t size(EntryKind kind) const;

 private:
  using Entries = std::map<std::string, google::protobuf::Struct>;
  EnrollmentRepository(EngineAdapter* adapter, std::string persist_path)
      : adapter_(adapter), persist_path_(std::move(persist_path)) {}
  // Validates, persists and activates the candidate set; on success it
  // becomes the repository's. Returns the error result otherwise.
  std::optional<RepositoryResult> Commit(Entries individuals, Entries groups);
  static std::string BundleJson(const Entries& individuals,
                                const Entries& groups);
  absl::Status Persist(const std::string& text) const;

  EngineAdapter* const adapter_;
  const std::string persist_path_;
  mutable std::mutex mu_;
  Entries individuals_;  // by lower-case registration ID
  Entries groups_;       // by enrollment group ID
};

// The map key of an entry id of `kind`.
std::string EntryKey(EntryKind kind, absl::string_view id);

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_ENROLLMENT_REPOSITORY_H_
