// Decisions: stable names, reuse without reallocation, and renderings that
// are valid JSON whatever a certificate puts in them.
#include "engine/decision.h"

#include <string>

#include "engine/internal/json.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;

TEST(DecisionTest, ReasonNamesAreTheContractsAndRoundTrip) {
  const char* names[] = {"INDIVIDUAL_ENROLLMENT_ENABLED",
                         "ENROLLMENT_GROUP_ENABLED",
                         "INDIVIDUAL_ENROLLMENT_DISABLED",
                         "ENROLLMENT_GROUP_DISABLED",
                         "NO_ENROLLMENT",
                         "ATTESTATION_MISMATCH",
                         "CHAIN_UNVERIFIED",
                         "CERTIFICATE_EXPIRED",
                         "CERTIFICATE_NOT_YET_VALID",
                         "CERTIFICATE_REVOKED",
                         "INVALID_REGISTRATION_ID",
                         "MALFORMED_CHAIN",
                         "QUOTA_EXCEEDED",
                         "THROTTLED"};
  for (const char* name : names) {
    Reason reason;
    ASSERT_TRUE(ParseReason(name, &reason)) << name;
    EXPECT_EQ(ReasonName(reason), name);
    EXPECT_EQ(IsAllowReason(reason),
              std::string(name) == "INDIVIDUAL_ENROLLMENT_ENABLED" ||
                  std::string(name) == "ENROLLMENT_GROUP_ENABLED");
  }
  Reason unused;
  EXPECT_FALSE(ParseReason("ALLOW", &unused));
}

TEST(DecisionTest, DecideSetsVerdictFromReason) {
  Decision d;
  d.Decide(Reason::kEnrollmentGroupEnabled, EnrollmentKind::kGroup, "g");
  EXPECT_TRUE(d.allowed());
  d.Clear();
  EXPECT_TRUE(d.explanation().empty());
  d.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, "g", 1);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.certificate_index(), 1);
  ASSERT_EQ(d.explanation().size(), 1u);
  EXPECT_EQ(d.explanation()[0].step, StepId::kDecide);
}

TEST(DecisionTest, ReuseKeepsStepStorage) {
  Decision d;
  for (int i = 0; i < 8; ++i) {
    d.AddStep(StepId::kLookupGroup, Outcome::kNotFound, i).detail =
        "some detail long enough to need the heap";
  }
  const ExplanationStep* first = d.explanation().data();
  d.Clear();
  d.AddStep(StepId::kParseChain, Outcome::kOk);
  EXPECT_EQ(d.explanation().data(), first);
  EXPECT_TRUE(d.explanation()[0].detail.empty());
}

TEST(DecisionTest, JsonIsValidWithHostileText) {
  Decision d;
  d.set_registration_id(std::string("dev\"\\\n\x01\xff\xc3\xa9", 10));
  d.AddStep(StepId::kParseChain, Outcome::kFailed, 0).detail =
      std::string("bad \x80 byte\t", 12);
  d.Decide(Reason::kMalformedChain, EnrollmentKind::kNone, {}, 0);
  const std::string json = RenderJson(d);
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok())
      << json;
  EXPECT_EQ(parsed.fields().at("verdict").string_value(), "DENY");
  EXPECT_EQ(parsed.fields().at("reason").string_value(), "MALFORMED_CHAIN");
  EXPECT_EQ(parsed.fields().count("enrollment"), 0u);
  EXPECT_EQ(parsed.fields().at("certificateIndex").number_value(), 0);
  // Valid UTF-8 passes through; a stray byte is escaped as Latin-1.
  EXPECT_EQ(parsed.fields().at("registrationId").string_value(),
            "dev\"\\\n\x01\xc3\xbf\xc3\xa9");
  EXPECT_THAT(RenderText(d), HasSubstr("MALFORMED_CHAIN"));
}

TEST(JsonTest, Escapes) {
  std::string out;
  internal::AppendJsonString(&out, std::string("a\0b\x7f", 4));
  EXPECT_EQ(out, "\"a\\u0000b\\u007f\"");
  out.clear();
  internal::AppendJsonString(&out, "\xed\xa0\x80");  // a UTF-16 surrogate
  EXPECT_EQ(out, "\"\\u00ed\\u00a0\\u0080\"");
}

}  // namespace
}  // namespace chaintrust
