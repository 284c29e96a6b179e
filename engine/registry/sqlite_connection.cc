#include "engine/registry/sqlite_connection.h"

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace chaintrust {
namespace internal {

absl::StatusCode SqliteStatusCode(int rc) {
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

absl::Status SqliteError(absl::string_view path, const SqliteConnection& c,
                         int rc, absl::string_view what) {
  return absl::Status(
      SqliteStatusCode(rc),
      absl::StrCat(
          "registration store '", path, "': ", what, ": ",
          c.db != nullptr ? sqlite3_errmsg(c.db) : sqlite3_errstr(rc)));
}

absl::string_view ColumnText(sqlite3_stmt* stmt, int column) {
  const unsigned char* text = sqlite3_column_text(stmt, column);
  if (text == nullptr) return absl::string_view();
  return absl::string_view(reinterpret_cast<const char*>(text),
                           sqlite3_column_bytes(stmt, column));
}

void BindText(sqlite3_stmt* stmt, int index, absl::string_view text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                    SQLITE_STATIC);
}

absl::StatusOr<sqlite3_stmt*> Prepare(absl::string_view path,
                                      SqliteConnection& c, const char* sql) {
  auto it = c.statements.find(sql);
  if (it != c.statements.end()) return it->second.get();
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(c.db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return SqliteError(path, c, rc, "preparing SQL");
  }
  c.statements[sql].reset(stmt);
  return stmt;
}

absl::Status Exec(absl::string_view path, SqliteConnection& c, const char* sql,
                  absl::string_view what) {
  const int rc = sqlite3_exec(c.db, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(path, c, rc, what);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> QueryOne(absl::string_view path, SqliteConnection& c,
                                 const char* sql, absl::string_view what,
                                 std::string* text) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(c.db, sql, -1, &stmt, nullptr);
  std::unique_ptr<sqlite3_stmt, SqliteConnection::StmtDeleter> owned(stmt);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) return SqliteError(path, c, rc, what);
  if (text != nullptr) *text = std::string(ColumnText(stmt, 0));
  return sqlite3_column_int64(stmt, 0);
}

}  // namespace internal
}  // namespace chaintrust
