#include "engine/throttle.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::unique_ptr<Throttle> MustCreate(const ThrottleOptions& options) {
  auto throttle = Throttle::Create(options);
  EXPECT_TRUE(throttle.ok()) << throttle.status();
  return throttle.ok() ? *std::move(throttle) : nullptr;
}

ThrottleOptions PerId() {
  ThrottleOptions options;
  options.per_id_enabled = true;
  options.initial_backoff = absl::Seconds(1);
  options.backoff_multiplier = 2;
  options.max_backoff = absl::Seconds(30);
  options.forget_after = absl::Minutes(10);
  return options;
}

TEST(ThrottleTest, OffByDefault) {
  auto throttle = MustCreate(ThrottleOptions());
  EXPECT_FALSE(throttle->enabled());
  for (int i = 0; i < 1000; ++i) {
    throttle->RecordDeny("dev", kT0);
    EXPECT_TRUE(throttle->Check("dev", kT0).allowed);
  }
  EXPECT_EQ(throttle->tracked_ids(), 0);
}

TEST(ThrottleTest, BackoffDoublesAfterEachDenyUpToTheMaximum) {
  auto throttle = MustCreate(PerId());
  absl::Time now = kT0;
  EXPECT_TRUE(throttle->Check("dev", now).allowed);
  const absl::Duration expected[] = {absl::Seconds(1),  absl::Seconds(2),
                                     absl::Seconds(4),  absl::Seconds(8),
                                     absl::Seconds(16), absl::Seconds(30),
                                     absl::Seconds(30), absl::Seconds(30)};
  for (int n = 0; n < 8; ++n) {
    throttle->RecordDeny("dev", now);
    const ThrottleDecision refused = throttle->Check("dev", now);
    EXPECT_FALSE(refused.allowed) << n;
    EXPECT_EQ(refused.scope, ThrottleScope::kRegistrationId);
    EXPECT_EQ(refused.retry_after, expected[n]) << n;
    EXPECT_EQ(refused.consecutive_denies, n + 1);
    // Just before the end: still refused, with the remaining time.
    EXPECT_EQ(throttle->Check("DEV", now + expected[n] - absl::Milliseconds(1))
                  .retry_after,
              absl::Milliseconds(1));
    now += expected[n];
    EXPECT_TRUE(throttle->Check("dev", now).allowed) << n;
  }
}

TEST(ThrottleTest, RefusedAttemptsDoNotLengthenTheBackoff) {
  auto throttle = MustCreate(PerId());
  throttle->RecordDeny("dev", kT0);
  // The device hammers during its backoff; a deny reported then is ignored.
  for (int ms = 0; ms < 1000; ms += 10) {
    EXPECT_FALSE(throttle->Check("dev", kT0 + absl::Milliseconds(ms)).allowed);
  }
  throttle->RecordDeny("dev", kT0 + absl::Milliseconds(500));
  EXPECT_TRUE(throttle->Check("dev", kT0 + absl::Seconds(1)).allowed);
  EXPECT_EQ(throttle->Check("dev", kT0 + absl::Seconds(1)).consecutive_denies,
            1);
}

TEST(ThrottleTest, IdsAreIndependentAndCaseInsensitive) {
  auto throttle = MustCreate(PerId());
  throttle->RecordDeny("Dev-A", kT0);
  EXPECT_FALSE(throttle->Check("dev-a", kT0).allowed);
  EXPECT_TRUE(throttle->Check("dev-b", kT0).allowed);
}

TEST(ThrottleTest, AllowForgetsDenies) {
  auto throttle = MustCreate(PerId());
  for (int i = 0; i < 4; ++i) {
    throttle->RecordDeny("dev", kT0 + absl::Minutes(i));
  }
  throttle->RecordAllow("DEV");
  EXPECT_EQ(throttle->tracked_ids(), 0);
  throttle->RecordDeny("dev", kT0 + absl::Minutes(5));
  EXPECT_EQ(throttle->Check("dev", kT0 + absl::Minutes(5)).retry_after,
            absl::Seconds(1));
}

TEST(ThrottleTest, QuietIdsAreForgotten) {
  auto throttle = MustCreate(PerId());
  absl::Time now = kT0;
  for (int i = 0; i < 5; ++i) {
    throttle->RecordDeny("dev", now);
    now += absl::Minutes(1);
  }
  // Quiet for forget_after past the end of the backoff: a fresh start.
  now += absl::Minutes(10);
  throttle->RecordDeny("dev", now);
  EXPECT_EQ(throttle->Check("dev", now).retry_after, absl::Seconds(1));
  // Idle entries are evicted when other IDs are denied later.
  throttle->RecordDeny("other", now + absl::Hours(1));
  EXPECT_EQ(throttle->tracked_ids(), 1);
}

TEST(ThrottleTest, MemoryIsBoundedByEvictingTheOldest) {
  ThrottleOptions options = PerId();
  options.max_tracked_ids = 100;
  auto throttle = MustCreate(options);
  for (int i = 0; i < 1000; ++i) {
    throttle->RecordDeny(absl::StrCat("dev-", i), kT0 + absl::Milliseconds(i));
  }
  EXPECT_EQ(throttle->tracked_ids(), 100);
  const absl::Time now = kT0 + absl::Seconds(1) - absl::Milliseconds(1);
  EXPECT_TRUE(throttle->Check("dev-0", now).allowed);     // evicted
  EXPECT_FALSE(throttle->Check("dev-999", now).allowed);  // kept
}

TEST(ThrottleTest, GlobalRateIsATokenBucket) {
  ThrottleOptions options;
  options.global_rate_per_minute = kDpsRegistrationsPerMinute;  // 1000/min
  options.global_burst = 10;
  auto throttle = MustCreate(options);
  EXPECT_TRUE(throttle->enabled());
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(throttle->Check(absl::StrCat("dev-", i), kT0).allowed) << i;
  }
  const ThrottleDecision refused = throttle->Check("dev-x", kT0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.scope, ThrottleScope::kGlobal);
  EXPECT_EQ(refused.retry_after, absl::Milliseconds(60));  // 60 s / 1000
  EXPECT_FALSE(throttle->Check("dev-x", kT0 + absl::Milliseconds(59)).allowed);
  EXPECT_TRUE(throttle->Check("dev-x", kT0 + absl::Milliseconds(60)).allowed);
  // Over a long run the rate holds: one minute admits about 1000 more.
  int admitted = 0;
  for (int ms = 61; ms <= 60060; ms += 6) {
    admitted += throttle->Check("d", kT0 + absl::Milliseconds(ms)).allowed;
  }
  EXPECT_NEAR(admitted, 1000, 2);
  // Time going backwards adds no tokens.
  EXPECT_FALSE(throttle->Check("d", kT0).allowed);
}

TEST(ThrottleTest, GlobalBurstDefaultsToOneMinute) {
  ThrottleOptions options;
  options.global_rate_per_minute = 120;
  auto throttle = MustCreate(options);
  int admitted = 0;
  for (int i = 0; i < 500; ++i) admitted += throttle->Check("d", kT0).allowed;
  EXPECT_EQ(admitted, 120);
}

TEST(ThrottleTest, IdBackoffIsCheckedBeforeTheGlobalRate) {
  ThrottleOptions options = PerId();
  options.global_rate_per_minute = 60;
  options.global_burst = 1;
  auto throttle = MustCreate(options);
  throttle->RecordDeny("blocked", kT0);
  // The blocked device spends no token...
  EXPECT_EQ(throttle->Check("blocked", kT0).scope,
            ThrottleScope::kRegistrationId);
  // ...so another device still gets the only one.
  EXPECT_TRUE(throttle->Check("fresh", kT0).allowed);
  EXPECT_EQ(throttle->Check("fresh", kT0).scope, ThrottleScope::kGlobal);
}

TEST(ThrottleTest, RejectsBadOptions) {
  struct Case {
    const char* name;
    void (*mutate)(ThrottleOptions&);
  };
  const Case cases[] = {
      {"initial_backoff", [](ThrottleOptions& o) { o.initial_backoff = {}; }},
      {"backoff_multiplier",
       [](ThrottleOptions& o) { o.backoff_multiplier = 0.5; }},
      {"max_backoff",
       [](ThrottleOptions& o) { o.max_backoff = absl::Milliseconds(1); }},
      {"forget_after",
       [](ThrottleOptions& o) { o.forget_after = -absl::Seconds(1); }},
      {"max_tracked_ids", [](ThrottleOptions& o) { o.max_tracked_ids = 0; }},
      {"global_rate_per_minute",
       [](ThrottleOptions& o) { o.global_rate_per_minute = -1; }},
      {"global_burst",
       [](ThrottleOptions& o) {
         o.global_rate_per_minute = 10;
         o.global_burst = 0.5;
       }},
  };
  for (const Case& c : cases) {
    ThrottleOptions options = PerId();
    c.mutate(options);
    auto throttle = Throttle::Create(options);
    EXPECT_EQ(throttle.status().code(), absl::StatusCode::kInvalidArgument)
        << c.name;
    EXPECT_THAT(std::string(throttle.status().message()),
                ::testing::HasSubstr(c.name));
  }
}

}  // namespace
}  // namespace chaintrust
