// A store of verified signature proofs shared by every Evaluator of an
// Engine, bounded by a memory budget.
//
// A proof is "the certificate whose DER has SHA-256 C carries a signature
// that verifies under the key of the certificate whose DER has SHA-256 I".
// It is a pure function of the two certificates' bytes: it depends on no
// enrollment, so a snapshot swap keeps every proof, and it is never a
// verdict (the policy is resolved on every evaluation). Only proofs whose
// signature was verified are inserted, so a flood of distinct junk
// certificates (whose signatures fail) can cost lookups but never evicts
// what is stored.
//
// Layout: the table is split into shards (chosen by the key's hash), each
// with its own lightweight lock, so threads serialise only when they touch
// the same shard at the same moment. Within a shard, a key may live in one
// of two buckets of eight slots (two-choice set-associative hashing): a
// lookup reads two bucket headers (a 16-bit tag per slot) and compares the
// full 64-byte key only where a tag matches. Every operation is O(1).
//
// Policy (TinyLFU): each shard keeps a count-min sketch of the recent
// misses (and of the use counts of the proofs it evicted), and a small
// saturating use count per stored proof, incremented on each hit in the
// bucket header a lookup reads anyway (the hit path touches no sketch). A
// new proof takes a free slot of its two buckets (moving a proof to its
// other bucket if that makes one); when both are full, it replaces the
// least used of their sixteen proofs only if its sketch estimate is higher,
// else it is refused (counted as a rejection). Every 10 x slots lookups,
// the shard's counters are halved, so frequencies follow the recent past.
// A scan or a cycle larger than the store cannot flush proofs that are used
// more often than its items.
#ifndef CHAINTRUST_ENGINE_CORE_PROOF_STORE_H_
#define CHAINTRUST_ENGINE_CORE_PROOF_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "engine/types.h"

namespace chaintrust {

class ProofStore {
 public:
  // Bytes of the budget one proof slot costs: its 64-byte key, tag,
  // frequency and share of the frequency sketch (at most 8 bytes).
  static constexpr size_t kBytesPerSlot = 75;
  // The budget at which `proofs` proofs are expected to fit without an
  // eviction (the table fills to about 95% before the first).
  static size_t BudgetFor(size_t proofs);

  // A store of at most `budget_bytes` of tables (MemoryUsage). A budget too
  // small for one bucket pair disables it: nothing is stored or found.
  explicit ProofStore(size_t budget_bytes);
  ~ProofStore();
  ProofStore(const ProofStore&) = delete;
  ProofStore& operator=(const ProofStore&) = delete;

  bool enabled() const { return shard_count_ != 0; }
  // How many proofs it can hold.
  size_t capacity() const;
  // Bytes of its tables (allocated once, at construction).
  size_t MemoryUsage() const { return bytes_; }

  // Whether the signature of certificate `child` is known to verify under
  // the key of certificate `issuer` (both SHA-256 of DER). Thread-safe.
  bool Contains(const Sha256Digest& child, const Sha256Digest& issuer);
  // Records a proof the caller has just verified; the admission policy may
  // refuse it. Thread-safe.
  void Insert(const Sha256Digest& child, const Sha256Digest& issuer);

  // Hits, misses, admissions, rejections, evictions and size, summed over
  // the shards (each read under its lock, so a consistent sum only while no
  // thread uses the store). Thread-safe.
  CacheStats stats() const;

 private:
  static constexpr int kWays = 8;
  struct Key {
    Sha256Digest child;
    Sha256Digest issuer;
  };
  struct Bucket {
    uint16_t tag[kWays];  // 0: free slot
    uint8_t freq[kWays];  // saturating use count (kMaxFrequency)
  };
  struct Location {
    size_t shard;
    size_t bucket[2];  // within the shard
    uint16_t tag;
    uint64_t sketch_hash;
  };
  class SpinLock {
   public:
    void lock();
    void unlock() { locked_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> locked_{false};
  };
  struct alignas(64) Shard {
    SpinLock lock;
    Bucket* buckets = nullptr;
    Key* keys = nullptr;        // kWays per bucket
    uint8_t* sketch = nullptr;  // sketch_mask + 1 counters
    uint64_t samples = 0;       // lookups since the last halving
    CacheStats stats;
  };

  Location Locate(const Sha256Digest& child, const Sha256Digest& issuer) const;
  // The slot (bucket * kWays + way) holding the key, or -1. Under the lock.
  int64_t Find(const Shard& shard, const Location& at,
               const Sha256Digest& child, const Sha256Digest& issuer) const;
  static int FreeWay(const Bucket& bucket);
  // Finds a free slot for `at` in one of its buckets, moving a proof to its
  // other bucket if need be. Under the lock.
  bool MakeRoom(Shard* shard, const Location& at, size_t* bucket, int* way);
  // Count-min sketch of 4-bit counters (kSketchDepth rows in one array).
  size_t SketchIndex(uint64_t hash, int row) const;
  int SketchEstimate(const Shard& shard, uint64_t hash) const;
  // Raises the counters of `hash` below `to` to `to` (capped).
  void SketchRaise(Shard* shard, uint64_t hash, int to);
  // Counts a lookup; halves every counter of the shard every sample_limit_.
  void Sample(Shard* shard);

  size_t shard_count_ = 0;
  size_t buckets_per_shard_ = 0;
  size_t sketch_mask_ = 0;
  uint64_t sample_limit_ = 0;
  size_t bytes_ = 0;
  std::unique_ptr<Shard[]> shards_;
  // One allocation each for all shards (calloc: pages are touched only as
  // the store fills).
  void* bucket_memory_ = nullptr;
  void* key_memory_ = nullptr;
  void* sketch_memory_ = nullptr;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_PROOF_STORE_H_
