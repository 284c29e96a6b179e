// FormatUtc writes what absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ") writes.
#include "tools/serve/json_util.h"

#include <cstdint>
#include <random>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace chaintrust::serve {
namespace {

std::string Reference(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

TEST(FormatUtcTest, MatchesFormatTime) {
  EXPECT_EQ(FormatUtc(absl::FromUnixMicros(1764670500123456)),
            "2025-12-02T10:15:00.123Z");
  // Edges: the epoch, before it (the millisecond still truncates toward
  // the earlier time), the last millisecond of a year, years outside
  // 1000-9999 and the infinities (the fallback).
  for (absl::Time t :
       {absl::UnixEpoch(), absl::FromUnixMicros(-1),
        absl::FromUnixMicros(-1500), absl::FromUnixMillis(1767225599999),
        absl::FromCivil(absl::CivilSecond(999, 12, 31, 23, 59, 59),
                        absl::UTCTimeZone()),
        absl::FromCivil(absl::CivilSecond(10000, 1, 1, 0, 0, 0),
                        absl::UTCTimeZone()),
        absl::InfinitePast(), absl::InfiniteFuture()}) {
    EXPECT_EQ(FormatUtc(t), Reference(t)) << Reference(t);
  }
  std::mt19937_64 random(42);
  std::uniform_int_distribution<int64_t> micros(-30'000'000'000'000'000,
                                                250'000'000'000'000'000);
  for (int i = 0; i < 10000; ++i) {
    const absl::Time t = absl::FromUnixMicros(micros(random));
    ASSERT_EQ(FormatUtc(t), Reference(t));
  }
}

}  // namespace
}  // namespace chaintrust::serve
