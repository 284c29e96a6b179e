// A RegistrationStore in PostgreSQL (libpq), shared by front-ends on many
// machines: the records, the quota and the etags live in the database, so
// every replica over one database sees one store.
//
// Exact quota. Every writing transaction first locks the one counter row
// (chaintrust_meta, SELECT ... FOR UPDATE), reads the record count and the
// etag sequence, writes, and updates the row before COMMIT. Writers on all
// machines therefore serialize on that row and the quota check sees every
// committed registration: racing processes register exactly the quota.
// (The alternative, SERIALIZABLE transactions that read the count without
// a lock and retry on 40001, measured with pgbench: 8 contending writers
// 218 tps with 55% of transactions rerun, against 258 with the lock; 32
// writers 91 against 184 tps, 87% rerun. bench/RESULTS.md.) Serialization
// failures and deadlocks (SQLSTATE 40001, 40P01), which distributed
// PostgreSQL-compatible databases may still report, roll the transaction
// back and it is run again, up to max_transaction_retries times.
//
// Group commit. As in the SQLite store, Register() and RegisterAsync()
// queue their request; one committer thread takes everything waiting (up to
// max_batch_size) and runs it as one transaction in two pipelined round
// trips (libpq pipeline mode), whatever the batch size: BEGIN, lock the
// counter row and read which of the batch's keys exist; then one INSERT ...
// ON CONFLICT DO UPDATE over unnest() arrays, the counter row's update and
// COMMIT. Each request is acknowledged only after COMMIT returned; with the
// server's synchronous_commit on (the default) that is after the WAL is
// flushed. If anything fails, nothing of the batch is acknowledged and
// every request of the batch gets the error.
//
// Faults. A connection the server closed, a server that stopped or is
// starting, a statement timeout: the batch fails with Unavailable or
// DeadlineExceeded, whose message says to retry later (a front-end answers
// DENY THROTTLED), and the next operation connects again by itself. A
// COMMIT whose answer was lost may have committed; it is still reported as
// failed (never acknowledged), and its devices re-registering later are
// updates. Reads (Get, List, Count) reconnect and retry once.
//
// Schema. Versioned (table chaintrust_schema); Open() applies the missing
// migrations in one transaction (concurrent openers wait for each other on
// the version row), and refuses a database whose schema is newer than this
// binary's with FailedPrecondition. The tables are created in the first
// schema of the connection's search_path (set it with
// ?options=-csearch_path%3Dname in the URI to keep several stores in one
// database).
#ifndef CHAINTRUST_ENGINE_REGISTRY_POSTGRES_REGISTRATION_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRY_POSTGRES_REGISTRATION_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/async_registration_store.h"
#include "engine/registry/enrollment_set_store.h"
#include "engine/registry/group_commit_queue.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace internal {
class PgConnection;
}  // namespace internal

struct PostgresRegistrationStoreOptions {
  // Register() and Delete() fail with FailedPrecondition, and Open() writes
  // nothing (no schema, no migration). For commands that only list.
  bool read_only = false;
  // Create the schema when the database has none. Off, a database without
  // the tables is FailedPrecondition, so that a mistyped database name or
  // search_path is an error rather than a new empty store.
  bool create_if_missing = false;
  // The server's statement_timeout for this store's sessions (also bounds
  // the wait for the counter row held by another writer). Zero: the
  // server's default.
  absl::Duration statement_timeout = absl::Seconds(5);
  // How long connecting may take (libpq connect_timeout, whole seconds).
  absl::Duration connect_timeout = absl::Seconds(5);
  // The most Register() calls committed in one transaction; at least 1.
  int max_batch_size = 1024;
  // How often a transaction that failed with a serialization failure or a
  // deadlock is run again before the error is returned.
  int max_transaction_retries = 8;
};

// Also the EnrollmentSetStore of the replicas over the same database.
class PostgresRegistrationStore final : public RegistrationStore,
                                        public AsyncRegistrationStore,
                                        public EnrollmentSetStore {
 public:
  // The schema version this binary writes.
  static const int kSchemaVersion;

  // Connects to `uri` (postgresql://user:password@host:port/db?...), checks
  // or migrates the schema, and starts the committer. Errors name the URI
  // without its password: cannot connect (Unavailable), authentication
  // failed (PermissionDenied), unknown database (NotFound), unparsable URI
  // or contradictory options (InvalidArgument), no schema without
  // create_if_missing, or a newer schema (FailedPrecondition).
  static absl::StatusOr<std::unique_ptr<PostgresRegistrationStore>> Open(
      absl::string_view uri, const PostgresRegistrationStoreOptions& options =
                                 PostgresRegistrationStoreOptions());

  // Commits what is queued, then stops the committer thread. Callers must
  // not be inside any method when the store is destroyed.
  ~PostgresRegistrationStore() override;
  PostgresRegistrationStore(const PostgresRegistrationStore&) = delete;
  PostgresRegistrationStore& operator=(const PostgresRegistrationStore&) =
      delete;

  absl::StatusOr<RegisterResult> Register(
      const RegistrationRecord& record,
      int64_t max_registrations = kDefaultMaxRegistrations) override;
  // As SqliteRegistrationStore::RegisterAsync: `done` runs on the committer
  // thread after the batch committed (or failed); it must be quick and must
  // not call Register() or destroy the store.
  void RegisterAsync(RegistrationRecord record, int64_t max_registrations,
                     RegisterCallback done) override;
  // With `complete`: the previous record is read (Get()) on the calling
  // thread before the write is queued.
  void RegisterAsync(RegistrationRecord record, int64_t max_registrations,
                     CompleteRecord complete, RegisterCallback done) override;

  absl::StatusOr<RegistrationRecord> Get(
      absl::string_view registration_id) override;
  absl::StatusOr<std::vector<RegistrationRecord>> List(
      const RegistrationFilter& filter) override;
  absl::StatusOr<int64_t> Delete(const RegistrationFilter& filter) override;
  absl::StatusOr<int64_t> Count() override;

  // EnrollmentSetStore. Put fails with FailedPrecondition when read-only.
  absl::StatusOr<int64_t> PutEnrollmentSet(
      absl::string_view body, absl::Time at,
      std::optional<int64_t> expected_version = std::nullopt) override;
  absl::StatusOr<StoredEnrollmentSet> GetEnrollmentSet() override;
  absl::StatusOr<int64_t> EnrollmentSetVersion() override;

  // The stored count against the rows: OK, or DataLoss.
  absl::Status CheckIntegrity();

  // The URI without its password.
  const std::string& display_name() const { return display_; }
  bool read_only() const { return options_.read_only; }

 private:
  using Connection = internal::PgConnection;
  using Request = internal::GroupCommitQueue::Request;

  PostgresRegistrationStore(std::string uri,
                            const PostgresRegistrationStoreOptions& options);

  absl::StatusOr<std::unique_ptr<Connection>> Connect() const;
  // Sets `connection` to a healthy connection, connecting when it is null
  // or broken.
  absl::Status EnsureConnected(std::unique_ptr<Connection>& connection) const;
  absl::Status PrepareSchema(Connection& connection) const;
  // Runs `body` as a transaction on `connection`, again on a serialization
  // failure; rolls back on error and drops a broken connection.
  absl::Status RunTransaction(
      std::unique_ptr<Connection>& connection,
      absl::FunctionRef<absl::Status(Connection&)> body) const;
  // Runs the read `body` on the reader connection; reconnects and runs it
  // once more when the connection was broken.
  absl::Status RunRead(absl::FunctionRef<absl::Status(Connection&)> body)
      ABSL_LOCKS_EXCLUDED(reader_mu_);

  // The queue's commit function: runs `batch` as one transaction (with its
  // retries) and fills in `results`, or returns the error.
  absl::Status CommitBatch(absl::Span<const Request* const> batch,
                           std::vector<RegisterResult>& results)
      ABSL_LOCKS_EXCLUDED(writer_mu_);
  absl::Status RunBatch(Connection& connection,
                        absl::Span<const Request* const> batch,
                        std::vector<RegisterResult>& results) const;
  absl::Status ReadOnlyError() const;

  const std::string uri_;
  const std::string display_;
  const PostgresRegistrationStoreOptions options_;

  // Register() and RegisterAsync() go through it; its committer thread
  // calls CommitBatch(). Null when read_only.
  std::unique_ptr<internal::GroupCommitQueue> queue_;

  // The committer's and Delete()'s connection; null until needed, and after
  // it broke.
  internal::AnnotatedMutex writer_mu_;
  std::unique_ptr<Connection> writer_ ABSL_GUARDED_BY(writer_mu_);

  // Get(), List(), Count(), CheckIntegrity().
  internal::AnnotatedMutex reader_mu_;
  std::unique_ptr<Connection> reader_ ABSL_GUARDED_BY(reader_mu_);
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_POSTGRES_REGISTRATION_STORE_H_
