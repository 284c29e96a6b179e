// The SQLite store fails closed: a damaged file is refused before anything
// writes to it, a read-only open writes nothing and reads a store it may
// not write, a missing or empty file is not turned into a store, and a
// failed commit reaches every registration of its batch, so that no
// registration is acknowledged without its durable record.
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/registry/sqlite_registration_store.h"
#include "engine/registry/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string TempPath(absl::string_view name) {
  static std::atomic<int> counter{0};
  return absl::StrCat(TempDir(), "/", name, "-", getpid(), "-", counter++,
                      ".db");
}

RegistrationRecord Record(absl::string_view id) {
  RegistrationRecord record;
  record.registration_id = std::string(id);
  record.device_id = std::string(id);
  record.enrollment_kind = RegistrationEnrollmentKind::kGroup;
  record.enrollment_id = "g";
  record.last_updated = kT0;
  return record;
}

SqliteRegistrationStoreOptions Creating() {
  SqliteRegistrationStoreOptions options;
  options.create_if_missing = true;
  return options;
}

SqliteRegistrationStoreOptions ReadOnly() {
  SqliteRegistrationStoreOptions options;
  options.read_only = true;
  return options;
}

// A closed store at `path` holding `n` records dev-0 ... dev-(n-1).
void MakeStore(const std::string& path, int n) {
  auto store = SqliteRegistrationStore::Open(path, Creating());
  ASSERT_TRUE(store.ok()) << store.status();
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE((*store)->Register(Record(absl::StrCat("dev-", i))).ok());
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

int64_t RawQueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  int64_t value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST(StoreFailureTest, DamagedPageIsRefusedBeforeAnyWrite) {
  const std::string path = TempPath("damaged");
  MakeStore(path, 500);  // several pages of records
  // Damage the root page of the group index: nothing but an integrity
  // check reads it before the first registration writes to it.
  const int64_t root_page =
      RawQueryInt(path,
                  "SELECT rootpage FROM sqlite_schema WHERE name = "
                  "'registrations_by_group'");
  ASSERT_GT(root_page, 1);
  std::string bytes = ReadFile(path);
  constexpr size_t kPage = 4096;
  ASSERT_GE(bytes.size(), root_page * kPage);
  for (size_t i = 0; i < kPage; ++i) {
    bytes[(root_page - 1) * kPage + i] = static_cast<char>(0xA5 ^ (i * 31));
  }
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;

  for (const auto& options : {SqliteRegistrationStoreOptions(), ReadOnly()}) {
    auto store = SqliteRegistrationStore::Open(path, options);
    ASSERT_FALSE(store.ok()) << "opened a damaged store";
    EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(std::string(store.status().message()), HasSubstr(path));
    EXPECT_THAT(std::string(store.status().message()), HasSubstr("damaged"));
  }
  EXPECT_EQ(ReadFile(path), bytes) << "a refused store was written to";
}

TEST(StoreFailureTest, ReadOnlyOpenWritesNothing) {
  const std::string path = TempPath("read-only");
  MakeStore(path, 5);
  // A stale stored count: a writable open repairs it, a read-only one must
  // not, and counts the rows instead.
  RawExec(path, "DELETE FROM registrations WHERE id_key = 'dev-3'");
  const std::string before = ReadFile(path);
  struct stat st_before;
  ASSERT_EQ(stat(path.c_str(), &st_before), 0);
  sleep(1);  // so that a write would show in the mtime
  {
    auto store = SqliteRegistrationStore::Open(path, ReadOnly());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(*(*store)->Count(), 4);
    auto records = (*store)->List(RegistrationFilter::All());
    ASSERT_TRUE(records.ok()) << records.status();
    EXPECT_EQ(records->size(), 4u);
    // Reported, not repaired.
    EXPECT_EQ((*store)->CheckIntegrity().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ((*store)->Register(Record("dev-9")).status().code(),
              absl::StatusCode::kFailedPrecondition);
    std::atomic<bool> called{false};
    (*store)->RegisterAsync(Record("dev-9"), kDefaultMaxRegistrations,
                            [&](absl::StatusOr<RegisterResult> result) {
                              EXPECT_EQ(result.status().code(),
                                        absl::StatusCode::kFailedPrecondition);
                              called = true;
                            });
    EXPECT_TRUE(called.load());
  }
  struct stat st_after;
  ASSERT_EQ(stat(path.c_str(), &st_after), 0);
  EXPECT_EQ(ReadFile(path), before);
  EXPECT_EQ(st_after.st_mtim.tv_sec, st_before.st_mtim.tv_sec);
  EXPECT_EQ(st_after.st_mtim.tv_nsec, st_before.st_mtim.tv_nsec);
}

// Lists a store in a directory made read-only, as `registrations list`
// would for an operator who may not write it. Returns the number of
// records, or -1 with `error` set; `writable` says whether a writable open
// succeeded (it must not, or permissions are not enforced).
int ListUnwritable(const std::string& path, bool* writable,
                   std::string* error) {
  *writable = SqliteRegistrationStore::Open(path).ok();
  auto store = SqliteRegistrationStore::Open(path, ReadOnly());
  if (!store.ok()) {
    *error = store.status().ToString();
    return -1;
  }
  auto records = (*store)->List(RegistrationFilter::All());
  if (!records.ok()) {
    *error = records.status().ToString();
    return -1;
  }
  return static_cast<int>(records->size());
}

TEST(StoreFailureTest, ListsAStoreItMayNotWrite) {
  // Under /tmp, which every user may traverse.
  std::string dir = "/tmp/store-failure-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/registrations.db";
  MakeStore(path, 3);
  ASSERT_NE(access((path + "-wal").c_str(), F_OK), 0);
  ASSERT_EQ(chmod(path.c_str(), 0444), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0555), 0);

  bool writable = false;
  std::string error;
  int listed = -1;
  if (geteuid() != 0) {
    listed = ListUnwritable(path, &writable, &error);
  } else {
    // Root bypasses permissions: list as nobody in a child process.
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      int code = 100;
      if (setgid(65534) == 0 && setuid(65534) == 0) {
        std::string child_error;
        bool child_writable = false;
        const int n = ListUnwritable(path, &child_writable, &child_error);
        code = child_writable ? 101 : (n < 0 ? 102 : n);
        if (write(fds[1], child_error.data(), child_error.size()) < 0) {
          code = 103;
        }
      }
      _exit(code);
    }
    close(fds[1]);
    char buffer[1024];
    ssize_t n;
    while ((n = read(fds[0], buffer, sizeof(buffer))) > 0) {
      error.append(buffer, n);
    }
    close(fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    const int code = WEXITSTATUS(status);
    if (code == 100) GTEST_SKIP() << "cannot drop privileges to nobody";
    writable = code == 101;
    listed = code < 100 ? code : -1;
  }
  chmod(dir.c_str(), 0755);
  chmod(path.c_str(), 0644);
  EXPECT_FALSE(writable) << "permissions are not enforced here";
  EXPECT_EQ(listed, 3) << error;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::remove((path + suffix).c_str());
  }
  rmdir(dir.c_str());
}

TEST(StoreFailureTest, MissingOrEmptyFileIsNotMadeAStore) {
  const std::string missing = TempPath("missing");
  for (const auto& options : {SqliteRegistrationStoreOptions(), ReadOnly()}) {
    auto store = SqliteRegistrationStore::Open(missing, options);
    EXPECT_EQ(store.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(std::string(store.status().message()), HasSubstr(missing));
  }
  EXPECT_NE(access(missing.c_str(), F_OK), 0);

  const std::string empty = TempPath("empty");
  std::ofstream(empty).close();
  for (const auto& options : {SqliteRegistrationStoreOptions(), ReadOnly()}) {
    auto store = SqliteRegistrationStore::Open(empty, options);
    EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(store.status().message()), HasSubstr("empty"));
  }
  EXPECT_EQ(ReadFile(empty), "");
  // Asked to, it creates the store in the empty file.
  EXPECT_TRUE(SqliteRegistrationStore::Open(empty, Creating()).ok());
}

// A commit that fails after its inserts succeeded (here: a trigger refuses
// the batch's update of the stored count once it passes kLimit) fails
// every registration of the batch, blocking and asynchronous alike. Every
// registration acknowledged OK is on disk; every failed one is not.
TEST(StoreFailureTest, FailedCommitReachesEveryRegistrationOfItsBatch) {
  constexpr int kLimit = 5;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 6;
  const std::string path = TempPath("failed-commit");
  MakeStore(path, 0);
  RawExec(path, absl::StrCat("CREATE TRIGGER refuse BEFORE UPDATE ON meta "
                             "WHEN NEW.registration_count > ",
                             kLimit,
                             " BEGIN SELECT RAISE(ABORT, 'injected "
                             "failure'); END"));
  std::mutex mu;
  std::vector<std::string> acknowledged, failed;
  auto record_result = [&](const std::string& id,
                           const absl::StatusOr<RegisterResult>& result) {
    std::lock_guard<std::mutex> lock(mu);
    if (result.ok()) {
      acknowledged.push_back(id);
    } else {
      EXPECT_THAT(std::string(result.status().message()),
                  HasSubstr("injected failure"));
      failed.push_back(id);
    }
  };
  {
    auto store = SqliteRegistrationStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status();
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string id = absl::StrCat("dev-", t, "-", i);
          if (t % 2 == 0) {
            record_result(id, (*store)->Register(Record(id)));
          } else {
            (*store)->RegisterAsync(
                Record(id), kDefaultMaxRegistrations,
                [&, id](absl::StatusOr<RegisterResult> result) {
                  record_result(id, result);
                });
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }  // the destructor completes every asynchronous registration
  EXPECT_EQ(acknowledged.size() + failed.size(),
            static_cast<size_t>(kThreads * kPerThread));
  EXPECT_LE(acknowledged.size(), static_cast<size_t>(kLimit));
  EXPECT_FALSE(failed.empty());

  auto store = SqliteRegistrationStore::Open(path, ReadOnly());
  ASSERT_TRUE(store.ok()) << store.status();
  for (const std::string& id : acknowledged) {
    EXPECT_TRUE((*store)->Get(id).ok()) << id << " acknowledged, not stored";
  }
  for (const std::string& id : failed) {
    EXPECT_EQ((*store)->Get(id).status().code(), absl::StatusCode::kNotFound)
        << id << " failed but stored";
  }
  EXPECT_EQ(*(*store)->Count(), static_cast<int64_t>(acknowledged.size()));
}

}  // namespace
}  // namespace chaintrust
