// Leaf facts in the shared proof store and the evaluation of a known leaf
// without parsing it (engine/core/leaf_facts.h, ResolveKnownLeaf in
// resolver.cc): the facts are those a parse gives, they are found only for
// the exact (leaf, issuer) digests, and every decision is the one a full
// evaluation makes.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/core/leaf_facts.h"
#include "engine/core/proof_caches.h"
#include "engine/core/proof_store.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/certificate.h"
#include "engine/x509/path_verification.h"
#include "engine/x509/test_certs.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintCertificate;
using internal::MintIntermediate;
using internal::MintRoot;
using internal::TestCert;
using internal::TestCertOptions;

CertificatePtr Parse(const TestCert& c) {
  auto cert = Certificate::Create(c.der);
  EXPECT_TRUE(cert.ok()) << cert.status();
  return *cert;
}

TestCert Leaf(const std::string& cn, const TestCert& issuer,
              absl::Time not_after = absl::Now() + absl::Hours(24)) {
  TestCertOptions o;
  o.common_name = cn;
  o.not_before =
      absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())) - absl::Hours(1);
  o.not_after = absl::FromUnixSeconds(absl::ToUnixSeconds(not_after));
  return MintCertificate(o, &issuer);
}

TEST(LeafFactsTest, FactsAreThoseOfTheParse) {
  const TestCert root = MintRoot("Facts Root");
  const TestCert sub = MintIntermediate("Facts Sub CA", root);
  const TestCert leaf = Leaf("device-0001", sub);
  const CertificatePtr l = Parse(leaf), s = Parse(sub);
  LeafFacts facts;
  ASSERT_TRUE(internal::TakeLeafFacts(*l, *s, true, &facts));
  EXPECT_TRUE(facts.present());
  EXPECT_EQ(facts.common_name_view(), l->subject_common_name());
  EXPECT_EQ(absl::FromUnixSeconds(facts.not_before), l->not_before());
  EXPECT_EQ(absl::FromUnixSeconds(facts.not_after), l->not_after());
  EXPECT_TRUE(facts.has(LeafFacts::kCommonNameIsValidId));
  EXPECT_EQ(facts.has(LeafFacts::kHasAuthorityKeyId),
            !l->authority_key_identifier().empty());
  EXPECT_EQ(internal::Sha256Of(leaf.der), l->sha256());
  // Validity on the facts says what the path verifier says.
  for (absl::Time at :
       {l->not_before() - absl::Seconds(1), l->not_before(), l->not_after(),
        l->not_after() + absl::Milliseconds(999),
        l->not_after() + absl::Seconds(1)}) {
    EXPECT_EQ(internal::LeafFactsValidAt(facts, at),
              !CheckValidity(*l, at).failed())
        << at;
  }
}

TEST(LeafFactsTest, WhatDoesNotFitHasNoFacts) {
  const TestCert root = MintRoot("Facts Root");
  const TestCert sub = MintIntermediate("Facts Sub CA", root);
  const TestCert other = MintIntermediate("Other Sub CA", root);
  LeafFacts facts;
  const std::string long_cn(LeafFacts::kMaxCommonName + 1, 'd');
  EXPECT_FALSE(internal::TakeLeafFacts(*Parse(Leaf(long_cn, sub)), *Parse(sub),
                                       true, &facts));
  const std::string max_cn(LeafFacts::kMaxCommonName, 'd');
  EXPECT_TRUE(internal::TakeLeafFacts(*Parse(Leaf(max_cn, sub)), *Parse(sub),
                                      true, &facts));
  EXPECT_EQ(facts.common_name_view(), max_cn);
  // An authority key ID that is not this issuer's subject key ID.
  EXPECT_FALSE(internal::TakeLeafFacts(*Parse(Leaf("device-1", sub)),
                                       *Parse(other), true, &facts));
  EXPECT_FALSE(facts.present());
}

Sha256Digest Digest(uint8_t first, uint8_t last = 0) {
  Sha256Digest d{};
  d[0] = first;
  d[31] = last;
  return d;
}

TEST(ProofStoreFactsTest, FoundOnlyForTheExactProofWithFacts) {
  ProofStore store(ProofStore::BudgetFor(100));
  LeafFacts facts;
  facts.flags = LeafFacts::kPresent;
  facts.not_before = 100;
  facts.not_after = 200;
  facts.common_name_size = 3;
  facts.common_name[0] = 'a';
  LeafFacts out;
  // Facts for a proof that is not stored are not kept.
  store.SetFacts(Digest(1), Digest(2), facts);
  EXPECT_FALSE(store.FindFacts(Digest(1), Digest(2), &out));
  EXPECT_EQ(store.stats().size, 0u);
  store.Insert(Digest(1), Digest(2));
  // A proof without facts: not found, and nothing counted.
  const CacheStats before = store.stats();
  EXPECT_FALSE(store.FindFacts(Digest(1), Digest(2), &out));
  EXPECT_EQ(store.stats().hits, before.hits);
  EXPECT_EQ(store.stats().misses, before.misses);
  store.SetFacts(Digest(1), Digest(2), facts);
  ASSERT_TRUE(store.FindFacts(Digest(1), Digest(2), &out));
  EXPECT_EQ(store.stats().hits, before.hits + 1);
  EXPECT_EQ(out.not_before, 100);
  EXPECT_EQ(out.not_after, 200);
  EXPECT_EQ(out.common_name_view(), absl::string_view("a\0\0", 3));
  EXPECT_TRUE(store.Contains(Digest(1), Digest(2)));
  // Another issuer, or a leaf differing in its last byte: not found.
  EXPECT_FALSE(store.FindFacts(Digest(1), Digest(3), &out));
  EXPECT_FALSE(store.FindFacts(Digest(1, 1), Digest(2), &out));
  EXPECT_FALSE(store.FindFacts(Digest(2), Digest(1), &out));
}

// A uniformly spread digest for `i` (splitmix64).
Sha256Digest Spread(uint64_t i) {
  Sha256Digest d{};
  uint64_t state = i * 0x9E3779B97F4A7C15ull + 1;
  for (size_t b = 0; b < d.size(); b += 8) {
    uint64_t v = (state += 0x9E3779B97F4A7C15ull);
    v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
    v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
    v ^= v >> 31;
    for (size_t k = 0; k < 8; ++k)
      d[b + k] = static_cast<uint8_t>(v >> (8 * k));
  }
  return d;
}

// Sized for a fleet, the store keeps every proof with its facts within 160
// bytes a device (less at larger sizes: the headroom for uneven shards
// grows as the square root of the fleet).
TEST(ProofStoreFactsTest, BudgetHoldsTheFleetWithFacts) {
  constexpr size_t kProofs = 200000;
  ProofStore store(ProofStore::BudgetFor(kProofs));
  LeafFacts facts;
  facts.flags = LeafFacts::kPresent;
  for (size_t i = 0; i < kProofs; ++i) {
    facts.not_after = static_cast<int64_t>(i);
    store.Insert(Spread(i), Digest(7));
    store.SetFacts(Spread(i), Digest(7), facts);
  }
  const CacheStats s = store.stats();
  // BudgetFor fits all but a few in a thousand where both buckets of a
  // proof are full (refused, not evicting).
  EXPECT_GE(s.size, kProofs - kProofs / 1000);
  EXPECT_EQ(s.evictions, 0u);
  EXPECT_LE(static_cast<double>(s.bytes) / kProofs, 160.0);
  LeafFacts out;
  size_t missing = 0;
  for (size_t i = 0; i < kProofs; i += 997) {
    if (!store.FindFacts(Spread(i), Digest(7), &out)) {
      ++missing;
      continue;
    }
    EXPECT_EQ(out.not_after, static_cast<int64_t>(i));
  }
  EXPECT_LE(missing, 1u);
}

// ---- Evaluations ----

class KnownLeafTest : public ::testing::Test {
 protected:
  KnownLeafTest()
      : root_(MintRoot("Known Root")),
        sub_(MintIntermediate("Known Sub CA", root_)),
        store_(ProofStore::BudgetFor(1000)) {
    for (int i = 0; i < 40; ++i) {
      leaves_.push_back(Leaf(absl::StrCat("device-", i), sub_));
    }
    snapshot_ = Snapshot(true, "");
  }

  std::shared_ptr<const EnrollmentSnapshot> Snapshot(
      bool group_enabled, const std::string& individual_thumbprint_of) {
    EnrollmentSnapshot::Builder builder;
    EnrollmentGroupSpec g;
    g.group_id = "root-group";
    g.enabled = group_enabled;
    g.kind = AttestationKind::kX509;
    g.primary_certificate.text = root_.Base64Der();
    builder.AddEnrollmentGroup(std::move(g));
    if (!individual_thumbprint_of.empty()) {
      IndividualEnrollmentSpec e;
      e.registration_id = individual_thumbprint_of;
      e.kind = AttestationKind::kX509;
      e.primary_certificate.sha256_thumbprint =
          ToHex(Parse(leaves_[3])->sha256());
      builder.AddIndividualEnrollment(std::move(e));
    }
    auto snapshot = std::move(builder).Build();
    EXPECT_TRUE(snapshot.ok()) << snapshot.status();
    return *std::move(snapshot);
  }

  std::unique_ptr<ResolverCaches> NewCaches() {
    auto caches = std::make_unique<ResolverCaches>(1 << 10, 1 << 10);
    caches->shared = &store_;
    caches->facts_options = &options_;
    return caches;
  }

  static Attestation Chain(const TestCert& leaf, const TestCert& sub,
                           absl::Time at) {
    Attestation a;
    a.chain = {leaf.der, sub.der};
    a.at = at;
    return a;
  }

  // The decision with `caches` and the one without any, which must agree.
  std::string Both(const EnrollmentSnapshot& snapshot, const Attestation& a,
                   ResolverCaches* caches) {
    Decision with, without;
    Resolve(snapshot, a, options_, caches, &with);
    Resolve(snapshot, a, options_, nullptr, &without);
    EXPECT_EQ(RenderJson(with), RenderJson(without));
    return RenderJson(with);
  }

  TestCert root_, sub_;
  std::vector<TestCert> leaves_;
  std::shared_ptr<const EnrollmentSnapshot> snapshot_;
  ResolverOptions options_;
  ProofStore store_;
};

TEST_F(KnownLeafTest, KnownLeavesAreNotParsedAndDecideTheSame) {
  const absl::Time now = absl::Now();
  auto first = NewCaches();
  for (const TestCert& leaf : leaves_) {
    Decision d;
    Resolve(*snapshot_, Chain(leaf, sub_, now), options_, first.get(), &d);
    ASSERT_TRUE(d.allowed()) << RenderText(d);
  }
  // Another Evaluator: every leaf is known from the shared store, and the
  // certificate cache parses none of them (only the sub-CA, once).
  auto second = NewCaches();
  Decision warm;
  Resolve(*snapshot_, Chain(leaves_[0], sub_, now), options_, second.get(),
          &warm);  // the stand-in: resolved in full
  const CacheStats facts_before = store_.stats();
  for (size_t i = 1; i < leaves_.size(); ++i) {
    const std::string json =
        Both(*snapshot_, Chain(leaves_[i], sub_, now), second.get());
    EXPECT_NE(json.find(absl::StrCat("device-", i)), std::string::npos);
  }
  EXPECT_EQ(second->certificates.stats().size, 2u);
  EXPECT_EQ(store_.stats().hits - facts_before.hits, leaves_.size() - 1);
  EXPECT_EQ(store_.stats().misses, facts_before.misses);
}

TEST_F(KnownLeafTest, EveryOtherOutcomeIsTheFullEvaluations) {
  const absl::Time now = absl::Now();
  auto caches = NewCaches();
  for (const TestCert& leaf : leaves_) {
    Decision d;
    Resolve(*snapshot_, Chain(leaf, sub_, now), options_, caches.get(), &d);
  }
  // Snapshot swaps: the group disabled; an individual enrollment for a
  // known leaf; time past the leaves' validity; a claimed ID that differs.
  const auto disabled = Snapshot(false, "");
  const auto individual = Snapshot(true, "device-3");
  for (size_t i = 0; i < leaves_.size(); i += 3) {
    const Attestation a = Chain(leaves_[i], sub_, now);
    EXPECT_NE(
        Both(*disabled, a, caches.get()).find("ENROLLMENT_GROUP_DISABLED"),
        std::string::npos);
    Both(*individual, a, caches.get());
    Both(*snapshot_, Chain(leaves_[i], sub_, now + absl::Hours(48)),
         caches.get());
    Both(*snapshot_, Chain(leaves_[i], sub_, now - absl::Hours(2)),
         caches.get());
    Attestation claimed = a;
    claimed.registration_id = "someone-else";
    Both(*snapshot_, claimed, caches.get());
    Attestation with_root = a;
    with_root.chain.push_back(root_.der);
    Both(*snapshot_, with_root, caches.get());
  }
}

TEST_F(KnownLeafTest, StandInThatExpiredIsReplaced) {
  const absl::Time now = absl::Now();
  auto caches = NewCaches();
  const TestCert short_lived = Leaf("short-lived", sub_, now + absl::Hours(1));
  Decision d;
  Resolve(*snapshot_, Chain(short_lived, sub_, now), options_, caches.get(),
          &d);
  ASSERT_TRUE(d.allowed());
  for (const TestCert& leaf : leaves_) {
    Resolve(*snapshot_, Chain(leaf, sub_, now), options_, caches.get(), &d);
  }
  // Two hours on, the stand-in has expired; known leaves still allowed.
  for (const TestCert& leaf : leaves_) {
    Both(*snapshot_, Chain(leaf, sub_, now + absl::Hours(2)), caches.get());
  }
  EXPECT_NE(Both(*snapshot_, Chain(short_lived, sub_, now + absl::Hours(2)),
                 caches.get())
                .find("CERTIFICATE_EXPIRED"),
            std::string::npos);
}

}  // namespace
}  // namespace chaintrust
