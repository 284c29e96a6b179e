#include "engine/internal/rfc3339.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust::internal {
namespace {

TEST(Rfc3339Test, FormatsUtcSeconds) {
  const absl::Time t =
      absl::FromUnixSeconds(1748736000) + absl::Milliseconds(7);
  EXPECT_EQ(FormatRfc3339(t), "2025-06-01T00:00:00Z");
}

TEST(Rfc3339Test, ParsesOffsetsAndFractions) {
  auto t = ParseRfc3339("2025-06-01T02:00:00.5+02:00");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(*t, absl::FromUnixSeconds(1748736000) + absl::Milliseconds(500));
  auto back = ParseRfc3339(FormatRfc3339(*t));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, absl::FromUnixSeconds(1748736000));
}

TEST(Rfc3339Test, RejectsOtherText) {
  for (const char* text :
       {"", "2025-06-01", "yesterday", "2025-13-01T00:00:00Z"}) {
    auto t = ParseRfc3339(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_THAT(std::string(t.status().message()),
                testing::HasSubstr("is not an RFC 3339 time"));
  }
}

}  // namespace
}  // namespace chaintrust::internal
