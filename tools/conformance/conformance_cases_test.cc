// How the conformance runner maps a limbo case onto ResolverOptions: the
// profile it is written for, its features, its required keyUsage, and the
// command line's --profile / --legacy_crypto.
#include "tools/conformance/conformance_cases.h"

#include <string>

#include "absl/time/time.h"
#include "engine/internal/json.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"
#include "gtest/gtest.h"

namespace chaintrust::cli::conformance {
namespace {

using Profile = ResolverOptions::Profile;

JsonValue Parse(const std::string& text) {
  auto parsed = internal::ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : JsonValue();
}

CaseIndex Index() {
  CaseIndex index;
  index["webpki::eku::ee-anyeku"]["profile"] = "webpki(CABF)";
  index["rfc5280::aki::leaf-missing-aki"]["profile"] = "rfc5280";
  index["pathlen::x"]["profile"] = "mixed";
  return index;
}

TEST(ConformanceCasesTest, LimboCasesRunUnderTheirProfile) {
  const CaseIndex index = Index();
  EXPECT_EQ(LimboProfile("webpki::eku::ee-anyeku", index), Profile::kWebPki);
  EXPECT_EQ(LimboProfile("rfc5280::aki::leaf-missing-aki", index),
            Profile::kStrict);
  EXPECT_EQ(LimboProfile("pathlen::x", index), Profile::kStrict);
  // Without an index row, the id's prefix decides.
  EXPECT_EQ(LimboProfile("webpki::unlisted", CaseIndex()), Profile::kWebPki);
  EXPECT_EQ(LimboProfile("rfc5280::unlisted", CaseIndex()), Profile::kStrict);
}

TEST(ConformanceCasesTest, PedanticFeaturesAndKeyUsageAreRun) {
  const CaseIndex index = Index();
  EXPECT_EQ(SkipReason(Parse(R"({"id": "rfc5280::a",
                                 "features": ["pedantic-rfc5280"]})"),
                       index, false),
            "");
  EXPECT_EQ(SkipReason(Parse(R"({"id": "webpki::eku::ee-anyeku",
                                 "features": ["pedantic-webpki-eku"]})"),
                       index, false),
            "");
  // A webpki case that conflicts with an rfc5280 one runs (under kWebPki).
  EXPECT_EQ(SkipReason(Parse(R"({"id": "webpki::ca-as-leaf",
                                 "conflicts_with": ["rfc5280::ca-as-leaf"]})"),
                       index, false),
            "");
  EXPECT_EQ(SkipReason(Parse(R"({"id": "webpki::c",
                                 "key_usage": ["digitalSignature"]})"),
                       index, false),
            "");
  EXPECT_NE(SkipReason(Parse(R"({"id": "x", "features": ["made-up"]})"), index,
                       false),
            "");
  EXPECT_NE(SkipReason(Parse(R"({"id": "x", "key_usage": ["noSuchUsage"]})"),
                       index, false),
            "");
}

TEST(ConformanceCasesTest, FromLimboMapsKeyUsageAndRunOptionsOverride) {
  const JsonValue c = Parse(R"({"id": "webpki::c",
      "key_usage": ["digitalSignature", "keyEncipherment"],
      "extended_key_usage": ["serverAuth"]})");
  ChainCase chain = FromLimbo(c, absl::UnixEpoch(), Profile::kWebPki);
  EXPECT_EQ(chain.profile, Profile::kWebPki);
  EXPECT_EQ(chain.leaf_key_usage, kDigitalSignature | kKeyEncipherment);
  EXPECT_EQ(chain.eku_oid, std::string(kEkuServerAuth));
  EXPECT_FALSE(chain.anchor_aki);
  EXPECT_TRUE(FromLimbo(Parse(R"({"id": "rfc5280::aki::x",
                                  "features": ["pedantic-rfc5280"]})"),
                        absl::UnixEpoch(), Profile::kStrict)
                  .anchor_aki);

  RunOptions keep;
  ApplyRunOptions(keep, &chain);
  EXPECT_EQ(chain.profile, Profile::kWebPki);
  EXPECT_EQ(chain.min_rsa_bits, 2048);
  RunOptions force;
  force.force_profile = true;
  force.profile = Profile::kDefault;
  force.min_rsa_bits = 1024;
  force.allow_sha1_signatures = true;
  ApplyRunOptions(force, &chain);
  EXPECT_EQ(chain.profile, Profile::kDefault);
  EXPECT_EQ(chain.min_rsa_bits, 1024);
  EXPECT_TRUE(chain.allow_sha1_signatures);
}

}  // namespace
}  // namespace chaintrust::cli::conformance
