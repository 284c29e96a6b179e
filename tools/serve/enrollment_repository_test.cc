// EnrollmentRepository over an EnrollmentSetStore that another writer
// changes too: seeding, which set wins at start, following newer versions,
// refusing invalid ones, and changes that lose a compare-and-set race.
#include "tools/serve/enrollment_repository.h"

#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/registry/enrollment_set_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The store as two replicas would share it; Write() is the other replica.
class SharedSetStore final : public EnrollmentSetStore {
 public:
  absl::StatusOr<int64_t> PutEnrollmentSet(
      absl::string_view body, absl::Time at,
      std::optional<int64_t> expected_version) override {
    (void)at;
    std::lock_guard<std::mutex> lock(mu_);
    if (!put_error_.ok()) return put_error_;
    if (expected_version.has_value() && *expected_version != version_) {
      return absl::FailedPreconditionError(
          absl::StrCat("at version ", version_, ", not ", *expected_version));
    }
    body_ = std::string(body);
    return ++version_;
  }
  absl::StatusOr<StoredEnrollmentSet> GetEnrollmentSet() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (version_ == 0) return absl::NotFoundError("none");
    StoredEnrollmentSet set;
    set.version = version_;
    set.body = body_;
    return set;
  }
  absl::StatusOr<int64_t> EnrollmentSetVersion() override {
    std::lock_guard<std::mutex> lock(mu_);
    return version_;
  }

  int64_t Write(const std::string& body) {
    return *PutEnrollmentSet(body, absl::Now(), std::nullopt);
  }
  std::string body() {
    std::lock_guard<std::mutex> lock(mu_);
    return body_;
  }
  void FailPuts(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    put_error_ = std::move(status);
  }

 private:
  std::mutex mu_;
  int64_t version_ = 0;
  std::string body_;
  absl::Status put_error_;
};

std::string Individual(const std::string& id, const std::string& etag = "") {
  return absl::StrCat(
      "{\"registrationId\":\"", id, "\",",
      etag.empty() ? "" : absl::StrCat("\"etag\":\"", etag, "\","),
      "\"attestation\":{\"type\":\"symmetricKey\",\"symmetricKey\":{"
      "\"primaryKey\":\"",
      absl::Base64Escape(std::string(32, 'k')), "\"}}}");
}

std::string Bundle(const std::string& individuals) {
  return absl::StrCat("{\"individualEnrollments\":[", individuals,
                      "],\"enrollmentGroups\":[]}");
}

google::protobuf::Struct Object(const std::string& json) {
  auto parsed = ParseJsonObject(json);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : google::protobuf::Struct();
}

class EnrollmentRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("TEST_TMPDIR");
    const std::string path = absl::StrCat(
        dir != nullptr ? dir : "/tmp", "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), ".db");
    std::remove(path.c_str());
    AdapterOptions options;
    options.store_path = path;
    auto adapter = EngineAdapter::Create(options);
    ASSERT_TRUE(adapter.ok()) << adapter.status();
    adapter_ = *std::move(adapter);
  }

  std::unique_ptr<EnrollmentRepository> Open(
      const std::string& policy,
      absl::Duration poll_interval = absl::ZeroDuration()) {
    EnrollmentRepositoryOptions options;
    options.store_name = "the shared store";
    options.poll_interval = poll_interval;
    auto repository = EnrollmentRepository::Open(adapter_.get(), &store_,
                                                 policy, absl::Now(), options);
    EXPECT_TRUE(repository.ok()) << repository.status();
    return repository.ok() ? *std::move(repository) : nullptr;
  }

  SharedSetStore store_;
  std::unique_ptr<EngineAdapter> adapter_;
};

TEST_F(EnrollmentRepositoryTest, TheFirstToOpenSeedsTheStoreFromThePolicy) {
  auto repository = Open(Bundle(Individual("dev-1")));
  ASSERT_NE(repository, nullptr);
  EXPECT_EQ(*store_.EnrollmentSetVersion(), 1);
  EXPECT_THAT(store_.body(), HasSubstr("\"dev-1\""));
  // Stamped before it was stored, so every replica sees the same etag.
  const auto entry = repository->Find(EntryKind::kIndividual, "dev-1");
  ASSERT_TRUE(entry.has_value());
  EXPECT_THAT(store_.body(), HasSubstr(StringField(*entry, "etag")));
  EXPECT_EQ(repository->sync_stats().version, 1);
}

TEST_F(EnrollmentRepositoryTest, AStoredSetWinsOverThePolicy) {
  store_.Write(Bundle(Individual("stored")));
  store_.Write(Bundle(Individual("stored-2")));
  auto repository = Open(Bundle(Individual("from-policy")));
  ASSERT_NE(repository, nullptr);
  EXPECT_TRUE(repository->Find(EntryKind::kIndividual, "stored-2"));
  EXPECT_FALSE(repository->Find(EntryKind::kIndividual, "from-policy"));
  EXPECT_EQ(*store_.EnrollmentSetVersion(), 2);
  EXPECT_EQ(repository->sync_stats().version, 2);
}

TEST_F(EnrollmentRepositoryTest, AnInvalidStoredSetStopsTheStart) {
  store_.Write("{not json");
  EnrollmentRepositoryOptions options;
  options.store_name = "the shared store";
  auto repository = EnrollmentRepository::Open(
      adapter_.get(), &store_, Bundle(""), absl::Now(), options);
  EXPECT_EQ(repository.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(repository.status().message(), HasSubstr("the shared store"));
}

TEST_F(EnrollmentRepositoryTest, RefreshActivatesANewerVersion) {
  auto repository = Open(Bundle(Individual("dev-1")));
  ASSERT_NE(repository, nullptr);
  store_.Write(Bundle(Individual("dev-2")));
  ASSERT_TRUE(repository->Refresh().ok());
  EXPECT_FALSE(repository->Find(EntryKind::kIndividual, "dev-1"));
  EXPECT_TRUE(repository->Find(EntryKind::kIndividual, "dev-2"));
  EXPECT_EQ(repository->sync_stats().version, 2);
  EXPECT_EQ(repository->sync_stats().reloads, 1);
  ASSERT_TRUE(repository->Refresh().ok());  // nothing new
  EXPECT_EQ(repository->sync_stats().reloads, 1);
}

TEST_F(EnrollmentRepositoryTest, AnInvalidVersionNeverReplacesTheActiveSet) {
  auto repository = Open(Bundle(Individual("dev-1")));
  ASSERT_NE(repository, nullptr);
  store_.Write("{not json");
  EXPECT_EQ(repository->Refresh().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(repository->Refresh().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(repository->Find(EntryKind::kIndividual, "dev-1"));
  EXPECT_EQ(repository->sync_stats().version, 1);
  EXPECT_EQ(repository->sync_stats().rejected, 1);  // counted once
  // Valid JSON, but not a valid set: an undecodable key.
  store_.Write(Bundle(
      "{\"registrationId\":\"bad\",\"attestation\":{\"type\":"
      "\"symmetricKey\",\"symmetricKey\":{\"primaryKey\":\"not base64!\"}}}"));
  EXPECT_FALSE(repository->Refresh().ok());
  EXPECT_EQ(repository->sync_stats().rejected, 2);
  EXPECT_FALSE(repository->Find(EntryKind::kIndividual, "bad"));
  // A change through the repository is applied to the active set and
  // replaces the invalid version.
  const RepositoryResult put =
      repository->Put(EntryKind::kIndividual, "dev-2",
                      Object(Individual("dev-2")), "", absl::Now());
  ASSERT_EQ(put.http_status, 200) << put.message;
  EXPECT_EQ(*store_.EnrollmentSetVersion(), 4);
  EXPECT_THAT(store_.body(), HasSubstr("\"dev-1\""));
  EXPECT_THAT(store_.body(), Not(HasSubstr("not base64")));
}

TEST_F(EnrollmentRepositoryTest, ALostRaceIsAppliedAgainToTheNewerSet) {
  auto repository = Open(Bundle(Individual("dev-1")));
  ASSERT_NE(repository, nullptr);
  // Another replica adds "other" (this one has not polled yet).
  store_.Write(Bundle(absl::StrCat(Individual("dev-1"), ",",
                                   Individual("other", "etag-other"))));
  const RepositoryResult put =
      repository->Put(EntryKind::kIndividual, "dev-2",
                      Object(Individual("dev-2")), "", absl::Now());
  ASSERT_EQ(put.http_status, 200) << put.message;
  EXPECT_EQ(*store_.EnrollmentSetVersion(), 3);
  EXPECT_THAT(store_.body(), HasSubstr("\"other\""));
  EXPECT_THAT(store_.body(), HasSubstr("\"dev-2\""));
  EXPECT_TRUE(repository->Find(EntryKind::kIndividual, "other"));
  EXPECT_EQ(repository->sync_stats().conflicts, 1);
}

TEST_F(EnrollmentRepositoryTest, IfMatchIsCheckedAgainstTheNewerSet) {
  auto repository = Open(Bundle(Individual("dev-1")));
  ASSERT_NE(repository, nullptr);
  const std::string seen =
      StringField(*repository->Find(EntryKind::kIndividual, "dev-1"), "etag");
  // Another replica changed dev-1 after this one loaded it.
  store_.Write(Bundle(Individual("dev-1", "changed-elsewhere")));
  const RepositoryResult stale =
      repository->Put(EntryKind::kIndividual, "dev-1",
                      Object(Individual("dev-1")), seen, absl::Now());
  EXPECT_EQ(stale.http_status, 412);
  const RepositoryResult stale_delete =
      repository->Delete(EntryKind::kIndividual, "dev-1", seen, absl::Now());
  EXPECT_EQ(stale_delete.http_status, 412);
  EXPECT_EQ(*store_.EnrollmentSetVersion(), 2);
  const RepositoryResult fresh = repository->Delete(
      EntryKind::kIndividual, "dev-1", "changed-elsewhere", absl::Now());
  EXPECT_EQ(fresh.http_status, 204);
  EXPECT_THAT(store_.body(), Not(HasSubstr("dev-1")));
}

TEST_F(EnrollmentRepositoryTest, AStoreThatCannotWriteChangesNothing) {
  auto repository = Open(Bundle(Individual("dev-1")));
  ASSERT_NE(repository, nullptr);
  store_.FailPuts(absl::UnavailableError("database down; retry later"));
  const RepositoryResult put =
      repository->Put(EntryKind::kIndividual, "dev-2",
                      Object(Individual("dev-2")), "", absl::Now());
  EXPECT_EQ(put.http_status, 503);
  EXPECT_THAT(put.message, HasSubstr("database down"));
  EXPECT_FALSE(repository->Find(EntryKind::kIndividual, "dev-2"));
  EXPECT_EQ(repository->sync_stats().version, 1);
}

TEST_F(EnrollmentRepositoryTest, ThePollerFollowsTheStoreAndStops) {
  auto repository = Open(Bundle(Individual("dev-1")), absl::Milliseconds(20));
  ASSERT_NE(repository, nullptr);
  store_.Write(Bundle(Individual("dev-2")));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!repository->Find(EntryKind::kIndividual, "dev-2") &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_TRUE(repository->Find(EntryKind::kIndividual, "dev-2"));
  EXPECT_EQ(repository->sync_stats().reloads, 1);
  const absl::Time stopping = absl::Now();
  repository.reset();  // joins the poller
  EXPECT_LT(absl::Now() - stopping, absl::Seconds(1));
}

}  // namespace
}  // namespace chaintrust::serve
