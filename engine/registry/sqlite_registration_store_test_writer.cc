// Test helper for the kill test: registers records into a SQLite store from
// several threads and prints each registration ID on stdout once Register()
// returned OK (that is, once it is durable), one write(2) per line so that
// lines never interleave. Runs until killed or until --count records.
//
// Usage: sqlite_registration_store_test_writer --store=PATH [--count=N]
//            [--threads=T] [--prefix=P]
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "engine/registry/sqlite_registration_store.h"
#include "engine/registry/store.h"

int main(int argc, char** argv) {
  std::string store_path;
  int count = 1000000;
  int threads = 4;
  std::string prefix = "dev";
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--store=")) {
      store_path = std::string(arg);
    } else if (absl::ConsumePrefix(&arg, "--count=")) {
      if (!absl::SimpleAtoi(arg, &count)) return 2;
    } else if (absl::ConsumePrefix(&arg, "--threads=")) {
      if (!absl::SimpleAtoi(arg, &threads) || threads < 1) return 2;
    } else if (absl::ConsumePrefix(&arg, "--prefix=")) {
      prefix = std::string(arg);
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  chaintrust::SqliteRegistrationStoreOptions options;
  options.create_if_missing = true;
  auto store = chaintrust::SqliteRegistrationStore::Open(store_path, options);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < count && !failed; i = next++) {
        chaintrust::RegistrationRecord record;
        record.registration_id = absl::StrCat(prefix, "-", i);
        record.device_id = record.registration_id;
        record.enrollment_kind = chaintrust::RegistrationEnrollmentKind::kGroup;
        record.enrollment_id = "kill-test-group";
        record.last_updated = absl::FromUnixSeconds(1700000000 + i);
        auto result = (*store)->Register(record);
        if (!result.ok()) {
          std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
          failed = true;
          return;
        }
        const std::string line = record.registration_id + "\n";
        if (write(STDOUT_FILENO, line.data(), line.size()) !=
            static_cast<ssize_t>(line.size())) {
          failed = true;
          return;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return failed ? 1 : 0;
}
