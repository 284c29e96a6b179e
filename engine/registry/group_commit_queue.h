// The group-commit front of the durable registration stores (SQLite,
// PostgreSQL): Register() and RegisterAsync() put their request on a queue;
// one committer thread, owned by the queue, takes everything waiting (up to
// max_batch_size, oldest first), hands it to the store's commit function as
// one batch and only then acknowledges each request of the batch; requests
// that arrive meanwhile form the next batch. So a batch is as large as the
// number of requests in flight.
//
// The commit function writes the whole batch in one transaction and fills
// in one RegisterResult per request. When it returns an error, every
// request of the batch gets that error (the store has rolled the batch
// back: nothing of it is stored).
//
// Destroying the queue commits what is queued, then stops the committer:
// every accepted request completes before the destructor returns.
#ifndef CHAINTRUST_ENGINE_REGISTRY_GROUP_COMMIT_QUEUE_H_
#define CHAINTRUST_ENGINE_REGISTRY_GROUP_COMMIT_QUEUE_H_

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace internal {

class GroupCommitQueue {
 public:
  // One registration of a batch, as the commit function sees it.
  // Completes a record from the stored one (see
  // AsyncRegistrationStore::CompleteRecord).
  using CompleteRecord = absl::AnyInvocable<void(
      const RegistrationRecord* previous, RegistrationRecord* record)>;
  struct Request {
    const RegistrationRecord* record;
    std::string key;  // RegistrationKey(record->registration_id)
    int64_t max_registrations;
    // Null, or the function the commit passes `record` through, with the
    // record the store holds for `key`, before it writes it.
    CompleteRecord* complete = nullptr;
  };
  // Commits `batch` in one transaction and sets `results[i]` for
  // `batch[i]` (`results` has the batch's size); or returns the error that
  // every request of the batch gets. Runs on the committer thread.
  using CommitFunction =
      absl::AnyInvocable<absl::Status(absl::Span<const Request* const> batch,
                                      std::vector<RegisterResult>& results)>;
  using Callback = absl::AnyInvocable<void(absl::StatusOr<RegisterResult>) &&>;

  // Starts the committer thread. `max_batch_size` is at least 1.
  GroupCommitQueue(int max_batch_size, CommitFunction commit);
  // Commits what is queued, then stops the committer thread. No caller may
  // be inside Register() when the queue is destroyed.
  ~GroupCommitQueue();
  GroupCommitQueue(const GroupCommitQueue&) = delete;
  GroupCommitQueue& operator=(const GroupCommitQueue&) = delete;

  // Queues `record` and waits until its batch committed (or failed). The
  // arguments are the caller's to check.
  absl::StatusOr<RegisterResult> Register(const RegistrationRecord& record,
                                          int64_t max_registrations);
  // Queues `record` and returns at once; `done` runs on the committer
  // thread once its batch committed (or failed), before the next batch
  // starts. `done` may call RegisterAsync(), not Register() nor the
  // destructor.
  void RegisterAsync(RegistrationRecord record, int64_t max_registrations,
                     Callback done);
  // The same with a `complete` function for the commit (Request::complete).
  void RegisterAsync(RegistrationRecord record, int64_t max_registrations,
                     CompleteRecord complete, Callback done);

 private:
  struct Pending;  // a Request with its result and who waits for it

  void CommitterLoop();
  void Commit(const std::vector<Pending*>& batch);

  const size_t max_batch_size_;
  CommitFunction commit_;

  internal::AnnotatedMutex mu_;
  // Queued requests, oldest first. A blocking Register() keeps its Pending
  // on its stack until it sees `done`; RegisterAsync() passes ownership to
  // the committer.
  std::vector<Pending*> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // The committer thread's own, reused from batch to batch.
  std::vector<const Request*> requests_;
  std::vector<RegisterResult> results_;

  std::thread committer_;  // last: starts once the members above exist
};

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_GROUP_COMMIT_QUEUE_H_
