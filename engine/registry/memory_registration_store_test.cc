// The in-memory store's own checks; the shared semantics run in
// registration_store_test.cc.
#include "engine/registry/memory_registration_store.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/registry/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

// Writers, readers and deleters at once; runs under TSAN.
TEST(MemoryRegistrationStoreTest, ConcurrentMixedOperations) {
  MemoryRegistrationStore store;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 200; ++i) {
        RegistrationRecord record;
        record.registration_id = absl::StrCat("dev-", t, "-", i);
        record.enrollment_kind = RegistrationEnrollmentKind::kGroup;
        record.enrollment_id = absl::StrCat("g", t);
        record.last_updated = absl::FromUnixSeconds(i);
        ASSERT_TRUE(store.Register(record).ok());
        ASSERT_TRUE(store.Get(record.registration_id).ok());
        if (i % 50 == 49) {
          ASSERT_TRUE(store.List(RegistrationFilter::All()).ok());
          ASSERT_TRUE(store
                          .Delete(RegistrationFilter::ByRegistrationId(
                              record.registration_id))
                          .ok());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(*store.Count(), 8 * (200 - 4));
  EXPECT_EQ(store.List(RegistrationFilter::ByEnrollmentGroup("g3"))->size(),
            200u - 4u);
}

TEST(MemoryRegistrationStoreTest, TimesAreKeptToTheMicrosecond) {
  MemoryRegistrationStore store;
  RegistrationRecord record;
  record.registration_id = "dev";
  record.last_updated = absl::FromUnixNanos(1700000000123456789);
  auto result = store.Register(record);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->record.last_updated,
            absl::FromUnixMicros(1700000000123456));
}

}  // namespace
}  // namespace chaintrust
