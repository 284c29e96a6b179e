#include "engine/registry/sqlite_registration_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/internal/status_macros.h"
#include "engine/registration_store.h"
#include "engine/internal/tsan_mutex.h"

namespace chaintrust {
namespace {

constexpr char kSchemaSql[] = R"sql(
CREATE TABLE registrations (
  id_key TEXT NOT NULL PRIMARY KEY,  -- lowercase registration ID
  registration_id TEXT NOT NULL,     -- as last presented
  device_id TEXT NOT NULL,
  enrollment_kind TEXT NOT NULL,     -- 'individual' | 'group'
  enrollment_id TEXT NOT NULL,
  status TEXT NOT NULL,              -- 'assigned' | 'failed' | 'disabled'
  substatus TEXT NOT NULL,           -- 'initialAssignment' | ...
  assigned_hub TEXT NOT NULL,
  created_us INTEGER NOT NULL,       -- Unix microseconds
  updated_us INTEGER NOT NULL,
  etag TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX registrations_by_group ON registrations (enrollment_id)
  WHERE enrollment_kind = 'group';
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  registration_count INTEGER NOT NULL,
  etag_seq INTEGER NOT NULL
);
INSERT INTO meta VALUES (1, 0, 0);
PRAGMA user_version = 1;
)sql";

#define CHAINTRUST_RECORD_COLUMNS                                        \
  "registration_id, device_id, enrollment_kind, enrollment_id, status, " \
  "substatus, assigned_hub, created_us, updated_us, etag"

constexpr char kBeginSql[] = "BEGIN IMMEDIATE";
constexpr char kCommitSql[] = "COMMIT";
constexpr char kRollbackSql[] = "ROLLBACK";
constexpr char kReadMetaSql[] =
    "SELECT registration_count, etag_seq FROM meta WHERE id = 1";
constexpr char kWriteMetaSql[] =
    "UPDATE meta SET registration_count = ?1, etag_seq = ?2 WHERE id = 1";
constexpr char kCountRowsSql[] = "SELECT COUNT(*) FROM registrations";
constexpr char kSubtractCountSql[] =
    "UPDATE meta SET registration_count = registration_count - ?1 "
    "WHERE id = 1";
// Parameters shared by kInsertSql and kUpdateSql: ?1 key, ?2 registration
// ID, ?3 device ID, ?4 enrollment kind, ?5 enrollment ID, ?6 status,
// ?7 substatus, ?8 hub, ?9 created, ?10 updated, ?11 etag.
constexpr char kInsertSql[] =
    "INSERT INTO registrations (id_key, " CHAINTRUST_RECORD_COLUMNS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
    "ON CONFLICT (id_key) DO NOTHING";
constexpr char kUpdateSql[] =
    "UPDATE registrations SET registration_id = ?2, device_id = ?3, "
    "enrollment_kind = ?4, enrollment_id = ?5, status = ?6, substatus = ?7, "
    "assigned_hub = ?8, updated_us = ?10, etag = ?11 WHERE id_key = ?1 "
    "RETURNING created_us";
constexpr char kGetSql[] =
    "SELECT " CHAINTRUST_RECORD_COLUMNS " FROM registrations WHERE id_key = ?1";
constexpr char kStoredCountSql[] =
    "SELECT registration_count FROM meta WHERE id = 1";

// List and Delete, by which filter fields are set: [registration ID set]
// [group set]. ?1 is the key, ?2 the group ID.
constexpr const char* kListSql[2][2] = {
    {"SELECT " CHAINTRUST_RECORD_COLUMNS " FROM registrations ORDER BY id_key",
     "SELECT " CHAINTRUST_RECORD_COLUMNS
     " FROM registrations WHERE enrollment_kind = 'group' AND "
     "enrollment_id = ?2 ORDER BY id_key"},
    {"SELECT " CHAINTRUST_RECORD_COLUMNS
     " FROM registrations WHERE id_key = ?1",
     "SELECT " CHAINTRUST_RECORD_COLUMNS
     " FROM registrations WHERE id_key = ?1 AND enrollment_kind = 'group' "
     "AND enrollment_id = ?2"},
};
constexpr const char* kDeleteSql[2][2] = {
    {nullptr,  // refused by ValidateDeleteFilter
     "DELETE FROM registrations WHERE enrollment_kind = 'group' AND "
     "enrollment_id = ?2"},
    {"DELETE FROM registrations WHERE id_key = ?1",
     "DELETE FROM registrations WHERE id_key = ?1 AND "
     "enrollment_kind = 'group' AND enrollment_id = ?2"},
};

absl::StatusCode CodeFor(int rc) {
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::StatusCode::kDataLoss;
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kInternal;
  }
}

absl::string_view ColumnText(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return absl::string_view();
  return absl::string_view(reinterpret_cast<const char*>(text),
                           sqlite3_column_bytes(stmt, column));
}

void BindText(sqlite3_stmt* stmt, int index, absl::string_view text) {
  // SQLITE_STATIC: every bound string outlives the statement's reset.
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                    SQLITE_STATIC);
}

// Resets a cached statement when leaving scope, so it holds no read lock
// and no pointers to bound strings.
class ScopedReset {
 public:
  explicit ScopedReset(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~ScopedReset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

std::string Etag(int64_t seq) { return absl::StrFormat("%016x", seq); }

}  // namespace

namespace internal {
struct SqliteConnection {
  struct StmtDeleter {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };

  ~SqliteConnection() {
    statements.clear();  // finalize before closing
    if (db != nullptr) sqlite3_close_v2(db);
  }

  sqlite3* db = nullptr;
  // Prepared once, keyed by the address of the SQL constant.
  std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, StmtDeleter>>
      statements;
};
}  // namespace internal

struct SqliteRegistrationStore::Request {
  const RegistrationRecord* record;
  std::string key;
  int64_t max_registrations;
  absl::StatusOr<RegisterResult> result = absl::UnknownError("not committed");
  bool done = false;  // blocking Register(); guarded by queue_mu_
  // RegisterAsync() only: the record (`record` points to it) and the
  // callback; the committer deletes the request after calling it.
  RegistrationRecord owned;
  RegisterCallback callback;
};

namespace {

using Connection = internal::SqliteConnection;

}  // namespace

SqliteRegistrationStore::SqliteRegistrationStore(
    std::string path, const SqliteRegistrationStoreOptions& options)
    : path_(std::move(path)), options_(options) {}

SqliteRegistrationStore::~SqliteRegistrationStore() {
  if (!committer_.joinable()) return;  // Open() failed
  {
    internal::AnnotatedMutexLock lock(&queue_mu_);
    stopping_ = true;
  }
  committer_.join();
}

absl::Status SqliteRegistrationStore::Error(Connection& connection, int rc,
                                            absl::string_view what) const {
  return absl::Status(
      CodeFor(rc),
      absl::StrCat("registration store '", path_, "': ", what, ": ",
                   connection.db != nullptr ? sqlite3_errmsg(connection.db)
                                            : sqlite3_errstr(rc)));
}

namespace {

// The cached statement for `sql`, prepared on first use.
absl::StatusOr<sqlite3_stmt*> Prepare(Connection& connection, const char* sql,
                                      int* rc) {
  auto it = connection.statements.find(sql);
  if (it != connection.statements.end()) return it->second.get();
  sqlite3_stmt* stmt = nullptr;
  *rc = sqlite3_prepare_v3(connection.db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr);
  if (*rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return absl::InternalError("prepare");
  }
  connection.statements[sql].reset(stmt);
  return stmt;
}

}  // namespace

// Helpers that need Error() are lambdas or members; these macros keep the
// SQLite call sites short.
#define CT_PREPARE(var, connection, sql)                     \
  sqlite3_stmt* var = nullptr;                               \
  {                                                          \
    int prepare_rc = SQLITE_OK;                              \
    auto prepared = Prepare(connection, sql, &prepare_rc);   \
    if (!prepared.ok()) {                                    \
      return Error(connection, prepare_rc, "preparing SQL"); \
    }                                                        \
    var = *prepared;                                         \
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

absl::StatusOr<std::unique_ptr<SqliteRegistrationStore>>
SqliteRegistrationStore::Open(absl::string_view path,
                              const SqliteRegistrationStoreOptions& options) {
  if (options.max_batch_size < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "registration store '", path,
        "': max_batch_size must be at least 1, not ", options.max_batch_size));
  }
  std::unique_ptr<SqliteRegistrationStore> store(
      new SqliteRegistrationStore(std::string(path), options));
  const int busy_ms = static_cast<int>(std::min<int64_t>(
      absl::ToInt64Milliseconds(options.busy_timeout), INT32_MAX));

  auto open = [&](int flags, std::unique_ptr<Connection>& out) -> absl::Status {
    out = std::make_unique<Connection>();
    // NOMUTEX: each connection is used by one thread at a time, under
    // writer_mu_ or reader_mu_.
    const int rc = sqlite3_open_v2(store->path_.c_str(), &out->db,
                                   flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      return store->Error(*out, rc, "cannot open");
    }
    sqlite3_busy_timeout(out->db, busy_ms);
    return absl::OkStatus();
  };
  auto exec = [&](Connection& c, const char* sql,
                  absl::string_view what) -> absl::Status {
    const int rc = sqlite3_exec(c.db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return store->Error(c, rc, what);
    return absl::OkStatus();
  };
  // Runs a single-row query and returns its first column as an integer or
  // text (via `text`).
  auto query = [&](Connection& c, const char* sql, absl::string_view what,
                   std::string* text) -> absl::StatusOr<int64_t> {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(c.db, sql, -1, &stmt, nullptr);
    std::unique_ptr<sqlite3_stmt, Connection::StmtDeleter> owned(stmt);
    if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) return store->Error(c, rc, what);
    if (text != nullptr) *text = std::string(ColumnText(stmt, 0));
    return sqlite3_column_int64(stmt, 0);
  };

  internal::AnnotatedMutexLock writer_lock(&store->writer_mu_);
  Connection* writer = nullptr;
  {
    RETURN_IF_ERROR(
        open(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, store->writer_));
    writer = store->writer_.get();
  }
  std::string mode;
  RETURN_IF_ERROR(
      query(*writer, "PRAGMA journal_mode = WAL", "setting WAL mode", &mode)
          .status());
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("registration store '", store->path_,
                     "': cannot use WAL mode (journal mode is '", mode, "')"));
  }
  RETURN_IF_ERROR(
      exec(*writer, "PRAGMA synchronous = FULL", "setting synchronous=FULL"));

  // Create or check the schema, and repair the stored count, in one write
  // transaction so that two processes opening a new file do not race.
  RETURN_IF_ERROR(exec(*writer, kBeginSql, "starting a transaction"));
  absl::Status schema = [&]() -> absl::Status {
    ASSIGN_OR_RETURN(const int64_t version,
                     query(*writer, "PRAGMA user_version",
                           "reading the schema version", nullptr));
    if (version == 0) {
      ASSIGN_OR_RETURN(const int64_t objects,
                       query(*writer, "SELECT COUNT(*) FROM sqlite_schema",
                             "reading the schema", nullptr));
      if (objects != 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            "registration store '", store->path_,
            "': an SQLite database that is not a registration store"));
      }
      return exec(*writer, kSchemaSql, "creating the schema");
    }
    if (version != kSchemaVersion) {
      return absl::FailedPreconditionError(absl::StrCat(
          "registration store '", store->path_, "': schema version ", version,
          " is not supported (this build reads version ", kSchemaVersion, ")"));
    }
    ASSIGN_OR_RETURN(const int64_t stored,
                     query(*writer, kStoredCountSql, "reading meta", nullptr));
    ASSIGN_OR_RETURN(const int64_t rows, query(*writer, kCountRowsSql,
                                               "counting records", nullptr));
    if (stored != rows) {
      // Only rows deleted by other tools get here; the rows are the truth.
      const std::string repair = absl::StrCat(
          "UPDATE meta SET registration_count = ", rows, " WHERE id = 1");
      RETURN_IF_ERROR(exec(*writer, repair.c_str(), "repairing the count"));
    }
    return absl::OkStatus();
  }();
  if (!schema.ok()) {
    sqlite3_exec(writer->db, kRollbackSql, nullptr, nullptr, nullptr);
    return schema;
  }
  RETURN_IF_ERROR(exec(*writer, kCommitSql, "committing the schema"));

  internal::AnnotatedMutexLock reader_lock(&store->reader_mu_);
  RETURN_IF_ERROR(open(SQLITE_OPEN_READWRITE, store->reader_));
  RETURN_IF_ERROR(
      exec(*store->reader_, "PRAGMA query_only = 1", "opening for reading"));
  SqliteRegistrationStore* raw = store.get();
  store->committer_ = std::thread([raw] { raw->CommitterLoop(); });
  return store;
}

namespace {

// A condition for absl::Mutex::Await. absl::Mutex evaluates it with the
// mutex held, in whichever thread holds it; hence its own TSAN annotations.
template <typename F>
struct AnnotatedCondition {
  bool operator()() const {
    internal::AnnotateAcquired(mu);
    const bool ready = f();
    internal::AnnotateReleasing(mu);
    return ready;
  }
  absl::Mutex* mu;
  F f;
};

template <typename F>
AnnotatedCondition<F> MakeCondition(absl::Mutex* mu, F f) {
  return AnnotatedCondition<F>{mu, std::move(f)};
}

// Await() with the TSAN annotations of registration_store_lock.h.
template <typename F>
void AnnotatedAwait(absl::Mutex* mu, const AnnotatedCondition<F>& condition) {
  internal::AnnotateReleasing(mu);
  mu->Await(absl::Condition(&condition));
  internal::AnnotateAcquired(mu);
}

}  // namespace

void SqliteRegistrationStore::Enqueue(Request* request) {
  internal::AnnotatedMutexLock lock(&queue_mu_);
  queue_.push_back(request);
}

absl::StatusOr<RegisterResult> SqliteRegistrationStore::Register(
    const RegistrationRecord& record, int64_t max_registrations) {
  RETURN_IF_ERROR(
      internal::ValidateRegisterArguments(record, max_registrations));
  Request request;
  request.record = &record;
  request.key = internal::RegistrationKey(record.registration_id);
  request.max_registrations = max_registrations;
  internal::AnnotatedMutexLock lock(&queue_mu_);
  queue_.push_back(&request);
  AnnotatedAwait(&queue_mu_, MakeCondition(&queue_mu_, [&request] {
    return request.done;
  }));
  return std::move(request.result);
}

void SqliteRegistrationStore::RegisterAsync(RegistrationRecord record,
                                            int64_t max_registrations,
                                            RegisterCallback done) {
  absl::Status status =
      internal::ValidateRegisterArguments(record, max_registrations);
  if (!status.ok()) {
    std::move(done)(std::move(status));
    return;
  }
  auto request = std::make_unique<Request>();
  request->owned = std::move(record);
  request->record = &request->owned;
  request->key = internal::RegistrationKey(request->owned.registration_id);
  request->max_registrations = max_registrations;
  request->callback = std::move(done);
  Enqueue(request.release());
}

void SqliteRegistrationStore::CommitterLoop() {
  std::vector<Request*> batch;
  std::vector<Request*> callbacks;
  while (true) {
    batch.clear();
    {
      internal::AnnotatedMutexLock lock(&queue_mu_);
      AnnotatedAwait(&queue_mu_, MakeCondition(&queue_mu_, [this] {
        return !queue_.empty() || stopping_;
      }));
      if (queue_.empty()) return;  // stopping, and everything committed
      const size_t n =
          std::min(queue_.size(), static_cast<size_t>(options_.max_batch_size));
      batch.assign(queue_.begin(), queue_.begin() + n);
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    {
      internal::AnnotatedMutexLock lock(&writer_mu_);
      CommitBatch(batch);
    }
    callbacks.clear();
    {
      internal::AnnotatedMutexLock lock(&queue_mu_);
      for (Request* request : batch) {
        if (request->callback) {
          callbacks.push_back(request);
        } else {
          request->done = true;  // its caller owns it again from here
        }
      }
    }
    for (Request* request : callbacks) {
      std::unique_ptr<Request> owned(request);
      std::move(owned->callback)(std::move(owned->result));
    }
  }
}

void SqliteRegistrationStore::CommitBatch(const std::vector<Request*>& batch) {
  std::vector<RegisterResult> results(batch.size());
  absl::Status status = RunBatch(batch, results);
  if (!status.ok()) {
    if (sqlite3_get_autocommit(writer_->db) == 0) {
      sqlite3_exec(writer_->db, kRollbackSql, nullptr, nullptr, nullptr);
    }
    for (Request* r : batch) r->result = status;
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i]->result = std::move(results[i]);
  }
}

absl::Status SqliteRegistrationStore::RunBatch(
    const std::vector<Request*>& batch, std::vector<RegisterResult>& results) {
  Connection& c = *writer_;
  int rc;
  auto step_done = [&](const char* sql, absl::string_view what) {
    CT_PREPARE(stmt, c, sql);
    ScopedReset reset(stmt);
    rc = sqlite3_step(stmt);
    return rc == SQLITE_DONE ? absl::OkStatus() : Error(c, rc, what);
  };
  RETURN_IF_ERROR(step_done(kBeginSql, "starting a transaction"));

  int64_t count = 0;
  int64_t seq = 0;
  {
    CT_PREPARE(stmt, c, kReadMetaSql);
    ScopedReset reset(stmt);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) return Error(c, rc, "reading meta");
    count = sqlite3_column_int64(stmt, 0);
    seq = sqlite3_column_int64(stmt, 1);
  }

  CT_PREPARE(insert, c, kInsertSql);
  CT_PREPARE(update, c, kUpdateSql);
  for (size_t i = 0; i < batch.size(); ++i) {
    const Request& request = *batch[i];
    const RegistrationRecord& record = *request.record;
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
    if (count < request.max_registrations) {
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
    CT_PREPARE(stmt, c, kWriteMetaSql);
    ScopedReset reset(stmt);
    sqlite3_bind_int64(stmt, 1, count);
    sqlite3_bind_int64(stmt, 2, seq);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE) return Error(c, rc, "writing meta");
  }
  // With synchronous=FULL, COMMIT returns once the WAL is fsynced.
  return step_done(kCommitSql, "committing");
}

absl::StatusOr<RegistrationRecord> SqliteRegistrationStore::Get(
    absl::string_view registration_id) {
  const std::string key = internal::RegistrationKey(registration_id);
  internal::AnnotatedMutexLock lock(&reader_mu_);
  Connection& c = *reader_;
  CT_PREPARE(stmt, c, kGetSql);
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
             kListSql[filter.registration_id.has_value()]
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
  std::string key;
  if (filter.registration_id.has_value()) {
    key = internal::RegistrationKey(*filter.registration_id);
  }
  internal::AnnotatedMutexLock lock(&writer_mu_);
  Connection& c = *writer_;
  int rc;
  auto run = [&]() -> absl::StatusOr<int64_t> {
    {
      CT_PREPARE(begin, c, kBeginSql);
      ScopedReset reset(begin);
      rc = sqlite3_step(begin);
      if (rc != SQLITE_DONE) return Error(c, rc, "starting a transaction");
    }
    int64_t deleted = 0;
    {
      CT_PREPARE(stmt, c,
                 kDeleteSql[filter.registration_id.has_value()]
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
      CT_PREPARE(stmt, c, kSubtractCountSql);
      ScopedReset reset(stmt);
      sqlite3_bind_int64(stmt, 1, deleted);
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE) return Error(c, rc, "writing meta");
    }
    {
      CT_PREPARE(commit, c, kCommitSql);
      ScopedReset reset(commit);
      rc = sqlite3_step(commit);
      if (rc != SQLITE_DONE) return Error(c, rc, "committing");
    }
    return deleted;
  };
  absl::StatusOr<int64_t> deleted = run();
  if (!deleted.ok() && sqlite3_get_autocommit(c.db) == 0) {
    sqlite3_exec(c.db, kRollbackSql, nullptr, nullptr, nullptr);
  }
  return deleted;
}

absl::StatusOr<int64_t> SqliteRegistrationStore::Count() {
  internal::AnnotatedMutexLock lock(&reader_mu_);
  Connection& c = *reader_;
  CT_PREPARE(stmt, c, kStoredCountSql);
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
      CT_PREPARE(stmt, c, kStoredCountSql);
      ScopedReset reset(stmt);
      rc = sqlite3_step(stmt);
      if (rc != SQLITE_ROW) return Error(c, rc, "reading meta");
      stored = sqlite3_column_int64(stmt, 0);
    }
    {
      CT_PREPARE(stmt, c, kCountRowsSql);
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
#undef CHAINTRUST_RECORD_COLUMNS

}  // namespace chaintrust
