#include "engine/core/proof_store.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace chaintrust {
namespace {

// A digest standing in for the SHA-256 of certificate `n` (uniform bytes,
// as SHA-256 gives).
Sha256Digest Digest(uint64_t n) {
  Sha256Digest d;
  uint64_t state = n * 0x9E3779B97F4A7C15ull + 12345;
  for (size_t i = 0; i < d.size(); i += 8) {
    // splitmix64
    uint64_t v = (state += 0x9E3779B97F4A7C15ull);
    v = (v ^ (v >> 30)) * 0xBF58476D1CE4E5B9ull;
    v = (v ^ (v >> 27)) * 0x94D049BB133111EBull;
    v ^= v >> 31;
    for (size_t j = 0; j < 8; ++j)
      d[i + j] = static_cast<uint8_t>(v >> (8 * j));
  }
  return d;
}

const Sha256Digest kIssuer = Digest(~uint64_t{0});

// What an Evaluator does: look up, and on a miss verify and insert.
bool Access(ProofStore& store, const Sha256Digest& child) {
  if (store.Contains(child, kIssuer)) return true;
  store.Insert(child, kIssuer);
  return false;
}

TEST(ProofStoreTest, ZeroBudgetStoresNothing) {
  ProofStore store(0);
  EXPECT_FALSE(store.enabled());
  store.Insert(Digest(1), kIssuer);
  EXPECT_FALSE(store.Contains(Digest(1), kIssuer));
  EXPECT_EQ(store.capacity(), 0u);
  EXPECT_EQ(store.MemoryUsage(), 0u);
}

TEST(ProofStoreTest, ASmallBudgetGetsFewerShardsNotNone) {
  ProofStore store(8 * 1024);
  ASSERT_TRUE(store.enabled());
  EXPECT_LE(store.MemoryUsage(), 8u * 1024);
  EXPECT_GE(store.capacity(), 16u);
  store.Insert(Digest(1), kIssuer);
  EXPECT_TRUE(store.Contains(Digest(1), kIssuer));
}

TEST(ProofStoreTest, FindsWhatWasInsertedUnderThatIssuerOnly) {
  ProofStore store(ProofStore::BudgetFor(100));
  EXPECT_FALSE(store.Contains(Digest(1), kIssuer));
  store.Insert(Digest(1), kIssuer);
  store.Insert(Digest(1), kIssuer);  // already there: no second entry
  EXPECT_TRUE(store.Contains(Digest(1), kIssuer));
  EXPECT_FALSE(store.Contains(Digest(1), Digest(2)));
  EXPECT_FALSE(store.Contains(Digest(2), kIssuer));
  const CacheStats stats = store.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.admissions, 1u);
  EXPECT_EQ(stats.size, 1u);
  EXPECT_EQ(stats.evictions, 0u);
  EXPECT_EQ(stats.bytes, store.MemoryUsage());
}

TEST(ProofStoreTest, AProofIsFoundAtItsPlaceOnly) {
  ProofStore store(ProofStore::BudgetFor(1000));
  const std::string der = "the DER bytes of a certificate";
  const uint64_t place = ProofStore::PlaceOf(der);
  EXPECT_EQ(place, ProofStore::PlaceOf(std::string(der)));
  EXPECT_NE(place, ProofStore::PlaceOf(der + "."));
  LeafFacts facts;
  facts.flags = LeafFacts::kPresent;
  facts.common_name_size = 1;
  facts.common_name[0] = 'x';
  store.Insert(place, Digest(1), kIssuer);
  store.SetFacts(place, Digest(1), kIssuer, facts);
  // The staged lookup finds and counts what the lookup alone does.
  store.PrefetchBuckets(place);
  LeafFacts out;
  {
    ProofStore::StagedLookup lookup(&store, place);
    EXPECT_EQ(store.stats().hits, 0u);
    ASSERT_TRUE(lookup.FindFacts(Digest(1), kIssuer, &out));
  }
  EXPECT_EQ(out.common_name_view(), "x");
  EXPECT_EQ(store.stats().hits, 1u);
  ASSERT_TRUE(store.FindFacts(place, Digest(1), kIssuer, &out));
  EXPECT_EQ(out.common_name_view(), "x");
  EXPECT_TRUE(store.Contains(place, Digest(1), kIssuer));
  EXPECT_EQ(store.stats().hits, 3u);
  // A staged lookup of a child that is not there, or at another place,
  // finds nothing; one left without its FindFacts ends its read.
  EXPECT_FALSE(ProofStore::StagedLookup(&store, place)
                   .FindFacts(Digest(2), kIssuer, &out));
  EXPECT_FALSE(ProofStore::StagedLookup(&store, ProofStore::PlaceOf(der + "."))
                   .FindFacts(Digest(1), kIssuer, &out));
  { ProofStore::StagedLookup unused(&store, place); }
  // Another child's digest at that place, or that child at another place
  // (a caller that placed it otherwise): not found.
  EXPECT_FALSE(store.Contains(place, Digest(2), kIssuer));
  EXPECT_FALSE(store.Contains(place, Digest(1), Digest(3)));
  EXPECT_FALSE(
      store.Contains(ProofStore::PlaceOf(der + "."), Digest(1), kIssuer));
  EXPECT_FALSE(store.FindFacts(Digest(1), kIssuer, &out));
  // Many children at one place share its two buckets: at most 16 of them
  // are kept, and a lookup still compares the digests.
  for (uint64_t i = 10; i < 40; ++i) store.Insert(place, Digest(i), kIssuer);
  int found = 0;
  for (uint64_t i = 10; i < 40; ++i) {
    found += store.Contains(place, Digest(i), kIssuer);
  }
  EXPECT_LE(found, 16);
  EXPECT_GT(found, 0);
}

TEST(ProofStoreTest, BudgetForHoldsThatManyWithinTheBudget) {
  for (size_t n : {1000, 50000}) {
    const size_t budget = ProofStore::BudgetFor(n);
    ProofStore store(budget);
    EXPECT_LE(store.MemoryUsage(), budget);
    EXPECT_GE(store.capacity(), n);
    for (size_t i = 0; i < n; ++i) store.Insert(Digest(i), kIssuer);
    size_t found = 0;
    for (size_t i = 0; i < n; ++i) found += store.Contains(Digest(i), kIssuer);
    EXPECT_EQ(found, n) << n;
    EXPECT_EQ(store.stats().evictions, 0u) << n;
    if (n >= 50000) {
      EXPECT_LE(static_cast<double>(store.MemoryUsage()) / n, 160.0);
    }
  }
}

TEST(ProofStoreTest, LookupsOfJunkDoNotEvictTheFleet) {
  const size_t fleet = 5000;
  ProofStore store(ProofStore::BudgetFor(fleet));
  for (size_t i = 0; i < fleet; ++i) Access(store, Digest(i));
  // Distinct certificates whose signatures fail: looked up, never inserted.
  for (size_t i = 0; i < 20 * fleet; ++i) {
    EXPECT_FALSE(store.Contains(Digest(1000000 + i), kIssuer));
  }
  size_t found = 0;
  for (size_t i = 0; i < fleet; ++i)
    found += store.Contains(Digest(i), kIssuer);
  EXPECT_EQ(found, fleet);
}

TEST(ProofStoreTest, AScanOfOneTimeDevicesKeepsTheHotSet) {
  ProofStore store(ProofStore::BudgetFor(2000));
  const size_t hot = store.capacity() / 2;
  for (int round = 0; round < 4; ++round) {
    for (size_t i = 0; i < hot; ++i) Access(store, Digest(i));
  }
  // Verified devices seen once each, 25 times the store, with the hot set
  // still in use (each hot proof once per 4 x capacity lookups: an LRU
  // store would never hit it).
  size_t hot_hits = 0, hot_accesses = 0;
  for (size_t i = 0; i < 25 * store.capacity(); ++i) {
    Access(store, Digest(1000000 + i));
    if (i % 8 == 0) {
      hot_hits += Access(store, Digest((i / 8) % hot));
      ++hot_accesses;
    }
  }
  EXPECT_GE(static_cast<double>(hot_hits) / hot_accesses, 0.85);
  EXPECT_GT(store.stats().rejections, 0u);
}

TEST(ProofStoreTest, ACycleLargerThanTheStoreStillHits) {
  // An LRU store hits never on a cycle larger than itself.
  ProofStore store(ProofStore::BudgetFor(4000));
  const size_t cycle = 2 * store.capacity();
  size_t hits = 0, accesses = 0;
  for (int round = 0; round < 10; ++round) {
    for (size_t i = 0; i < cycle; ++i) {
      const bool hit = Access(store, Digest(i));
      if (round >= 5) {
        hits += hit;
        ++accesses;
      }
    }
  }
  EXPECT_GE(static_cast<double>(hits) / accesses, 0.3);
}

// Zipf(1.0) over n ranks, by inverting the cumulative distribution.
class Zipf {
 public:
  explicit Zipf(size_t n) : cdf_(n) {
    double sum = 0;
    for (size_t i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / (i + 1));
    for (double& c : cdf_) c /= sum;
  }
  size_t Next(std::mt19937_64& rng) {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::min<size_t>(
        std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin(),
        cdf_.size() - 1);
  }
  // The share of accesses that the `k` most frequent keys get: the hit
  // ratio of a static LFU cache of k entries.
  double TopShare(size_t k) const {
    return k == 0 ? 0 : cdf_[std::min(k, cdf_.size()) - 1];
  }

 private:
  std::vector<double> cdf_;
};

TEST(ProofStoreTest, ZipfHitRatioIsNearStaticLfu) {
  const size_t keys = 50000;
  ProofStore store(ProofStore::BudgetFor(keys / 10));
  Zipf zipf(keys);
  std::mt19937_64 rng(7);
  size_t hits = 0, accesses = 0;
  for (size_t i = 0; i < 20 * keys; ++i) {
    const bool hit = Access(store, Digest(zipf.Next(rng)));
    if (i >= 10 * keys) {
      hits += hit;
      ++accesses;
    }
  }
  const double ratio = static_cast<double>(hits) / accesses;
  const double ideal = zipf.TopShare(store.capacity());
  EXPECT_GE(ratio, ideal - 0.05) << "static LFU " << ideal;
  EXPECT_LE(ratio, ideal + 0.01);
}

TEST(ProofStoreTest, ThreadsShareProofs) {
  const size_t per_thread = 4000;
  const int threads = 4;
  ProofStore store(ProofStore::BudgetFor(per_thread * threads));
  std::atomic<uint64_t> lookups{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t mine = 0;
      for (size_t i = 0; i < per_thread; ++i) {
        // Its own devices, and the next thread's (which that one may have
        // inserted already), looked up in stages while the tables grow (the
        // prefetches count nothing).
        Access(store, Digest(t * per_thread + i));
        const Sha256Digest next = Digest(((t + 1) % threads) * per_thread + i);
        const uint64_t place = ProofStore::PlaceOf(next);
        store.PrefetchBuckets(place);
        LeafFacts facts;
        // Found only once its facts are set (never here): a miss that is
        // not counted; then the proof itself, counted.
        ProofStore::StagedLookup(&store, place)
            .FindFacts(next, kIssuer, &facts);
        store.Contains(place, next, kIssuer);
        mine += 2;
      }
      lookups += mine;
    });
  }
  for (std::thread& w : workers) w.join();
  const CacheStats stats = store.stats();
  EXPECT_EQ(stats.hits + stats.misses, lookups.load());
  EXPECT_EQ(stats.size, per_thread * threads);
  size_t found = 0;
  for (size_t i = 0; i < per_thread * threads; ++i) {
    found += store.Contains(Digest(i), kIssuer);
  }
  EXPECT_EQ(found, per_thread * threads);
}

// Lookups without the lock read facts that a writer replaces meanwhile,
// and tables that growth replaces: each facts read is one whole version,
// never a mix of two, and every stored proof is found.
TEST(ProofStoreTest, FactsAreReadWholeWhileWritten) {
  constexpr size_t kProofs = 2000;
  ProofStore store(ProofStore::BudgetFor(4 * kProofs));
  // Facts whose every field tells the version v.
  const auto version = [](int v) {
    LeafFacts facts;
    facts.not_before = v;
    facts.not_after = 1000 + v;
    facts.flags = LeafFacts::kPresent;
    facts.common_name_size = LeafFacts::kMaxCommonName;
    for (char& c : facts.common_name) c = static_cast<char>('a' + v);
    return facts;
  };
  for (size_t i = 0; i < kProofs; ++i) {
    store.Insert(Digest(i), kIssuer);
    store.SetFacts(Digest(i), kIssuer, version(0));
  }
  std::atomic<bool> done{false};
  std::atomic<uint64_t> torn{0}, lost{0}, read{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      for (size_t n = 0; !done.load(); ++n) {
        const size_t i = (n * 7 + static_cast<size_t>(t)) % kProofs;
        LeafFacts out;
        if (!store.FindFacts(Digest(i), kIssuer, &out)) {
          ++lost;
          continue;
        }
        ++read;
        const int v = static_cast<int>(out.not_before);
        bool whole = out.not_after == 1000 + v &&
                     out.common_name_size == LeafFacts::kMaxCommonName;
        for (char c : out.common_name) whole = whole && c == 'a' + v;
        if (!whole) ++torn;
      }
    });
  }
  // New versions of every proof's facts, and new proofs that grow the
  // tables (moving the proofs the readers look up).
  for (int v = 1; v <= 10; ++v) {
    for (size_t i = 0; i < kProofs; ++i) {
      store.SetFacts(Digest(i), kIssuer, version(v));
    }
    for (size_t i = 0; i < kProofs / 5; ++i) {
      store.Insert(Digest(kProofs * v + i), kIssuer);
    }
  }
  done = true;
  for (std::thread& r : readers) r.join();
  EXPECT_EQ(torn.load(), 0u) << "of " << read.load();
  EXPECT_EQ(lost.load(), 0u);
  EXPECT_GT(read.load(), 0u);
}

}  // namespace
}  // namespace chaintrust
