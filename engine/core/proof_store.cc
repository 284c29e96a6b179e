#include "engine/core/proof_store.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

namespace chaintrust {
namespace {

constexpr size_t kMaxShards = 64;
constexpr uint8_t kMaxFrequency = 15;
constexpr int kSketchDepth = 4;

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// MurmurHash3's finalizer: every input bit affects every output bit.
uint64_t Mix(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  k *= 0xc4ceb9fe1a85ec53ull;
  k ^= k >> 33;
  return k;
}

// A uniform index below n from 32 hash bits (multiply-shift, no division).
size_t Range(uint64_t hash32, size_t n) {
  return static_cast<size_t>(((hash32 & 0xffffffffull) * n) >> 32);
}

size_t FloorPowerOfTwo(size_t n) {
  size_t p = 1;
  while (p <= n / 2) p *= 2;
  return p;
}

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

}  // namespace

void ProofStore::SpinLock::lock() {
  int spins = 0;
  while (locked_.exchange(true, std::memory_order_acquire)) {
    while (locked_.load(std::memory_order_relaxed)) {
      // Held for a few dozen nanoseconds; when the holder was preempted
      // (more threads than cores), give the core back instead of spinning.
      if (++spins < 64) {
        CpuRelax();
      } else {
        std::this_thread::yield();
      }
    }
  }
}

size_t ProofStore::BudgetFor(size_t proofs) {
  // 93% full on average, plus four standard deviations of how unevenly the
  // proofs spread over the shards.
  const size_t slots =
      proofs + proofs / 13 + 1 +
      static_cast<size_t>(4 *
                          std::sqrt(static_cast<double>(proofs) * kMaxShards));
  // Rounding: up to one bucket pair per shard, and the shards themselves.
  return slots * kBytesPerSlot + kMaxShards * (2 * kWays * kBytesPerSlot) +
         kMaxShards * sizeof(Shard);
}

ProofStore::ProofStore(size_t budget_bytes) {
  // As many shards (up to kMaxShards) as the budget gives two buckets each
  // (the two choices) besides the shard itself.
  const size_t min_shard = sizeof(Shard) + 2 * kWays * kBytesPerSlot;
  if (budget_bytes < min_shard) return;
  shard_count_ =
      std::min(kMaxShards, FloorPowerOfTwo(budget_bytes / min_shard));
  const size_t buckets =
      (budget_bytes - shard_count_ * sizeof(Shard)) / (kWays * kBytesPerSlot);
  max_buckets_per_shard_ = buckets / shard_count_;
  shards_.reset(new Shard[shard_count_]);
  bytes_.store(shard_count_ * sizeof(Shard), std::memory_order_relaxed);
  for (size_t i = 0; i < shard_count_; ++i) Resize(&shards_[i], 2);
}

ProofStore::~ProofStore() = default;

size_t ProofStore::capacity() const {
  return shard_count_ * max_buckets_per_shard_ * kWays;
}

ProofStore::Hashes ProofStore::Hash(const Sha256Digest& child,
                                    const Sha256Digest& issuer) const {
  // SHA-256 digests are uniform already; the mixing only combines them.
  Hashes h;
  h.h1 = Mix(Load64(child.data()) ^ Mix(Load64(issuer.data()) + 1));
  h.h2 = Mix(Load64(child.data() + 8) ^ Load64(issuer.data() + 8) ^
             0x9E3779B97F4A7C15ull);
  h.shard = static_cast<size_t>(h.h1) & (shard_count_ - 1);
  h.tag = static_cast<uint16_t>(h.h1 >> 48) | 1;
  h.sketch = Mix(h.h1 ^ h.h2);
  return h;
}

void ProofStore::BucketsOf(const Hashes& h, size_t bucket_count,
                           size_t out[2]) {
  out[0] = Range(h.h1 >> 8, bucket_count);
  out[1] = Range(h.h2, bucket_count);
  if (out[1] == out[0]) out[1] = (out[0] + 1) % bucket_count;
}

int64_t ProofStore::Find(const Shard& shard, const Hashes& h,
                         const Sha256Digest& child,
                         const Sha256Digest& issuer) {
  size_t buckets[2];
  BucketsOf(h, shard.bucket_count, buckets);
  for (size_t b : buckets) {
    const Bucket& bucket = shard.buckets[b];
    for (int w = 0; w < kWays; ++w) {
      if (bucket.tag[w] != h.tag) continue;
      const size_t slot = b * kWays + static_cast<size_t>(w);
      const Key& key = shard.keys[slot];
      if (key.child == child && key.issuer == issuer) {
        return static_cast<int64_t>(slot);
      }
    }
  }
  return -1;
}

int ProofStore::FreeWay(const Bucket& bucket) {
  for (int w = 0; w < kWays; ++w) {
    if (bucket.tag[w] == 0) return w;
  }
  return -1;
}

bool ProofStore::MakeRoom(Shard* shard, const Hashes& h, size_t* bucket,
                          int* way) const {
  size_t buckets[2];
  BucketsOf(h, shard->bucket_count, buckets);
  for (size_t b : buckets) {
    const int w = FreeWay(shard->buckets[b]);
    if (w >= 0) {
      *bucket = b;
      *way = w;
      return true;
    }
  }
  // Both full: move one of their proofs to its other bucket if that has a
  // free slot, which lets the table fill to over 95%.
  for (size_t b : buckets) {
    for (int w = 0; w < kWays; ++w) {
      const size_t slot = b * kWays + static_cast<size_t>(w);
      const Key& key = shard->keys[slot];
      size_t home[2];
      BucketsOf(Hash(key.child, key.issuer), shard->bucket_count, home);
      const size_t other = home[0] == b ? home[1] : home[0];
      Bucket& to = shard->buckets[other];
      const int free = FreeWay(to);
      if (free < 0) continue;
      Bucket& from = shard->buckets[b];
      to.tag[free] = from.tag[w];
      to.freq[free] = from.freq[w];
      shard->keys[other * kWays + static_cast<size_t>(free)] = key;
      from.tag[w] = 0;
      *bucket = b;
      *way = w;
      return true;
    }
  }
  return false;
}

void ProofStore::Resize(Shard* shard, size_t bucket_count) {
  const size_t old_count = shard->bucket_count;
  std::unique_ptr<Bucket[]> old_buckets = std::move(shard->buckets);
  std::unique_ptr<Key[]> old_keys = std::move(shard->keys);
  const size_t old_sketch_bytes = (shard->sketch_mask + 1) / 2;
  const size_t slots = bucket_count * kWays;
  // 8 to 16 sketch counters per slot (a power of two in all). The sketch
  // starts afresh: it is about the recent past anyway.
  const size_t counters = FloorPowerOfTwo(16 * slots);
  shard->bucket_count = bucket_count;
  shard->buckets.reset(new Bucket[bucket_count]());
  shard->keys.reset(new Key[slots]);
  shard->sketch.reset(new uint8_t[counters / 2]());
  shard->sketch_mask = counters - 1;
  shard->sample_limit = 10 * static_cast<uint64_t>(slots);
  shard->samples = 0;
  for (size_t b = 0; b < old_count; ++b) {
    for (int w = 0; w < kWays; ++w) {
      if (old_buckets[b].tag[w] == 0) continue;
      const Key& key = old_keys[b * kWays + static_cast<size_t>(w)];
      size_t to = 0;
      int way = 0;
      if (!MakeRoom(shard, Hash(key.child, key.issuer), &to, &way)) {
        // Only when shrinking or on a freak of hashing: dropped.
        ++shard->stats.evictions;
        --shard->stats.size;
        continue;
      }
      shard->buckets[to].tag[way] = old_buckets[b].tag[w];
      shard->buckets[to].freq[way] = old_buckets[b].freq[w];
      shard->keys[to * kWays + static_cast<size_t>(way)] = key;
    }
  }
  const size_t old_bytes =
      old_count * (sizeof(Bucket) + kWays * sizeof(Key)) + old_sketch_bytes;
  const size_t new_bytes =
      bucket_count * (sizeof(Bucket) + kWays * sizeof(Key)) + counters / 2;
  bytes_.fetch_add(new_bytes - old_bytes, std::memory_order_relaxed);
}

namespace {

// The sketch's counters are 4 bits, two to a byte.
int Nibble(const uint8_t* sketch, size_t index) {
  return (sketch[index >> 1] >> ((index & 1) * 4)) & 0xf;
}
void SetNibble(uint8_t* sketch, size_t index, int value) {
  const int shift = static_cast<int>(index & 1) * 4;
  uint8_t& byte = sketch[index >> 1];
  byte = static_cast<uint8_t>((byte & ~(0xf << shift)) | (value << shift));
}

}  // namespace

size_t ProofStore::SketchIndex(const Shard& shard, uint64_t hash, int row) {
  const uint32_t lo = static_cast<uint32_t>(hash);
  const uint32_t hi = static_cast<uint32_t>(hash >> 32) | 1;
  return (lo + static_cast<uint32_t>(row) * hi) & shard.sketch_mask;
}

int ProofStore::SketchEstimate(const Shard& shard, uint64_t hash) {
  int estimate = kMaxFrequency;
  for (int row = 0; row < kSketchDepth; ++row) {
    estimate = std::min(
        estimate, Nibble(shard.sketch.get(), SketchIndex(shard, hash, row)));
  }
  return estimate;
}

void ProofStore::SketchRaise(Shard* shard, uint64_t hash, int to) {
  // Conservative update: only counters below the new estimate grow, which
  // keeps the estimates of rare keys closer to their counts.
  to = std::min<int>(to, kMaxFrequency);
  for (int row = 0; row < kSketchDepth; ++row) {
    const size_t index = SketchIndex(*shard, hash, row);
    if (Nibble(shard->sketch.get(), index) < to) {
      SetNibble(shard->sketch.get(), index, to);
    }
  }
}

void ProofStore::Sample(Shard* shard) {
  if (++shard->samples < shard->sample_limit) return;
  shard->samples /= 2;
  // Halves both counters of each byte.
  for (size_t i = 0; i < (shard->sketch_mask + 1) / 2; ++i) {
    shard->sketch[i] = (shard->sketch[i] >> 1) & 0x77;
  }
  for (size_t b = 0; b < shard->bucket_count; ++b) {
    for (uint8_t& f : shard->buckets[b].freq) f >>= 1;
  }
}

bool ProofStore::Contains(const Sha256Digest& child,
                          const Sha256Digest& issuer) {
  if (!enabled()) return false;
  const Hashes h = Hash(child, issuer);
  Shard& shard = shards_[h.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  const int64_t slot = Find(shard, h, child, issuer);
  if (slot >= 0) {
    uint8_t& f = shard.buckets[slot / kWays].freq[slot % kWays];
    if (f < kMaxFrequency) ++f;
    ++shard.stats.hits;
  } else {
    ++shard.stats.misses;
    SketchRaise(&shard, h.sketch, SketchEstimate(shard, h.sketch) + 1);
  }
  Sample(&shard);
  return slot >= 0;
}

void ProofStore::Insert(const Sha256Digest& child, const Sha256Digest& issuer) {
  if (!enabled()) return;
  const Hashes h = Hash(child, issuer);
  Shard& shard = shards_[h.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  if (Find(shard, h, child, issuer) >= 0) return;
  size_t bucket_index = 0;
  int way = -1;
  bool room = MakeRoom(&shard, h, &bucket_index, &way);
  while (!room && shard.bucket_count < max_buckets_per_shard_) {
    Resize(&shard, std::min(2 * shard.bucket_count, max_buckets_per_shard_));
    room = MakeRoom(&shard, h, &bucket_index, &way);
  }
  const int estimate = SketchEstimate(shard, h.sketch);
  if (room) {
    ++shard.stats.size;
  } else {
    // The least used proof of the two buckets (the first of equals) is
    // replaced only by one used more often (TinyLFU's admission).
    size_t buckets[2];
    BucketsOf(h, shard.bucket_count, buckets);
    uint8_t victim = kMaxFrequency + 1;
    for (size_t b : buckets) {
      for (int w = 0; w < kWays; ++w) {
        if (shard.buckets[b].freq[w] < victim) {
          victim = shard.buckets[b].freq[w];
          bucket_index = b;
          way = w;
        }
      }
    }
    if (estimate <= victim) {
      ++shard.stats.rejections;
      return;
    }
    // The evicted proof's use count goes back to the sketch, so it is
    // readmitted as soon as it is used more than what replaced it.
    const Key& old =
        shard.keys[bucket_index * kWays + static_cast<size_t>(way)];
    SketchRaise(&shard, Hash(old.child, old.issuer).sketch, victim);
    ++shard.stats.evictions;
  }
  ++shard.stats.admissions;
  Bucket& bucket = shard.buckets[bucket_index];
  bucket.tag[way] = h.tag;
  bucket.freq[way] =
      static_cast<uint8_t>(std::max(1, std::min<int>(estimate, kMaxFrequency)));
  Key& key = shard.keys[bucket_index * kWays + static_cast<size_t>(way)];
  key.child = child;
  key.issuer = issuer;
  key.facts = LeafFacts();
}

bool ProofStore::FindFacts(const Sha256Digest& child,
                           const Sha256Digest& issuer, LeafFacts* facts) {
  if (!enabled()) return false;
  const Hashes h = Hash(child, issuer);
  Shard& shard = shards_[h.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  const int64_t slot = Find(shard, h, child, issuer);
  if (slot < 0) return false;
  const Key& key = shard.keys[slot];
  if (!key.facts.present()) return false;
  *facts = key.facts;
  uint8_t& f = shard.buckets[slot / kWays].freq[slot % kWays];
  if (f < kMaxFrequency) ++f;
  ++shard.stats.hits;
  Sample(&shard);
  return true;
}

void ProofStore::SetFacts(const Sha256Digest& child, const Sha256Digest& issuer,
                          const LeafFacts& facts) {
  if (!enabled()) return;
  const Hashes h = Hash(child, issuer);
  Shard& shard = shards_[h.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  const int64_t slot = Find(shard, h, child, issuer);
  if (slot >= 0) shard.keys[slot].facts = facts;
}

CacheStats ProofStore::stats() const {
  CacheStats total;
  total.capacity = capacity();
  for (size_t i = 0; i < shard_count_; ++i) {
    Shard& shard = shards_[i];
    std::lock_guard<SpinLock> lock(shard.lock);
    total.hits += shard.stats.hits;
    total.misses += shard.stats.misses;
    total.evictions += shard.stats.evictions;
    total.admissions += shard.stats.admissions;
    total.rejections += shard.stats.rejections;
    total.size += shard.stats.size;
  }
  total.bytes = MemoryUsage();
  return total;
}

}  // namespace chaintrust
