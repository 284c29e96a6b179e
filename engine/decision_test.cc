// Decisions: stable names, reuse without reallocation, and renderings that
// are valid JSON whatever a certificate puts in them.
#include "engine/decision.h"

#include <string>
#include <type_traits>

#include "engine/core/decision_builder.h"
#include "engine/internal/json.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::DecisionBuilder;
using ::testing::HasSubstr;

// Outside the engine a Decision can only be read: its building methods are
// private (DecisionBuilder is the engine's one writer).
template <typename T, typename = void>
struct CanDecide : std::false_type {};
template <typename T>
struct CanDecide<
    T, std::void_t<decltype(std::declval<T&>().Decide(Reason::kNoEnrollment))>>
    : std::true_type {};
template <typename T, typename = void>
struct CanAddStep : std::false_type {};
template <typename T>
struct CanAddStep<T, std::void_t<decltype(std::declval<T&>().AddStep(
                         StepId::kDecide, Outcome::kOk))>> : std::true_type {};
static_assert(!CanDecide<Decision>::value, "Decision::Decide is public");
static_assert(!CanAddStep<Decision>::value, "Decision::AddStep is public");
static_assert(CanDecide<DecisionBuilder>::value, "the builder can decide");

TEST(DecisionTest, CauseNamesAreStableAndRoundTrip) {
  EXPECT_EQ(CauseName(Cause::kNone), "");
  EXPECT_EQ(CauseName(Cause::kSignatureInvalid), "SIGNATURE_INVALID");
  EXPECT_EQ(CauseName(Cause::kIssuerNotCa), "ISSUER_NOT_CA");
  EXPECT_EQ(CauseName(Cause::kPathLengthExceeded), "PATH_LENGTH_EXCEEDED");
  EXPECT_EQ(CauseName(Cause::kNameConstraintViolated),
            "NAME_CONSTRAINT_VIOLATED");
  EXPECT_EQ(CauseName(Cause::kStoreError), "STORE_ERROR");
  EXPECT_EQ(CauseName(Cause::kCrlStale), "CRL_STALE");
  for (int i = 1; i <= static_cast<int>(Cause::kCrlIssuerNotCrlSigner); ++i) {
    const Cause cause = static_cast<Cause>(i);
    Cause parsed;
    ASSERT_TRUE(ParseCause(CauseName(cause), &parsed)) << i;
    EXPECT_EQ(parsed, cause);
    CauseParameters params;
    params.name = "x";
    EXPECT_FALSE(DescribeCause(cause, params).empty()) << i;
  }
  Cause unused;
  EXPECT_FALSE(ParseCause("", &unused));
  EXPECT_FALSE(ParseCause("CHAIN_UNVERIFIED", &unused));
}

TEST(DecisionTest, CauseIsPrintedOnTheStepAndForChainDenies) {
  Decision d;
  DecisionBuilder b(&d);
  CheckFailure f;
  f.cause = Cause::kWeakKey;
  f.certificate_index = 1;
  f.value = 1024;
  f.limit = 2048;
  b.Deny(f, Reason::kChainUnverified, EnrollmentKind::kGroup, "g");
  ASSERT_EQ(d.explanation().size(), 2u);
  EXPECT_EQ(d.explanation()[0].step, StepId::kCheckKeyStrength);
  EXPECT_EQ(d.explanation()[0].cause, Cause::kWeakKey);
  EXPECT_EQ(d.explanation()[0].params.value, 1024);
  EXPECT_EQ(d.cause(), Cause::kWeakKey);
  EXPECT_EQ(d.certificate_index(), 1);
  google::protobuf::Struct parsed;
  const std::string json = RenderJson(d);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  EXPECT_EQ(parsed.fields().at("cause").string_value(), "WEAK_KEY") << json;
  EXPECT_EQ(parsed.fields()
                .at("explanation")
                .list_value()
                .values(0)
                .struct_value()
                .fields()
                .at("cause")
                .string_value(),
            "WEAK_KEY");

  // A DENY that is no chain reason has no top-level cause.
  f.cause = Cause::kQuotaExceeded;
  b.Clear();
  b.Deny(f, Reason::kQuotaExceeded);
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(RenderJson(d), &parsed).ok());
  EXPECT_EQ(parsed.fields().count("cause"), 0u);
}
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
  DecisionBuilder b(&d);
  b.Decide(Reason::kEnrollmentGroupEnabled, EnrollmentKind::kGroup, "g");
  EXPECT_TRUE(d.allowed());
  b.Clear();
  EXPECT_TRUE(d.explanation().empty());
  b.Decide(Reason::kChainUnverified, EnrollmentKind::kGroup, "g", 1);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.certificate_index(), 1);
  ASSERT_EQ(d.explanation().size(), 1u);
  EXPECT_EQ(d.explanation()[0].step, StepId::kDecide);
}

TEST(DecisionTest, ReuseKeepsStepStorage) {
  Decision d;
  DecisionBuilder b(&d);
  for (int i = 0; i < 8; ++i) {
    b.AddStep(StepId::kLookupGroup, Outcome::kNotFound, i).detail =
        "some detail long enough to need the heap";
  }
  const ExplanationStep* first = d.explanation().data();
  b.Clear();
  b.AddStep(StepId::kParseChain, Outcome::kOk);
  EXPECT_EQ(d.explanation().data(), first);
  EXPECT_TRUE(d.explanation()[0].detail.empty());
}

TEST(DecisionTest, JsonIsValidWithHostileText) {
  Decision d;
  DecisionBuilder b(&d);
  b.set_registration_id(std::string("dev\"\\\n\x01\xff\xc3\xa9", 10));
  b.AddStep(StepId::kParseChain, Outcome::kFailed, 0).detail =
      std::string("bad \x80 byte\t", 12);
  b.Decide(Reason::kMalformedChain, EnrollmentKind::kNone, {}, 0);
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
