// Private to the SQLite registration store: one connection with its cached
// prepared statements, and the small helpers its SQL call sites share.
#ifndef CHAINTRUST_ENGINE_REGISTRY_SQLITE_CONNECTION_H_
#define CHAINTRUST_ENGINE_REGISTRY_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chaintrust {
namespace internal {

struct SqliteConnection {
  struct StmtDeleter {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
  };

  SqliteConnection() = default;
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() {
    statements.clear();  // finalize before closing
    if (db != nullptr) sqlite3_close_v2(db);
  }

  sqlite3* db = nullptr;
  // Prepared once, keyed by the address of the SQL constant.
  std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, StmtDeleter>>
      statements;
};

// The absl::StatusCode of an SQLite result code: BUSY/LOCKED Unavailable,
// FULL/NOMEM ResourceExhausted, CORRUPT/NOTADB DataLoss, CANTOPEN/PERM/
// READONLY/AUTH FailedPrecondition, anything else Internal.
absl::StatusCode SqliteStatusCode(int rc);

// "registration store 'PATH': WHAT: SQLite's message", with the code above.
absl::Status SqliteError(absl::string_view path, const SqliteConnection& c,
                         int rc, absl::string_view what);

// A column as text ("" for NULL); valid until the next step or reset.
absl::string_view ColumnText(sqlite3_stmt* stmt, int column);

// Binds `text` without copying: it must outlive the statement's reset.
void BindText(sqlite3_stmt* stmt, int index, absl::string_view text);

// The cached statement for `sql` (a string constant), prepared on first use.
absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view path,
                                      SqliteConnection& c, const char* sql);

// Runs `sql` (any number of statements, no result rows wanted).
absl::Status Exec(absl::string_view path, SqliteConnection& c, const char* sql,
                  absl::string_view what);

// Runs a one-row query, uncached; returns its first column as an integer and,
// when `text` is not null, as text.
absl::StatusOr<int64_t> QueryOne(absl::string_view path, SqliteConnection& c,
                                 const char* sql, absl::string_view what,
                                 std::string* text = nullptr);

// Resets a cached statement when leaving scope, so that it holds no read
// lock and no pointers to bound strings.
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

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_SQLITE_CONNECTION_H_
