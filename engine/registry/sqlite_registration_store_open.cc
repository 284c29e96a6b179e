// SqliteRegistrationStore::Open(): existence, integrity, WAL mode and
// schema checks before the store takes its first request.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
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
#include "engine/registry/sqlite_registration_store.h"
#include "engine/registry/sqlite_schema.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace {

using internal::SqliteConnection;
namespace sql = internal::sqlite_sql;

// At most this many problems are listed when quick_check fails.
constexpr char kQuickCheckSql[] = "PRAGMA quick_check(5)";

// Whether `path` names an existing file system entry.
absl::Status CheckExists(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) return absl::OkStatus();
  if (errno == ENOENT) {
    return absl::NotFoundError(absl::StrCat(
        "registration store '", path,
        "' does not exist (only a command that registers creates one)"));
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "registration store '", path, "': cannot open: ", std::strerror(errno)));
}

absl::Status OpenConnection(const std::string& path, const std::string& name,
                            int flags, absl::Duration busy_timeout,
                            std::unique_ptr<SqliteConnection>& out) {
  // Before SQLite initializes (its first open): no memory statistics, which
  // would put every allocation of every connection behind one global mutex
  // (the stores' connections are used from several threads at once). A
  // process that initialized SQLite before keeps its setting.
  static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  (void)configured;
  out = std::make_unique<SqliteConnection>();
  // NOMUTEX: each connection is used by one thread at a time, under the
  // store's writer_mu_ or reader_mu_.
  const int rc = sqlite3_open_v2(name.c_str(), &out->db,
                                 flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    return internal::SqliteError(path, *out, rc, "cannot open");
  }
  sqlite3_extended_result_codes(out->db, 1);
  sqlite3_busy_timeout(
      out->db, static_cast<int>(std::min<int64_t>(
                   absl::ToInt64Milliseconds(busy_timeout), INT32_MAX)));
  return absl::OkStatus();
}

// PRAGMA quick_check: the b-tree structure of every page, without the
// index-against-table comparison of integrity_check. Reads the whole file.
absl::Status QuickCheck(const std::string& path, SqliteConnection& c) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(c.db, kQuickCheckSql, -1, &stmt, nullptr);
  std::unique_ptr<sqlite3_stmt, SqliteConnection::StmtDeleter> owned(stmt);
  std::vector<std::string> problems;
  if (rc == SQLITE_OK) {
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      problems.emplace_back(internal::ColumnText(stmt, 0));
    }
  }
  if (rc != SQLITE_DONE) {
    const bool damaged =
        (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
    return internal::SqliteError(
        path, c, rc,
        damaged ? "damaged or not a registration store" : "reading the file");
  }
  if (problems.size() != 1 || problems[0] != "ok") {
    return absl::DataLossError(absl::StrCat(
        "registration store '", path,
        "' is damaged and was not opened (quick_check: ",
        absl::StrJoin(problems, "; "), "); restore it from a backup"));
  }
  return absl::OkStatus();
}

// No migrations: a version that CheckSchemaVersion() accepts is either 0
// (an empty database) or the current one.
static_assert(SqliteRegistrationStore::kSchemaVersion == 1,
              "a new schema version needs a migration from the old one");

// The schema version, after checking that the file holds a registration
// store of a version this build reads. Version 0 with no tables is an
// empty database: `empty` is set and OK returned.
absl::StatusOr<int64_t> CheckSchema(const std::string& path,
                                    SqliteConnection& c, bool* empty) {
  *empty = false;
  ASSIGN_OR_RETURN(const int64_t version,
                   internal::QueryOne(path, c, "PRAGMA user_version",
                                      "reading the schema version"));
  RETURN_IF_ERROR(internal::CheckSchemaVersion(
      path, version, SqliteRegistrationStore::kSchemaVersion));
  if (version == 0) {
    ASSIGN_OR_RETURN(
        const int64_t objects,
        internal::QueryOne(path, c, "SELECT COUNT(*) FROM sqlite_schema",
                           "reading the schema"));
    if (objects != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("registration store '", path,
                       "': an SQLite database that is not a registration "
                       "store"));
    }
    *empty = true;
  }
  return version;
}

absl::Status EmptyError(const std::string& path) {
  return absl::FailedPreconditionError(
      absl::StrCat("registration store '", path,
                   "' is an empty file, not a registration store (only a "
                   "command that registers creates one)"));
}

// A file: URI for `path` that opens it immutable: no locks, no -shm.
std::string ImmutableUri(absl::string_view path) {
  std::string uri = "file:";
  for (const char ch : path) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '%' || c == '?' || c == '#' || c <= 0x20 || c >= 0x7f) {
      absl::StrAppendFormat(&uri, "%%%02X", c);
    } else {
      uri.push_back(ch);
    }
  }
  return uri + "?immutable=1";
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
  if (options.read_only && options.create_if_missing) {
    return absl::InvalidArgumentError(
        absl::StrCat("registration store '", path,
                     "': a store opened read-only cannot be created"));
  }
  if (path.empty()) {
    return absl::InvalidArgumentError("registration store: empty path");
  }
  std::unique_ptr<SqliteRegistrationStore> store(
      new SqliteRegistrationStore(std::string(path), options));
  if (!options.create_if_missing) RETURN_IF_ERROR(CheckExists(store->path_));
  if (options.read_only) {
    RETURN_IF_ERROR(store->OpenReadOnly());
    return store;
  }
  RETURN_IF_ERROR(store->OpenForWriting());
  SqliteRegistrationStore* raw = store.get();
  store->queue_ = std::make_unique<internal::GroupCommitQueue>(
      options.max_batch_size, [raw](absl::Span<const Request* const> batch,
                                    std::vector<RegisterResult>& results) {
        return raw->CommitBatch(batch, results);
      });
  return store;
}

absl::Status SqliteRegistrationStore::OpenForWriting() {
  internal::AnnotatedMutexLock writer_lock(&writer_mu_);
  const int create = options_.create_if_missing ? SQLITE_OPEN_CREATE : 0;
  RETURN_IF_ERROR(OpenConnection(path_, path_, SQLITE_OPEN_READWRITE | create,
                                 options_.busy_timeout, writer_));
  Connection& writer = *writer_;
  // Before anything writes to the file: it is sound, and a registration
  // store or (create_if_missing) an empty database.
  RETURN_IF_ERROR(QuickCheck(path_, writer));
  {
    bool empty = false;
    RETURN_IF_ERROR(CheckSchema(path_, writer, &empty).status());
    if (empty && !options_.create_if_missing) return EmptyError(path_);
  }
  std::string mode;
  RETURN_IF_ERROR(internal::QueryOne(path_, writer, "PRAGMA journal_mode = WAL",
                                     "setting WAL mode", &mode)
                      .status());
  if (mode != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("registration store '", path_,
                     "': cannot use WAL mode (journal mode is '", mode, "')"));
  }
  RETURN_IF_ERROR(internal::Exec(path_, writer, "PRAGMA synchronous = FULL",
                                 "setting synchronous=FULL"));

  // Create or check the schema, and repair the stored count, in one write
  // transaction so that two processes opening a new file do not race.
  RETURN_IF_ERROR(
      internal::Exec(path_, writer, sql::kBeginSql, "starting a transaction"));
  absl::Status schema = [&]() -> absl::Status {
    // Again: another process may have created the schema meanwhile.
    bool empty = false;
    RETURN_IF_ERROR(CheckSchema(path_, writer, &empty).status());
    if (empty) {
      if (!options_.create_if_missing) return EmptyError(path_);
      return internal::Exec(path_, writer, sql::kSchemaSql,
                            "creating the schema");
    }
    ASSIGN_OR_RETURN(const int64_t stored,
                     internal::QueryOne(path_, writer, sql::kStoredCountSql,
                                        "reading meta"));
    ASSIGN_OR_RETURN(const int64_t rows,
                     internal::QueryOne(path_, writer, sql::kCountRowsSql,
                                        "counting records"));
    if (stored != rows) {
      // Only rows deleted by other tools get here; the rows are the truth.
      const std::string repair = absl::StrCat(
          "UPDATE meta SET registration_count = ", rows, " WHERE id = 1");
      RETURN_IF_ERROR(
          internal::Exec(path_, writer, repair.c_str(), "repairing the count"));
    }
    return absl::OkStatus();
  }();
  if (!schema.ok()) {
    sqlite3_exec(writer.db, sql::kRollbackSql, nullptr, nullptr, nullptr);
    return schema;
  }
  RETURN_IF_ERROR(
      internal::Exec(path_, writer, sql::kCommitSql, "committing the schema"));

  {
    internal::AnnotatedMutexLock reader_lock(&reader_mu_);
    RETURN_IF_ERROR(OpenConnection(path_, path_, SQLITE_OPEN_READWRITE,
                                   options_.busy_timeout, reader_));
    RETURN_IF_ERROR(internal::Exec(path_, *reader_, "PRAGMA query_only = 1",
                                   "opening for reading"));
  }
  return OpenGetConnections();
}

absl::Status SqliteRegistrationStore::OpenGetConnections() {
  auto connections = std::make_unique<GetConnection[]>(kGetConnections);
  for (int i = 0; i < kGetConnections; ++i) {
    internal::AnnotatedMutexLock lock(&connections[i].mu);
    RETURN_IF_ERROR(OpenConnection(path_, path_, SQLITE_OPEN_READWRITE,
                                   options_.busy_timeout,
                                   connections[i].connection));
    RETURN_IF_ERROR(internal::Exec(path_, *connections[i].connection,
                                   "PRAGMA query_only = 1",
                                   "opening for reading"));
  }
  get_connections_ = std::move(connections);
  return absl::OkStatus();
}

absl::Status SqliteRegistrationStore::OpenReadOnly() {
  internal::AnnotatedMutexLock reader_lock(&reader_mu_);
  RETURN_IF_ERROR(OpenConnection(path_, path_, SQLITE_OPEN_READONLY,
                                 options_.busy_timeout, reader_));
  // The first read opens the WAL index. In a directory this process may not
  // write, SQLite cannot create the -shm file and refuses; when there is no
  // -wal file either, nothing is writing the store and the file alone is
  // the whole database: read it as immutable.
  int rc = sqlite3_exec(reader_->db, "SELECT COUNT(*) FROM sqlite_schema",
                        nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) rc = sqlite3_extended_errcode(reader_->db);
  struct stat st;
  if ((rc == SQLITE_READONLY_DIRECTORY || (rc & 0xff) == SQLITE_CANTOPEN) &&
      stat(absl::StrCat(path_, "-wal").c_str(), &st) != 0 && errno == ENOENT) {
    RETURN_IF_ERROR(OpenConnection(path_, ImmutableUri(path_),
                                   SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                                   options_.busy_timeout, reader_));
  }
  RETURN_IF_ERROR(QuickCheck(path_, *reader_));
  bool empty = false;
  RETURN_IF_ERROR(CheckSchema(path_, *reader_, &empty).status());
  if (empty) return EmptyError(path_);
  return absl::OkStatus();
}

}  // namespace chaintrust
