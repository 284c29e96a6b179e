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
// Layout: the table is split into shards (chosen by the key's hash). Within
// a shard, a key may live in one of two buckets of eight slots (two-choice
// set-associative hashing): a lookup reads two bucket headers (a 16-bit tag
// per slot) and compares the full 64-byte key only where a tag matches.
// Where a key lives (its shard, buckets and tag) is decided by its child's
// place: a seeded hash of the end of the child certificate's DER (PlaceOf),
// not of its SHA-256, so that a caller holding the DER can start the
// lookup's memory accesses (PrefetchBuckets, then a StagedLookup) while it
// computes the digest. Only the two digests decide whether a slot holds a
// proof: a place that differs from the one a proof was stored with finds
// nothing (a miss), never another proof. Every lookup is O(1). Each shard's
// table starts small and doubles when full, up to its share of the budget (a
// pause for that shard only, proportional to its size). A table's headers and
// keys are one block on transparent huge pages where it spans whole 2 MiB pages
// (never rounded up: the bytes counted are the table's), and a large budget has
// fewer, larger shards (each of at least 16 MiB, at least 8 of them) so that
// most of its keys are on whole huge pages: a lookup's accesses are then
// memory latencies without a page walk each.
//
// Concurrency: writers (insertions, facts, growth, aging) take the shard's
// lightweight lock. A lookup that hits takes no lock and writes no line
// another thread writes: it reads under the shard's sequence counter
// (a seqlock; a lookup that overlaps a write to its shard is done again
// under the lock), counts its hit in its thread's own slot of counters, and
// raises the proof's use count in the bucket it read. A table replaced by
// growth is freed once no lookup can still be reading it (each thread's
// slot says whether it is inside a lookup).
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
//
// Leaf facts: the proof of a leaf that an evaluation resolved in full may
// carry the facts of the leaf's bytes that resolving it again needs
// (LeafFacts), so that a known device is resolved without parsing its leaf.
// They live in the proof's slot (a fixed 48 bytes) and go with it.
#ifndef CHAINTRUST_ENGINE_CORE_PROOF_STORE_H_
#define CHAINTRUST_ENGINE_CORE_PROOF_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/strings/string_view.h"
#include "engine/internal/huge_pages.h"
#include "engine/types.h"

namespace chaintrust {

// What resolving a verified leaf again needs of its bytes besides the
// proof that it is signed by its issuer (engine/core/resolver.cc): its
// subject CN, its validity, and how its authorityKeyIdentifier relates to
// that issuer. Kept only for a leaf whose path verified in full with the
// issuer of its proof, so its issuer name is that issuer's subject name and
// its per-certificate checks passed under the options of the store's Engine
// (which never change). A leaf whose CN is longer than kMaxCommonName, or
// whose validity is not in whole seconds, has none (it is parsed as usual).
// Facts, never a verdict: validity is compared with the validation time and
// the policy is resolved on every evaluation.
struct LeafFacts {
  static constexpr size_t kMaxCommonName = 30;
  enum Flag : uint8_t {
    kPresent = 1,              // the fields below are filled in
    kCommonNameIsValidId = 2,  // the CN is a valid X.509 registration ID
    kHasAuthorityKeyId = 4,    // non-empty, = the issuer's subject key ID
  };
  int64_t not_before = 0;  // Unix seconds
  int64_t not_after = 0;
  uint8_t flags = 0;
  uint8_t common_name_size = 0;
  char common_name[kMaxCommonName] = {};

  bool present() const { return (flags & kPresent) != 0; }
  bool has(Flag f) const { return (flags & f) != 0; }
  absl::string_view common_name_view() const {
    return absl::string_view(common_name, common_name_size);
  }
};

class ProofStore {
 public:
  // Bytes of the budget one proof slot costs: its 64-byte key, its leaf
  // facts (48 bytes), its child's place (8), tag, use count and share of
  // the frequency sketch (at most 8 bytes).
  static constexpr size_t kBytesPerSlot = 131;
  // The budget at which `proofs` proofs are expected to fit without an
  // eviction (the table fills to about 95% before the first).
  static size_t BudgetFor(size_t proofs);

  // A store of at most `budget_bytes` of tables. A budget too small for
  // one bucket pair disables it: nothing is stored or found. The tables
  // start small and each shard doubles its own (under its lock) when it is
  // full, up to its share of the budget.
  explicit ProofStore(size_t budget_bytes);
  ~ProofStore();
  ProofStore(const ProofStore&) = delete;
  ProofStore& operator=(const ProofStore&) = delete;

  bool enabled() const { return shard_count_ != 0; }
  // How many proofs it can hold once grown to its budget.
  size_t capacity() const;
  // Bytes of its tables now.
  size_t MemoryUsage() const { return bytes_.load(std::memory_order_relaxed); }

  // The place of a child certificate: where its proofs live, from its DER:
  // a hash, seeded per process, of its length and its last kPlaceBytes
  // bytes (the end of its signature value). Only proofs whose signature
  // verified are stored, so crowding one bucket with stored proofs would
  // take many certificates, each signed by a trusted issuer, whose
  // signatures end alike; a lookup of any other bytes costs only its two
  // buckets. Every caller that stores or finds a proof of a certificate
  // must give it the same place.
  static uint64_t PlaceOf(absl::string_view child_der);
  static constexpr size_t kPlaceBytes = 32;
  // The place of a child known only by its digest (tests, and stores used
  // without DER): its digest's bytes hashed.
  static uint64_t PlaceOf(const Sha256Digest& child);

  // Whether the signature of certificate `child` is known to verify under
  // the key of certificate `issuer` (both SHA-256 of DER). Thread-safe.
  bool Contains(uint64_t place, const Sha256Digest& child,
                const Sha256Digest& issuer);
  bool Contains(const Sha256Digest& child, const Sha256Digest& issuer) {
    return Contains(PlaceOf(child), child, issuer);
  }
  // Records a proof the caller has just verified; the admission policy may
  // refuse it. Thread-safe.
  void Insert(uint64_t place, const Sha256Digest& child,
              const Sha256Digest& issuer);
  void Insert(const Sha256Digest& child, const Sha256Digest& issuer) {
    Insert(PlaceOf(child), child, issuer);
  }

  // The proof with its leaf facts: true (a hit, counted as Contains counts
  // one) when the proof is stored and carries facts, copied to `*facts`.
  // Otherwise false, counting nothing: the caller then resolves the leaf
  // in full, which looks the proof up with Contains. Thread-safe.
  bool FindFacts(uint64_t place, const Sha256Digest& child,
                 const Sha256Digest& issuer, LeafFacts* facts);
  bool FindFacts(const Sha256Digest& child, const Sha256Digest& issuer,
                 LeafFacts* facts) {
    return FindFacts(PlaceOf(child), child, issuer, facts);
  }
  // Attaches `facts` to the proof if it is stored (admission may have
  // refused it: then nothing). Thread-safe.
  void SetFacts(uint64_t place, const Sha256Digest& child,
                const Sha256Digest& issuer, const LeafFacts& facts);
  void SetFacts(const Sha256Digest& child, const Sha256Digest& issuer,
                const LeafFacts& facts) {
    SetFacts(PlaceOf(child), child, issuer, facts);
  }

  // A lookup in stages, for a caller that has the child's DER before its
  // digest: PrefetchBuckets(place) starts fetching the two bucket headers
  // of `place`; once they may have arrived, a StagedLookup of `place`
  // reads them and starts fetching the slots whose tag matches; its
  // FindFacts, once the digest is known, finds them in cache. Neither
  // changes what is found or counted. Thread-safe.
  void PrefetchBuckets(uint64_t place) const;
  class StagedLookup;

  // Hits, misses, admissions, rejections, evictions, size, capacity and
  // bytes, summed over the shards (each read under its lock, so an exact
  // sum only while no thread uses the store). Thread-safe.
  CacheStats stats() const;

 private:
  static constexpr int kWays = 8;
  struct Key {
    Sha256Digest child;
    Sha256Digest issuer;
    LeafFacts facts;
    uint64_t place;  // the child's: where the key lives (Hash)
  };
  static_assert(sizeof(LeafFacts) == 48, "LeafFacts is counted as 48 bytes");
  static constexpr int kKeyWords = sizeof(Key) / 8;
  static_assert(sizeof(Key) == 8 * kKeyWords, "a Key is whole words");
  static_assert(offsetof(Key, place) == sizeof(Key) - 8,
                "the place is a Key's last word (HashOfSlot)");
  // A Key in words that a lock-free lookup may read while a writer
  // changes them (the sequence counter tells whether it did).
  struct KeySlot {
    std::atomic<uint64_t> word[kKeyWords];
  };
  // A bucket's header: its slots are keys[bucket * kWays, + kWays). The
  // headers are a small array of their own (24 bytes a bucket), which
  // stays in cache: a lookup's one miss to memory is the key it compares.
  struct Bucket {
    std::atomic<uint16_t> tag[kWays];  // 0: free slot
    std::atomic<uint8_t> freq[kWays];  // saturating use count
  };
  // The headers, then the key slots, in one block on transparent huge
  // pages (engine/internal/huge_pages.h), so that a lookup's two accesses
  // are not also TLB misses.
  struct Table {
    explicit Table(size_t count);
    // Bytes of the headers, rounded up to a cache line: the keys' offset.
    static size_t HeaderBytes(size_t count);
    const size_t bucket_count;
    const internal::HugePageMemory memory;
    Bucket* const buckets;  // bucket_count, at the start of memory
    KeySlot* const keys;    // bucket_count * kWays, after them
    KeySlot& key(size_t bucket, int way) const {
      return keys[bucket * kWays + static_cast<size_t>(way)];
    }
  };
  // What the key's hash decides, whatever the size of its shard's table.
  struct Hashes {
    size_t shard;
    uint64_t h1, h2;
    uint16_t tag;
    uint64_t sketch;
  };
  class SpinLock {
   public:
    void lock();
    void unlock() { locked_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> locked_{false};
  };
  // One shard. `table` is read without the lock under `sequence` (odd
  // while a writer changes a slot); everything else is guarded by `lock`.
  struct alignas(64) Shard {
    SpinLock lock;
    std::atomic<uint64_t> sequence{0};
    std::atomic<Table*> table{nullptr};  // owned
    // The table's bucket array and count, for PrefetchBuckets, which only
    // prefetches and so may use them without a reader's registration:
    // they are read from here, never from a table that may be freed.
    std::atomic<uintptr_t> prefetch_buckets{0};
    std::atomic<size_t> prefetch_bucket_count{0};
    std::unique_ptr<uint8_t[]> sketch;      // 4-bit counters, two a byte
    size_t sketch_mask = 0;                 // counters - 1
    std::atomic<uint64_t> sample_limit{0};  // lookups between two halvings
    std::atomic<uint64_t> samples{0};       // lookups since the last halving
    CacheStats stats;
  };
  // Counters of the threads that share it (a thread's slot is fixed), on
  // a line of its own: what a hit writes besides the use count.
  struct alignas(64) ReaderSlot {
    std::atomic<uint64_t> active{0};  // lookups in progress
    std::atomic<uint64_t> hits{0};    // hits counted without the lock
  };
  static constexpr size_t kReaderSlots = 32;
  // What a lock-free lookup found.
  enum class Probe { kHit, kMiss, kRetry };

  Hashes Hash(uint64_t place, const Sha256Digest& issuer) const;
  // The two buckets of `h` in a table of `bucket_count`.
  static void BucketsOf(const Hashes& h, size_t bucket_count, size_t out[2]);
  // Hash(place, issuer) of the key in `slot`, reading only what it uses.
  Hashes HashOfSlot(const KeySlot& slot) const;
  static Key LoadKey(const KeySlot& slot);
  static void StoreKey(KeySlot* slot, const Key& key);
  // Whether the slot holds the proof (child, issuer).
  static bool Holds(const KeySlot& slot, const Sha256Digest& child,
                    const Sha256Digest& issuer);
  // The slot (bucket * kWays + way) of `table` holding the key, or -1.
  static int64_t Find(const Table& table, const Hashes& h,
                      const Sha256Digest& child, const Sha256Digest& issuer);
  // The lookup without the lock: kHit (facts, when asked, copied and
  // present), kMiss or kRetry (a writer was at work: look again under the
  // lock). `facts` null: only whether the proof is stored.
  Probe FindWithoutLock(Shard& shard, const Hashes& h,
                        const Sha256Digest& child, const Sha256Digest& issuer,
                        LeafFacts* facts);
  // FindFacts under the shard's lock, after a lookup without it had to be
  // done again.
  bool FindFactsLocked(Shard* shard, const Hashes& h, const Sha256Digest& child,
                       const Sha256Digest& issuer, LeafFacts* facts);
  // Counts a hit found without the lock (in this thread's slot).
  void CountHit(Shard* shard, ReaderSlot* reader);
  static int FreeWay(const Bucket& bucket);
  // Finds a free slot for `h` in one of its buckets, moving a proof to its
  // other bucket if need be (one cuckoo step). Under the lock, inside a
  // write (odd sequence).
  bool MakeRoom(Table* table, const Hashes& h, size_t* bucket, int* way) const;
  // Gives the shard a table of `bucket_count` buckets, moving its proofs;
  // the old table is freed once no lookup reads it.
  void Resize(Shard* shard, size_t bucket_count);
  static void BeginWrite(Shard* shard);
  static void EndWrite(Shard* shard);
  // Count-min sketch of 4-bit counters (kSketchDepth rows in one array).
  static size_t SketchIndex(const Shard& shard, uint64_t hash, int row);
  static int SketchEstimate(const Shard& shard, uint64_t hash);
  // Raises the counters of `hash` below `to` to `to` (capped).
  static void SketchRaise(Shard* shard, uint64_t hash, int to);
  // Counts `n` lookups; halves every counter of the shard every
  // sample_limit. Under the lock.
  static void Sample(Shard* shard, uint64_t n = 1);
  ReaderSlot& ThisThreadsSlot() const;

  size_t shard_count_ = 0;
  size_t max_buckets_per_shard_ = 0;
  std::atomic<size_t> bytes_{0};
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<ReaderSlot[]> readers_;
};

// The second stage of a staged lookup (see PrefetchBuckets). From its
// construction to its FindFacts (or its destruction) it is a registered
// reader of the store, so that the headers it read and the slots it
// fetched are not freed by a growth meanwhile; the growth of its shard
// waits for it, so it should span only the caller's work between the two
// (hashing the child), and it takes no lock. ProofStore::FindFacts is one
// with nothing between its stages. FindFacts may be called once.
class ProofStore::StagedLookup {
 public:
  // Reads the place's bucket headers and starts fetching the matching
  // slots.
  StagedLookup(ProofStore* store, uint64_t place);
  ~StagedLookup() { EndRead(); }
  StagedLookup(const StagedLookup&) = delete;
  StagedLookup& operator=(const StagedLookup&) = delete;

  // What ProofStore::FindFacts(place, child, issuer, facts) finds and
  // counts; ends the read.
  bool FindFacts(const Sha256Digest& child, const Sha256Digest& issuer,
                 LeafFacts* facts);

 private:
  void EndRead();

  ProofStore* const store_;
  const uint64_t place_;
  ReaderSlot* reader_ = nullptr;  // while registered
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_PROOF_STORE_H_
