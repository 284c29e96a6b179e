#include "engine/core/proof_store.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
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
  const size_t overhead = kMaxShards * sizeof(Shard);
  if (budget_bytes <= overhead) return;
  const size_t buckets = (budget_bytes - overhead) / (kWays * kBytesPerSlot);
  if (buckets < 2) return;
  // As many shards as leave each at least two buckets (the two choices).
  const size_t shards = std::min(kMaxShards, FloorPowerOfTwo(buckets / 2));
  const size_t per_shard = buckets / shards;
  const size_t slots = per_shard * kWays;
  // 8 to 16 four-bit sketch counters per slot (a power of two in all).
  const size_t sketch_counters = FloorPowerOfTwo(16 * slots);
  const size_t sketch = sketch_counters / 2;  // bytes
  bucket_memory_ = std::calloc(shards * per_shard, sizeof(Bucket));
  key_memory_ = std::calloc(shards * slots, sizeof(Key));
  sketch_memory_ = std::calloc(shards * sketch, 1);
  if (bucket_memory_ == nullptr || key_memory_ == nullptr ||
      sketch_memory_ == nullptr) {
    // Out of memory: run without a store rather than fail.
    std::free(bucket_memory_);
    std::free(key_memory_);
    std::free(sketch_memory_);
    bucket_memory_ = key_memory_ = sketch_memory_ = nullptr;
    return;
  }
  shards_.reset(new Shard[shards]);
  for (size_t i = 0; i < shards; ++i) {
    shards_[i].buckets = static_cast<Bucket*>(bucket_memory_) + i * per_shard;
    shards_[i].keys = static_cast<Key*>(key_memory_) + i * slots;
    shards_[i].sketch = static_cast<uint8_t*>(sketch_memory_) + i * sketch;
  }
  shard_count_ = shards;
  buckets_per_shard_ = per_shard;
  sketch_mask_ = sketch_counters - 1;
  sample_limit_ = 10 * static_cast<uint64_t>(slots);
  bytes_ = shards * (per_shard * sizeof(Bucket) + slots * sizeof(Key) + sketch +
                     sizeof(Shard));
}

ProofStore::~ProofStore() {
  std::free(bucket_memory_);
  std::free(key_memory_);
  std::free(sketch_memory_);
}

size_t ProofStore::capacity() const {
  return shard_count_ * buckets_per_shard_ * kWays;
}

ProofStore::Location ProofStore::Locate(const Sha256Digest& child,
                                        const Sha256Digest& issuer) const {
  // SHA-256 digests are uniform already; the mixing only combines them.
  const uint64_t h1 =
      Mix(Load64(child.data()) ^ Mix(Load64(issuer.data()) + 1));
  const uint64_t h2 = Mix(Load64(child.data() + 8) ^ Load64(issuer.data() + 8) ^
                          0x9E3779B97F4A7C15ull);
  Location at;
  at.shard = static_cast<size_t>(h1) & (shard_count_ - 1);
  at.bucket[0] = Range(h1 >> 8, buckets_per_shard_);
  at.bucket[1] = Range(h2, buckets_per_shard_);
  if (at.bucket[1] == at.bucket[0]) {
    at.bucket[1] = (at.bucket[0] + 1) % buckets_per_shard_;
  }
  at.tag = static_cast<uint16_t>(h1 >> 48) | 1;
  at.sketch_hash = Mix(h1 ^ h2);
  return at;
}

int64_t ProofStore::Find(const Shard& shard, const Location& at,
                         const Sha256Digest& child,
                         const Sha256Digest& issuer) const {
  for (size_t b : at.bucket) {
    const Bucket& bucket = shard.buckets[b];
    for (int w = 0; w < kWays; ++w) {
      if (bucket.tag[w] != at.tag) continue;
      const size_t slot = b * kWays + static_cast<size_t>(w);
      const Key& key = shard.keys[slot];
      if (key.child == child && key.issuer == issuer) {
        return static_cast<int64_t>(slot);
      }
    }
  }
  return -1;
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

size_t ProofStore::SketchIndex(uint64_t hash, int row) const {
  const uint32_t lo = static_cast<uint32_t>(hash);
  const uint32_t hi = static_cast<uint32_t>(hash >> 32) | 1;
  return (lo + static_cast<uint32_t>(row) * hi) & sketch_mask_;
}

int ProofStore::SketchEstimate(const Shard& shard, uint64_t hash) const {
  int estimate = kMaxFrequency;
  for (int row = 0; row < kSketchDepth; ++row) {
    estimate = std::min(estimate, Nibble(shard.sketch, SketchIndex(hash, row)));
  }
  return estimate;
}

void ProofStore::SketchRaise(Shard* shard, uint64_t hash, int to) {
  // Conservative update: only counters below the new estimate grow, which
  // keeps the estimates of rare keys closer to their counts.
  to = std::min<int>(to, kMaxFrequency);
  for (int row = 0; row < kSketchDepth; ++row) {
    const size_t index = SketchIndex(hash, row);
    if (Nibble(shard->sketch, index) < to) {
      SetNibble(shard->sketch, index, to);
    }
  }
}

void ProofStore::Sample(Shard* shard) {
  if (++shard->samples < sample_limit_) return;
  shard->samples /= 2;
  // Halves both nibbles of each byte.
  for (size_t i = 0; i < (sketch_mask_ + 1) / 2; ++i) {
    shard->sketch[i] = (shard->sketch[i] >> 1) & 0x77;
  }
  for (size_t b = 0; b < buckets_per_shard_; ++b) {
    for (uint8_t& f : shard->buckets[b].freq) f >>= 1;
  }
}

bool ProofStore::Contains(const Sha256Digest& child,
                          const Sha256Digest& issuer) {
  if (!enabled()) return false;
  const Location at = Locate(child, issuer);
  Shard& shard = shards_[at.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  const int64_t slot = Find(shard, at, child, issuer);
  if (slot >= 0) {
    uint8_t& f = shard.buckets[slot / kWays].freq[slot % kWays];
    if (f < kMaxFrequency) ++f;
    ++shard.stats.hits;
  } else {
    ++shard.stats.misses;
    SketchRaise(&shard, at.sketch_hash,
                SketchEstimate(shard, at.sketch_hash) + 1);
  }
  Sample(&shard);
  return slot >= 0;
}

int ProofStore::FreeWay(const Bucket& bucket) {
  for (int w = 0; w < kWays; ++w) {
    if (bucket.tag[w] == 0) return w;
  }
  return -1;
}

bool ProofStore::MakeRoom(Shard* shard, const Location& at, size_t* bucket,
                          int* way) {
  for (size_t b : at.bucket) {
    const int w = FreeWay(shard->buckets[b]);
    if (w >= 0) {
      *bucket = b;
      *way = w;
      return true;
    }
  }
  // Both full: move one of their proofs to its other bucket if that has a
  // free slot (one cuckoo step), which lets the table fill to over 95%.
  for (size_t b : at.bucket) {
    for (int w = 0; w < kWays; ++w) {
      const size_t slot = b * kWays + static_cast<size_t>(w);
      const Key& key = shard->keys[slot];
      const Location home = Locate(key.child, key.issuer);
      const size_t other =
          home.bucket[0] == b ? home.bucket[1] : home.bucket[0];
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

void ProofStore::Insert(const Sha256Digest& child, const Sha256Digest& issuer) {
  if (!enabled()) return;
  const Location at = Locate(child, issuer);
  Shard& shard = shards_[at.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  if (Find(shard, at, child, issuer) >= 0) return;
  const int estimate = SketchEstimate(shard, at.sketch_hash);
  size_t bucket_index = at.bucket[0];
  int way = -1;
  if (MakeRoom(&shard, at, &bucket_index, &way)) {
    ++shard.stats.size;
  } else {
    // The least used proof of the two buckets (the first of equals) is
    // replaced only by one used more often (TinyLFU's admission).
    uint8_t victim = kMaxFrequency + 1;
    for (size_t b : at.bucket) {
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
    SketchRaise(&shard, Locate(old.child, old.issuer).sketch_hash, victim);
    ++shard.stats.evictions;
  }
  ++shard.stats.admissions;
  Bucket& bucket = shard.buckets[bucket_index];
  bucket.tag[way] = at.tag;
  bucket.freq[way] =
      static_cast<uint8_t>(std::max(1, std::min<int>(estimate, kMaxFrequency)));
  Key& key = shard.keys[bucket_index * kWays + static_cast<size_t>(way)];
  key.child = child;
  key.issuer = issuer;
}

CacheStats ProofStore::stats() const {
  CacheStats total;
  total.capacity = capacity();
  total.bytes = bytes_;
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
  return total;
}

}  // namespace chaintrust
