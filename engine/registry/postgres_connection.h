// Private to the PostgreSQL registration store: one libpq connection, its
// results, and how server errors become absl::Status codes.
#ifndef CHAINTRUST_ENGINE_REGISTRY_POSTGRES_CONNECTION_H_
#define CHAINTRUST_ENGINE_REGISTRY_POSTGRES_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// libpq's types, declared here so that users of this header need not see
// <postgresql/libpq-fe.h>.
typedef struct pg_conn PGconn;
typedef struct pg_result PGresult;

namespace chaintrust {
namespace internal {

// `location` with any password replaced by "***" (in the user-info part
// and in a password= parameter), for error messages and logs.
std::string RedactPostgresUri(absl::string_view location);

// A PostgreSQL text-format array literal of `values`: {"a","b\"c"}.
std::string PgTextArray(const std::vector<std::string>& values);
std::string PgInt64Array(const std::vector<int64_t>& values);

struct PgResultDeleter {
  void operator()(PGresult* result) const;
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Reads the text value of row `row`, column `column` of `result`.
absl::string_view PgValue(const PGresult* result, int row, int column);
int PgRows(const PGresult* result);
// The value as a decimal int64; false when it is not one.
bool PgInt64(const PGresult* result, int row, int column, int64_t* value);

class PgConnection {
 public:
  // Connects to `uri` (a libpq connection URI). `display` names the store in
  // errors (the URI without its password). A connection refused or lost is
  // Unavailable, failed authentication PermissionDenied, an unknown
  // database NotFound, a URI libpq cannot parse InvalidArgument.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(
      const std::string& uri, const std::string& display,
      absl::Duration connect_timeout);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs `sql` with text parameters (nullopt for NULL); returns the result
  // of a command or query that succeeded, or the error (see ErrorStatus).
  // `sql` may hold several statements only without parameters.
  absl::StatusOr<PgResult> Exec(
      absl::string_view sql,
      const std::vector<std::optional<std::string>>& params,
      absl::string_view what);
  absl::StatusOr<PgResult> Exec(absl::string_view sql, absl::string_view what) {
    return Exec(sql, {}, what);
  }

  // Sends `statements` in one pipeline (one round trip, libpq pipeline
  // mode) and returns their results in order, or the first error. After an
  // error the later statements are skipped by the server; an open
  // transaction is then in the failed state (RollbackIfInTransaction).
  // `commits` marks a pipeline that ends in COMMIT (see commit_sent()).
  struct Statement {
    const char* sql;
    std::vector<std::optional<std::string>> params;
  };
  absl::StatusOr<std::vector<PgResult>> Pipeline(
      const std::vector<Statement>& statements, bool commits,
      absl::string_view what);

  // COMMIT of the open transaction. Until it is sent, a transaction that
  // fails has changed nothing, even when the connection broke; after, a
  // broken connection leaves its outcome unknown. commit_sent() says which.
  absl::Status Commit(absl::string_view what);
  bool commit_sent() const { return commit_sent_; }
  // Starts tracking a new transaction (commit_sent() false).
  void StartTracking() { commit_sent_ = false; }

  // False once the server closed the connection or it broke: the owner
  // drops it and connects again.
  bool healthy() const;
  // Sends ROLLBACK when a transaction is open or failed (best effort).
  void RollbackIfInTransaction();

 private:
  PgConnection(PGconn* conn, std::string display)
      : conn_(conn), display_(std::move(display)) {}
  absl::Status ErrorStatus(const PGresult* result,
                           absl::string_view what) const;
  absl::StatusOr<std::vector<PgResult>> RunPipeline(
      const std::vector<Statement>& statements, absl::string_view what);

  PGconn* conn_;
  const std::string display_;
  bool commit_sent_ = false;
  bool poisoned_ = false;
};

// The SQLSTATE of serialization failures and deadlocks: the transaction was
// rolled back and may be retried. Statuses built from them are Aborted and
// carry the SQLSTATE in their message.
bool IsRetryableTransactionError(const absl::Status& status);

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_POSTGRES_CONNECTION_H_
