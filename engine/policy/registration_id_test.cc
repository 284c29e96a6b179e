#include "engine/policy/registration_id.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;

struct IdCase {
  std::string name;
  std::string id;
  size_t max_length;
  std::string error;  // empty: valid; else a substring of the message
};

class ValidateRegistrationIdTest : public ::testing::TestWithParam<IdCase> {};

TEST_P(ValidateRegistrationIdTest, Validates) {
  const IdCase& test = GetParam();
  const absl::Status status = ValidateRegistrationId(test.id, test.max_length);
  if (test.error.empty()) {
    EXPECT_TRUE(status.ok()) << status;
  } else {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(test.error));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ValidateRegistrationIdTest,
    ::testing::Values(
        IdCase{/*name=*/"Simple", /*id=*/"device-001", /*max_length=*/128,
               /*error=*/""},
        IdCase{/*name=*/"AllClasses", /*id=*/"Dev.ice_01:a-Z9",
               /*max_length=*/128, /*error=*/""},
        IdCase{/*name=*/"SingleChar", /*id=*/"a", /*max_length=*/128,
               /*error=*/""},
        IdCase{/*name=*/"EndsWithDash", /*id=*/"device-", /*max_length=*/128,
               /*error=*/""},
        IdCase{/*name=*/"Max128", /*id=*/std::string(128, 'a'),
               /*max_length=*/128, /*error=*/""},
        IdCase{/*name=*/"Over128", /*id=*/std::string(129, 'a'),
               /*max_length=*/128,
               /*error=*/"129 characters long; at most 128"},
        IdCase{/*name=*/"X509Max64", /*id=*/std::string(64, 'b'),
               /*max_length=*/kMaxX509RegistrationIdLength, /*error=*/""},
        IdCase{/*name=*/"X509Over64", /*id=*/std::string(65, 'b'),
               /*max_length=*/kMaxX509RegistrationIdLength,
               /*error=*/"at most 64"},
        IdCase{/*name=*/"Empty", /*id=*/"", /*max_length=*/128,
               /*error=*/"empty"},
        IdCase{/*name=*/"Space", /*id=*/"dev ice", /*max_length=*/128,
               /*error=*/"invalid character ' ' at position 3"},
        IdCase{/*name=*/"Slash", /*id=*/"a/b", /*max_length=*/128,
               /*error=*/"invalid character '/' at position 1"},
        IdCase{/*name=*/"ControlByte", /*id=*/std::string("ab\x01", 3),
               /*max_length=*/128,
               /*error=*/"invalid character byte 0x01 at position 2"},
        IdCase{/*name=*/"NulByte", /*id=*/std::string("a\0b", 3),
               /*max_length=*/128,
               /*error=*/"invalid character byte 0x00 at position 1"},
        IdCase{/*name=*/"NonAscii", /*id=*/"d\xc3\xa9vice", /*max_length=*/128,
               /*error=*/"byte 0xc3 at position 1"},
        IdCase{/*name=*/"EndsWithDot", /*id=*/"device.", /*max_length=*/128,
               /*error=*/"ends with '.' at position 6"},
        IdCase{/*name=*/"EndsWithColon", /*id=*/"device:",
               /*max_length=*/128, /*error=*/"ends with ':'"},
        IdCase{/*name=*/"EndsWithUnderscore", /*id=*/"_",
               /*max_length=*/128, /*error=*/"ends with '_' at position 0"},
        IdCase{/*name=*/"BadCharWinsOverBadEnd", /*id=*/"a#.",
               /*max_length=*/128,
               /*error=*/"invalid character '#' at position 1"}),
    [](const ::testing::TestParamInfo<IdCase>& info) {
      return info.param.name;
    });

TEST(CanonicalRegistrationIdTest, Lowercases) {
  EXPECT_EQ(CanonicalRegistrationId("Device-ABC.1:x_Y"), "device-abc.1:x_y");
  char buffer[kMaxRegistrationIdLength];
  EXPECT_EQ(CanonicalRegistrationIdInto("Device-ABC", buffer), "device-abc");
  const std::string long_id(kMaxRegistrationIdLength, 'Q');
  EXPECT_EQ(CanonicalRegistrationIdInto(long_id, buffer),
            std::string(kMaxRegistrationIdLength, 'q'));
}

}  // namespace
}  // namespace chaintrust
