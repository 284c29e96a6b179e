// What only the SQLite store has to show: durability across reopen and
// SIGKILL, open errors, WAL, the quota across connections, count repair.
// The shared semantics are in registration_store_test.cc.
#include "engine/registry/sqlite_registration_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "engine/registry/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;

// Set by main() from --writer=: the kill test's child program.
std::string* writer_path = nullptr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::string TempPath(absl::string_view name) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", getpid(),
                      "-", counter++, ".db");
}

RegistrationRecord Record(absl::string_view id, absl::string_view group) {
  RegistrationRecord record;
  record.registration_id = std::string(id);
  record.device_id = std::string(id);
  record.enrollment_kind = RegistrationEnrollmentKind::kGroup;
  record.enrollment_id = std::string(group);
  record.last_updated = kT0;
  return record;
}

SqliteRegistrationStoreOptions Creating() {
  SqliteRegistrationStoreOptions options;
  options.create_if_missing = true;
  return options;
}

std::unique_ptr<SqliteRegistrationStore> MustOpen(const std::string& path) {
  auto store = SqliteRegistrationStore::Open(path, Creating());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Runs `sql` on a separate raw connection, as another tool would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::string RawQuery(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST(SqliteRegistrationStoreTest, ReopenKeepsRecordsCountAndEtags) {
  const std::string path = TempPath("reopen");
  std::vector<RegistrationRecord> stored;
  {
    auto store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) {
      auto result = store->Register(Record(absl::StrCat("dev-", i), "g"));
      ASSERT_TRUE(result.ok()) << result.status();
      stored.push_back(result->record);
    }
  }
  auto store = MustOpen(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->Count(), 20);
  for (const RegistrationRecord& record : stored) {
    EXPECT_EQ(*store->Get(record.registration_id), record);
  }
  // The etag sequence continues: no etag repeats after reopening.
  auto again = store->Register(Record("dev-0", "g"));
  ASSERT_TRUE(again.ok());
  for (const RegistrationRecord& record : stored) {
    EXPECT_NE(again->record.etag, record.etag);
  }
  EXPECT_TRUE(store->CheckIntegrity().ok());
  EXPECT_EQ(RawQuery(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawQuery(path, "PRAGMA user_version"),
            absl::StrCat(SqliteRegistrationStore::kSchemaVersion));
}

TEST(SqliteRegistrationStoreTest, OpenErrorsNameThePath) {
  const std::string missing_dir = TempPath("no-such-dir") + "/store.db";
  auto store = SqliteRegistrationStore::Open(missing_dir, Creating());
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(missing_dir));

  const std::string garbage = TempPath("garbage");
  std::ofstream(garbage) << std::string(8192, 'x');
  store = SqliteRegistrationStore::Open(garbage);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(store.status().message()), HasSubstr(garbage));

  const std::string other = TempPath("other-db");
  RawExec(other, "CREATE TABLE unrelated (x INTEGER)");
  store = SqliteRegistrationStore::Open(other);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("not a registration store"));

  const std::string newer = TempPath("newer");
  MustOpen(newer);
  RawExec(newer, "PRAGMA user_version = 99");
  store = SqliteRegistrationStore::Open(newer);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("schema version 99 is newer than this binary's (1)"));

  const std::string negative = TempPath("negative");
  MustOpen(negative);
  RawExec(negative, "PRAGMA user_version = -1");
  for (bool read_only : {false, true}) {
    SqliteRegistrationStoreOptions options;
    options.read_only = read_only;
    store = SqliteRegistrationStore::Open(negative, options);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(store.status().message()),
                HasSubstr("schema version -1 is not valid"));
  }

  SqliteRegistrationStoreOptions bad;
  bad.max_batch_size = 0;
  EXPECT_EQ(SqliteRegistrationStore::Open(TempPath("bad"), bad).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SqliteRegistrationStoreTest, CountIsRepairedAfterForeignDeletes) {
  const std::string path = TempPath("repair");
  {
    auto store = MustOpen(path);
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(store->Register(Record(absl::StrCat("dev-", i), "g")).ok());
    }
  }
  RawExec(path, "DELETE FROM registrations WHERE id_key = 'dev-3'");
  auto store = MustOpen(path);
  EXPECT_EQ(*store->Count(), 4);
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

TEST(SqliteRegistrationStoreTest, CheckIntegrityReportsABadCount) {
  const std::string path = TempPath("badcount");
  auto store = MustOpen(path);
  ASSERT_TRUE(store->Register(Record("dev", "g")).ok());
  RawExec(path, "UPDATE meta SET registration_count = 7");
  const absl::Status status = store->CheckIntegrity();
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("stored count 7"));
}

// Two stores on one file (as two processes would have) and 4 threads on
// each: the quota holds across connections because the check runs inside
// each write transaction. Runs under TSAN.
TEST(SqliteRegistrationStoreTest, QuotaIsAtomicAcrossConnections) {
  const std::string path = TempPath("two-connections");
  auto first = MustOpen(path);
  auto second = MustOpen(path);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  constexpr int64_t kQuota = 50;
  std::atomic<int> created{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      SqliteRegistrationStore& store = t % 2 == 0 ? *first : *second;
      for (int i = 0; i < 20; ++i) {
        auto result = store.Register(
            Record(absl::StrCat("dev-", t, "-", i), "g"), kQuota);
        if (!result.ok()) {
          ++errors;
        } else if (result->outcome == RegisterOutcome::kCreated) {
          ++created;
        }
        // Readers run alongside the writers.
        if (i % 5 == 0) {
          if (!store.Count().ok()) ++errors;
          if (!store.List(RegistrationFilter::ByEnrollmentGroup("g")).ok()) {
            ++errors;
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), kQuota);
  EXPECT_EQ(*first->Count(), kQuota);
  EXPECT_EQ(*second->Count(), kQuota);
  EXPECT_TRUE(first->CheckIntegrity().ok());
}

// Many registrations in flight from one thread; the destructor commits
// what is still queued before it returns.
TEST(SqliteRegistrationStoreTest, RegisterAsyncCompletesEveryRequest) {
  const std::string path = TempPath("async");
  constexpr int kRequests = 500;
  constexpr int64_t kQuota = 400;
  std::atomic<int> created{0}, refused{0}, errors{0}, calls{0};
  {
    auto store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < kRequests; ++i) {
      store->RegisterAsync(
          Record(absl::StrCat("dev-", i), "g"), kQuota,
          [&](absl::StatusOr<RegisterResult> result) {
            ++calls;
            if (!result.ok()) {
              ++errors;
            } else if (result->outcome == RegisterOutcome::kCreated) {
              ++created;
            } else if (result->outcome == RegisterOutcome::kQuotaExceeded) {
              ++refused;
            }
          });
    }
    // Argument errors come through the callback.
    store->RegisterAsync(
        Record("", "g"), kQuota, [&](absl::StatusOr<RegisterResult> result) {
          EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
        });
  }
  EXPECT_EQ(calls.load(), kRequests);
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), kQuota);
  EXPECT_EQ(refused.load(), kRequests - kQuota);
  auto store = MustOpen(path);
  EXPECT_EQ(*store->Count(), kQuota);
  EXPECT_TRUE(store->Get("dev-0").ok());  // FIFO: the first ones got in
}

// RegisterAsync with a `complete` function: it sees the record the write
// replaces (none, then the stored one, then the one an earlier request of
// the same ID wrote), and what it makes of the record is what is stored
// and answered.
TEST(SqliteRegistrationStoreTest, RegisterAsyncCompletesFromPreviousRecord) {
  const std::string path = TempPath("complete");
  std::vector<std::string> seen;  // the committer thread's, read after join
  std::vector<std::string> answered;
  {
    auto store = MustOpen(path);
    ASSERT_NE(store, nullptr);
    auto complete = [&seen](const RegistrationRecord* previous,
                            RegistrationRecord* record) {
      seen.push_back(previous == nullptr ? "none" : previous->assigned_hub);
      record->assigned_hub = previous == nullptr
                                 ? "hub-1"
                                 : absl::StrCat(previous->assigned_hub, "+");
    };
    auto done = [&answered](absl::StatusOr<RegisterResult> result) {
      ASSERT_TRUE(result.ok()) << result.status();
      answered.push_back(result->record.assigned_hub);
    };
    for (int i = 0; i < 3; ++i) {
      store->RegisterAsync(Record("Dev-A", "g"), kDefaultMaxRegistrations,
                           complete, done);
    }
    // Argument errors reach `done` without calling `complete`.
    store->RegisterAsync(Record("", "g"), kDefaultMaxRegistrations, complete,
                         [](absl::StatusOr<RegisterResult> result) {
                           EXPECT_EQ(result.status().code(),
                                     absl::StatusCode::kInvalidArgument);
                         });
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("none", "hub-1", "hub-1+"));
  EXPECT_THAT(answered, ::testing::ElementsAre("hub-1", "hub-1+", "hub-1++"));
  auto store = MustOpen(path);
  auto stored = store->Get("dev-a");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->assigned_hub, "hub-1++");
  EXPECT_EQ(*store->Count(), 1);
}

// Reads lines from `fd` until `min_lines` complete lines arrived or EOF.
// Returns everything read so far.
std::string ReadLines(int fd, std::string data, int min_lines) {
  char buffer[4096];
  while (std::count(data.begin(), data.end(), '\n') < min_lines) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buffer, n);
  }
  return data;
}

// A writer process is SIGKILLed mid-stream. Every registration it
// acknowledged (printed after Register() returned) must be in the store,
// which must open cleanly and pass its integrity check.
TEST(SqliteRegistrationStoreTest, AcknowledgedRegistrationsSurviveSigkill) {
  ASSERT_NE(writer_path, nullptr) << "pass --writer=PATH";
  const std::string path = TempPath("kill");
  for (int round = 0; round < 2; ++round) {
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    const std::string store_arg = absl::StrCat("--store=", path);
    const std::string prefix_arg = absl::StrCat("--prefix=round", round);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      execl(writer_path->c_str(), writer_path->c_str(), store_arg.c_str(),
            prefix_arg.c_str(), "--threads=4", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(pipe_fds[1]);
    // Kill at a different point each round.
    std::string output = ReadLines(pipe_fds[0], "", 200 + 150 * round);
    ASSERT_EQ(kill(child, SIGKILL), 0);
    // Lines written before the kill are still in the pipe: read to EOF.
    output = ReadLines(pipe_fds[0], std::move(output), 1 << 30);
    close(pipe_fds[0]);
    int wait_status = 0;
    ASSERT_EQ(waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status))
        << "the writer ended before the kill, status " << wait_status;
    EXPECT_EQ(WTERMSIG(wait_status), SIGKILL);

    std::vector<std::string> acknowledged =
        absl::StrSplit(output, '\n', absl::SkipEmpty());
    ASSERT_GE(acknowledged.size(), 200u + 150u * round);
    auto store = SqliteRegistrationStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_TRUE((*store)->CheckIntegrity().ok()) << (*store)->CheckIntegrity();
    EXPECT_EQ(RawQuery(path, "PRAGMA integrity_check"), "ok");
    int missing = 0;
    for (const std::string& id : acknowledged) {
      ASSERT_TRUE(absl::StartsWith(id, absl::StrCat("round", round, "-")))
          << id;
      if (!(*store)->Get(id).ok()) ++missing;
    }
    EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged";
    const auto count = (*store)->Count();
    ASSERT_TRUE(count.ok());
    EXPECT_GE(*count, static_cast<int64_t>(acknowledged.size()));
  }
}

}  // namespace
}  // namespace chaintrust

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--writer=")) {
      chaintrust::writer_path = new std::string(arg);
    }
  }
  return RUN_ALL_TESTS();
}
