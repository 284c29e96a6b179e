#include "engine/registry/postgres_test_util.h"

#include <postgresql/libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace chaintrust {
namespace testing_postgres {

std::optional<std::string> ServerUri() {
  const char* uri = std::getenv(kUriVariable);
  if (uri == nullptr || *uri == '\0') return std::nullopt;
  return std::string(uri);
}

std::string WithParameter(absl::string_view uri, absl::string_view name,
                          absl::string_view value) {
  return absl::StrCat(uri, absl::StrContains(uri, "?") ? "&" : "?", name, "=",
                      value);
}

absl::StatusOr<std::string> RunSql(absl::string_view uri,
                                   absl::string_view sql) {
  const std::string conninfo(uri);
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("connecting: ", message));
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(conn, std::string(sql).c_str());
  const ExecStatusType status = PQresultStatus(result);
  absl::StatusOr<std::string> out;
  if (status == PGRES_TUPLES_OK) {
    out = PQntuples(result) > 0 ? std::string(PQgetvalue(result, 0, 0)) : "";
  } else if (status == PGRES_COMMAND_OK) {
    out = std::string();
  } else {
    out = absl::InternalError(
        absl::StrCat(sql, ": ", PQresultErrorMessage(result)));
  }
  PQclear(result);
  PQfinish(conn);
  return out;
}

absl::StatusOr<std::string> FreshSchemaUri(absl::string_view uri) {
  static std::atomic<int> counter{0};
  const std::string schema =
      absl::StrCat("t_", getpid(), "_", counter++, "_",
                   absl::ToUnixMicros(absl::Now()) % 1000000000);
  absl::StatusOr<std::string> created =
      RunSql(uri, absl::StrCat("CREATE SCHEMA ", schema));
  if (!created.ok()) return created.status();
  return WithParameter(uri, "options",
                       absl::StrCat("-csearch_path%3D", schema));
}

}  // namespace testing_postgres
}  // namespace chaintrust
