// PostgresRegistrationStore as the replicas' EnrollmentSetStore.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "engine/internal/status_macros.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/postgres_connection.h"
#include "engine/registry/postgres_registration_store.h"
#include "engine/registry/postgres_schema.h"

namespace chaintrust {

namespace sql = internal::postgres_sql;
using internal::PgInt64;
using internal::PgResult;
using internal::PgRows;
using internal::PgValue;

absl::StatusOr<int64_t> PostgresRegistrationStore::PutEnrollmentSet(
    absl::string_view body, absl::Time at,
    std::optional<int64_t> expected_version) {
  if (read_only()) return ReadOnlyError();
  const std::string hex = absl::StrCat("\\x", absl::BytesToHexString(body));
  int64_t version = 0;
  internal::AnnotatedMutexLock lock(&writer_mu_);
  RETURN_IF_ERROR(RunTransaction(writer_, [&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(
        std::vector<PgResult> read,
        c.Pipeline({{sql::kBeginSql, {}},
                    {sql::kEnsureEnrollmentSetSql, {}},
                    {sql::kLockEnrollmentSetSql, {}}},
                   /*commits=*/false, "locking the enrollment set"));
    int64_t current = 0;
    if (PgRows(read[2].get()) != 1 || !PgInt64(read[2].get(), 0, 0, &current)) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': unreadable enrollment set"));
    }
    if (expected_version.has_value() && *expected_version != current) {
      return absl::FailedPreconditionError(absl::StrCat(
          "registration store '", display_,
          "': the enrollment set is at "
          "version ",
          current, ", not ", *expected_version,
          " (changed by another writer; reload and apply the change again)"));
    }
    version = current + 1;
    return c
        .Pipeline({{sql::kWriteEnrollmentSetSql,
                    {absl::StrCat(version), hex,
                     absl::StrCat(absl::ToUnixMicros(at))}},
                   {sql::kCommitSql, {}}},
                  /*commits=*/true, "writing the enrollment set")
        .status();
  }));
  return version;
}

absl::StatusOr<StoredEnrollmentSet>
PostgresRegistrationStore::GetEnrollmentSet() {
  absl::StatusOr<StoredEnrollmentSet> set;
  RETURN_IF_ERROR(RunRead([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(PgResult result, c.Exec(sql::kReadEnrollmentSetSql,
                                             "reading the enrollment set"));
    if (PgRows(result.get()) == 0) {
      set = absl::NotFoundError(absl::StrCat("registration store '", display_,
                                             "' holds no enrollment set"));
      return absl::OkStatus();
    }
    StoredEnrollmentSet stored;
    int64_t updated_us = 0;
    absl::string_view hex = PgValue(result.get(), 0, 1);
    if (!PgInt64(result.get(), 0, 0, &stored.version) ||
        !PgInt64(result.get(), 0, 2, &updated_us) ||
        !absl::ConsumePrefix(&hex, "\\x") || hex.size() % 2 != 0) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': unreadable enrollment set"));
    }
    stored.body = absl::HexStringToBytes(hex);
    stored.updated = absl::FromUnixMicros(updated_us);
    set = std::move(stored);
    return absl::OkStatus();
  }));
  return set;
}

absl::StatusOr<int64_t> PostgresRegistrationStore::EnrollmentSetVersion() {
  int64_t version = 0;
  RETURN_IF_ERROR(RunRead([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(PgResult result, c.Exec(sql::kEnrollmentSetVersionSql,
                                             "reading the enrollment set "
                                             "version"));
    version = 0;
    if (PgRows(result.get()) == 1 && !PgInt64(result.get(), 0, 0, &version)) {
      return absl::DataLossError(absl::StrCat("registration store '", display_,
                                              "': unreadable enrollment set"));
    }
    return absl::OkStatus();
  }));
  return version;
}

}  // namespace chaintrust
