// The durable RegistrationStore: one SQLite database file.
//
// Durability. The database runs in WAL mode with synchronous=FULL: every
// commit fsyncs the write-ahead log before it returns, so a Register() that
// returned OK survives a process crash and a power loss. (NORMAL would only
// survive a process crash, so it is not offered.) The price of an fsync per
// commit is paid once per batch, not per registration:
//
// Group commit (internal::GroupCommitQueue, group_commit_queue.h).
// Register() and RegisterAsync() put their request on a queue; one
// committer thread, owned by the store, takes everything waiting
// (up to max_batch_size), runs it in one BEGIN IMMEDIATE ... COMMIT (one
// fsync) and only then acknowledges each request of the batch; requests
// that arrive meanwhile form the next batch. So a batch is as large as the
// number of requests in flight: the threads blocked in Register(), plus
// whatever RegisterAsync() callers keep outstanding (how a front-end
// driving many attestations from few threads gets large batches). If
// anything in the transaction fails, it is rolled back and every request of
// the batch gets the error (nothing of the batch is stored). The quota check
// reads the count inside the same write transaction, so it is atomic with
// respect to other writers, threads and processes alike.
//
// Other processes may open the same file (the `chaintrust registrations`
// command while a front-end runs); writers wait for each other up to
// busy_timeout. Reads use other connections, so they do not wait for a
// commit in progress: Get() one of a few per thread, the other reads one.
//
// Failing closed. Open() never creates a file unless create_if_missing is
// set, and runs PRAGMA quick_check before anything else touches the file: a
// damaged database is refused (DataLoss), not written to. quick_check reads
// the whole file (about 0.7 s for a million records, warm cache). A store
// opened read_only opens the file with SQLITE_OPEN_READONLY and writes
// nothing: no journal mode switch, no schema, no count repair. It can read
// a store in a directory it may not write; there SQLite cannot create the
// WAL's -shm file, so when no -wal file exists (no writer has the store
// open) the file is read as immutable. In a writable directory SQLite may
// leave empty -wal and -shm files behind, as every WAL reader does. A
// failed commit fails every registration of its batch: Register() returns
// OK only for what is on disk.
//
// Schema (PRAGMA user_version = kSchemaVersion): table `registrations`, one
// row per device keyed by the lowercase registration ID, enums stored as
// their DPS names and times as Unix microseconds; table `meta`, one row with
// the record count (kept by this class in the same transactions, checked
// and repaired at Open) and the etag sequence. A file with a newer schema
// version, or an SQLite database that is not a registration store, is
// refused with FailedPrecondition.
#ifndef CHAINTRUST_ENGINE_REGISTRY_SQLITE_REGISTRATION_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRY_SQLITE_REGISTRATION_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/async_registration_store.h"
#include "engine/registry/group_commit_queue.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace internal {
struct SqliteConnection;  // a database handle and its prepared statements
}  // namespace internal

struct SqliteRegistrationStoreOptions {
  // How long a write waits for another process's lock before Register() or
  // Delete() fails with Unavailable. Default 5 s.
  absl::Duration busy_timeout = absl::Seconds(5);
  // The most Register() calls committed in one transaction. Default 1024;
  // must be at least 1.
  int max_batch_size = 1024;
  // Open the file read-only: Register() and Delete() fail with
  // FailedPrecondition. For commands that only read (listing).
  bool read_only = false;
  // Create the file and its schema when the file does not exist. Off, a
  // missing file is NotFound and an empty one FailedPrecondition, so that a
  // mistyped path is an error rather than a new empty store. Only for
  // writers (replay, serve); not with read_only.
  bool create_if_missing = false;
};

class SqliteRegistrationStore final : public RegistrationStore,
                                      public AsyncRegistrationStore {
 public:
  static constexpr int kSchemaVersion = 1;

  // Opens the store at `path` (creating it only with create_if_missing).
  // Errors name the path: the file does not exist (NotFound), cannot be
  // opened or created (FailedPrecondition), is not an SQLite database or
  // fails its integrity check (DataLoss), is empty, not a registration store
  // or has a newer schema (FailedPrecondition); contradictory options
  // (InvalidArgument).
  static absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>> Open(
      absl::string_view path, const SqliteRegistrationStoreOptions& options =
                                  SqliteRegistrationStoreOptions());

  // Commits what is queued, then stops the committer thread. Callers must
  // not be inside any method when the store is destroyed.
  ~SqliteRegistrationStore() override;
  SqliteRegistrationStore(const SqliteRegistrationStore&) = delete;
  SqliteRegistrationStore& operator=(const SqliteRegistrationStore&) = delete;

  absl::StatusOr<RegisterResult> Register(
      const RegistrationRecord& record,
      int64_t max_registrations = kDefaultMaxRegistrations) override;
  // Like Register(), but returns at once; `done` runs on the store's
  // committer thread once the registration committed (or failed), before
  // the next batch starts, so it must be quick and must not call the
  // blocking Register() or the destructor of this store (RegisterAsync() is
  // fine). Argument errors are reported through `done` too. Every accepted
  // request completes before the destructor returns.
  void RegisterAsync(RegistrationRecord record, int64_t max_registrations,
                     RegisterCallback done) override;
  // With `complete`: the previous record is read in the batch's write
  // transaction, on the committer thread, so it is the one the write
  // replaces (a registration of the same ID earlier in the batch included).
  // A previous record that cannot be read fails the whole batch.
  void RegisterAsync(RegistrationRecord record, int64_t max_registrations,
                     CompleteRecord complete, RegisterCallback done) override;

  absl::StatusOr<RegistrationRecord> Get(
      absl::string_view registration_id) override;
  absl::StatusOr<std::vector<RegistrationRecord>> List(
      const RegistrationFilter& filter) override;
  absl::StatusOr<int64_t> Delete(const RegistrationFilter& filter) override;
  absl::StatusOr<int64_t> Count() override;

  // PRAGMA integrity_check, plus the stored count against the rows: OK, or
  // DataLoss saying what is wrong. Reads every page: slower than the
  // quick_check of Open().
  absl::Status CheckIntegrity();

  const std::string& path() const { return path_; }
  bool read_only() const { return options_.read_only; }

 private:
  using Connection = internal::SqliteConnection;
  using Request = internal::GroupCommitQueue::Request;

  SqliteRegistrationStore(std::string path,
                          const SqliteRegistrationStoreOptions& options);

  // The queue's commit function: runs `batch` in one transaction and fills
  // in `results`, or rolls it back and returns the error.
  absl::Status CommitBatch(absl::Span<const Request* const> batch,
                           std::vector<RegisterResult>& results)
      ABSL_LOCKS_EXCLUDED(writer_mu_);
  absl::Status RunBatch(absl::Span<const Request* const> batch,
                        std::vector<RegisterResult>& results)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  absl::Status Error(Connection& connection, int rc,
                     absl::string_view what) const;
  // Open(): the write connection with its WAL mode and schema, then the
  // read connection; or, read_only, the read connection alone.
  absl::Status OpenForWriting();
  absl::Status OpenReadOnly();
  absl::Status ReadOnlyError() const;

  const std::string path_;
  const SqliteRegistrationStoreOptions options_;

  // Register() and RegisterAsync() go through it; its committer thread
  // calls CommitBatch(). Null when read_only (and until Open() succeeded).
  std::unique_ptr<internal::GroupCommitQueue> queue_;

  // The write connection: the committer thread, Delete() and Open(). Null
  // when read_only.
  internal::AnnotatedMutex writer_mu_;
  std::unique_ptr<Connection> writer_ ABSL_PT_GUARDED_BY(writer_mu_);

  // The read connection: Get(), List(), Count(), CheckIntegrity().
  internal::AnnotatedMutex reader_mu_;
  std::unique_ptr<Connection> reader_ ABSL_PT_GUARDED_BY(reader_mu_);

  // Get()'s own read connections (not when read_only): each thread keeps to
  // one of them, so that the lookups of a front-end's threads do not queue
  // behind one mutex. Threads beyond their number share them.
  static constexpr int kGetConnections = 4;
  struct GetConnection {
    internal::AnnotatedMutex mu;
    std::unique_ptr<Connection> connection ABSL_PT_GUARDED_BY(mu);
  };
  std::unique_ptr<GetConnection[]> get_connections_;  // null when read_only
  absl::Status OpenGetConnections();
  // The record of `key` read through `c`.
  absl::StatusOr<RegistrationRecord> GetWith(Connection& c,
                                             absl::string_view key,
                                             absl::string_view registration_id);
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_SQLITE_REGISTRATION_STORE_H_
