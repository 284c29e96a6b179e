#include "engine/registry/sqlite_registration_store.h"

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/group_commit_queue.h"
#include "engine/registry/sqlite_connection.h"
#include "engine/registry/sqlite_schema.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace {

using internal::BindText;
using internal::ColumnText;
using internal::ScopedReset;
using Connection = internal::SqliteConnection;
namespace sql = internal::sqlite_sql;

std::string Etag(int64_t seq) { return absl::StrFormat("%016x", seq); }

}  // namespace

SqliteRegistrationStore::SqliteRegistrationStore(
    std::string path, const SqliteRegistrationStoreOptions& options)
    : path_(std::move(path)), options_(options) {}

SqliteRegistrationStore::~SqliteRegistrationStore() {
  queue_.reset();  // commits what is queued while the connection is open
}

absl::Status SqliteRegistrationStore::Error(Connection& connection, int rc,
                                            absl::string_view what) const {
  return internal::SqliteError(path_, connection, rc, what);
}

absl::Status SqliteRegistrationStore::ReadOnlyError() const {
  return absl::FailedPreconditionError(
      absl::StrCat("registration store '", path_, "' is open read-only"));
}

// Declares `var`, the cached statement for `statement`, or returns the
// error.
#define CT_PREPARE(var, connection, statement)                       \
  sqlite3_stmt* var = nullptr;                                       \
  {                                                                  \
    auto prepared = internal::Prepare(path_, connection, statement); \
    if (!prepared.ok()) return prepared.status();                    \
    var = *prepared;                                                 \
  }

namespace {

absl::StatusOr<RegistrationRecord> ReadRecord(sqlite3_stmt* stmt,
                                              absl::string_view path) {
  RegistrationRecord record;
  record.registration_id = std::string(ColumnText(stmt, 0));
  record.device_id = std::string(ColumnText(stmt, 1));
  record.enrollment_id = std::string(ColumnText(stmt, 3));
  record.assigned_hub = std::string(ColumnText(stmt, 6));
  record.created = absl::FromUnixMicros(sqlite3_column_int64(stmt, 7));
  record.last_updated = absl::FromUnixMicros(sqlite3_column_int64(stmt, 8));
  record.etag = std::string(ColumnText(stmt, 9));
  if (!ParseRegistrationEnrollmentKind(ColumnText(stmt, 2),
                                       &record.enrollment_kind) ||
      !ParseRegistrationStatus(ColumnText(stmt, 4), &record.status) ||
      !ParseRegistrationSubstatus(ColumnText(stmt, 5), &record.substatus)) {
    return absl::DataLossError(absl::StrCat(
        "registration store '", path, "': record '", record.registration_id,
        "' has an unknown enrollment kind, status or substatus ('",
        ColumnText(stmt, 2), "', '", ColumnText(stmt, 4), "', '",
        ColumnText(stmt, 5), "')"));
  }
  return record;
}

}  // namespace

absl::StatusOr<RegisterResult> SqliteRegistrationStore::Register(
    const RegistrationRecord& record, int64_t max_registrations) {
  RETURN_IF_ERROR(
      internal::ValidateRegisterArguments(record, max_registrations));
  if (read_only()) return ReadOnlyError();
  return queue_->Register(record, max_registrations);
}

void SqliteRegistrationStore::RegisterAsync(RegistrationRecord record,
                                            int64_t max_registrations,
                                            RegisterCallback done) {
  RegisterAsync(std::move(record), max_registrations, nullptr, std::move(done));
}

void SqliteRegistrationStore::RegisterAsync(RegistrationRecord record,
                                            int64_t max_registrations,
                                            CompleteRecord complete,
                                            RegisterCallback done) {
  absl::Status status =
      internal::ValidateRegisterArguments(record, max_registrations);
  if (status.ok() && read_only()) status = ReadOnlyError();
  if (!status.ok()) {
    std::move(done)(std::move(status));
    return;
  }
  queue_->RegisterAsync(std::move(record), max_registrations,
                        std::move(complete), std::move(done));
}

absl::Status SqliteRegistrationStore::CommitBatch(
    absl::Span<const Request* const> batch,
    std::vector<RegisterResult>& results) {
  internal::AnnotatedMutexLock lock(&writer_mu_);
  absl::Status status = RunBatch(batch, results);
  if (!status.ok() && sqlite3_get_autocommit(writer_->db) == 0) {
    sqlite3_exec(writer_->db, sql::kRollbackSql, nullptr, nullptr, nullptr);
  }
  return status;
}

absl::Status SqliteRegistrationStore::RunBatch(
    absl::Span<const Request* const> batch,
    std::vector<RegisterResult>& results) {
  Connection& c = *writer_;
  int rc;
  auto step_done = [&](const char* sql, absl::string_view what) {
    CT_PREPARE(stmt, c, sql);
    ScopedReset reset(stmt);
    rc = sqlite3_step(stmt);
    return rc == SQLITE_DONE ? absl::OkStatus() : Error(c, rc, what);
  };
  RETURN_IF_ERROR(step_done(sql::kBeginSql, "starting a transaction"));

  int64_t count = 0;
  int64_t seq = 0;
  {
    CT_PREPARE(stmt, c, sql::kReadMetaSql);
    ScopedReset reset(stmt);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) return Error(c, rc, "reading meta");
    count = sqlite3_column_int64(stmt, 0);
    seq = sqlite3_column_int64(stmt, 1);
  }

  CT_PREPARE(insert, c, sql::kInsertSql);
  CT_PREPARE(update_all, c, sql::kUpdateSql);
  CT_PREPARE(update_same, c, sql::kUpdateSameEnrollmentSql);
  RegistrationRecord completed;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Request& request = *batch[i];
    // Whether the record is known to exist: then the INSERT would only
    // conflict, so the UPDATE goes first; and whether its enrollment stays
    // the same: then the UPDATE leaves the group index alone.
    bool exists = false;
    bool same_enrollment = false;
    if (request.complete != nullptr) {
      // The record this write replaces, read in the same transaction.
      CT_PREPARE(get, c, sql::kGetSql);
      std::optional<RegistrationRecord> previous;
      {
        ScopedReset reset(get);
        BindText(get, 1, request.key);
        rc = sqlite3_step(get);
        if (rc == SQLITE_ROW) {
          ASSIGN_OR_RETURN(previous, ReadRecord(get, path_));
        } else if (rc != SQLITE_DONE) {
          return Error(
              c, rc,
              absl::StrCat("reading '", request.record->registration_id, "'"));
        }
      }
      exists = previous.has_value();
      completed = *request.record;
      (*request.complete)(previous.has_value() ? &*previous : nullptr,
                          &completed);
      same_enrollment =
          exists && previous->enrollment_kind == completed.enrollment_kind &&
          previous->enrollment_id == completed.enrollment_id;
    }
    const RegistrationRecord& record =
        request.complete != nullptr ? completed : *request.record;
    RegisterResult& result = results[i];
    result.record = record;
    const int64_t now_us = absl::ToUnixMicros(record.last_updated);
    const std::string etag = Etag(seq + 1);
    auto bind = [&](sqlite3_stmt* stmt) {
      BindText(stmt, 1, request.key);
      BindText(stmt, 2, record.registration_id);
      BindText(stmt, 3, record.device_id);
      BindText(stmt, 4, RegistrationEnrollmentKindName(record.enrollment_kind));
      BindText(stmt, 5, record.enrollment_id);
      BindText(stmt, 6, RegistrationStatusName(record.status));
      BindText(stmt, 7, RegistrationSubstatusName(record.substatus));
      BindText(stmt, 8, record.assigned_hub);
      sqlite3_bind_int64(stmt, 10, now_us);
      BindText(stmt, 11, etag);
    };

    bool written = false;
    if (!exists && count < request.max_registrations) {
      ScopedReset reset(insert);
      bind(insert);
      sqlite3_bind_int64(insert, 9, now_us);
      rc = sqlite3_step(insert);
      if (rc != SQLITE_DONE) {
        return Error(
            c, rc, absl::StrCat("registering '", record.registration_id, "'"));
      }
      if (sqlite3_changes(c.db) == 1) {
        written = true;
        ++count;
        result.outcome = RegisterOutcome::kCreated;
        result.record.created = absl::FromUnixMicros(now_us);
      }
    }
    if (!written) {
      sqlite3_stmt* update = same_enrollment ? update_same : update_all;
      ScopedReset reset(update);
      bind(update);
      rc = sqlite3_step(update);
      if (rc == SQLITE_ROW) {
        written = true;
        result.outcome = RegisterOutcome::kUpdated;
        result.record.created =
            absl::FromUnixMicros(sqlite3_column_int64(update, 0));
        rc = sqlite3_step(update);
      }
      if (rc != SQLITE_DONE) {
        return Error(
            c, rc, absl::StrCat("registering '", record.registration_id, "'"));
      }
    }
    if (written) {
      ++seq;
      result.record.last_updated = absl::FromUnixMicros(now_us);
      result.record.etag = etag;
    } else {
      result.outcome = RegisterOutcome::kQuotaExceeded;
    }
    result.registration_count = count;
  }

  {
    CT_PREPARE(stmt, c, sql::kWriteMetaSql);
    ScopedReset reset(stmt);
    sqlite3_bind_int64(stmt, 1, count);
    sqlite3_bind_int64(stmt, 2, seq);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) return Error(c, rc, "writing meta");
  }
  // With synchronous=FULL, COMMIT returns once the WAL is fsynced.
  return step_done(sql::kCommitSql, "committing");
}

absl::StatusOr<RegistrationRecord> SqliteRegistrationStore::Get(
    absl::string_view registration_id) {
  const std::string key = internal::RegistrationKey(registration_id);
  if (get_connections_ != nullptr) {
    // A thread's connection, chosen at its first Get() of any store.
    static std::atomic<unsigned> next_thread{0};
    thread_local const unsigned thread_index = next_thread.fetch_add(1);
    GetConnection& mine = get_connections_[thread_index % kGetConnections];
    internal::AnnotatedMutexLock lock(&mine.mu);
    return GetWith(*mine.connection, key, registration_id);
  }
  internal::AnnotatedMutexLock lock(&reader_mu_);
  return GetWith(*reader_, key, registration_id);
}

absl::StatusOr<RegistrationRecord> SqliteRegistrationStore::GetWith(
    Connection& c, absl::string_view key, absl::string_view registration_id) {
  CT_PREPARE(stmt, c, sql::kGetSql);
  ScopedReset reset(stmt);
  BindText(stmt, 1, key);
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return ReadRecord(stmt, path_);
  if (rc == SQLITE_DONE) {
    return absl::NotFoundError(
        absl::StrCat("no registration record for '", registration_id, "'"));
  }
  return Error(c, rc, absl::StrCat("reading '", registration_id, "'"));
}

absl::StatusOr<std::vector<RegistrationRecord>> SqliteRegistrationStore::List(
    const RegistrationFilter& filter) {
  std::string key;
  if (filter.registration_id.has_value()) {
    key = internal::RegistrationKey(*filter.registration_id);
  }
  internal::AnnotatedMutexLock lock(&reader_mu_);
  Connection& c = *reader_;
  CT_PREPARE(stmt, c,
             sql::kListSql[filter.registration_id.has_value()]
                          [filter.enrollment_group_id.has_value()]);
  ScopedReset reset(stmt);
  if (filter.registration_id.has_value()) BindText(stmt, 1, key);
  if (filter.enrollment_group_id.has_value()) {
    BindText(stmt, 2, *filter.enrollment_group_id);
  }
  std::vector<RegistrationRecord> records;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    ASSIGN_OR_RETURN(RegistrationRecord record, ReadRecord(stmt, path_));
    records.push_back(std::move(record));
  }
  if (rc != SQLITE_DONE) return Error(c, rc, "listing registrations");
  return records;
}

absl::StatusOr<int64_t> SqliteRegistrationStore::Delete(
    const RegistrationFilter& filter) {
  RETURN_IF_ERROR(internal::ValidateDeleteFilter(filter));
  if (read_only()) return ReadOnlyError();
  std::string key;
  if (filter.registration_id.has_value()) {
    key = internal::RegistrationKey(*filter.registration_id);
  }
  internal::AnnotatedMutexLock lock(&writer_mu_);
  Connection& c = *writer_;
  int rc;
  auto run = [&]() -> absl::StatusOr<int64_t> {
    {
      CT_PREPARE(begin, c, sql::kBeginSql);
      ScopedReset reset(begin);
      rc = sqlite3_step(begin);
      if (rc != SQLITE_DONE) return Error(c, rc, "starting a transaction");
    }
    int64_t deleted = 0;
    {
      CT_PREPARE(stmt, c,
                 sql::kDeleteSql[filter.registration_id.has_value()]
                                [filter.enrollment_group_id.has_value()]);
      ScopedReset reset(stmt);
      if (filter.registration_id.has_value()) BindText(stmt, 1, key);
      if (filter.enrollment_group_id.has_value()) {
        BindText(stmt, 2, *filter.enrollment_group_id);
      }
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE) return Error(c, rc, "deleting registrations");
      deleted = sqlite3_changes(c.db);
    }
    {
      CT_PREPARE(stmt, c, sql::kSubtractCountSql);
      ScopedReset reset(stmt);
      sqlite3_bind_int64(stmt, 1, deleted);
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE) return Error(c, rc, "writing meta");
    }
    {
      CT_PREPARE(commit, c, sql::kCommitSql);
      ScopedReset reset(commit);
      rc = sqlite3_step(commit);
      if (rc != SQLITE_DONE) return Error(c, rc, "committing");
    }
    return deleted;
  };
  absl::StatusOr<int64_t> deleted = run();
  if (!deleted.ok() && sqlite3_get_autocommit(c.db) == 0) {
    sqlite3_exec(c.db, sql::kRollbackSql, nullptr, nullptr, nullptr);
  }
  return deleted;
}

absl::StatusOr<int64_t> SqliteRegistrationStore::Count() {
  internal::AnnotatedMutexLock lock(&reader_mu_);
  Connection& c = *reader_;
  // A read-only store cannot repair a stale stored count: count the rows.
  CT_PREPARE(stmt, c, read_only() ? sql::kCountRowsSql : sql::kStoredCountSql);
  ScopedReset reset(stmt);
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) return Error(c, rc, "counting registrations");
  return sqlite3_column_int64(stmt, 0);
}

absl::Status SqliteRegistrationStore::CheckIntegrity() {
  internal::AnnotatedMutexLock lock(&reader_mu_);
  Connection& c = *reader_;
  // One read transaction, so that the count and the rows agree.
  int rc = sqlite3_exec(c.db, "BEGIN", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(c, rc, "starting a transaction");
  auto check = [&]() -> absl::Status {
    std::vector<std::string> problems;
    {
      CT_PREPARE(stmt, c, "PRAGMA integrity_check");
      ScopedReset reset(stmt);
      while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        problems.emplace_back(ColumnText(stmt, 0));
      }
      if (rc != SQLITE_DONE) return Error(c, rc, "checking integrity");
    }
    if (problems.size() != 1 || problems[0] != "ok") {
      return absl::DataLossError(
          absl::StrCat("registration store '", path_,
                       "': integrity check: ", absl::StrJoin(problems, "; ")));
    }
    int64_t stored = 0, rows = 0;
    {
      CT_PREPARE(stmt, c, sql::kStoredCountSql);
      ScopedReset reset(stmt);
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_ROW) return Error(c, rc, "reading meta");
      stored = sqlite3_column_int64(stmt, 0);
    }
    {
      CT_PREPARE(stmt, c, sql::kCountRowsSql);
      ScopedReset reset(stmt);
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_ROW) return Error(c, rc, "counting records");
      rows = sqlite3_column_int64(stmt, 0);
    }
    if (stored != rows) {
      return absl::DataLossError(absl::StrCat("registration store '", path_,
                                              "': stored count ", stored,
                                              " but ", rows, " records"));
    }
    return absl::OkStatus();
  };
  absl::Status status = check();
  sqlite3_exec(c.db, "COMMIT", nullptr, nullptr, nullptr);
  return status;
}

#undef CT_PREPARE

}  // namespace chaintrust
