#include "engine/registry/group_commit_queue.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace internal {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using Request = GroupCommitQueue::Request;

// std::mutex rather than absl::Mutex: ThreadSanitizer sees it (see
// engine/internal/tsan_mutex.h).
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

RegistrationRecord Record(absl::string_view id) {
  RegistrationRecord record;
  record.registration_id = std::string(id);
  record.device_id = std::string(id);
  return record;
}

// A commit function that records each batch (by registration ID) and
// answers each request with its own etag ("etag-" + key). The first batch
// waits for `first_batch_gate` (when set) after signalling
// `first_batch_started`; a batch holding a registration ID that starts
// with "fail" fails with Unavailable.
class FakeStore {
 public:
  GroupCommitQueue::CommitFunction Commit() {
    return [this](absl::Span<const Request* const> batch,
                  std::vector<RegisterResult>& results) -> absl::Status {
      EXPECT_EQ(results.size(), batch.size());
      std::vector<std::string> ids;
      bool fail = false;
      for (const Request* request : batch) {
        ids.push_back(request->record->registration_id);
        fail |= absl::StartsWith(request->record->registration_id, "fail");
        EXPECT_EQ(request->key,
                  RegistrationKey(request->record->registration_id));
      }
      bool first;
      {
        std::lock_guard<std::mutex> lock(mu_);
        first = batches_.empty();
        batches_.push_back(ids);
        failed_.push_back(fail);
      }
      if (first && first_batch_gate != nullptr) {
        first_batch_started.Open();
        first_batch_gate->Wait();
      }
      if (fail) return absl::UnavailableError("the disk went away");
      for (size_t i = 0; i < batch.size(); ++i) {
        results[i].outcome = RegisterOutcome::kCreated;
        results[i].record = *batch[i]->record;
        results[i].record.etag = absl::StrCat("etag-", batch[i]->key);
        results[i].registration_count = static_cast<int64_t>(i);
      }
      return absl::OkStatus();
    };
  }

  std::vector<std::vector<std::string>> batches() {
    std::lock_guard<std::mutex> lock(mu_);
    return batches_;
  }
  std::vector<bool> failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }

  Gate* first_batch_gate = nullptr;
  Gate first_batch_started;

 private:
  std::mutex mu_;
  std::vector<std::vector<std::string>> batches_;
  std::vector<bool> failed_;
};

// What the callbacks of RegisterAsync() received, in the order they ran.
class Completions {
 public:
  GroupCommitQueue::Callback For(std::string id) {
    return [this, id = std::move(id)](absl::StatusOr<RegisterResult> result) {
      std::lock_guard<std::mutex> lock(mu_);
      order_.push_back(id);
      results_.emplace_back(id, std::move(result));
    };
  }
  std::vector<std::string> order() {
    std::lock_guard<std::mutex> lock(mu_);
    return order_;
  }
  std::vector<std::pair<std::string, absl::StatusOr<RegisterResult>>>
  results() {
    std::lock_guard<std::mutex> lock(mu_);
    return results_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> order_;
  std::vector<std::pair<std::string, absl::StatusOr<RegisterResult>>> results_;
};

TEST(GroupCommitQueueTest, BatchesWhatQueuedDuringACommitUpToMaxBatchSize) {
  FakeStore store;
  Gate gate;
  store.first_batch_gate = &gate;
  Completions done;
  {
    GroupCommitQueue queue(/*max_batch_size=*/3, store.Commit());
    queue.RegisterAsync(Record("a"), 10, done.For("a"));
    store.first_batch_started.Wait();
    for (const char* id : {"b", "c", "d", "e", "f", "g", "h"}) {
      queue.RegisterAsync(Record(id), 10, done.For(id));
    }
    gate.Open();
  }
  // The destructor returned: every request was committed.
  EXPECT_THAT(store.batches(),
              ElementsAre(ElementsAre("a"), ElementsAre("b", "c", "d"),
                          ElementsAre("e", "f", "g"), ElementsAre("h")));
  EXPECT_THAT(done.order(),
              ElementsAre("a", "b", "c", "d", "e", "f", "g", "h"));
  for (const auto& [id, result] : done.results()) {
    ASSERT_TRUE(result.ok()) << id << ": " << result.status();
    EXPECT_EQ(result->outcome, RegisterOutcome::kCreated);
    EXPECT_EQ(result->record.registration_id, id);
    EXPECT_EQ(result->record.etag, absl::StrCat("etag-", id));
  }
}

TEST(GroupCommitQueueTest, MaxBatchSizeBelowOneCommitsOneAtATime) {
  FakeStore store;
  Gate gate;
  store.first_batch_gate = &gate;
  Completions done;
  {
    GroupCommitQueue queue(/*max_batch_size=*/0, store.Commit());
    queue.RegisterAsync(Record("a"), 10, done.For("a"));
    store.first_batch_started.Wait();
    queue.RegisterAsync(Record("b"), 10, done.For("b"));
    queue.RegisterAsync(Record("c"), 10, done.For("c"));
    gate.Open();
  }
  EXPECT_THAT(store.batches(), ElementsAre(ElementsAre("a"), ElementsAre("b"),
                                           ElementsAre("c")));
}

TEST(GroupCommitQueueTest, BlockingRegisterReturnsItsOwnResult) {
  FakeStore store;
  GroupCommitQueue queue(/*max_batch_size=*/16, store.Commit());
  const RegistrationRecord record = Record("Device-One");
  absl::StatusOr<RegisterResult> result = queue.Register(record, 7);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->record.registration_id, "Device-One");
  EXPECT_EQ(result->record.etag, "etag-device-one");
  EXPECT_THAT(store.batches(), ElementsAre(ElementsAre("Device-One")));
}

TEST(GroupCommitQueueTest, FailedBatchFailsEveryRequestOfItOnly) {
  FakeStore store;
  Gate gate;
  store.first_batch_gate = &gate;
  Completions done;
  absl::StatusOr<RegisterResult> blocking_fail, blocking_ok;
  {
    GroupCommitQueue queue(/*max_batch_size=*/16, store.Commit());
    queue.RegisterAsync(Record("first"), 10, done.For("first"));
    store.first_batch_started.Wait();
    // The next batch: a failing request among good ones.
    for (const char* id : {"ok-1", "fail-2", "ok-3"}) {
      queue.RegisterAsync(Record(id), 10, done.For(id));
    }
    // Blocking callers, in that batch or a later one.
    std::thread fail_thread([&] {
      const RegistrationRecord record = Record("fail-blocking");
      blocking_fail = queue.Register(record, 10);
    });
    std::thread ok_thread([&] {
      const RegistrationRecord record = Record("ok-blocking");
      blocking_ok = queue.Register(record, 10);
    });
    gate.Open();
    fail_thread.join();
    ok_thread.join();
    // The queue goes on after a failed batch.
    const RegistrationRecord record = Record("after");
    absl::StatusOr<RegisterResult> after = queue.Register(record, 10);
    ASSERT_TRUE(after.ok()) << after.status();
    EXPECT_EQ(after->record.etag, "etag-after");
  }
  const std::vector<std::vector<std::string>> batches = store.batches();
  const std::vector<bool> failed = store.failed();
  ASSERT_GE(batches.size(), 2u);
  EXPECT_THAT(batches[1], testing::IsSupersetOf({"ok-1", "fail-2", "ok-3"}));
  // Whether each request's batch failed, by registration ID.
  auto batch_failed = [&](const std::string& id) {
    for (size_t b = 0; b < batches.size(); ++b) {
      for (const std::string& in : batches[b]) {
        if (in == id) return static_cast<bool>(failed[b]);
      }
    }
    ADD_FAILURE() << id << " was never committed";
    return false;
  };
  auto check = [&](const std::string& id,
                   const absl::StatusOr<RegisterResult>& result) {
    if (batch_failed(id)) {
      EXPECT_EQ(result.status(), absl::UnavailableError("the disk went away"))
          << id;
    } else {
      ASSERT_TRUE(result.ok()) << id << ": " << result.status();
      EXPECT_EQ(result->record.etag, absl::StrCat("etag-", id));
    }
  };
  for (const auto& [id, result] : done.results()) check(id, result);
  check("fail-blocking", blocking_fail);
  check("ok-blocking", blocking_ok);
  EXPECT_TRUE(batch_failed("ok-1"));
  EXPECT_TRUE(batch_failed("ok-3"));
  EXPECT_FALSE(batch_failed("first"));
  EXPECT_FALSE(blocking_fail.ok());
}

TEST(GroupCommitQueueTest, DestructorCommitsPendingWrites) {
  FakeStore store;
  Gate gate;
  store.first_batch_gate = &gate;
  Completions done;
  std::vector<std::string> ids;
  auto queue = std::make_unique<GroupCommitQueue>(4, store.Commit());
  queue->RegisterAsync(Record("first"), 100, done.For("first"));
  ids.push_back("first");
  store.first_batch_started.Wait();
  for (int i = 0; i < 20; ++i) {
    ids.push_back(absl::StrCat("pending-", i));
    queue->RegisterAsync(Record(ids.back()), 100, done.For(ids.back()));
  }
  // A callback may queue more while the queue stops; that request is
  // accepted and committed too.
  GroupCommitQueue* const raw = queue.get();
  queue->RegisterAsync(Record("chain-0"), 100,
                       [raw, &done](absl::StatusOr<RegisterResult> result) {
                         EXPECT_TRUE(result.ok()) << result.status();
                         done.For("chain-0")(std::move(result));
                         raw->RegisterAsync(Record("chain-1"), 100,
                                            done.For("chain-1"));
                       });
  ids.push_back("chain-0");
  ids.push_back("chain-1");
  // Open the gate once the destructor is (most likely) waiting; the
  // outcome must be the same either way.
  std::thread opener([&gate] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.Open();
  });
  queue.reset();
  opener.join();
  EXPECT_THAT(done.order(), ElementsAreArray(ids));
  for (const auto& [id, result] : done.results()) {
    ASSERT_TRUE(result.ok()) << id << ": " << result.status();
    EXPECT_EQ(result->record.etag, absl::StrCat("etag-", id));
  }
}

// Writers on many threads, blocking and asynchronous at once: every request
// is committed exactly once, in its own thread's order, no batch is larger
// than max_batch_size, and each gets its own result.
TEST(GroupCommitQueueTest, ConcurrentWritersKeepTheirOrderAndResults) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  constexpr int kMaxBatch = 16;
  FakeStore store;
  Completions done;
  std::vector<std::vector<std::string>> blocking_etags(kThreads);
  {
    GroupCommitQueue queue(kMaxBatch, store.Commit());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kPerThread; ++i) {
          const std::string id = absl::StrCat("t", t, "-", i);
          if (t % 2 == 0) {
            const RegistrationRecord record = Record(id);
            absl::StatusOr<RegisterResult> result = queue.Register(record, 10);
            blocking_etags[t].push_back(result.ok() ? result->record.etag
                                                    : "error");
          } else {
            queue.RegisterAsync(Record(id), 10, done.For(id));
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  // Every request once, in its thread's order.
  std::vector<std::vector<int>> seen(kThreads);
  for (const std::vector<std::string>& batch : store.batches()) {
    EXPECT_LE(batch.size(), static_cast<size_t>(kMaxBatch));
    for (const std::string& id : batch) {
      int t = 0, i = 0;
      ASSERT_EQ(sscanf(id.c_str(), "t%d-%d", &t, &i), 2) << id;
      seen[t].push_back(i);
    }
  }
  std::vector<int> expected(kPerThread);
  for (int i = 0; i < kPerThread; ++i) expected[i] = i;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(seen[t], expected) << "thread " << t;
    if (t % 2 == 0) {
      ASSERT_EQ(blocking_etags[t].size(), static_cast<size_t>(kPerThread));
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_EQ(blocking_etags[t][i], absl::StrCat("etag-t", t, "-", i));
      }
    }
  }
  const auto results = done.results();
  EXPECT_EQ(results.size(), static_cast<size_t>(kThreads / 2 * kPerThread));
  for (const auto& [id, result] : results) {
    ASSERT_TRUE(result.ok()) << id << ": " << result.status();
    EXPECT_EQ(result->record.etag, absl::StrCat("etag-", id));
  }
}

}  // namespace
}  // namespace internal
}  // namespace chaintrust
