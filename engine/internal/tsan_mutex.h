// absl::Mutex locking that ThreadSanitizer can see.
//
// Debian's Abseil is a prebuilt shared library without TSAN
// instrumentation, so under --config=tsan absl::Mutex creates no
// happens-before edges and every access it protects is reported as a race.
// These helpers lock the mutex as usual and, in TSAN builds only, tell TSAN
// that unlocking releases and locking acquires the mutex. Elsewhere they
// compile to plain absl::Mutex calls.
//
// Used by the registration stores and the throttle. Belongs in
// engine/internal/ for the whole project; it lives here only because of
// file ownership while issue 7 was built.
#ifndef CHAINTRUST_ENGINE_INTERNAL_TSAN_MUTEX_H_
#define CHAINTRUST_ENGINE_INTERNAL_TSAN_MUTEX_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

#if defined(__SANITIZE_THREAD__)
#define CHAINTRUST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHAINTRUST_TSAN 1
#endif
#endif

#ifdef CHAINTRUST_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace chaintrust {
namespace internal {

// Call right after acquiring `mu` by any means (Lock, Await's return).
inline void AnnotateAcquired(absl::Mutex* mu) {
#ifdef CHAINTRUST_TSAN
  __tsan_acquire(mu);
#else
  (void)mu;
#endif
}

// Call right before releasing `mu` by any means (Unlock, Await's wait).
inline void AnnotateReleasing(absl::Mutex* mu) {
#ifdef CHAINTRUST_TSAN
  __tsan_release(mu);
#else
  (void)mu;
#endif
}

// absl::MutexLock with the annotations above.
class ABSL_SCOPED_LOCKABLE AnnotatedMutexLock {
 public:
  explicit AnnotatedMutexLock(absl::Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_->Lock();
    AnnotateAcquired(mu_);
  }
  ~AnnotatedMutexLock() ABSL_UNLOCK_FUNCTION() {
    AnnotateReleasing(mu_);
    mu_->Unlock();
  }
  AnnotatedMutexLock(const AnnotatedMutexLock&) = delete;
  AnnotatedMutexLock& operator=(const AnnotatedMutexLock&) = delete;

 private:
  absl::Mutex* const mu_;
};

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_INTERNAL_TSAN_MUTEX_H_
