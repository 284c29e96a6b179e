// The enrollment set behind the service API: individual enrollments and
// enrollment groups as DPS JSON objects, with DPS's etags and timestamps.
//
// The source of truth is an EnrollmentSetStore holding the whole set as one
// DPS JSON bundle with a version: a file beside a SQLite store (this
// process alone), or the PostgreSQL table that every replica over one
// database shares.
//
// Every change builds the whole set as a bundle, has the engine validate
// and compile it exactly as the policy loader would (an error names the
// entry and field, and nothing changes), writes it to the store with
// compare-and-set on the version this repository loaded, and only then
// makes the new snapshot active and answers. So an acknowledged change is
// durable, and evaluations never see a half-applied one. When the write
// loses a race (another replica wrote a newer version first), the newer
// version is loaded and the change is applied again to it; If-Match is
// checked against that newer set, so a stale etag gets 412 as in DPS. After
// max_conflict_retries lost races the answer is 409.
//
// With a poll interval, a background thread reads the store's version that
// often and, when it grew, loads, validates and activates the new set. A
// body that fails to parse or validate never replaces the active set: it is
// logged once, counted (sync_stats()), and skipped until a newer version
// appears; a change made through this repository meanwhile is applied to
// the active set and written over it. Changes in this process are
// serialized; reads take a mutex briefly. Thread-safe.
#ifndef CHAINTRUST_TOOLS_SERVE_ENROLLMENT_REPOSITORY_H_
#define CHAINTRUST_TOOLS_SERVE_ENROLLMENT_REPOSITORY_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/registry/enrollment_set_store.h"
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

struct EnrollmentRepositoryOptions {
  // Names the store in errors and logs ("the enrollment set in ...").
  std::string store_name = "the enrollment set store";
  // How often a background thread reads the store's version for changes
  // made by other processes. Zero: no thread (the store is this process's
  // alone).
  absl::Duration poll_interval = absl::ZeroDuration();
  // How often a change that lost a compare-and-set race is applied again to
  // the newer set before it is answered with 409.
  int max_conflict_retries = 8;
};

// How the repository follows its store (for /metrics).
struct EnrollmentSyncStats {
  int64_t version = 0;       // the version of the active set
  uint64_t reloads = 0;      // newer versions activated by the poller
  uint64_t rejected = 0;     // versions whose body was not a valid set
  uint64_t poll_errors = 0;  // failed reads of the store
  uint64_t conflicts = 0;    // changes that lost a race and were reapplied
};

class EnrollmentRepository {
 public:
  // Loads the set stored in `store` (a restart, or another replica seeded
  // it) and activates it in `adapter`. When the store holds none yet, the
  // set is `initial_json` (DPS service JSON: a bundle, an array of entries
  // or one entry), written as version 1; if another process seeds the
  // store first, its set wins and `initial_json` is only validated. A
  // stored body that is not a valid set is an error (nothing to serve).
  // `store` must outlive the repository.
  static absl::StatusOr<std::unique_ptr<EnrollmentRepository>> Open(
      EngineAdapter* adapter, EnrollmentSetStore* store,
      absl::string_view initial_json, absl::Time now,
      EnrollmentRepositoryOptions options = EnrollmentRepositoryOptions());
  // The same over a FileEnrollmentSetStore at `persist_path`, owned by the
  // repository, without polling.
  static absl::StatusOr<std::unique_ptr<EnrollmentRepository>> Open(
      EngineAdapter* adapter, std::string persist_path,
      absl::string_view initial_json, absl::Time now);
  // Stops the poller.
  ~EnrollmentRepository();
  EnrollmentRepository(const EnrollmentRepository&) = delete;
  EnrollmentRepository& operator=(const EnrollmentRepository&) = delete;

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
  // The same without a copy: the entry stays valid (and unchanged) as long
  // as the pointer is held, whatever changes meanwhile. Null when absent.
  std::shared_ptr<const google::protobuf::Struct> FindShared(
      EntryKind kind, const std::string& id) const;
  size_t size(EntryKind kind) const;

  // Reads the store's version now and activates a newer valid set (what
  // the poller does every poll_interval). OK when nothing changed too.
  absl::Status Refresh();
  EnrollmentSyncStats sync_stats() const;

 private:
  using Entries = std::map<std::string, google::protobuf::Struct>;
  struct Loaded {
    int64_t version = 0;
    Entries individuals, groups;
    EngineAdapter::CompiledPolicy policy;
  };
  // A change of the entries: returns an error result, or nullopt and sets
  // *result to the answer once the change is committed.
  using Change = std::function<std::optional<RepositoryResult>(
      Entries& individuals, Entries& groups, RepositoryResult* result)>;

  EnrollmentRepository(EngineAdapter* adapter, EnrollmentSetStore* store,
                       EnrollmentRepositoryOptions options);
  static std::string BundleJson(const Entries& individuals,
                                const Entries& groups);
  // Parses and compiles a stored body (`source` names it in errors).
  absl::StatusOr<Loaded> Load(const std::string& body, absl::string_view source,
                              absl::Time now) const;
  // Makes `loaded` active unless the active set is as new; under mu_.
  // True when it did.
  bool ActivateLocked(Loaded loaded);
  absl::Status Seed(absl::string_view initial_json, absl::Time now);
  RepositoryResult Apply(const Change& change, absl::Time now);
  void PollLoop();

  EngineAdapter* const adapter_;
  EnrollmentSetStore* const store_;
  std::unique_ptr<EnrollmentSetStore> owned_store_;
  const EnrollmentRepositoryOptions options_;

  std::mutex write_mu_;  // serializes changes in this process
  mutable std::mutex mu_;
  int64_t version_ = 0;  // of the active set
  // The active set's entries, replaced whole by each change (never
  // modified in place), so a reader keeps what it found without a copy.
  std::shared_ptr<const Entries> individuals_ =
      std::make_shared<const Entries>();  // by lower-case registration ID
  std::shared_ptr<const Entries> groups_ =
      std::make_shared<const Entries>();  // by enrollment group ID
  int64_t rejected_version_ = 0;  // the last version that failed to load

  std::atomic<uint64_t> reloads_{0}, rejected_{0}, poll_errors_{0},
      conflicts_{0};
  std::mutex poll_mu_;
  std::condition_variable poll_cv_;
  bool stopping_ = false;  // guarded by poll_mu_
  std::thread poller_;
};

// The map key of an entry id of `kind`.
std::string EntryKey(EntryKind kind, absl::string_view id);

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_ENROLLMENT_REPOSITORY_H_
