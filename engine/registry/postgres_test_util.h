// Tests over a real PostgreSQL server. The server is named by the
// environment variable CHAINTRUST_TEST_POSTGRES_URI (.ci/run starts one and
// passes it with --test_env); without it these tests skip.
#ifndef CHAINTRUST_ENGINE_REGISTRY_POSTGRES_TEST_UTIL_H_
#define CHAINTRUST_ENGINE_REGISTRY_POSTGRES_TEST_UTIL_H_

#include <memory>
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

// A PostgreSQL server of a test's own, for tests that stop, restart or
// reconfigure it: initdb into a new directory under /tmp (readable by the
// server's user), a free loopback port, password authentication over TCP
// (user "postgres", password Password()). As root the server runs as the
// OS user "postgres" (runuser), since PostgreSQL refuses to run as root.
class PrivateServer {
 public:
  // Why no private server can run here (no initdb found, root without a
  // "postgres" user), or nullopt. The binaries are looked for in
  // $CHAINTRUST_TEST_POSTGRES_BINDIR, then /usr/lib/postgresql/*/bin.
  static std::optional<std::string> Unsupported();

  // initdb and start; the error says what failed (with the server log).
  static absl::StatusOr<std::unique_ptr<PrivateServer>> Start();
  ~PrivateServer();  // stops the server (immediate) and removes its files

  // postgresql://postgres:PASSWORD@127.0.0.1:PORT/postgres
  std::string Uri() const;
  static std::string Password() { return "chaintrust-test-pw"; }
  int port() const { return port_; }

  // pg_ctl stop -m `mode` ("fast", "immediate"), and start again.
  absl::Status Stop(absl::string_view mode);
  absl::Status Restart();

 private:
  PrivateServer() = default;
  absl::Status PgCtl(absl::string_view args) const;

  std::string bindir_;
  std::string dir_;  // holds data/, the socket and the log
  int port_ = 0;
  bool running_ = false;
};

}  // namespace testing_postgres
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_POSTGRES_TEST_UTIL_H_
