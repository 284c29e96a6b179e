// A registration store that can also register without blocking the caller:
// the durable stores (SQLite, PostgreSQL), whose group commit acknowledges
// a registration from their committer thread. A front-end that finds this
// interface on its store (dynamic_cast) can hand a record over and answer
// its client from the callback, instead of keeping a thread waiting for
// the commit.
#ifndef CHAINTRUST_ENGINE_REGISTRY_ASYNC_REGISTRATION_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRY_ASYNC_REGISTRATION_STORE_H_

#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "engine/registration_record.h"

namespace chaintrust {

class AsyncRegistrationStore {
 public:
  using RegisterCallback =
      absl::AnyInvocable<void(absl::StatusOr<RegisterResult>) &&>;

  virtual ~AsyncRegistrationStore() = default;

  // Register() without waiting: returns at once, and `done` runs once with
  // what Register() would have returned, when the registration is durable
  // (or failed). It runs on the store's committer thread, before the next
  // batch starts, so it must be quick and must not call the blocking
  // Register() or destroy the store (RegisterAsync() is fine); argument
  // errors may run it on the calling thread. Every accepted registration
  // completes before the store's destructor returns.
  virtual void RegisterAsync(RegistrationRecord record,
                             int64_t max_registrations,
                             RegisterCallback done) = 0;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_ASYNC_REGISTRATION_STORE_H_
