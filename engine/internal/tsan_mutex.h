// Synchronization that ThreadSanitizer can see: the engine's one helper for
// it.
//
// Debian's Abseil is a prebuilt shared library without ThreadSanitizer
// instrumentation, so under --config=tsan neither absl::Mutex nor
// absl::call_once creates happens-before edges that TSan knows of, and
// every access they protect is reported as a race. (libstdc++'s std::mutex
// is visible to TSan, since it calls the intercepted pthread functions, but
// lacks Abseil's Await and lock annotations.)
//
// Use, anywhere in the engine:
//  - AnnotatedMutex and AnnotatedMutexLock in place of absl::Mutex and
//    absl::MutexLock. They lock an absl::Mutex as usual and, in TSan builds
//    only, tell TSan that unlocking releases and locking acquires it; Await()
//    does the same around its wait and its condition. ABSL_GUARDED_BY works
//    on them as on absl::Mutex.
//  - TsanRelease / TsanAcquire to restate an ordering that another
//    uninstrumented primitive already guarantees (absl::call_once: release
//    at the end of the initializer, acquire after call_once returns).
// Outside TSan builds all of this compiles to plain absl::Mutex calls and
// no-ops.
#ifndef CHAINTRUST_ENGINE_INTERNAL_TSAN_MUTEX_H_
#define CHAINTRUST_ENGINE_INTERNAL_TSAN_MUTEX_H_

#include <utility>

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

// Everything written before TsanRelease(addr) in one thread happens before
// everything after a later TsanAcquire(addr) in another. No-ops outside
// TSan builds.
inline void TsanRelease(const void* addr) {
#ifdef CHAINTRUST_TSAN
  __tsan_release(const_cast<void*>(addr));
#else
  static_cast<void>(addr);
#endif
}
inline void TsanAcquire(const void* addr) {
#ifdef CHAINTRUST_TSAN
  __tsan_acquire(const_cast<void*>(addr));
#else
  static_cast<void>(addr);
#endif
}

// An absl::Mutex whose lock, unlock and waits TSan sees.
class ABSL_LOCKABLE AnnotatedMutex {
 public:
  AnnotatedMutex() = default;
  AnnotatedMutex(const AnnotatedMutex&) = delete;
  AnnotatedMutex& operator=(const AnnotatedMutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() {
    mu_.Lock();
    TsanAcquire(this);
  }
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    TsanRelease(this);
    mu_.Unlock();
  }

  // Releases the mutex until `ready()` is true, then holds it again.
  // `ready` runs with the mutex held (in whichever thread holds it), must be
  // quick and must not lock this mutex.
  template <typename Ready>
  void Await(Ready ready) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    const Condition<Ready> condition{this, std::move(ready)};
    TsanRelease(this);
    mu_.Await(absl::Condition(&condition));
    TsanAcquire(this);
  }

 private:
  // absl::Mutex evaluates the condition with its mutex held, from the
  // waiting thread or from the one that unlocks: annotate it likewise.
  template <typename Ready>
  struct Condition {
    bool operator()() const {
      TsanAcquire(mu);
      const bool result = ready();
      TsanRelease(mu);
      return result;
    }
    const AnnotatedMutex* mu;
    Ready ready;
  };

  absl::Mutex mu_;
};

// absl::MutexLock for AnnotatedMutex: holds it for its scope.
class ABSL_SCOPED_LOCKABLE AnnotatedMutexLock {
 public:
  explicit AnnotatedMutexLock(AnnotatedMutex* mu)
      ABSL_EXCLUSIVE_LOCK_FUNCTION(mu)
      : mu_(mu) {
    mu_->Lock();
  }
  ~AnnotatedMutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  AnnotatedMutexLock(const AnnotatedMutexLock&) = delete;
  AnnotatedMutexLock& operator=(const AnnotatedMutexLock&) = delete;

 private:
  AnnotatedMutex* const mu_;
};

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_INTERNAL_TSAN_MUTEX_H_
