#include "engine/x509/der.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace internal {
namespace {

using ::testing::HasSubstr;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(DerReaderTest, ReadsShortAndLongForms) {
  const std::string contents(200, 'x');
  const std::string input =
      Bytes({0x04, 0x02, 'h', 'i', 0x04, 0x81, 0xc8}) + contents;
  DerReader reader(input);
  DerElement element;
  ASSERT_TRUE(reader.ReadExpected(kDerOctetString, "a", &element).ok());
  EXPECT_EQ(element.contents, "hi");
  EXPECT_EQ(element.tlv, Bytes({0x04, 0x02, 'h', 'i'}));
  ASSERT_TRUE(reader.Read("b", &element).ok());
  EXPECT_EQ(element.contents, contents);
  EXPECT_TRUE(reader.empty());
  EXPECT_TRUE(reader.ExpectEnd("c").ok());
}

struct BadTlv {
  std::string name;
  std::string input;
  std::string error;
};

class DerReaderErrorTest : public ::testing::TestWithParam<BadTlv> {};

TEST_P(DerReaderErrorTest, IsRejected) {
  DerElement element;
  const absl::Status status =
      ParseSingleElement(GetParam().input, "field", &element);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("field: "));
  EXPECT_THAT(status.message(), HasSubstr(GetParam().error));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DerReaderErrorTest,
    ::testing::Values(BadTlv{"Empty", "", "truncated element"},
                      BadTlv{"TagOnly", Bytes({0x30}), "truncated element"},
                      BadTlv{"HighTag", Bytes({0x1f, 0x01, 0x00}), "high tag"},
                      BadTlv{"Indefinite", Bytes({0x30, 0x80, 0x00, 0x00}),
                             "indefinite length"},
                      BadTlv{"LongFormForShort", Bytes({0x04, 0x81, 0x01, 'a'}),
                             "non-minimal length"},
                      BadTlv{"LeadingZeroLength",
                             Bytes({0x04, 0x82, 0x00, 0x81}),
                             "non-minimal length"},
                      BadTlv{"FiveLengthOctets",
                             Bytes({0x04, 0x85, 1, 0, 0, 0, 0}),
                             "length too large"},
                      BadTlv{"TruncatedLength", Bytes({0x04, 0x82, 0x01}),
                             "truncated length"},
                      BadTlv{"TruncatedContents", Bytes({0x04, 0x03, 'a'}),
                             "truncated contents"},
                      BadTlv{"Trailing", Bytes({0x05, 0x00, 0x00}),
                             "unexpected trailing data"}),
    [](const ::testing::TestParamInfo<BadTlv>& info) {
      return info.param.name;
    });

TEST(DerReaderTest, OptionalAndNesting) {
  const std::string input = Bytes({0x30, 0x03, 0x02, 0x01, 0x05});
  DerReader reader(input);
  DerElement element;
  bool present = true;
  ASSERT_TRUE(reader.ReadOptional(0xa0, "v", &element, &present).ok());
  EXPECT_FALSE(present);
  absl::StatusOr<DerReader> inner = reader.ReadNested(kDerSequence, "seq");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->depth(), 1);
  ASSERT_TRUE(inner->ReadExpected(kDerInteger, "int", &element).ok());
  EXPECT_EQ(ParseUint64(element.contents, "int").value(), 5u);
  EXPECT_THAT(reader.ReadExpected(kDerInteger, "x", &element).message(),
              HasSubstr("missing"));

  std::string deep = Bytes({0x05, 0x00});
  DerReader at_limit(deep, kMaxDerDepth);
  DerElement null;
  ASSERT_TRUE(at_limit.Read("n", &null).ok());
  EXPECT_THAT(at_limit.Nested(null, "n").status().message(),
              HasSubstr("nested too deeply"));
}

TEST(DerValueTest, Oids) {
  EXPECT_EQ(OidToString(Bytes({0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}))
                .value(),
            "1.2.840.10045.4.3.2");
  EXPECT_EQ(OidToString(Bytes({0x55, 0x1d, 0x13})).value(), "2.5.29.19");
  EXPECT_EQ(OidToString(Bytes({0x88, 0x37})).value(), "2.999");
  EXPECT_EQ(OidToString(Bytes({0x00})).value(), "0.0");
  EXPECT_FALSE(OidToString("").ok());
  EXPECT_FALSE(OidToString(Bytes({0x2a, 0x80, 0x01})).ok());  // non-minimal
  EXPECT_FALSE(OidToString(Bytes({0x2a, 0x86})).ok());        // truncated
  EXPECT_FALSE(OidToString(std::string(11, '\xff') + Bytes({0x7f})).ok());
}

TEST(DerValueTest, Integers) {
  EXPECT_TRUE(ValidateInteger(Bytes({0x00}), "i").ok());
  EXPECT_TRUE(ValidateInteger(Bytes({0x00, 0x80}), "i").ok());
  EXPECT_TRUE(ValidateInteger(Bytes({0xff, 0x7f}), "i").ok());
  EXPECT_FALSE(ValidateInteger("", "i").ok());
  EXPECT_FALSE(ValidateInteger(Bytes({0x00, 0x7f}), "i").ok());
  EXPECT_FALSE(ValidateInteger(Bytes({0xff, 0x80}), "i").ok());
  EXPECT_EQ(ParseUint64(Bytes({0x00, 0xff}), "i").value(), 255u);
  EXPECT_THAT(ParseUint64(Bytes({0x80}), "i").status().message(),
              HasSubstr("negative"));
  EXPECT_THAT(ParseUint64(Bytes({0x01, 0x00}), "i", 255).status().message(),
              HasSubstr("too large"));
  EXPECT_FALSE(ParseUint64(Bytes({0x01, 0, 0, 0, 0, 0, 0, 0, 0}), "i").ok());
}

TEST(DerValueTest, BooleansAndBitStrings) {
  EXPECT_TRUE(ParseBoolean(Bytes({0xff}), "b").value());
  EXPECT_FALSE(ParseBoolean(Bytes({0x00}), "b").value());
  EXPECT_FALSE(ParseBoolean(Bytes({0x01}), "b").ok());
  EXPECT_FALSE(ParseBoolean(Bytes({0x00, 0x00}), "b").ok());

  // keyUsage digitalSignature + keyCertSign: bits 0 and 5 -> 0x84, 2 unused.
  const std::string key_usage = Bytes({0x02, 0x84});  // Outlives the view.
  absl::StatusOr<DerBitString> bits = ParseBitString(key_usage, "k");
  ASSERT_TRUE(bits.ok());
  EXPECT_TRUE(bits->bit(0));
  EXPECT_FALSE(bits->bit(1));
  EXPECT_TRUE(bits->bit(5));
  EXPECT_FALSE(bits->bit(6));
  EXPECT_FALSE(bits->bit(100));
  EXPECT_TRUE(ParseBitString(Bytes({0x00}), "k").ok());
  EXPECT_FALSE(ParseBitString("", "k").ok());
  EXPECT_FALSE(ParseBitString(Bytes({0x08, 0x00}), "k").ok());
  EXPECT_FALSE(ParseBitString(Bytes({0x01}), "k").ok());
  EXPECT_FALSE(ParseBitString(Bytes({0x02, 0x86}), "k").ok());  // unused set
}

TEST(DerValueTest, Times) {
  EXPECT_EQ(ParseTime(kDerUtcTime, "491231235959Z", "t").value(),
            absl::FromUnixSeconds(2524607999));
  EXPECT_EQ(ParseTime(kDerUtcTime, "500101000000Z", "t").value(),
            absl::FromUnixSeconds(-631152000));
  EXPECT_EQ(ParseTime(kDerGeneralizedTime, "20550101000000Z", "t").value(),
            absl::FromUnixSeconds(2682374400));
  EXPECT_EQ(ParseTime(kDerGeneralizedTime, "20240229120000Z", "t").value(),
            absl::FromUnixSeconds(1709208000));
  for (const char* bad :
       {"230229000000Z", "231301000000Z", "230100000000Z", "230101240000Z",
        "230101006000Z", "230101000060Z", "2301010000Z", "230101000000",
        "230101000000+0000", "23010100000aZ", "-30101000000Z"}) {
    EXPECT_FALSE(ParseTime(kDerUtcTime, bad, "t").ok()) << bad;
  }
  EXPECT_FALSE(ParseTime(kDerGeneralizedTime, "20230101000000.5Z", "t").ok());
  EXPECT_FALSE(ParseTime(kDerGeneralizedTime, "230101000000Z", "t").ok());
  EXPECT_FALSE(ParseTime(kDerOctetString, "230101000000Z", "t").ok());
}

}  // namespace
}  // namespace internal
}  // namespace chaintrust
