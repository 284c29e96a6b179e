// One suite of RegistrationStore semantics (engine/registration_record.h), run
// over every implementation as OpenRegistrationStore() opens it, and the
// locations that function accepts or refuses.
#include "engine/registration_store.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/registry/async_registration_store.h"
#include "engine/registry/postgres_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

RegistrationRecord GroupRecord(absl::string_view id, absl::string_view group,
                               absl::Time at = kT0) {
  RegistrationRecord record;
  record.registration_id = std::string(id);
  record.device_id = std::string(id);
  record.enrollment_kind = RegistrationEnrollmentKind::kGroup;
  record.enrollment_id = std::string(group);
  record.assigned_hub = "hub-1.azure-devices.net";
  record.last_updated = at;
  return record;
}

RegistrationRecord IndividualRecord(absl::string_view id, absl::Time at = kT0) {
  RegistrationRecord record = GroupRecord(id, id, at);
  record.enrollment_kind = RegistrationEnrollmentKind::kIndividual;
  return record;
}

std::vector<std::string> Ids(const std::vector<RegistrationRecord>& records) {
  std::vector<std::string> ids;
  for (const RegistrationRecord& r : records) ids.push_back(r.registration_id);
  return ids;
}

std::string TempPath(absl::string_view name) {
  static std::atomic<int> counter{0};
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", counter++,
                      ".db");
}

std::unique_ptr<RegistrationStore> MustOpen(const std::string& location) {
  RegistrationStoreOpenOptions options;
  options.create_if_missing = true;
  auto store = OpenRegistrationStore(location, options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// Each factory opens a new, empty store; SkipReason() says why a store
// cannot be opened here (nullptr: it can).
struct MemoryFactory {
  static const char* SkipReason() { return nullptr; }
  static std::unique_ptr<RegistrationStore> Make() {
    return MustOpen(":memory:");
  }
};

struct SqliteFactory {
  static const char* SkipReason() { return nullptr; }
  static std::unique_ptr<RegistrationStore> Make() {
    return MustOpen(TempPath("conformance"));
  }
};

// A schema of its own on the server of CHAINTRUST_TEST_POSTGRES_URI.
struct PostgresFactory {
  static const char* SkipReason() {
    return testing_postgres::ServerUri().has_value()
               ? nullptr
               : testing_postgres::kSkipMessage;
  }
  static std::unique_ptr<RegistrationStore> Make() {
    auto uri = testing_postgres::FreshSchemaUri(*testing_postgres::ServerUri());
    EXPECT_TRUE(uri.ok()) << uri.status();
    return uri.ok() ? MustOpen(*uri) : nullptr;
  }
};

template <typename Factory>
class RegistrationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* reason = Factory::SkipReason()) GTEST_SKIP() << reason;
    store_ = Factory::Make();
    ASSERT_NE(store_, nullptr);
  }

  RegisterResult MustRegister(const RegistrationRecord& record,
                              int64_t max = kDefaultMaxRegistrations) {
    auto result = store_->Register(record, max);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : RegisterResult{};
  }

  std::unique_ptr<RegistrationStore> store_;
};

using Factories =
    ::testing::Types<MemoryFactory, SqliteFactory, PostgresFactory>;
class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    if (std::is_same_v<T, MemoryFactory>) return "Memory";
    return std::is_same_v<T, SqliteFactory> ? "Sqlite" : "Postgres";
  }
};
TYPED_TEST_SUITE(RegistrationStoreTest, Factories, FactoryNames);

TYPED_TEST(RegistrationStoreTest, CreateThenGet) {
  RegisterResult result = this->MustRegister(GroupRecord("dev-1", "g1"));
  EXPECT_EQ(result.outcome, RegisterOutcome::kCreated);
  EXPECT_EQ(result.registration_count, 1);
  EXPECT_EQ(result.record.created, kT0);
  EXPECT_EQ(result.record.last_updated, kT0);
  EXPECT_FALSE(result.record.etag.empty());

  auto got = this->store_->Get("dev-1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, result.record);
  EXPECT_EQ(got->enrollment_kind, RegistrationEnrollmentKind::kGroup);
  EXPECT_EQ(got->enrollment_id, "g1");
  EXPECT_EQ(got->assigned_hub, "hub-1.azure-devices.net");
}

TYPED_TEST(RegistrationStoreTest, GetUnknownIsNotFound) {
  EXPECT_EQ(this->store_->Get("nobody").status().code(),
            absl::StatusCode::kNotFound);
}

TYPED_TEST(RegistrationStoreTest, RejectsBadArguments) {
  EXPECT_EQ(this->store_->Register(GroupRecord("", "g")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store_->Register(GroupRecord("d", "g"), -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(this->store_->Delete(RegistrationFilter::All()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TYPED_TEST(RegistrationStoreTest, ReRegistrationDoesNotCountTwice) {
  const RegisterResult first = this->MustRegister(GroupRecord("Dev-1", "g1"));
  RegistrationRecord again = GroupRecord("DEV-1", "g2", kT0 + absl::Hours(1));
  again.substatus = RegistrationSubstatus::kReprovisionedToInitialAssignment;
  const RegisterResult second = this->MustRegister(again);
  EXPECT_EQ(second.outcome, RegisterOutcome::kUpdated);
  EXPECT_EQ(second.registration_count, 1);
  EXPECT_EQ(second.record.created, kT0);  // kept from the first
  EXPECT_EQ(second.record.last_updated, kT0 + absl::Hours(1));
  EXPECT_EQ(second.record.registration_id, "DEV-1");  // latest spelling
  EXPECT_EQ(second.record.enrollment_id, "g2");
  EXPECT_EQ(second.record.substatus,
            RegistrationSubstatus::kReprovisionedToInitialAssignment);
  EXPECT_NE(second.record.etag, first.record.etag);
  EXPECT_EQ(*this->store_->Count(), 1);
  EXPECT_EQ(this->store_->Get("dev-1")->etag, second.record.etag);
}

TYPED_TEST(RegistrationStoreTest, EtagChangesOnEveryUpdate) {
  std::vector<std::string> etags;
  for (int i = 0; i < 5; ++i) {
    etags.push_back(this->MustRegister(GroupRecord("dev-1", "g1")).record.etag);
  }
  this->MustRegister(GroupRecord("dev-2", "g1"));
  ASSERT_EQ(
      *this->store_->Delete(RegistrationFilter::ByRegistrationId("dev-1")), 1);
  etags.push_back(this->MustRegister(GroupRecord("dev-1", "g1")).record.etag);
  for (size_t i = 0; i < etags.size(); ++i) {
    for (size_t j = i + 1; j < etags.size(); ++j) {
      EXPECT_NE(etags[i], etags[j]) << i << " " << j;
    }
  }
}

TYPED_TEST(RegistrationStoreTest, QuotaReachedRefusesNewDevicesOnly) {
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(this->MustRegister(GroupRecord(absl::StrCat("dev-", i), "g"), 3)
                  .outcome,
              RegisterOutcome::kCreated);
  }
  const RegisterResult refused =
      this->MustRegister(GroupRecord("dev-new", "g"), 3);
  EXPECT_EQ(refused.outcome, RegisterOutcome::kQuotaExceeded);
  EXPECT_EQ(refused.registration_count, 3);
  EXPECT_EQ(refused.record.registration_id, "dev-new");
  EXPECT_EQ(this->store_->Get("dev-new").status().code(),
            absl::StatusCode::kNotFound);
  // A known device still re-registers, even when the quota was lowered
  // below the current count.
  EXPECT_EQ(this->MustRegister(GroupRecord("DEV-1", "g"), 3).outcome,
            RegisterOutcome::kUpdated);
  EXPECT_EQ(this->MustRegister(GroupRecord("dev-2", "g"), 1).outcome,
            RegisterOutcome::kUpdated);
  EXPECT_EQ(this->MustRegister(GroupRecord("dev-new", "g"), 0).outcome,
            RegisterOutcome::kQuotaExceeded);
  EXPECT_EQ(*this->store_->Count(), 3);
  // Deleting frees a slot.
  ASSERT_EQ(
      *this->store_->Delete(RegistrationFilter::ByRegistrationId("dev-0")), 1);
  EXPECT_EQ(this->MustRegister(GroupRecord("dev-new", "g"), 3).outcome,
            RegisterOutcome::kCreated);
}

TYPED_TEST(RegistrationStoreTest, OrphanedRecordsStillCount) {
  // The store knows nothing of policies: records of a deleted group remain
  // until they are deleted themselves, and fill the quota.
  this->MustRegister(GroupRecord("a", "deleted-group"), 2);
  this->MustRegister(GroupRecord("b", "deleted-group"), 2);
  EXPECT_EQ(this->MustRegister(GroupRecord("c", "live-group"), 2).outcome,
            RegisterOutcome::kQuotaExceeded);
  EXPECT_EQ(*this->store_->Delete(
                RegistrationFilter::ByEnrollmentGroup("deleted-group")),
            2);
  EXPECT_EQ(this->MustRegister(GroupRecord("c", "live-group"), 2).outcome,
            RegisterOutcome::kCreated);
}

TYPED_TEST(RegistrationStoreTest, ListAndDeleteByGroupAndId) {
  this->MustRegister(GroupRecord("b-dev", "g1"));
  this->MustRegister(GroupRecord("A-dev", "g1"));
  this->MustRegister(GroupRecord("c-dev", "g2"));
  this->MustRegister(IndividualRecord("g1"));  // individual named like g1

  EXPECT_THAT(Ids(*this->store_->List(RegistrationFilter::All())),
              ElementsAre("A-dev", "b-dev", "c-dev", "g1"));
  EXPECT_THAT(
      Ids(*this->store_->List(RegistrationFilter::ByEnrollmentGroup("g1"))),
      ElementsAre("A-dev", "b-dev"));
  EXPECT_THAT(
      Ids(*this->store_->List(RegistrationFilter::ByRegistrationId("a-DEV"))),
      ElementsAre("A-dev"));
  EXPECT_THAT(*this->store_->List(RegistrationFilter::ByEnrollmentGroup("G1")),
              IsEmpty());  // group IDs match exactly
  RegistrationFilter both = RegistrationFilter::ByEnrollmentGroup("g2");
  both.registration_id = "b-dev";
  EXPECT_THAT(*this->store_->List(both), IsEmpty());
  EXPECT_EQ(*this->store_->Delete(both), 0);

  EXPECT_EQ(*this->store_->Delete(RegistrationFilter::ByEnrollmentGroup("g1")),
            2);
  EXPECT_THAT(Ids(*this->store_->List(RegistrationFilter::All())),
              ElementsAre("c-dev", "g1"));
  EXPECT_EQ(
      *this->store_->Delete(RegistrationFilter::ByRegistrationId("C-DEV")), 1);
  EXPECT_EQ(
      *this->store_->Delete(RegistrationFilter::ByRegistrationId("C-DEV")), 0);
  EXPECT_EQ(*this->store_->Count(), 1);
  EXPECT_THAT(*this->store_->List(RegistrationFilter::All()),
              ElementsAre(Field(&RegistrationRecord::enrollment_kind,
                                RegistrationEnrollmentKind::kIndividual)));
}

TYPED_TEST(RegistrationStoreTest, KeepsEveryField) {
  RegistrationRecord record = IndividualRecord("dev-x");
  record.device_id = "device-x";
  record.status = RegistrationStatus::kDisabled;
  record.substatus = RegistrationSubstatus::kDeviceDataMigrated;
  record.assigned_hub = "";
  record.last_updated = kT0 + absl::Microseconds(123456);
  const RegisterResult result = this->MustRegister(record);
  record.created = record.last_updated;
  record.etag = result.record.etag;
  EXPECT_EQ(result.record, record);
  EXPECT_EQ(*this->store_->Get("dev-x"), record);
}

// Threads race to register overlapping IDs against a small quota: the quota
// holds exactly and every known device re-registers. Runs under TSAN.
// The asynchronous stores (SQLite, PostgreSQL) pass a record through
// `complete` with the record its registration ID has in the store, and
// write what `complete` made of it; the answer carries the record written.
TYPED_TEST(RegistrationStoreTest, RegisterAsyncCompletesFromTheStoredRecord) {
  auto* async = dynamic_cast<AsyncRegistrationStore*>(this->store_.get());
  if (async == nullptr) GTEST_SKIP() << "not an asynchronous store";
  // Written on the store's committer thread (or the caller's), read here
  // once `answered` is set under `mu` (a mutex, so that ThreadSanitizer
  // sees the hand-over).
  std::vector<std::string> seen;
  std::mutex mu;
  std::condition_variable cv;
  for (int i = 0; i < 3; ++i) {
    bool answered = false;
    std::string hub;
    async->RegisterAsync(
        GroupRecord("dev-1", "g1", kT0 + absl::Seconds(i)),
        kDefaultMaxRegistrations,
        [&seen](const RegistrationRecord* previous,
                RegistrationRecord* record) {
          seen.push_back(previous == nullptr ? "none" : previous->assigned_hub);
          record->assigned_hub =
              previous == nullptr ? "hub-a"
                                  : absl::StrCat(previous->assigned_hub, "+");
        },
        [&](absl::StatusOr<RegisterResult> result) {
          std::lock_guard<std::mutex> lock(mu);
          EXPECT_TRUE(result.ok()) << result.status();
          if (result.ok()) hub = result->record.assigned_hub;
          answered = true;
          cv.notify_one();
        });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&answered] { return answered; });
    EXPECT_EQ(hub, i == 0 ? "hub-a" : i == 1 ? "hub-a+" : "hub-a++");
  }
  EXPECT_THAT(seen, ElementsAre("none", "hub-a", "hub-a+"));
  auto stored = this->store_->Get("dev-1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->assigned_hub, "hub-a++");
  EXPECT_EQ(*this->store_->Count(), 1);
}

// A device re-registers in its group, then in another group, then through
// an individual enrollment: the group queries follow it each time (the
// SQLite store writes the first with an UPDATE that leaves the group index
// alone, the others with one that moves the index entry).
TYPED_TEST(RegistrationStoreTest, ReRegistrationsKeepTheGroupQueryRight) {
  auto* async = dynamic_cast<AsyncRegistrationStore*>(this->store_.get());
  // Through RegisterAsync with a `complete` function where the store has
  // it (the path that knows the stored record), else Register.
  auto write = [&](const RegistrationRecord& record) {
    if (async == nullptr) return this->MustRegister(record);
    RegisterResult out;
    bool answered = false;
    std::mutex mu;
    std::condition_variable cv;
    async->RegisterAsync(
        record, kDefaultMaxRegistrations,
        [](const RegistrationRecord*, RegistrationRecord*) {},
        [&](absl::StatusOr<RegisterResult> result) {
          std::lock_guard<std::mutex> lock(mu);
          EXPECT_TRUE(result.ok()) << result.status();
          if (result.ok()) out = *result;
          answered = true;
          cv.notify_one();
        });
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&answered] { return answered; });
    return out;
  };
  auto group = [&](absl::string_view id) {
    return Ids(*this->store_->List(RegistrationFilter::ByEnrollmentGroup(id)));
  };
  this->MustRegister(GroupRecord("other", "g1"));
  const RegisterResult first = write(GroupRecord("Dev-1", "g1", kT0));
  EXPECT_EQ(first.outcome, RegisterOutcome::kCreated);

  RegistrationRecord again = GroupRecord("DEV-1", "g1", kT0 + absl::Seconds(1));
  again.status = RegistrationStatus::kDisabled;
  const RegisterResult same = write(again);
  EXPECT_EQ(same.outcome, RegisterOutcome::kUpdated);
  EXPECT_NE(same.record.etag, first.record.etag);
  EXPECT_THAT(group("g1"), ElementsAre("DEV-1", "other"));
  auto stored = this->store_->Get("dev-1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->status, RegistrationStatus::kDisabled);
  EXPECT_EQ(stored->created, kT0);
  EXPECT_EQ(stored->last_updated, kT0 + absl::Seconds(1));

  EXPECT_EQ(write(GroupRecord("dev-1", "g2", kT0 + absl::Seconds(2))).outcome,
            RegisterOutcome::kUpdated);
  EXPECT_THAT(group("g1"), ElementsAre("other"));
  EXPECT_THAT(group("g2"), ElementsAre("dev-1"));

  EXPECT_EQ(write(IndividualRecord("dev-1", kT0 + absl::Seconds(3))).outcome,
            RegisterOutcome::kUpdated);
  EXPECT_THAT(group("g2"), IsEmpty());
  EXPECT_THAT(group("dev-1"), IsEmpty());  // an individual is in no group
  stored = this->store_->Get("dev-1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->enrollment_kind, RegistrationEnrollmentKind::kIndividual);
  EXPECT_EQ(stored->enrollment_id, "dev-1");
  EXPECT_EQ(*this->store_->Count(), 2);
}

TYPED_TEST(RegistrationStoreTest, ConcurrentWritersRespectQuota) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  constexpr int64_t kQuota = 100;
  std::atomic<int> created{0}, refused{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Each ID is registered by two threads.
        const int id = (t / 2) * kPerThread + i;
        auto result = this->store_->Register(
            GroupRecord(absl::StrCat("dev-", id), "g"), kQuota);
        if (!result.ok()) {
          ++errors;
        } else if (result->outcome == RegisterOutcome::kCreated) {
          ++created;
        } else if (result->outcome == RegisterOutcome::kQuotaExceeded) {
          ++refused;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), kQuota);
  EXPECT_EQ(*this->store_->Count(), kQuota);
  // 160 distinct IDs: 100 admitted, 60 refused, each by both of its threads
  // (the second thread of an admitted ID updates it).
  EXPECT_EQ(refused.load(), 2 * (kThreads / 2 * kPerThread - kQuota));
  const auto all = this->store_->List(RegistrationFilter::All());
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), kQuota);
  for (const RegistrationRecord& record : *all) {
    EXPECT_EQ(this->MustRegister(record, kQuota).outcome,
              RegisterOutcome::kUpdated);
  }
}

TEST(OpenRegistrationStoreTest, LocationsAndTheirErrors) {
  RegistrationStoreOpenOptions create;
  create.create_if_missing = true;
  RegistrationStoreOpenOptions existing;
  RegistrationStoreOpenOptions read_only;
  read_only.read_only = true;

  // A path is a durable store: what one store wrote another one reads.
  const std::string path = TempPath("factory");
  {
    auto store = OpenRegistrationStore(path, create);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Register(GroupRecord("dev-1", "g")).ok());
  }
  for (const auto& options : {existing, read_only}) {
    auto store = OpenRegistrationStore(path, options);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(*(*store)->Count(), 1);
  }
  auto store = OpenRegistrationStore(path, read_only);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Register(GroupRecord("dev-2", "g")).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store)
                ->Delete(RegistrationFilter::ByRegistrationId("dev-1"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);

  // A mistyped path creates nothing unless asked to.
  const std::string missing = TempPath("missing");
  for (const auto& options : {existing, read_only}) {
    auto refused = OpenRegistrationStore(missing, options);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kNotFound);
    EXPECT_THAT(std::string(refused.status().message()),
                ::testing::HasSubstr(missing));
  }
  EXPECT_NE(access(missing.c_str(), F_OK), 0) << "created " << missing;

  // Other locations.
  EXPECT_TRUE(OpenRegistrationStore(":memory:", create).ok());
  EXPECT_EQ(OpenRegistrationStore(":memory:", read_only).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenRegistrationStore(":memory:", existing).status().code(),
            absl::StatusCode::kInvalidArgument);
  // PostgreSQL URIs reach the PostgreSQL store: nothing listens on port 1
  // (Unavailable), a URI libpq cannot parse is InvalidArgument; errors name
  // the URI without its password.
  for (const char* url :
       {"postgresql://127.0.0.1:1/dps", "postgres://127.0.0.1:1/d",
        "PostgreSQL://[::1]:1/d"}) {
    auto refused = OpenRegistrationStore(url, create);
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable)
        << url << " " << refused.status();
    EXPECT_THAT(std::string(refused.status().message()),
                ::testing::HasSubstr(url));
  }
  auto secret = OpenRegistrationStore(
      "postgresql://user:s3cret@127.0.0.1:1/dps?password=s3cret", create);
  EXPECT_EQ(secret.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(secret.status().message()),
              ::testing::HasSubstr("postgresql://user:***@127.0.0.1:1/dps"));
  EXPECT_THAT(std::string(secret.status().message()),
              ::testing::Not(::testing::HasSubstr("s3cret")));
  EXPECT_EQ(OpenRegistrationStore("postgresql://h:notaport/d", create)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenRegistrationStore("mysql://h/d", create).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenRegistrationStore("", create).status().code(),
            absl::StatusCode::kInvalidArgument);
  RegistrationStoreOpenOptions both = read_only;
  both.create_if_missing = true;
  EXPECT_EQ(OpenRegistrationStore(TempPath("both"), both).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace chaintrust
