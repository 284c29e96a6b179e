// A process of the multi-process quota race in postgres_fault_test:
//   postgres_quota_writer URI PREFIX THREADS PER_THREAD QUOTA
// registers THREADS x PER_THREAD new devices (PREFIX-t-i) from THREADS
// threads against QUOTA and prints "created N refused N errors N".
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/registry/postgres_registration_store.h"

int main(int argc, char** argv) {
  using namespace chaintrust;  // NOLINT(build/namespaces)
  int threads = 0, per_thread = 0;
  int64_t quota = 0;
  if (argc != 6 || !absl::SimpleAtoi(argv[3], &threads) ||
      !absl::SimpleAtoi(argv[4], &per_thread) ||
      !absl::SimpleAtoi(argv[5], &quota)) {
    std::fprintf(stderr,
                 "usage: postgres_quota_writer URI PREFIX THREADS PER_THREAD "
                 "QUOTA\n");
    return 2;
  }
  auto store = PostgresRegistrationStore::Open(argv[1]);
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
    return 1;
  }
  std::atomic<int> created{0}, refused{0}, errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        RegistrationRecord record;
        record.registration_id = absl::StrCat(argv[2], "-", t, "-", i);
        record.device_id = record.registration_id;
        record.enrollment_kind = RegistrationEnrollmentKind::kGroup;
        record.enrollment_id = "race";
        record.last_updated = absl::FromUnixSeconds(1700000000);
        auto result = (*store)->Register(record, quota);
        if (!result.ok()) {
          std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
          ++errors;
        } else if (result->outcome == RegisterOutcome::kCreated) {
          ++created;
        } else if (result->outcome == RegisterOutcome::kQuotaExceeded) {
          ++refused;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  std::printf("created %d refused %d errors %d\n", created.load(),
              refused.load(), errors.load());
  return 0;
}
