// Tests over a real PostgreSQL server. The server is named by the
// environment variable CHAINTRUST_TEST_POSTGRES_URI (.ci/run starts one and
// passes it with --test_env); without it these tests skip.
#ifndef CHAINTRUST_ENGINE_REGISTRY_POSTGRES_TEST_UTIL_H_
#define CHAINTRUST_ENGINE_REGISTRY_POSTGRES_TEST_UTIL_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chaintrust {
namespace testing_postgres {

inline constexpr char kUriVariable[] = "CHAINTRUST_TEST_POSTGRES_URI";
// Why a test skips when the variable is unset.
inline constexpr char kSkipMessage[] =
    "CHAINTRUST_TEST_POSTGRES_URI is not set: no PostgreSQL server for this "
    "test (.ci/run starts one; see the README, \"Registrations in "
    "PostgreSQL\")";

// The server's URI, or nullopt when the variable is unset or empty.
std::optional<std::string> ServerUri();

// `uri` with `name=value` added to its query string.
std::string WithParameter(absl::string_view uri, absl::string_view name,
                          absl::string_view value);

// Creates a new, empty schema on the server at `uri` and returns a URI
// whose sessions use it (search_path), so that every test gets a store of
// its own in one database.
absl::StatusOr<std::string> FreshSchemaUri(absl::string_view uri);

// Runs `sql` on the server at `uri` (a new connection); the first column of
// the first row, or "" when there is none.
absl::StatusOr<std::string> RunSql(absl::string_view uri,
                                   absl::string_view sql);

}  // namespace testing_postgres
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_POSTGRES_TEST_UTIL_H_
