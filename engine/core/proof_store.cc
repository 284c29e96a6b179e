#include "engine/core/proof_store.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/hash/hash.h"

namespace chaintrust {
namespace {

constexpr size_t kMaxShards = 64;
constexpr size_t kLargeBudgetShards = 8;
constexpr size_t kLargeShardBytes = size_t{16} << 20;
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

size_t ProofStore::Table::HeaderBytes(size_t count) {
  return (count * sizeof(Bucket) + 63) / 64 * 64;
}

ProofStore::Table::Table(size_t count)
    : bucket_count(count),
      memory(HeaderBytes(count) + count * kWays * sizeof(KeySlot)),
      buckets(static_cast<Bucket*>(memory.data())),
      keys(reinterpret_cast<KeySlot*>(static_cast<char*>(memory.data()) +
                                      HeaderBytes(count))) {
  std::uninitialized_value_construct_n(buckets, count);
  std::uninitialized_value_construct_n(keys, count * kWays);
}

ProofStore::ProofStore(size_t budget_bytes) {
  // As many shards (up to kMaxShards) as the budget gives two buckets each
  // (the two choices) besides the shard itself; for a large budget, no
  // more than give each shard kLargeShardBytes (but at least
  // kLargeBudgetShards), so that most of each table's keys are on whole
  // huge pages (a table's tail past its last whole 2 MiB page is not).
  const size_t min_shard = sizeof(Shard) + 2 * kWays * kBytesPerSlot;
  if (budget_bytes < min_shard) return;
  shard_count_ =
      std::min({kMaxShards, FloorPowerOfTwo(budget_bytes / min_shard),
                std::max(kLargeBudgetShards,
                         FloorPowerOfTwo(budget_bytes / kLargeShardBytes))});
  const size_t buckets =
      (budget_bytes - shard_count_ * sizeof(Shard)) / (kWays * kBytesPerSlot);
  max_buckets_per_shard_ = buckets / shard_count_;
  shards_.reset(new Shard[shard_count_]);
  readers_.reset(new ReaderSlot[kReaderSlots]);
  bytes_.store(shard_count_ * sizeof(Shard), std::memory_order_relaxed);
  for (size_t i = 0; i < shard_count_; ++i) Resize(&shards_[i], 2);
}

ProofStore::~ProofStore() {
  for (size_t i = 0; i < shard_count_; ++i) {
    delete shards_[i].table.load(std::memory_order_relaxed);
  }
}

size_t ProofStore::capacity() const {
  return shard_count_ * max_buckets_per_shard_ * kWays;
}

ProofStore::ReaderSlot& ProofStore::ThisThreadsSlot() const {
  // Threads take the slots in turn; a slot shared by two threads is still
  // correct (its counters are atomic), only a line they both write.
  static std::atomic<size_t> next{0};
  thread_local const size_t mine =
      next.fetch_add(1, std::memory_order_relaxed) % kReaderSlots;
  return readers_[mine];
}

uint64_t ProofStore::PlaceOf(absl::string_view child_der) {
  // absl's hash is seeded per process. The tail alone: hashing a leaf's
  // few hundred bytes costs as much as a memory access on the hit path.
  const size_t size = child_der.size();
  const absl::string_view tail =
      child_der.substr(size > kPlaceBytes ? size - kPlaceBytes : 0);
  return Mix(absl::HashOf(size, tail));
}

uint64_t ProofStore::PlaceOf(const Sha256Digest& child) {
  return PlaceOf(absl::string_view(reinterpret_cast<const char*>(child.data()),
                                   child.size()));
}

ProofStore::Hashes ProofStore::Hash(uint64_t place,
                                    const Sha256Digest& issuer) const {
  // The place decides where the key lives (the same buckets for every
  // issuer of one child, so that a lookup can start before the issuer is
  // known); the issuer joins only the frequency estimate.
  Hashes h;
  h.h1 = place;
  h.h2 = Mix(place ^ 0x9E3779B97F4A7C15ull);
  h.shard = static_cast<size_t>(h.h1) & (shard_count_ - 1);
  h.tag = static_cast<uint16_t>(h.h1 >> 48) | 1;
  h.sketch = Mix(h.h2 ^ Load64(issuer.data()));
  return h;
}

void ProofStore::BucketsOf(const Hashes& h, size_t bucket_count,
                           size_t out[2]) {
  out[0] = Range(h.h1 >> 8, bucket_count);
  out[1] = Range(h.h2, bucket_count);
  if (out[1] == out[0]) out[1] = (out[0] + 1) % bucket_count;
}

ProofStore::Hashes ProofStore::HashOfSlot(const KeySlot& slot) const {
  // Hash reads the place (the last word) and the issuer's first word.
  Sha256Digest issuer{};
  const uint64_t s = slot.word[4].load(std::memory_order_acquire);
  std::memcpy(issuer.data(), &s, sizeof(s));
  return Hash(slot.word[kKeyWords - 1].load(std::memory_order_acquire), issuer);
}

ProofStore::Key ProofStore::LoadKey(const KeySlot& slot) {
  uint64_t words[kKeyWords];
  for (int i = 0; i < kKeyWords; ++i) {
    words[i] = slot.word[i].load(std::memory_order_acquire);
  }
  Key key;
  std::memcpy(&key, words, sizeof(key));
  return key;
}

void ProofStore::StoreKey(KeySlot* slot, const Key& key) {
  uint64_t words[kKeyWords];
  std::memcpy(words, &key, sizeof(key));
  for (int i = 0; i < kKeyWords; ++i) {
    slot->word[i].store(words[i], std::memory_order_release);
  }
}

bool ProofStore::Holds(const KeySlot& slot, const Sha256Digest& child,
                       const Sha256Digest& issuer) {
  // The words of the two digests (the first eight of the key), compared
  // without branches.
  uint64_t diff = 0;
  for (int i = 0; i < 4; ++i) {
    diff |= slot.word[i].load(std::memory_order_acquire) ^
            Load64(child.data() + 8 * i);
    diff |= slot.word[4 + i].load(std::memory_order_acquire) ^
            Load64(issuer.data() + 8 * i);
  }
  return diff == 0;
}

int64_t ProofStore::Find(const Table& table, const Hashes& h,
                         const Sha256Digest& child,
                         const Sha256Digest& issuer) {
  size_t buckets[2];
  BucketsOf(h, table.bucket_count, buckets);
  for (size_t b : buckets) {
    const Bucket& bucket = table.buckets[b];
    for (int w = 0; w < kWays; ++w) {
      if (bucket.tag[w].load(std::memory_order_acquire) != h.tag) continue;
      if (Holds(table.key(b, w), child, issuer)) {
        return static_cast<int64_t>(b * kWays + static_cast<size_t>(w));
      }
    }
  }
  return -1;
}

ProofStore::Probe ProofStore::FindWithoutLock(Shard& shard, const Hashes& h,
                                              const Sha256Digest& child,
                                              const Sha256Digest& issuer,
                                              LeafFacts* facts) {
  // A seqlock without fences: a writer makes the sequence odd, then stores
  // each word with release; a lookup loads each word with acquire, so that
  // if it read any word of a write, it reads the sequence again as at least
  // that write's odd value (and retries).
  const uint64_t before = shard.sequence.load(std::memory_order_acquire);
  if ((before & 1) != 0) return Probe::kRetry;
  const Table& table = *shard.table.load(std::memory_order_seq_cst);
  const int64_t slot = Find(table, h, child, issuer);
  Key key;
  if (slot >= 0 && facts != nullptr) {
    key = LoadKey(table.keys[slot]);
  }
  if (shard.sequence.load(std::memory_order_relaxed) != before) {
    return Probe::kRetry;
  }
  if (slot < 0) return Probe::kMiss;
  if (facts != nullptr) {
    if (!key.facts.present()) return Probe::kMiss;
    *facts = key.facts;
  }
  // The use count: a racing writer may have moved the proof, in which case
  // another proof's count is raised once (the counts are estimates).
  std::atomic<uint8_t>& f = table.buckets[slot / kWays].freq[slot % kWays];
  const uint8_t count = f.load(std::memory_order_relaxed);
  if (count < kMaxFrequency) {
    f.store(static_cast<uint8_t>(count + 1), std::memory_order_relaxed);
  }
  return Probe::kHit;
}

void ProofStore::CountHit(Shard* shard, ReaderSlot* reader) {
  // Aging counts lookups per shard; hits reach a shard's count in batches
  // (every kBatch-th hit of the slot), so that a hit does not write a line
  // that other threads write.
  constexpr uint64_t kBatch = 32;
  if ((reader->hits.fetch_add(1, std::memory_order_relaxed) + 1) % kBatch !=
      0) {
    return;
  }
  if (shard->samples.fetch_add(kBatch, std::memory_order_relaxed) + kBatch <
      shard->sample_limit.load(std::memory_order_relaxed)) {
    return;
  }
  std::lock_guard<SpinLock> lock(shard->lock);
  Sample(shard, 0);
}

void ProofStore::BeginWrite(Shard* shard) {
  shard->sequence.store(shard->sequence.load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
}

void ProofStore::EndWrite(Shard* shard) {
  shard->sequence.store(shard->sequence.load(std::memory_order_relaxed) + 1,
                        std::memory_order_release);
}

int ProofStore::FreeWay(const Bucket& bucket) {
  for (int w = 0; w < kWays; ++w) {
    if (bucket.tag[w].load(std::memory_order_relaxed) == 0) return w;
  }
  return -1;
}

bool ProofStore::MakeRoom(Table* table, const Hashes& h, size_t* bucket,
                          int* way) const {
  size_t buckets[2];
  BucketsOf(h, table->bucket_count, buckets);
  for (size_t b : buckets) {
    const int w = FreeWay(table->buckets[b]);
    if (w >= 0) {
      *bucket = b;
      *way = w;
      return true;
    }
  }
  // Both full: move one of their proofs to its other bucket if that has a
  // free slot, which lets the table fill to over 95%.
  for (size_t b : buckets) {
    Bucket& from = table->buckets[b];
    for (int w = 0; w < kWays; ++w) {
      size_t home[2];
      BucketsOf(HashOfSlot(table->key(b, w)), table->bucket_count, home);
      const size_t other = home[0] == b ? home[1] : home[0];
      Bucket& to = table->buckets[other];
      const int free = FreeWay(to);
      if (free < 0) continue;
      StoreKey(&table->key(other, free), LoadKey(table->key(b, w)));
      to.freq[free].store(from.freq[w].load(std::memory_order_relaxed),
                          std::memory_order_relaxed);
      to.tag[free].store(from.tag[w].load(std::memory_order_relaxed),
                         std::memory_order_release);
      from.tag[w].store(0, std::memory_order_release);
      *bucket = b;
      *way = w;
      return true;
    }
  }
  return false;
}

void ProofStore::Resize(Shard* shard, size_t bucket_count) {
  Table* const old = shard->table.load(std::memory_order_relaxed);
  const size_t old_count = old == nullptr ? 0 : old->bucket_count;
  const size_t old_bytes =
      (old == nullptr ? 0 : old->memory.size()) + (shard->sketch_mask + 1) / 2;
  const size_t slots = bucket_count * kWays;
  // 8 to 16 sketch counters per slot (a power of two in all). The sketch
  // starts afresh: it is about the recent past anyway.
  const size_t counters = FloorPowerOfTwo(16 * slots);
  auto table = std::make_unique<Table>(bucket_count);
  shard->sketch.reset(new uint8_t[counters / 2]());
  shard->sketch_mask = counters - 1;
  shard->sample_limit.store(10 * static_cast<uint64_t>(slots),
                            std::memory_order_relaxed);
  shard->samples.store(0, std::memory_order_relaxed);
  for (size_t b = 0; b < old_count; ++b) {
    const Bucket& from = old->buckets[b];
    for (int w = 0; w < kWays; ++w) {
      const uint16_t tag = from.tag[w].load(std::memory_order_relaxed);
      if (tag == 0) continue;
      const Key key = LoadKey(old->key(b, w));
      size_t to = 0;
      int way = 0;
      if (!MakeRoom(table.get(), Hash(key.place, key.issuer), &to, &way)) {
        // Only when shrinking or on a freak of hashing: dropped.
        ++shard->stats.evictions;
        --shard->stats.size;
        continue;
      }
      Bucket& into = table->buckets[to];
      StoreKey(&table->key(to, way), key);
      into.freq[way].store(from.freq[w].load(std::memory_order_relaxed),
                           std::memory_order_relaxed);
      into.tag[way].store(tag, std::memory_order_release);
    }
  }
  // Published whole; then the old table is freed once every lookup that
  // may have read its pointer is over.
  shard->prefetch_buckets.store(reinterpret_cast<uintptr_t>(table->buckets),
                                std::memory_order_relaxed);
  shard->prefetch_bucket_count.store(table->bucket_count,
                                     std::memory_order_relaxed);
  shard->table.store(table.release(), std::memory_order_seq_cst);
  if (old != nullptr) {
    for (size_t i = 0; i < kReaderSlots; ++i) {
      int spins = 0;
      while (readers_[i].active.load(std::memory_order_seq_cst) != 0) {
        if (++spins < 64) {
          CpuRelax();
        } else {
          std::this_thread::yield();
        }
      }
    }
    delete old;
  }
  const size_t new_bytes =
      shard->table.load(std::memory_order_relaxed)->memory.size() +
      counters / 2;
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

void ProofStore::Sample(Shard* shard, uint64_t n) {
  const uint64_t samples =
      shard->samples.fetch_add(n, std::memory_order_relaxed) + n;
  if (samples < shard->sample_limit.load(std::memory_order_relaxed)) return;
  shard->samples.store(samples / 2, std::memory_order_relaxed);
  // Halves both counters of each byte.
  for (size_t i = 0; i < (shard->sketch_mask + 1) / 2; ++i) {
    shard->sketch[i] = (shard->sketch[i] >> 1) & 0x77;
  }
  Table& table = *shard->table.load(std::memory_order_relaxed);
  for (size_t b = 0; b < table.bucket_count; ++b) {
    for (std::atomic<uint8_t>& f : table.buckets[b].freq) {
      f.store(f.load(std::memory_order_relaxed) >> 1,
              std::memory_order_relaxed);
    }
  }
}

bool ProofStore::Contains(uint64_t place, const Sha256Digest& child,
                          const Sha256Digest& issuer) {
  if (!enabled()) return false;
  const Hashes h = Hash(place, issuer);
  Shard& shard = shards_[h.shard];
  ReaderSlot& reader = ThisThreadsSlot();
  reader.active.fetch_add(1, std::memory_order_seq_cst);
  const Probe probe = FindWithoutLock(shard, h, child, issuer, nullptr);
  reader.active.fetch_sub(1, std::memory_order_release);
  // After the lookup: counting may take the lock, which a writer holds
  // while it waits for the lookups of the old table to end.
  if (probe == Probe::kHit) CountHit(&shard, &reader);
  if (probe == Probe::kHit) return true;
  // A miss (or a lookup that met a writer), under the lock: counted, and
  // the key's frequency raised for the admission that may follow.
  std::lock_guard<SpinLock> lock(shard.lock);
  Table& table = *shard.table.load(std::memory_order_relaxed);
  const int64_t slot = Find(table, h, child, issuer);
  if (slot >= 0) {
    std::atomic<uint8_t>& f = table.buckets[slot / kWays].freq[slot % kWays];
    const uint8_t count = f.load(std::memory_order_relaxed);
    if (count < kMaxFrequency) {
      f.store(static_cast<uint8_t>(count + 1), std::memory_order_relaxed);
    }
    ++shard.stats.hits;
  } else {
    ++shard.stats.misses;
    SketchRaise(&shard, h.sketch, SketchEstimate(shard, h.sketch) + 1);
  }
  Sample(&shard);
  return slot >= 0;
}

void ProofStore::Insert(uint64_t place, const Sha256Digest& child,
                        const Sha256Digest& issuer) {
  if (!enabled()) return;
  const Hashes h = Hash(place, issuer);
  Shard& shard = shards_[h.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  if (Find(*shard.table.load(std::memory_order_relaxed), h, child, issuer) >=
      0) {
    return;
  }
  size_t bucket_index = 0;
  int way = -1;
  BeginWrite(&shard);
  bool room = MakeRoom(shard.table.load(std::memory_order_relaxed), h,
                       &bucket_index, &way);
  while (!room) {
    const size_t count =
        shard.table.load(std::memory_order_relaxed)->bucket_count;
    if (count >= max_buckets_per_shard_) break;
    Resize(&shard, std::min(2 * count, max_buckets_per_shard_));
    room = MakeRoom(shard.table.load(std::memory_order_relaxed), h,
                    &bucket_index, &way);
  }
  Table& table = *shard.table.load(std::memory_order_relaxed);
  const int estimate = SketchEstimate(shard, h.sketch);
  if (room) {
    ++shard.stats.size;
  } else {
    // The least used proof of the two buckets (the first of equals) is
    // replaced only by one used more often (TinyLFU's admission).
    size_t buckets[2];
    BucketsOf(h, table.bucket_count, buckets);
    uint8_t victim = kMaxFrequency + 1;
    for (size_t b : buckets) {
      for (int w = 0; w < kWays; ++w) {
        const uint8_t f =
            table.buckets[b].freq[w].load(std::memory_order_relaxed);
        if (f < victim) {
          victim = f;
          bucket_index = b;
          way = w;
        }
      }
    }
    if (estimate <= victim) {
      ++shard.stats.rejections;
      EndWrite(&shard);
      return;
    }
    // The evicted proof's use count goes back to the sketch, so it is
    // readmitted as soon as it is used more than what replaced it.
    SketchRaise(&shard, HashOfSlot(table.key(bucket_index, way)).sketch,
                victim);
    ++shard.stats.evictions;
  }
  ++shard.stats.admissions;
  Bucket& bucket = table.buckets[bucket_index];
  Key key;
  key.child = child;
  key.issuer = issuer;
  key.place = place;
  StoreKey(&table.key(bucket_index, way), key);
  bucket.freq[way].store(
      static_cast<uint8_t>(std::max(1, std::min<int>(estimate, kMaxFrequency))),
      std::memory_order_relaxed);
  bucket.tag[way].store(h.tag, std::memory_order_release);
  EndWrite(&shard);
}

void ProofStore::PrefetchBuckets(uint64_t place) const {
  if (!enabled()) return;
  const Hashes h = Hash(place, Sha256Digest{});
  // Not a reader: nothing of the table is read, its addresses only
  // prefetched (a prefetch never faults; during a growth the array and the
  // count may be of different tables, and the prefetch is then wasted).
  const Shard& shard = shards_[h.shard];
  const uintptr_t array =
      shard.prefetch_buckets.load(std::memory_order_relaxed);
  size_t buckets[2];
  BucketsOf(h, shard.prefetch_bucket_count.load(std::memory_order_relaxed),
            buckets);
  for (size_t b : buckets) {
    __builtin_prefetch(
        reinterpret_cast<const void*>(array + b * sizeof(Bucket)));
  }
}

ProofStore::StagedLookup::StagedLookup(ProofStore* store, uint64_t place)
    : store_(store), place_(place) {
  if (!store->enabled()) return;
  const Hashes h = store->Hash(place, Sha256Digest{});
  // The headers are read: as a registered reader, so that a growth does
  // not free the table meanwhile.
  reader_ = &store->ThisThreadsSlot();
  reader_->active.fetch_add(1, std::memory_order_seq_cst);
  const Table& table =
      *store->shards_[h.shard].table.load(std::memory_order_seq_cst);
  size_t buckets[2];
  BucketsOf(h, table.bucket_count, buckets);
  for (size_t b : buckets) {
    const Bucket& bucket = table.buckets[b];
    for (int w = 0; w < kWays; ++w) {
      if (bucket.tag[w].load(std::memory_order_relaxed) != h.tag) continue;
      // Every line of the slot (a slot spans two or three).
      const char* first = reinterpret_cast<const char*>(&table.key(b, w));
      const uintptr_t line =
          reinterpret_cast<uintptr_t>(first) & ~uintptr_t{63};
      const char* end = first + sizeof(KeySlot);
      for (const char* p = reinterpret_cast<const char*>(line); p < end;
           p += 64) {
        __builtin_prefetch(p);
      }
    }
  }
}

void ProofStore::StagedLookup::EndRead() {
  if (reader_ == nullptr) return;
  reader_->active.fetch_sub(1, std::memory_order_release);
  reader_ = nullptr;
}

bool ProofStore::StagedLookup::FindFacts(const Sha256Digest& child,
                                         const Sha256Digest& issuer,
                                         LeafFacts* facts) {
  if (reader_ == nullptr) return false;
  ReaderSlot* const reader = reader_;
  const Hashes h = store_->Hash(place_, issuer);
  Shard& shard = store_->shards_[h.shard];
  const Probe probe = store_->FindWithoutLock(shard, h, child, issuer, facts);
  EndRead();
  // After the read: counting may take the lock, which a writer holds while
  // it waits for the lookups of the old table to end.
  if (probe == Probe::kHit) store_->CountHit(&shard, reader);
  if (probe != Probe::kRetry) return probe == Probe::kHit;
  return store_->FindFactsLocked(&shard, h, child, issuer, facts);
}

bool ProofStore::FindFacts(uint64_t place, const Sha256Digest& child,
                           const Sha256Digest& issuer, LeafFacts* facts) {
  // The staged lookup with nothing between its stages.
  return StagedLookup(this, place).FindFacts(child, issuer, facts);
}

bool ProofStore::FindFactsLocked(Shard* shard, const Hashes& h,
                                 const Sha256Digest& child,
                                 const Sha256Digest& issuer, LeafFacts* facts) {
  std::lock_guard<SpinLock> lock(shard->lock);
  Table& table = *shard->table.load(std::memory_order_relaxed);
  const int64_t slot = Find(table, h, child, issuer);
  if (slot < 0) return false;
  Bucket& bucket = table.buckets[slot / kWays];
  const Key key = LoadKey(table.keys[slot]);
  if (!key.facts.present()) return false;
  *facts = key.facts;
  std::atomic<uint8_t>& f = bucket.freq[slot % kWays];
  const uint8_t count = f.load(std::memory_order_relaxed);
  if (count < kMaxFrequency) {
    f.store(static_cast<uint8_t>(count + 1), std::memory_order_relaxed);
  }
  ++shard->stats.hits;
  Sample(shard);
  return true;
}

void ProofStore::SetFacts(uint64_t place, const Sha256Digest& child,
                          const Sha256Digest& issuer, const LeafFacts& facts) {
  if (!enabled()) return;
  const Hashes h = Hash(place, issuer);
  Shard& shard = shards_[h.shard];
  std::lock_guard<SpinLock> lock(shard.lock);
  Table& table = *shard.table.load(std::memory_order_relaxed);
  const int64_t slot = Find(table, h, child, issuer);
  if (slot < 0) return;
  KeySlot& key = table.keys[slot];
  Key value = LoadKey(key);
  value.facts = facts;
  BeginWrite(&shard);
  StoreKey(&key, value);
  EndWrite(&shard);
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
  for (size_t i = 0; shard_count_ != 0 && i < kReaderSlots; ++i) {
    total.hits += readers_[i].hits.load(std::memory_order_relaxed);
  }
  total.bytes = MemoryUsage();
  return total;
}

}  // namespace chaintrust
