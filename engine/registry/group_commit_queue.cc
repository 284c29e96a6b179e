#include "engine/registry/group_commit_queue.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/internal/tsan_mutex.h"
#include "engine/registry/store.h"

namespace chaintrust {
namespace internal {

struct GroupCommitQueue::Pending {
  Request request;
  absl::StatusOr<RegisterResult> result = absl::UnknownError("not committed");
  bool done = false;  // blocking Register(); guarded by mu_
  // RegisterAsync() only: the record (`request.record` points to it) and
  // the callback; the committer deletes the Pending after calling it.
  RegistrationRecord owned;
  CompleteRecord complete;  // `request.complete` points to it when set
  Callback callback;
};

GroupCommitQueue::GroupCommitQueue(int max_batch_size, CommitFunction commit)
    : max_batch_size_(static_cast<size_t>(std::max(max_batch_size, 1))),
      commit_(std::move(commit)),
      committer_([this] { CommitterLoop(); }) {}

GroupCommitQueue::~GroupCommitQueue() {
  {
    internal::AnnotatedMutexLock lock(&mu_);
    stopping_ = true;
  }
  committer_.join();
}

absl::StatusOr<RegisterResult> GroupCommitQueue::Register(
    const RegistrationRecord& record, int64_t max_registrations) {
  Pending pending;
  pending.request.record = &record;
  pending.request.key = internal::RegistrationKey(record.registration_id);
  pending.request.max_registrations = max_registrations;
  internal::AnnotatedMutexLock lock(&mu_);
  queue_.push_back(&pending);
  mu_.Await([&pending] { return pending.done; });
  return std::move(pending.result);
}

void GroupCommitQueue::RegisterAsync(RegistrationRecord record,
                                     int64_t max_registrations, Callback done) {
  RegisterAsync(std::move(record), max_registrations, nullptr, std::move(done));
}

void GroupCommitQueue::RegisterAsync(RegistrationRecord record,
                                     int64_t max_registrations,
                                     CompleteRecord complete, Callback done) {
  auto pending = std::make_unique<Pending>();
  if (complete) {
    pending->complete = std::move(complete);
    pending->request.complete = &pending->complete;
  }
  pending->owned = std::move(record);
  pending->request.record = &pending->owned;
  pending->request.key =
      internal::RegistrationKey(pending->owned.registration_id);
  pending->request.max_registrations = max_registrations;
  pending->callback = std::move(done);
  internal::AnnotatedMutexLock lock(&mu_);
  queue_.push_back(pending.release());
}

void GroupCommitQueue::CommitterLoop() {
  std::vector<Pending*> batch;
  std::vector<Pending*> callbacks;
  while (true) {
    batch.clear();
    {
      internal::AnnotatedMutexLock lock(&mu_);
      mu_.Await([this] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;  // stopping, and everything committed
      const size_t n = std::min(queue_.size(), max_batch_size_);
      batch.assign(queue_.begin(), queue_.begin() + n);
      queue_.erase(queue_.begin(), queue_.begin() + n);
    }
    Commit(batch);
    callbacks.clear();
    {
      internal::AnnotatedMutexLock lock(&mu_);
      for (Pending* pending : batch) {
        if (pending->callback) {
          callbacks.push_back(pending);
        } else {
          pending->done = true;  // its caller owns it again from here
        }
      }
    }
    for (Pending* pending : callbacks) {
      std::unique_ptr<Pending> owned(pending);
      std::move(owned->callback)(std::move(owned->result));
    }
  }
}

void GroupCommitQueue::Commit(const std::vector<Pending*>& batch) {
  requests_.clear();
  for (const Pending* pending : batch) requests_.push_back(&pending->request);
  results_.assign(batch.size(), RegisterResult());
  const absl::Status status = commit_(requests_, results_);
  for (size_t i = 0; i < batch.size(); ++i) {
    if (status.ok()) {
      batch[i]->result = std::move(results_[i]);
    } else {
      batch[i]->result = status;
    }
  }
}

}  // namespace internal
}  // namespace chaintrust
