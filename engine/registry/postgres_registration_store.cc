#include "engine/registry/postgres_registration_store.h"

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/group_commit_queue.h"
#include "engine/registry/postgres_connection.h"
#include "engine/registry/postgres_schema.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace {

namespace sql = internal::postgres_sql;
using internal::PgInt64;
using internal::PgResult;
using internal::PgRows;
using internal::PgValue;

std::string Etag(int64_t seq) { return absl::StrFormat("%016x", seq); }

// A row of kGetSql / kListSql.
absl::StatusOr<RegistrationRecord> ReadRecord(const PGresult* result, int row,
                                              absl::string_view display) {
  RegistrationRecord record;
  record.registration_id = std::string(PgValue(result, row, 0));
  record.device_id = std::string(PgValue(result, row, 1));
  record.enrollment_id = std::string(PgValue(result, row, 3));
  record.assigned_hub = std::string(PgValue(result, row, 6));
  record.etag = std::string(PgValue(result, row, 9));
  int64_t created_us = 0, updated_us = 0;
  if (!PgInt64(result, row, 7, &created_us) ||
      !PgInt64(result, row, 8, &updated_us) ||
      !ParseRegistrationEnrollmentKind(PgValue(result, row, 2),
                                       &record.enrollment_kind) ||
      !ParseRegistrationStatus(PgValue(result, row, 4), &record.status) ||
      !ParseRegistrationSubstatus(PgValue(result, row, 5), &record.substatus)) {
    return absl::DataLossError(absl::StrCat(
        "registration store '", display, "': record '", record.registration_id,
        "' has an unknown enrollment kind, status or substatus ('",
        PgValue(result, row, 2), "', '", PgValue(result, row, 4), "', '",
        PgValue(result, row, 5), "')"));
  }
  record.created = absl::FromUnixMicros(created_us);
  record.last_updated = absl::FromUnixMicros(updated_us);
  return record;
}

// The two filter parameters of kListSql and kDeleteSql.
std::vector<std::optional<std::string>> FilterParams(
    const RegistrationFilter& filter) {
  std::vector<std::optional<std::string>> params(2);
  if (filter.registration_id.has_value()) {
    params[0] = internal::RegistrationKey(*filter.registration_id);
  }
  params[1] = filter.enrollment_group_id;
  return params;
}

}  // namespace

PostgresRegistrationStore::~PostgresRegistrationStore() {
  queue_.reset();  // commits what is queued
}

absl::Status PostgresRegistrationStore::ReadOnlyError() const {
  return absl::FailedPreconditionError(
      absl::StrCat("registration store '", display_, "' is open read-only"));
}

absl::StatusOr<RegisterResult> PostgresRegistrationStore::Register(
    const RegistrationRecord& record, int64_t max_registrations) {
  RETURN_IF_ERROR(
      internal::ValidateRegisterArguments(record, max_registrations));
  if (read_only()) return ReadOnlyError();
  return queue_->Register(record, max_registrations);
}

void PostgresRegistrationStore::RegisterAsync(RegistrationRecord record,
                                              int64_t max_registrations,
                                              RegisterCallback done) {
  absl::Status status =
      internal::ValidateRegisterArguments(record, max_registrations);
  if (status.ok() && read_only()) status = ReadOnlyError();
  if (!status.ok()) {
    std::move(done)(std::move(status));
    return;
  }
  queue_->RegisterAsync(std::move(record), max_registrations, std::move(done));
}

void PostgresRegistrationStore::RegisterAsync(RegistrationRecord record,
                                              int64_t max_registrations,
                                              CompleteRecord complete,
                                              RegisterCallback done) {
  if (!record.registration_id.empty()) {
    absl::StatusOr<RegistrationRecord> previous = Get(record.registration_id);
    if (!previous.ok() && !absl::IsNotFound(previous.status())) {
      std::move(done)(previous.status());
      return;
    }
    complete(previous.ok() ? &*previous : nullptr, &record);
  }
  RegisterAsync(std::move(record), max_registrations, std::move(done));
}

absl::Status PostgresRegistrationStore::CommitBatch(
    absl::Span<const Request* const> batch,
    std::vector<RegisterResult>& results) {
  internal::AnnotatedMutexLock lock(&writer_mu_);
  return RunTransaction(writer_, [&](Connection& connection) {
    results.assign(batch.size(), RegisterResult());
    return RunBatch(connection, batch, results);
  });
}

absl::Status PostgresRegistrationStore::RunBatch(
    Connection& c, absl::Span<const Request* const> batch,
    std::vector<RegisterResult>& results) const {
  // Round trip 1: BEGIN, lock the counter row, read which keys exist.
  std::vector<std::string> keys;
  keys.reserve(batch.size());
  for (const Request* r : batch) keys.push_back(r->key);
  ASSIGN_OR_RETURN(
      std::vector<PgResult> read,
      c.Pipeline({{sql::kBeginSql, {}},
                  {sql::kLockMetaSql, {}},
                  {sql::kExistingSql, {internal::PgTextArray(keys)}}},
                 /*commits=*/false, "reading the counter and known keys"));
  const PGresult* meta = read[1].get();
  int64_t count = 0, seq = 0;
  if (PgRows(meta) != 1 || !PgInt64(meta, 0, 0, &count) ||
      !PgInt64(meta, 0, 1, &seq)) {
    return absl::DataLossError(absl::StrCat("registration store '", display_,
                                            "': the counter row is missing"));
  }
  // created_us of the keys that exist, then of those this batch creates.
  absl::flat_hash_map<std::string, int64_t> created;
  const PGresult* existing = read[2].get();
  for (int row = 0; row < PgRows(existing); ++row) {
    int64_t us = 0;
    if (!PgInt64(existing, row, 1, &us)) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': unreadable created_us"));
    }
    created.emplace(std::string(PgValue(existing, row, 0)), us);
  }

  // The rows to write, one per key (the last registration of a key in the
  // batch wins; its creation time is the first one's).
  std::vector<std::vector<std::string>> text(9);
  std::vector<int64_t> created_us, updated_us;
  absl::flat_hash_map<std::string, size_t> row_of_key;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Request& request = *batch[i];
    const RegistrationRecord& record = *request.record;
    RegisterResult& result = results[i];
    result.record = record;
    const int64_t now_us = absl::ToUnixMicros(record.last_updated);
    auto known = created.find(request.key);
    if (known != created.end()) {
      result.outcome = RegisterOutcome::kUpdated;
    } else if (count < request.max_registrations) {
      result.outcome = RegisterOutcome::kCreated;
      known = created.emplace(request.key, now_us).first;
      ++count;
    } else {
      result.outcome = RegisterOutcome::kQuotaExceeded;
      result.registration_count = count;
      continue;
    }
    const std::string etag = Etag(++seq);
    result.record.created = absl::FromUnixMicros(known->second);
    result.record.last_updated = absl::FromUnixMicros(now_us);
    result.record.etag = etag;
    result.registration_count = count;
    std::string fields[9] = {
        request.key,
        record.registration_id,
        record.device_id,
        std::string(RegistrationEnrollmentKindName(record.enrollment_kind)),
        record.enrollment_id,
        std::string(RegistrationStatusName(record.status)),
        std::string(RegistrationSubstatusName(record.substatus)),
        record.assigned_hub,
        etag};
    auto [slot, fresh] = row_of_key.emplace(request.key, created_us.size());
    if (fresh) {
      for (int f = 0; f < 9; ++f) text[f].push_back(std::move(fields[f]));
      created_us.push_back(known->second);
      updated_us.push_back(now_us);
    } else {
      for (int f = 0; f < 9; ++f) text[f][slot->second] = std::move(fields[f]);
      updated_us[slot->second] = now_us;
    }
  }

  // Round trip 2: write the rows and the counter, COMMIT. Acknowledged
  // only once COMMIT returned: with synchronous_commit on, the WAL is
  // flushed by then.
  std::vector<Connection::Statement> writes;
  if (!created_us.empty()) {
    std::vector<std::optional<std::string>> params;
    for (int f = 0; f < 8; ++f) {
      params.push_back(internal::PgTextArray(text[f]));
    }
    params.push_back(internal::PgInt64Array(created_us));
    params.push_back(internal::PgInt64Array(updated_us));
    params.push_back(internal::PgTextArray(text[8]));
    writes.push_back({sql::kUpsertSql, std::move(params)});
    writes.push_back(
        {sql::kWriteMetaSql, {absl::StrCat(count), absl::StrCat(seq)}});
  }
  writes.push_back({sql::kCommitSql, {}});
  return c.Pipeline(writes, /*commits=*/true, "writing registrations").status();
}

absl::StatusOr<RegistrationRecord> PostgresRegistrationStore::Get(
    absl::string_view registration_id) {
  const std::string key = internal::RegistrationKey(registration_id);
  absl::StatusOr<RegistrationRecord> record;
  RETURN_IF_ERROR(RunRead([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(PgResult result,
                     c.Exec(sql::kGetSql, {key},
                            absl::StrCat("reading '", registration_id, "'")));
    if (PgRows(result.get()) == 0) {
      record = absl::NotFoundError(
          absl::StrCat("no registration record for '", registration_id, "'"));
      return absl::OkStatus();
    }
    record = ReadRecord(result.get(), 0, display_);
    return absl::OkStatus();
  }));
  return record;
}

absl::StatusOr<std::vector<RegistrationRecord>> PostgresRegistrationStore::List(
    const RegistrationFilter& filter) {
  std::vector<RegistrationRecord> records;
  RETURN_IF_ERROR(RunRead([&](Connection& c) -> absl::Status {
    records.clear();
    ASSIGN_OR_RETURN(
        PgResult result,
        c.Exec(sql::kListSql, FilterParams(filter), "listing registrations"));
    for (int row = 0; row < PgRows(result.get()); ++row) {
      ASSIGN_OR_RETURN(RegistrationRecord record,
                       ReadRecord(result.get(), row, display_));
      records.push_back(std::move(record));
    }
    return absl::OkStatus();
  }));
  return records;
}

absl::StatusOr<int64_t> PostgresRegistrationStore::Delete(
    const RegistrationFilter& filter) {
  RETURN_IF_ERROR(internal::ValidateDeleteFilter(filter));
  if (read_only()) return ReadOnlyError();
  int64_t deleted = 0;
  internal::AnnotatedMutexLock lock(&writer_mu_);
  RETURN_IF_ERROR(RunTransaction(writer_, [&](Connection& c) -> absl::Status {
    // The counter row first, as every writer locks it.
    RETURN_IF_ERROR(
        c.Exec(sql::kBeginAndLockMetaSql, "locking the counter").status());
    ASSIGN_OR_RETURN(PgResult result,
                     c.Exec(sql::kDeleteSql, FilterParams(filter),
                            "deleting registrations"));
    if (!absl::SimpleAtoi(PQcmdTuples(result.get()), &deleted)) deleted = 0;
    RETURN_IF_ERROR(c.Exec(sql::kSubtractCountSql, {absl::StrCat(deleted)},
                           "writing the counter")
                        .status());
    return c.Commit("committing");
  }));
  return deleted;
}

absl::StatusOr<int64_t> PostgresRegistrationStore::Count() {
  int64_t count = 0;
  RETURN_IF_ERROR(RunRead([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(PgResult result,
                     c.Exec(sql::kStoredCountSql, "counting registrations"));
    if (PgRows(result.get()) != 1 || !PgInt64(result.get(), 0, 0, &count)) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': the counter row is missing"));
    }
    return absl::OkStatus();
  }));
  return count;
}

absl::Status PostgresRegistrationStore::CheckIntegrity() {
  return RunRead([&](Connection& c) -> absl::Status {
    // One snapshot for both counts.
    ASSIGN_OR_RETURN(
        PgResult result,
        c.Exec(absl::StrCat("BEGIN ISOLATION LEVEL REPEATABLE READ; ",
                            sql::kStoredCountSql),
               "reading the counter"));
    int64_t stored = 0, rows = 0;
    const bool stored_ok =
        PgRows(result.get()) == 1 && PgInt64(result.get(), 0, 0, &stored);
    ASSIGN_OR_RETURN(PgResult counted,
                     c.Exec(sql::kCountRowsSql, "counting records"));
    RETURN_IF_ERROR(c.Exec(sql::kCommitSql, "committing").status());
    if (!stored_ok || !PgInt64(counted.get(), 0, 0, &rows)) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': the counter row is missing"));
    }
    if (stored != rows) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': stored count ", stored,
                                              " but ", rows, " records"));
    }
    return absl::OkStatus();
  });
}

}  // namespace chaintrust
