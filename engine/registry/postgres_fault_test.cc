// The PostgreSQL store when things go wrong, over a server of the test's
// own (PrivateServer): the server stopped mid-stream and started again, a
// connection killed from the server side, a statement timeout, bad URIs
// and a wrong password, and processes racing for the last quota slots.
#include <postgresql/libpq-fe.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/policy/enrollment_set.h"
#include "engine/provisioner.h"
#include "engine/registration_store.h"
#include "engine/registry/postgres_registration_store.h"
#include "engine/registry/postgres_test_util.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_postgres::PrivateServer;

const absl::Time kT0 = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));

RegistrationRecord Record(absl::string_view id) {
  RegistrationRecord record;
  record.registration_id = std::string(id);
  record.device_id = std::string(id);
  record.enrollment_kind = RegistrationEnrollmentKind::kGroup;
  record.enrollment_id = "g";
  record.last_updated = kT0;
  return record;
}

// One private server for every test of this file (they run one by one).
PrivateServer* g_server = nullptr;
std::string g_writer;  // the postgres_quota_writer binary

class PostgresFaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (PrivateServer::Unsupported().has_value() || g_server != nullptr) {
      return;
    }
    auto server = PrivateServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    g_server = server->release();
  }
  static void TearDownTestSuite() {
    delete g_server;
    g_server = nullptr;
  }
  void SetUp() override {
    if (auto reason = PrivateServer::Unsupported()) GTEST_SKIP() << *reason;
    ASSERT_NE(g_server, nullptr);
    auto uri = testing_postgres::FreshSchemaUri(g_server->Uri());
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
  }

  std::unique_ptr<PostgresRegistrationStore> MustOpen(
      PostgresRegistrationStoreOptions options = {}) {
    options.create_if_missing = true;
    auto store = PostgresRegistrationStore::Open(uri_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::string uri_;
};

// Writers keep registering while the server is stopped with -m immediate
// (no checkpoint, as in a crash) and started again: registrations in
// flight fail with a retry hint, the store reconnects by itself, and every
// acknowledged registration is there afterwards.
TEST_F(PostgresFaultTest, ServerStoppedMidStreamAndStartedAgain) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  internal::AnnotatedMutex mu;
  std::vector<std::string> acknowledged;
  std::vector<absl::Status> failures;
  std::atomic<bool> stop{false};
  std::atomic<int> acks_after_restart{0};
  std::atomic<bool> restarted{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const std::string id = absl::StrCat("dev-", t, "-", i);
        auto result = store->Register(Record(id));
        internal::AnnotatedMutexLock lock(&mu);
        if (result.ok()) {
          acknowledged.push_back(id);
          if (restarted) ++acks_after_restart;
        } else {
          failures.push_back(result.status());
        }
        if (!result.ok()) absl::SleepFor(absl::Milliseconds(20));
      }
    });
  }
  auto wait_for = [&](auto done) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (!done() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    return done();
  };
  EXPECT_TRUE(wait_for([&] {
    internal::AnnotatedMutexLock lock(&mu);
    return acknowledged.size() >= 200;
  }));
  ASSERT_TRUE(g_server->Stop("immediate").ok());
  absl::SleepFor(absl::Milliseconds(300));
  ASSERT_TRUE(g_server->Restart().ok());
  restarted = true;
  EXPECT_TRUE(wait_for([&] { return acks_after_restart >= 100; }))
      << "the store did not reconnect";
  stop = true;
  for (std::thread& writer : writers) writer.join();

  ASSERT_FALSE(failures.empty()) << "no registration saw the stop";
  for (const absl::Status& status : failures) {
    EXPECT_THAT(status.code(),
                ::testing::AnyOf(absl::StatusCode::kUnavailable,
                                 absl::StatusCode::kDeadlineExceeded))
        << status;
    EXPECT_THAT(std::string(status.message()), HasSubstr("retry later"));
  }
  auto count = store->Count();
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_GE(*count, static_cast<int64_t>(acknowledged.size()));
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE(store->Get(id).ok()) << id << " acknowledged but lost";
  }
  EXPECT_TRUE(store->CheckIntegrity().ok()) << store->CheckIntegrity();
}

// A front-end over a store whose server is down answers DENY THROTTLED
// with its retry-after, and ALLOW once the server is back.
TEST_F(PostgresFaultTest, ProvisionerOverStoppedServerIsDenyThrottled) {
  const internal::TestCert root = internal::MintRoot("Root");
  Engine engine;
  {
    EnrollmentSnapshot::Builder builder;
    EnrollmentGroupSpec group;
    group.group_id = "g";
    group.kind = AttestationKind::kX509;
    group.primary_certificate.text = root.Base64Der();
    builder.AddEnrollmentGroup(std::move(group));
    auto snapshot = std::move(builder).Build();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    engine.SetSnapshot(*std::move(snapshot));
  }
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  ProvisionerOptions options;
  options.store_error_retry_after = absl::Seconds(7);
  Provisioner provisioner(store.get(), nullptr, options);
  auto evaluator = engine.NewEvaluator();
  const internal::TestCert leaf = internal::MintLeaf("dev-1", root);
  Attestation attestation;
  attestation.chain = {leaf.der};
  attestation.at = kT0;

  ASSERT_TRUE(g_server->Stop("immediate").ok());
  Decision denied;
  const absl::Status status =
      provisioner.Provision(*evaluator, attestation, &denied);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_EQ(denied.reason(), Reason::kThrottled) << RenderText(denied);
  EXPECT_EQ(denied.retry_after(), absl::Seconds(7));
  ASSERT_TRUE(g_server->Restart().ok());

  Decision allowed;
  EXPECT_TRUE(provisioner.Provision(*evaluator, attestation, &allowed).ok());
  EXPECT_TRUE(allowed.allowed()) << RenderText(allowed);
  EXPECT_TRUE(store->Get("dev-1").ok());
}

// The server terminates the store's connections (pg_terminate_backend):
// the next operations reconnect without failing, since nothing was in
// flight.
TEST_F(PostgresFaultTest, ConnectionKilledFromServerSide) {
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Register(Record("before")).ok());
  ASSERT_TRUE(store->Count().ok());
  auto killed = testing_postgres::RunSql(
      g_server->Uri(),
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE application_name = 'chaintrust' AND pid <> pg_backend_pid()");
  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_EQ(*killed, "2");  // the writer and the reader
  absl::SleepFor(absl::Milliseconds(100));
  auto result = store->Register(Record("after"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, RegisterOutcome::kCreated);
  EXPECT_EQ(result->registration_count, 2);
  auto count = store->Count();
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(*count, 2);
}

// Another session holds the counter row: a registration waits at most the
// statement timeout, fails with DeadlineExceeded and a retry hint, writes
// nothing, and succeeds once the row is free.
TEST_F(PostgresFaultTest, StatementTimeout) {
  PostgresRegistrationStoreOptions options;
  options.statement_timeout = absl::Milliseconds(300);
  auto store = MustOpen(options);
  ASSERT_NE(store, nullptr);
  PGconn* other = PQconnectdb(uri_.c_str());
  ASSERT_EQ(PQstatus(other), CONNECTION_OK) << PQerrorMessage(other);
  PGresult* locked = PQexec(
      other, "BEGIN; SELECT * FROM chaintrust_meta WHERE id = 1 FOR UPDATE");
  ASSERT_EQ(PQresultStatus(locked), PGRES_TUPLES_OK)
      << PQresultErrorMessage(locked);
  PQclear(locked);

  const absl::Time start = absl::Now();
  auto result = store->Register(Record("dev-1"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded)
      << result.status();
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("statement timeout"));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("retry"));

  PQclear(PQexec(other, "ROLLBACK"));
  PQfinish(other);
  EXPECT_EQ(store->Get("dev-1").status().code(), absl::StatusCode::kNotFound);
  auto retried = store->Register(Record("dev-1"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->outcome, RegisterOutcome::kCreated);
}

// Clear errors that never show the password.
TEST_F(PostgresFaultTest, BadUriAndWrongPassword) {
  RegistrationStoreOpenOptions options;
  options.create_if_missing = true;
  const std::string wrong = absl::StrReplaceAll(
      g_server->Uri(), {{PrivateServer::Password(), "not-the-password"}});
  auto refused = OpenRegistrationStore(wrong, options);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied)
      << refused.status();
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("password authentication failed"));
  EXPECT_THAT(std::string(refused.status().message()),
              Not(HasSubstr("not-the-password")));

  const std::string no_db =
      absl::StrCat("postgresql://postgres:", PrivateServer::Password(),
                   "@127.0.0.1:", g_server->port(), "/no_such_db");
  EXPECT_EQ(OpenRegistrationStore(no_db, options).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(OpenRegistrationStore("postgresql://127.0.0.1:99999999/x", options)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  // A database without a store is refused unless asked to create one.
  RegistrationStoreOpenOptions existing;
  auto empty = OpenRegistrationStore(uri_, existing);
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(empty.status().message()),
              HasSubstr("holds no registration store"));
}

// A schema newer than the binary is refused with a clear message; an
// older one is migrated on open.
TEST_F(PostgresFaultTest, SchemaVersions) {
  { ASSERT_NE(MustOpen(), nullptr); }
  auto version = testing_postgres::RunSql(
      uri_, "SELECT version FROM chaintrust_schema WHERE id = 1");
  ASSERT_TRUE(version.ok()) << version.status();
  EXPECT_EQ(*version, absl::StrCat(PostgresRegistrationStore::kSchemaVersion));

  ASSERT_TRUE(
      testing_postgres::RunSql(uri_,
                               "DROP TABLE chaintrust_enrollment_set; UPDATE "
                               "chaintrust_schema SET version = 1")
          .ok());
  { ASSERT_NE(MustOpen(), nullptr); }
  EXPECT_EQ(*testing_postgres::RunSql(uri_,
                                      "SELECT version FROM "
                                      "chaintrust_schema"),
            absl::StrCat(PostgresRegistrationStore::kSchemaVersion));
  EXPECT_TRUE(testing_postgres::RunSql(
                  uri_, "SELECT count(*) FROM chaintrust_enrollment_set")
                  .ok());

  ASSERT_TRUE(testing_postgres::RunSql(
                  uri_, "UPDATE chaintrust_schema SET version = 99")
                  .ok());
  for (bool read_only : {false, true}) {
    PostgresRegistrationStoreOptions options;
    options.read_only = read_only;
    auto refused = PostgresRegistrationStore::Open(uri_, options);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(refused.status().message()),
                HasSubstr("schema version 99 is newer than this binary's"));
  }

  // A negative version is no version this binary wrote: refused, not
  // migrated from.
  ASSERT_TRUE(testing_postgres::RunSql(
                  uri_, "UPDATE chaintrust_schema SET version = -1")
                  .ok());
  for (bool read_only : {false, true}) {
    PostgresRegistrationStoreOptions options;
    options.read_only = read_only;
    auto refused = PostgresRegistrationStore::Open(uri_, options);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(refused.status().message()),
                HasSubstr("schema version -1 is not valid"));
  }
}

// 4 processes x 8 threads race for the last 100 slots of the quota:
// exactly 100 are created.
TEST_F(PostgresFaultTest, ProcessesRaceForTheLastQuotaSlots) {
  constexpr int64_t kQuota = 1000;
  constexpr int kPrefilled = 900;
  {
    auto store = MustOpen();
    ASSERT_NE(store, nullptr);
    std::vector<std::thread> fillers;
    for (int t = 0; t < 10; ++t) {
      fillers.emplace_back([&, t] {
        for (int i = 0; i < kPrefilled / 10; ++i) {
          ASSERT_TRUE(
              store->Register(Record(absl::StrCat("old-", t, "-", i))).ok());
        }
      });
    }
    for (std::thread& filler : fillers) filler.join();
    ASSERT_EQ(*store->Count(), kPrefilled);
  }
  std::vector<FILE*> processes;
  for (int p = 0; p < 4; ++p) {
    const std::string command =
        absl::StrCat(g_writer, " '", uri_, "' p", p, " 8 10 ", kQuota);
    FILE* process = popen(command.c_str(), "r");
    ASSERT_NE(process, nullptr);
    processes.push_back(process);
  }
  int created = 0, refused = 0, errors = 0;
  for (FILE* process : processes) {
    char line[256] = {};
    const bool read = std::fgets(line, sizeof(line), process) != nullptr;
    EXPECT_EQ(pclose(process), 0);
    ASSERT_TRUE(read);
    int c = 0, r = 0, e = 0;
    ASSERT_EQ(std::sscanf(line, "created %d refused %d errors %d", &c, &r, &e),
              3)
        << line;
    created += c;
    refused += r;
    errors += e;
  }
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(created, kQuota - kPrefilled);
  EXPECT_EQ(refused, 4 * 8 * 10 - (kQuota - kPrefilled));
  auto store = MustOpen();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->Count(), kQuota);
  EXPECT_TRUE(store->CheckIntegrity().ok()) << store->CheckIntegrity();
}

}  // namespace
}  // namespace chaintrust

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--writer=")) {
      chaintrust::g_writer = std::string(arg);
    }
  }
  return RUN_ALL_TESTS();
}
