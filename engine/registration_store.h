// Registration stores for a provisioning front-end: the records it keeps
// of the devices it provisioned (RegistrationRecord, RegistrationStore,
// defined in engine/registration_record.h and included here), and
// OpenRegistrationStore(), which opens a store by its location so that a
// front-end includes no header of a particular implementation.
//
//   RegistrationStoreOpenOptions options;
//   options.create_if_missing = true;  // a front-end that registers
//   ASSIGN_OR_RETURN(std::unique_ptr<RegistrationStore> store,
//                    OpenRegistrationStore("/var/lib/dps/store.db", options));
#ifndef CHAINTRUST_ENGINE_REGISTRATION_STORE_H_
#define CHAINTRUST_ENGINE_REGISTRATION_STORE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/registration_record.h"  // IWYU pragma: export

namespace chaintrust {

struct RegistrationStoreOpenOptions {
  // Open for reading only: Register() and Delete() then fail with
  // FailedPrecondition, and opening writes nothing to the store (it can be
  // a file this process may not write). For commands that only list.
  bool read_only = false;
  // Create the store when it does not exist. Off, a missing store is
  // NotFound: a mistyped location is an error, never a new empty store.
  // Set it only where registrations are made (replay, serve); not together
  // with read_only.
  bool create_if_missing = false;
  // How long a write waits for another process holding the store's lock
  // before it fails with Unavailable. PostgreSQL: the statement_timeout of
  // the store's sessions (a statement running longer fails with
  // DeadlineExceeded).
  absl::Duration busy_timeout = absl::Seconds(5);
};

// Opens the registration store at `location`:
//   ":memory:"              a new, empty in-memory store; nothing survives
//                           the process. Needs create_if_missing (without
//                           it, or read_only, InvalidArgument: there would
//                           be nothing to read).
//   "postgresql://..."      (or "postgres://") a libpq connection URI: the
//                           shared PostgreSQL store. create_if_missing
//                           creates its tables (never the database);
//                           without it a database holding no store is
//                           FailedPrecondition. A server that cannot be
//                           reached is Unavailable, a wrong password
//                           PermissionDenied. Errors show the URI without
//                           its password.
//   any other "scheme://"   InvalidArgument.
//   anything else           a path: the durable SQLite store. Before it is
//                           returned the file passes an integrity check
//                           (quick_check); a damaged file is DataLoss, a
//                           missing one NotFound unless create_if_missing.
// Errors name the location. The store is thread-safe (RegistrationStore).
absl::StatusOr<std::unique_ptr<RegistrationStore>> OpenRegistrationStore(
    absl::string_view location, const RegistrationStoreOpenOptions& options =
                                    RegistrationStoreOpenOptions());

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_REGISTRATION_STORE_H_
