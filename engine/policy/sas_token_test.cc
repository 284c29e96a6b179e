#include "engine/policy/sas_token.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;

std::string Unhex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

// Group key used by the known-answer vectors: bytes 00..1f.
const std::string& GroupKey() {
  static const std::string* const kKey = new std::string(Unhex(
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
  return *kKey;
}

TEST(HmacSha256Test, Rfc4231Case2) {
  // printf 'what do ya want for nothing?' |
  //   openssl dgst -sha256 -mac HMAC -macopt key:Jefe
  EXPECT_EQ(absl::BytesToHexString(
                HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256Test, DerivedDeviceKeyKnownAnswer) {
  // K=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
  // printf 'device-001' |
  //   openssl dgst -sha256 -mac HMAC -macopt hexkey:$K
  EXPECT_EQ(absl::BytesToHexString(DeriveDeviceKey(GroupKey(), "device-001")),
            "046d31ff49886ea9c6f515aca2c6f2d86c4139e6204615c8f609d1aa7da5c452");
}

TEST(SasTokenTest, KnownAnswerToken) {
  // D=046d31ff49886ea9c6f515aca2c6f2d86c4139e6204615c8f609d1aa7da5c452
  // (the derived key above)
  // printf '0ne00000A0A%%2Fregistrations%%2Fdevice-001\n1700000000' |
  //   openssl dgst -sha256 -mac HMAC -macopt hexkey:$D -binary | base64
  const std::string device_key = DeriveDeviceKey(GroupKey(), "device-001");
  const std::string expected =
      "SharedAccessSignature sr=0ne00000A0A%2Fregistrations%2Fdevice-001"
      "&sig=iMNsffDhbqnBUHyYN1wCBS05uauV%2FBHQuXYnQS8pQfg%3D"
      "&se=1700000000&skn=registration";
  EXPECT_EQ(MakeSasToken("0ne00000A0A", "device-001", device_key,
                         absl::FromUnixSeconds(1700000000)),
            expected);

  absl::StatusOr<SasToken> token = ParseSasToken(expected);
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->resource, "0ne00000A0A/registrations/device-001");
  EXPECT_EQ(token->resource_encoded,
            "0ne00000A0A%2Fregistrations%2Fdevice-001");
  EXPECT_EQ(token->registration_id, "device-001");
  EXPECT_EQ(token->expiry_text, "1700000000");
  EXPECT_EQ(token->expiry, absl::FromUnixSeconds(1700000000));
  EXPECT_EQ(token->key_name, "registration");
  EXPECT_EQ(absl::Base64Escape(token->signature),
            "iMNsffDhbqnBUHyYN1wCBS05uauV/BHQuXYnQS8pQfg=");
  EXPECT_TRUE(VerifySasSignature(*token, device_key));
  EXPECT_FALSE(VerifySasSignature(*token, GroupKey()));
  std::string wrong_key = device_key;
  wrong_key[31] ^= 1;
  EXPECT_FALSE(VerifySasSignature(*token, wrong_key));
}

TEST(SasTokenTest, FieldsInAnyOrderAndSknOptional) {
  absl::StatusOr<SasToken> token = ParseSasToken(
      "SharedAccessSignature se=1700000000&sig=iMNsffDhbqnBUHyYN1wCBS05uauV%2f"
      "BHQuXYnQS8pQfg%3d&sr=0ne00000A0A%2Fregistrations%2Fdevice-001");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->key_name, "");
  EXPECT_TRUE(
      VerifySasSignature(*token, DeriveDeviceKey(GroupKey(), "device-001")));
}

TEST(SasTokenTest, SignedStringIsTheResourceAsSent) {
  // The same resource encoded differently signs differently: the signature
  // covers the bytes the device sent, not a re-encoding.
  const std::string key = "k";
  const absl::Time expiry = absl::FromUnixSeconds(2000000000);
  absl::StatusOr<SasToken> token =
      ParseSasToken(MakeSasToken("scope", "Dev.1", key, expiry));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(VerifySasSignature(*token, key));
  SasToken lower = *token;
  lower.resource_encoded = "scope%2fregistrations%2fDev.1";
  EXPECT_FALSE(VerifySasSignature(lower, key));
  SasToken later = *token;
  later.expiry_text = "2000000001";
  EXPECT_FALSE(VerifySasSignature(later, key));
  SasToken short_sig = *token;
  short_sig.signature.resize(16);
  EXPECT_FALSE(VerifySasSignature(short_sig, key));
}

struct BadCase {
  std::string name;
  std::string token;
  std::string error;
};

class SasTokenErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(SasTokenErrorTest, IsRejected) {
  absl::StatusOr<SasToken> token = ParseSasToken(GetParam().token);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(token.status().message(), HasSubstr(GetParam().error));
}

constexpr char kSig[] = "sig=iMNsffDhbqnBUHyYN1wCBS05uauV%2FBHQuXYnQS8pQfg%3D";
constexpr char kSr[] = "sr=0ne00000A0A%2Fregistrations%2Fdevice-001";

INSTANTIATE_TEST_SUITE_P(
    Cases, SasTokenErrorTest,
    ::testing::Values(
        BadCase{"NoPrefix", absl::StrCat(kSr, "&", kSig, "&se=1"),
                "SharedAccessSignature"},
        BadCase{"MissingSr",
                absl::StrCat("SharedAccessSignature ", kSig, "&se=1"),
                "missing field 'sr'"},
        BadCase{"MissingSig",
                absl::StrCat("SharedAccessSignature ", kSr, "&se=1"),
                "missing field 'sig'"},
        BadCase{"MissingSe",
                absl::StrCat("SharedAccessSignature ", kSr, "&", kSig),
                "missing field 'se'"},
        BadCase{"DuplicateSe",
                absl::StrCat("SharedAccessSignature ", kSr, "&", kSig,
                             "&se=1&se=2"),
                "duplicate field 'se'"},
        BadCase{
            "UnknownField",
            absl::StrCat("SharedAccessSignature ", kSr, "&", kSig, "&se=1&x=2"),
            "unknown field 'x'"},
        BadCase{"NoEquals",
                absl::StrCat("SharedAccessSignature ", kSr, "&", kSig, "&se"),
                "has no '='"},
        BadCase{
            "NegativeExpiry",
            absl::StrCat("SharedAccessSignature ", kSr, "&", kSig, "&se=-5"),
            "field 'se'"},
        BadCase{"HugeExpiry",
                absl::StrCat("SharedAccessSignature ", kSr, "&", kSig,
                             "&se=99999999999999999999999"),
                "field 'se'"},
        BadCase{"BadBase64",
                absl::StrCat("SharedAccessSignature ", kSr, "&sig=!!!!&se=1"),
                "field 'sig'"},
        BadCase{
            "BadPercent",
            absl::StrCat("SharedAccessSignature ", kSr, "&", kSig, "%2&se=1"),
            "bad percent-escape"},
        BadCase{"ResourceWithoutRegistrations",
                absl::StrCat("SharedAccessSignature sr=scope%2Fdevices%2Fd1&",
                             kSig, "&se=1"),
                "field 'sr'"},
        BadCase{"ResourceWithoutScope",
                absl::StrCat("SharedAccessSignature "
                             "sr=%2Fregistrations%2Fd1&",
                             kSig, "&se=1"),
                "field 'sr'"},
        BadCase{"ResourceEmptyId",
                absl::StrCat("SharedAccessSignature "
                             "sr=scope%2Fregistrations%2F&",
                             kSig, "&se=1"),
                "field 'sr'"},
        BadCase{"ResourceExtraPath",
                absl::StrCat("SharedAccessSignature "
                             "sr=scope%2Fregistrations%2Fd1%2Fx&",
                             kSig, "&se=1"),
                "field 'sr'"},
        BadCase{"TooLong",
                absl::StrCat("SharedAccessSignature ", kSr, "&", kSig,
                             "&se=1&skn=", std::string(5000, 'a')),
                "4 KiB"}),
    [](const ::testing::TestParamInfo<BadCase>& info) {
      return info.param.name;
    });

}  // namespace
}  // namespace chaintrust
