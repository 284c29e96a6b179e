// PostgresRegistrationStore: connecting, the schema and its migrations, and
// running transactions with their retries.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/group_commit_queue.h"
#include "engine/registry/postgres_connection.h"
#include "engine/registry/postgres_registration_store.h"
#include "engine/registry/postgres_schema.h"
#include "engine/registry/store.h"

namespace chaintrust {

namespace sql = internal::postgres_sql;
using internal::PgResult;

const int PostgresRegistrationStore::kSchemaVersion = sql::kSchemaVersion;

PostgresRegistrationStore::PostgresRegistrationStore(
    std::string uri, const PostgresRegistrationStoreOptions& options)
    : uri_(std::move(uri)),
      display_(internal::RedactPostgresUri(uri_)),
      options_(options) {}

absl::StatusOr<std::unique_ptr<PostgresRegistrationStore>>
PostgresRegistrationStore::Open(
    absl::string_view uri, const PostgresRegistrationStoreOptions& options) {
  const std::string display = internal::RedactPostgresUri(uri);
  if (options.read_only && options.create_if_missing) {
    return absl::InvalidArgumentError(
        absl::StrCat("registration store '", display,
                     "': read_only and create_if_missing exclude each other"));
  }
  if (options.max_batch_size < 1 || options.max_transaction_retries < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "registration store '", display,
        "': max_batch_size must be at least 1 and max_transaction_retries "
        "not negative"));
  }
  std::unique_ptr<PostgresRegistrationStore> store(
      new PostgresRegistrationStore(std::string(uri), options));
  {
    internal::AnnotatedMutexLock lock(&store->reader_mu_);
    RETURN_IF_ERROR(store->EnsureConnected(store->reader_));
    RETURN_IF_ERROR(store->PrepareSchema(*store->reader_));
  }
  if (!options.read_only) {
    store->queue_ = std::make_unique<internal::GroupCommitQueue>(
        options.max_batch_size,
        [s = store.get()](absl::Span<const Request* const> batch,
                          std::vector<RegisterResult>& results) {
          return s->CommitBatch(batch, results);
        });
  }
  return store;
}

absl::StatusOr<std::unique_ptr<internal::PgConnection>>
PostgresRegistrationStore::Connect() const {
  ASSIGN_OR_RETURN(
      std::unique_ptr<Connection> connection,
      Connection::Connect(uri_, display_, options_.connect_timeout));
  if (options_.statement_timeout > absl::ZeroDuration()) {
    RETURN_IF_ERROR(connection
                        ->Exec(absl::StrCat("SET statement_timeout = ",
                                            absl::ToInt64Milliseconds(
                                                options_.statement_timeout)),
                               "setting statement_timeout")
                        .status());
  }
  return connection;
}

absl::Status PostgresRegistrationStore::EnsureConnected(
    std::unique_ptr<Connection>& connection) const {
  if (connection != nullptr && connection->healthy()) return absl::OkStatus();
  connection.reset();
  ASSIGN_OR_RETURN(connection, Connect());
  return absl::OkStatus();
}

absl::Status PostgresRegistrationStore::PrepareSchema(Connection& c) const {
  auto read = c.Exec(sql::kReadVersionSql, "reading the schema version");
  if (!read.ok() && read.status().code() != absl::StatusCode::kInternal) {
    return read.status();
  }
  // No version table (undefined table) or no row: no store here yet.
  const bool exists = read.ok() && internal::PgRows(read->get()) == 1;
  int64_t version = 0;
  if (exists && !internal::PgInt64(read->get(), 0, 0, &version)) {
    return absl::DataLossError(absl::StrCat("registration store '", display_,
                                            "': unreadable schema version"));
  }
  RETURN_IF_ERROR(
      internal::CheckSchemaVersion(display_, version, sql::kSchemaVersion));
  if (options_.read_only || !options_.create_if_missing) {
    if (!exists || version == 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "registration store '", display_,
          "': the database holds no registration store (no chaintrust "
          "tables in its search_path); a command that registers creates "
          "one"));
    }
    // Read-only: every version up to this binary's has the same records.
    if (options_.read_only) return absl::OkStatus();
  }
  if (!exists) {
    // Two processes creating the table at once may collide on the
    // catalog: the loser runs it again and finds it there.
    absl::Status created;
    for (int attempt = 0; attempt < 3; ++attempt) {
      created =
          c.Exec(sql::kCreateVersionTableSql, "creating the schema").status();
      if (created.ok() || !c.healthy()) break;
    }
    RETURN_IF_ERROR(created);
  }
  // Migrations run in one transaction holding the version row, so that
  // concurrent openers apply each migration once.
  auto migrate = [&](Connection& tx) -> absl::Status {
    ASSIGN_OR_RETURN(PgResult locked,
                     tx.Exec(absl::StrCat("BEGIN; ", sql::kLockVersionSql),
                             "locking the schema version"));
    int64_t current = 0;
    if (internal::PgRows(locked.get()) != 1 ||
        !internal::PgInt64(locked.get(), 0, 0, &current)) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': unreadable schema version"));
    }
    RETURN_IF_ERROR(
        internal::CheckSchemaVersion(display_, current, sql::kSchemaVersion));
    for (int64_t v = current; v < sql::kSchemaVersion; ++v) {
      RETURN_IF_ERROR(
          tx.Exec(sql::kMigrations[v],
                  absl::StrCat("migrating to schema version ", v + 1))
              .status());
    }
    if (current < sql::kSchemaVersion) {
      RETURN_IF_ERROR(tx.Exec(sql::kWriteVersionSql,
                              {absl::StrCat(sql::kSchemaVersion)},
                              "writing the schema version")
                          .status());
    }
    return tx.Commit("committing the schema");
  };
  absl::Status status;
  for (int attempt = 0; attempt <= options_.max_transaction_retries;
       ++attempt) {
    status = migrate(c);
    if (status.ok()) return status;
    c.RollbackIfInTransaction();
    if (!internal::IsRetryableTransactionError(status)) return status;
  }
  return status;
}

absl::Status PostgresRegistrationStore::RunTransaction(
    std::unique_ptr<Connection>& connection,
    absl::FunctionRef<absl::Status(Connection&)> body) const {
  absl::Status status;
  bool reconnected = false;
  for (int attempt = 0; attempt <= options_.max_transaction_retries;
       ++attempt) {
    if (attempt > 0 && !reconnected) {
      absl::SleepFor(absl::Milliseconds(1 << std::min(attempt, 6)));
    }
    const bool reused = connection != nullptr && connection->healthy();
    status = EnsureConnected(connection);
    if (!status.ok()) return status;
    connection->StartTracking();
    status = body(*connection);
    if (status.ok()) return status;
    connection->RollbackIfInTransaction();
    if (!connection->healthy()) {
      const bool unknown_outcome = connection->commit_sent();
      connection.reset();
      // A connection that broke while idle (killed, server restarted) and
      // failed before COMMIT was sent changed nothing: run once more on a
      // new one. After COMMIT was sent the outcome is unknown: report it.
      if (reused && !unknown_outcome && !reconnected) {
        reconnected = true;
        continue;
      }
      return status;
    }
    reconnected = false;
    if (!internal::IsRetryableTransactionError(status)) return status;
  }
  // Still conflicting after every retry: the caller may try again later.
  return absl::UnavailableError(absl::StrCat(status.message(), " (after ",
                                             options_.max_transaction_retries,
                                             " retries; retry later)"));
}

absl::Status PostgresRegistrationStore::RunRead(
    absl::FunctionRef<absl::Status(Connection&)> body) {
  internal::AnnotatedMutexLock lock(&reader_mu_);
  absl::Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = reader_ != nullptr && reader_->healthy();
    RETURN_IF_ERROR(EnsureConnected(reader_));
    status = body(*reader_);
    if (status.ok()) return status;
    reader_->RollbackIfInTransaction();
    if (reader_->healthy()) return status;
    reader_.reset();
    // A connection that broke while idle (server restarted, connection
    // killed): read again on a new one. A new one that broke: give up.
    if (!reused) return status;
  }
  return status;
}

}  // namespace chaintrust
