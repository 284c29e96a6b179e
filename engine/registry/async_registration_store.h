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
  // Completes a record about to be written from the stored record of the
  // same registration ID (`previous`, null when there is none), e.g. to
  // keep its hub. It must be quick and must not call the store.
  using CompleteRecord = absl::AnyInvocable<void(
      const RegistrationRecord* previous, RegistrationRecord* record)>;

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
  // The same, but `record` is first passed through `complete` with the
  // record its registration ID has in the store, and what `complete` made of
  // it is written. The SQLite store reads the previous record inside the
  // write transaction, on the committer thread (with the write connection,
  // whose cache its own commits keep warm); others may read it before they
  // queue the write. A previous record that cannot be read is the write's
  // error.
  virtual void RegisterAsync(RegistrationRecord record,
                             int64_t max_registrations, CompleteRecord complete,
                             RegisterCallback done) = 0;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRY_ASYNC_REGISTRATION_STORE_H_
