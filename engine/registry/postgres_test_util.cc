#include "engine/registry/postgres_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <postgresql/libpq-fe.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
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

namespace {

bool IsExecutable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

std::string FindBindir() {
  if (const char* dir = std::getenv("CHAINTRUST_TEST_POSTGRES_BINDIR")) {
    return dir;
  }
  for (int version = 20; version >= 12; --version) {
    const std::string dir =
        absl::StrCat("/usr/lib/postgresql/", version, "/bin");
    if (IsExecutable(dir + "/initdb")) return dir;
  }
  return "";
}

// As root: the command run as the OS user "postgres".
std::string AsServerUser(absl::string_view command) {
  if (geteuid() != 0) return std::string(command);
  return absl::StrCat("runuser -u postgres -- ", command);
}

absl::Status Shell(const std::string& command) {
  const int rc = std::system(command.c_str());
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("`", command, "` failed (status ", rc, ")"));
  }
  return absl::OkStatus();
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

std::optional<std::string> PrivateServer::Unsupported() {
  if (FindBindir().empty()) {
    return "no PostgreSQL server binaries (initdb) found: install "
           "postgresql-15 or set CHAINTRUST_TEST_POSTGRES_BINDIR";
  }
  if (geteuid() == 0 && getpwnam("postgres") == nullptr) {
    return "running as root and there is no OS user 'postgres' to run a "
           "PostgreSQL server as";
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<PrivateServer>> PrivateServer::Start() {
  std::unique_ptr<PrivateServer> server(new PrivateServer());
  server->bindir_ = FindBindir();
  std::string templ = "/tmp/chaintrust-pg-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError("mkdtemp failed");
  }
  server->dir_ = templ;
  const std::string pwfile = server->dir_ + "/pw";
  {
    FILE* f = std::fopen(pwfile.c_str(), "w");
    if (f == nullptr) return absl::InternalError("cannot write " + pwfile);
    std::fputs(Password().c_str(), f);
    std::fclose(f);
  }
  if (geteuid() == 0) {
    if (const passwd* pw = getpwnam("postgres")) {
      if (chown(server->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0 ||
          chown(pwfile.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return absl::InternalError("cannot chown " + server->dir_);
      }
    }
  }
  absl::Status status = Shell(AsServerUser(absl::StrCat(
      server->bindir_, "/initdb -D ", server->dir_,
      "/data -U postgres --auth-local=trust --auth-host=scram-sha-256 "
      "--pwfile=",
      pwfile, " -E UTF8 --locale=C --no-sync >", server->dir_,
      "/initdb.log 2>&1")));
  if (!status.ok()) return status;
  for (int attempt = 0; attempt < 5; ++attempt) {
    server->port_ = FreePort();
    status = server->Restart();
    if (status.ok()) return server;
  }
  return status;
}

PrivateServer::~PrivateServer() {
  if (running_) Stop("immediate").IgnoreError();
  if (!dir_.empty()) Shell("rm -rf " + dir_).IgnoreError();
}

std::string PrivateServer::Uri() const {
  return absl::StrCat("postgresql://postgres:", Password(),
                      "@127.0.0.1:", port_, "/postgres");
}

absl::Status PrivateServer::PgCtl(absl::string_view args) const {
  return Shell(
      AsServerUser(absl::StrCat(bindir_, "/pg_ctl -D ", dir_, "/data -l ", dir_,
                                "/server.log ", args, " >/dev/null 2>&1")));
}

absl::Status PrivateServer::Stop(absl::string_view mode) {
  running_ = false;
  return PgCtl(absl::StrCat("-m ", mode, " -w stop"));
}

absl::Status PrivateServer::Restart() {
  // fsync stays on: acknowledged commits must survive the immediate stop.
  absl::Status status = PgCtl(absl::StrCat(
      "-w -t 60 -o \"-p ", port_, " -k ", dir_,
      " -c listen_addresses=127.0.0.1 -c max_connections=200\" start"));
  running_ = status.ok();
  if (!status.ok()) {
    std::ifstream log(dir_ + "/server.log");
    std::stringstream text;
    text << log.rdbuf();
    return absl::InternalError(
        absl::StrCat(status.message(), "; server log:\n", text.str()));
  }
  return status;
}

}  // namespace testing_postgres
}  // namespace chaintrust
