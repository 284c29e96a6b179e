#include "engine/registration_store.h"

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/registry/memory_registration_store.h"
#include "engine/registry/postgres_registration_store.h"
#include "engine/registry/sqlite_registration_store.h"

namespace chaintrust {

absl::StatusOr<std::unique_ptr<RegistrationStore>> OpenRegistrationStore(
    absl::string_view location, const RegistrationStoreOpenOptions& options) {
  if (location.empty()) {
    return absl::InvalidArgumentError(
        "registration store: the location is empty");
  }
  if (location == ":memory:") {
    // Always a new, empty store: there is nothing to read or delete in it.
    if (!options.create_if_missing || options.read_only) {
      return absl::InvalidArgumentError(
          "registration store ':memory:' is always new and empty: it needs "
          "create_if_missing and cannot be read-only");
    }
    return std::make_unique<MemoryRegistrationStore>();
  }
  const size_t scheme_end = location.find("://");
  if (scheme_end != absl::string_view::npos) {
    const std::string scheme =
        absl::AsciiStrToLower(location.substr(0, scheme_end));
    if (scheme == "postgresql" || scheme == "postgres") {
      PostgresRegistrationStoreOptions postgres;
      postgres.read_only = options.read_only;
      postgres.create_if_missing = options.create_if_missing;
      postgres.statement_timeout = options.busy_timeout;
      auto store = PostgresRegistrationStore::Open(location, postgres);
      if (!store.ok()) return store.status();
      return std::unique_ptr<RegistrationStore>(*std::move(store));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "registration store '", location, "': unknown scheme '", scheme,
        "://' (use a file path, :memory: or ", "postgresql://)"));
  }
  SqliteRegistrationStoreOptions sqlite;
  sqlite.read_only = options.read_only;
  sqlite.create_if_missing = options.create_if_missing;
  sqlite.busy_timeout = options.busy_timeout;
  auto store = SqliteRegistrationStore::Open(location, sqlite);
  if (!store.ok()) return store.status();
  return std::unique_ptr<RegistrationStore>(*std::move(store));
}

}  // namespace chaintrust
