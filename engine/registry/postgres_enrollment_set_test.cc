// The enrollment set in PostgreSQL, as two replicas over one database see
// it. Needs CHAINTRUST_TEST_POSTGRES_URI; skips without it.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/registry/enrollment_set_store.h"
#include "engine/registry/postgres_registration_store.h"
#include "engine/registry/postgres_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

class PostgresEnrollmentSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing_postgres::ServerUri();
    if (!server.has_value()) GTEST_SKIP() << testing_postgres::kSkipMessage;
    auto uri = testing_postgres::FreshSchemaUri(*server);
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
    replica_a_ = Open(false);
    replica_b_ = Open(false);
    ASSERT_NE(replica_a_, nullptr);
    ASSERT_NE(replica_b_, nullptr);
  }

  std::unique_ptr<PostgresRegistrationStore> Open(bool read_only) {
    PostgresRegistrationStoreOptions options;
    options.read_only = read_only;
    options.create_if_missing = !read_only;
    auto store = PostgresRegistrationStore::Open(uri_, options);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::string uri_;
  std::unique_ptr<PostgresRegistrationStore> replica_a_, replica_b_;
};

TEST_F(PostgresEnrollmentSetTest, NothingStoredYet) {
  EXPECT_EQ(*replica_a_->EnrollmentSetVersion(), 0);
  EXPECT_EQ(replica_a_->GetEnrollmentSet().status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(PostgresEnrollmentSetTest, PutIsSeenByTheOtherReplica) {
  // Binary-safe: NUL and high bytes, as a serialized proto has.
  const std::string first("\x0a\x00\xff\x5c\x78 set one", 13);
  auto v1 = replica_a_->PutEnrollmentSet(first, kT0);
  ASSERT_TRUE(v1.ok()) << v1.status();
  EXPECT_EQ(*v1, 1);
  EXPECT_EQ(*replica_b_->EnrollmentSetVersion(), 1);
  auto got = replica_b_->GetEnrollmentSet();
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->body, first);
  EXPECT_EQ(got->updated, kT0);

  auto v2 = replica_b_->PutEnrollmentSet("two", kT0 + absl::Seconds(1));
  ASSERT_TRUE(v2.ok()) << v2.status();
  EXPECT_EQ(*v2, 2);
  EXPECT_EQ(*replica_a_->EnrollmentSetVersion(), 2);
  EXPECT_EQ(replica_a_->GetEnrollmentSet()->body, "two");
  EXPECT_EQ(replica_a_->PutEnrollmentSet("", kT0).value_or(-1), 3);
  EXPECT_EQ(replica_b_->GetEnrollmentSet()->body, "");
}

TEST_F(PostgresEnrollmentSetTest, ExpectedVersionIsCompareAndSet) {
  ASSERT_EQ(*replica_a_->PutEnrollmentSet("a", kT0, 0), 1);
  // B loaded version 1 too; A changes it first.
  ASSERT_EQ(*replica_a_->PutEnrollmentSet("a2", kT0, 1), 2);
  auto stale = replica_b_->PutEnrollmentSet("b", kT0, 1);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(stale.status().message()),
              HasSubstr("at version 2, not 1"));
  EXPECT_EQ(replica_b_->GetEnrollmentSet()->body, "a2");
  EXPECT_EQ(*replica_b_->PutEnrollmentSet("b", kT0, 2), 3);
}

// Writers racing with compare-and-set: each version is won exactly once.
TEST_F(PostgresEnrollmentSetTest, RacingWritersEachVersionOnce) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 5;
  std::atomic<int> won{0}, lost{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      PostgresRegistrationStore& replica =
          t % 2 == 0 ? *replica_a_ : *replica_b_;
      for (int r = 0; r < kRounds; ++r) {
        auto version = replica.EnrollmentSetVersion();
        if (!version.ok()) {
          ++errors;
          continue;
        }
        auto put = replica.PutEnrollmentSet(absl::StrCat("t", t, "r", r), kT0,
                                            *version);
        if (put.ok()) {
          ++won;
        } else if (put.status().code() ==
                   absl::StatusCode::kFailedPrecondition) {
          ++lost;
        } else {
          ++errors;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(won.load() + lost.load(), kThreads * kRounds);
  EXPECT_EQ(*replica_a_->EnrollmentSetVersion(), won.load());
}

TEST_F(PostgresEnrollmentSetTest, ReadOnlyReadsButDoesNotWrite) {
  ASSERT_TRUE(replica_a_->PutEnrollmentSet("x", kT0).ok());
  auto reader = Open(true);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->GetEnrollmentSet()->body, "x");
  EXPECT_EQ(reader->PutEnrollmentSet("y", kT0).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace chaintrust
