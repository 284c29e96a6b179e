#include "engine/registry/postgres_connection.h"

#include <postgresql/libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"

namespace chaintrust {
namespace internal {
namespace {

// Server messages end in a newline; statuses do not.
std::string Trimmed(const char* message) {
  absl::string_view text = message != nullptr ? message : "";
  return std::string(absl::StripTrailingAsciiWhitespace(text));
}

constexpr char kRetryHint[] = "the store reconnects by itself; retry later";

}  // namespace

std::string RedactPostgresUri(absl::string_view location) {
  std::string out(location);
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = out.find_first_of("/?", start);
    const size_t at =
        out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, "***");
      }
    }
  }
  // password=... in the query string.
  size_t pos = 0;
  while ((pos = out.find("password=", pos)) != std::string::npos) {
    if (pos > 0 && out[pos - 1] != '?' && out[pos - 1] != '&') {
      pos += 9;
      continue;
    }
    const size_t value = pos + 9;
    const size_t end = out.find('&', value);
    out.replace(value, (end == std::string::npos ? out.size() : end) - value,
                "***");
    pos = value + 3;
  }
  return out;
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string PgInt64Array(const std::vector<int64_t>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

void PgResultDeleter::operator()(PGresult* result) const { PQclear(result); }

absl::string_view PgValue(const PGresult* result, int row, int column) {
  return absl::string_view(
      PQgetvalue(result, row, column),
      static_cast<size_t>(PQgetlength(result, row, column)));
}

int PgRows(const PGresult* result) { return PQntuples(result); }

bool PgInt64(const PGresult* result, int row, int column, int64_t* value) {
  return absl::SimpleAtoi(PgValue(result, row, column), value);
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(
    const std::string& uri, const std::string& display,
    absl::Duration connect_timeout) {
  const std::string timeout =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Seconds(connect_timeout)));
  // Defaults first: what the URI says overrides them (expand_dbname).
  const char* keywords[] = {"connect_timeout", "application_name", "dbname",
                            nullptr};
  const char* values[] = {timeout.c_str(), "chaintrust", uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "registration store '", display, "': out of memory connecting"));
  }
  if (PQstatus(conn) == CONNECTION_OK) {
    // Errors are read from results, never printed by libpq.
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    return std::unique_ptr<PgConnection>(new PgConnection(conn, display));
  }
  const std::string message = Trimmed(PQerrorMessage(conn));
  PQfinish(conn);
  const std::string text = absl::StrCat("registration store '", display,
                                        "': cannot connect: ", message);
  if (absl::StrContains(message, "password authentication failed") ||
      absl::StrContains(message, "no password supplied") ||
      absl::StrContains(message, "authentication failed")) {
    return absl::PermissionDeniedError(text);
  }
  if (absl::StrContains(message, "does not exist")) {
    return absl::NotFoundError(text);
  }
  if (absl::StrContains(message, "invalid URI") ||
      absl::StrContains(message, "invalid connection option") ||
      absl::StrContains(message, "invalid integer value") ||
      absl::StrContains(message, "invalid port number") ||
      absl::StrContains(message, "in URI") ||
      absl::StrContains(message, "missing \"=\"") ||
      absl::StrContains(message, "unexpected spaces") ||
      absl::StrContains(message, "invalid percent-encoded")) {
    return absl::InvalidArgumentError(text);
  }
  return absl::UnavailableError(absl::StrCat(text, " (retry later)"));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() const {
  return !poisoned_ && PQstatus(conn_) == CONNECTION_OK;
}

void PgConnection::RollbackIfInTransaction() {
  if (!healthy()) return;
  const PGTransactionStatusType state = PQtransactionStatus(conn_);
  if (state == PQTRANS_INTRANS || state == PQTRANS_INERROR) {
    PQclear(PQexec(conn_, "ROLLBACK"));
  }
}

absl::StatusOr<PgResult> PgConnection::Exec(
    absl::string_view sql,
    const std::vector<std::optional<std::string>>& params,
    absl::string_view what) {
  const std::string query(sql);
  PGresult* raw;
  if (params.empty()) {
    raw = PQexec(conn_, query.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const std::optional<std::string>& p : params) {
      values.push_back(p.has_value() ? p->c_str() : nullptr);
    }
    raw = PQexecParams(conn_, query.c_str(), static_cast<int>(params.size()),
                       nullptr, values.data(), nullptr, nullptr,
                       /*resultFormat=*/0);
  }
  PgResult result(raw);
  const ExecStatusType status =
      raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    return result;
  }
  return ErrorStatus(raw, what);
}

absl::Status PgConnection::ErrorStatus(const PGresult* result,
                                       absl::string_view what) const {
  const char* state_field = result != nullptr
                                ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                                : nullptr;
  const std::string state = state_field != nullptr ? state_field : "";
  std::string message = Trimmed(result != nullptr ? PQresultErrorMessage(result)
                                                  : PQerrorMessage(conn_));
  if (message.empty()) message = Trimmed(PQerrorMessage(conn_));
  const std::string text = absl::StrCat(
      "registration store '", display_, "': ", what, ": ", message,
      state.empty() ? "" : " (SQLSTATE ", state, state.empty() ? "" : ")");
  // Serialization failure, deadlock: rolled back, safe to run again.
  if (state == "40001" || state == "40P01") return absl::AbortedError(text);
  // The connection is gone (no SQLSTATE: the socket closed), the server is
  // shutting down or starting, or it is out of resources: try again later.
  if (!healthy() || state.empty() || absl::StartsWith(state, "08") ||
      absl::StartsWith(state, "57P") || absl::StartsWith(state, "53")) {
    return absl::UnavailableError(absl::StrCat(text, " (", kRetryHint, ")"));
  }
  if (state == "57014") {  // statement_timeout, or a cancel
    return absl::DeadlineExceededError(absl::StrCat(text, " (retry later)"));
  }
  if (state == "55P03") {  // lock_timeout
    return absl::UnavailableError(absl::StrCat(text, " (retry later)"));
  }
  if (state == "25006") return absl::FailedPreconditionError(text);
  if (absl::StartsWith(state, "28") || state == "42501") {
    return absl::PermissionDeniedError(text);
  }
  return absl::InternalError(text);
}

absl::StatusOr<std::vector<PgResult>> PgConnection::Pipeline(
    const std::vector<Statement>& statements, bool commits,
    absl::string_view what) {
  if (commits) commit_sent_ = true;
  auto results = RunPipeline(statements, what);
  // Left in pipeline mode (the connection broke, or the server answered
  // out of turn): unusable, the owner drops it.
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) poisoned_ = true;
  return results;
}

absl::StatusOr<std::vector<PgResult>> PgConnection::RunPipeline(
    const std::vector<Statement>& statements, absl::string_view what) {
  if (PQenterPipelineMode(conn_) != 1) return ErrorStatus(nullptr, what);
  for (const Statement& statement : statements) {
    std::vector<const char*> values;
    for (const std::optional<std::string>& p : statement.params) {
      values.push_back(p.has_value() ? p->c_str() : nullptr);
    }
    if (PQsendQueryParams(conn_, statement.sql, static_cast<int>(values.size()),
                          nullptr, values.data(), nullptr, nullptr, 0) != 1) {
      return ErrorStatus(nullptr, what);
    }
  }
  if (PQpipelineSync(conn_) != 1) return ErrorStatus(nullptr, what);
  std::vector<PgResult> results;
  absl::Status first_error;
  for (size_t i = 0; i < statements.size(); ++i) {
    PgResult result(PQgetResult(conn_));
    if (result == nullptr) return ErrorStatus(nullptr, what);
    const ExecStatusType status = PQresultStatus(result.get());
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      results.push_back(std::move(result));
    } else if (first_error.ok()) {
      first_error = ErrorStatus(result.get(), what);
    }
    if (!healthy()) return first_error;
    // Each statement's results end with a null result.
    PgResult end(PQgetResult(conn_));
    if (end != nullptr) return ErrorStatus(end.get(), what);
  }
  PgResult sync(PQgetResult(conn_));
  if (sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
    return first_error.ok() ? ErrorStatus(sync.get(), what) : first_error;
  }
  if (PQexitPipelineMode(conn_) != 1) return ErrorStatus(nullptr, what);
  if (!first_error.ok()) return first_error;
  return results;
}

absl::Status PgConnection::Commit(absl::string_view what) {
  commit_sent_ = true;
  return Exec("COMMIT", what).status();
}

bool IsRetryableTransactionError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted;
}

}  // namespace internal
}  // namespace chaintrust
