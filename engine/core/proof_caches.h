// Bounded caches of proofs for one evaluating thread, in front of the
// Engine's shared ProofStore (engine/core/proof_store.h).
//
// Each cache keeps two generations of about capacity/2 entries: lookups
// look in the young one, then the old one (promoting a hit); when the young
// one is full at the start of an evaluation (BeginEvaluation), the old one is
// dropped and the young one becomes old. Memory is bounded by the capacity
// plus what one evaluation adds (its presented certificates) under any
// stream of inputs, every operation is O(1), and an entry used at least once
// per half-capacity insertions stays.
//
// Entries are dropped only in BeginEvaluation, never in Find or Insert, so
// an evaluation may borrow raw pointers to what it found or inserted until
// it ends: no reference count is touched on the hot path.
#ifndef CHAINTRUST_ENGINE_CORE_PROOF_CACHES_H_
#define CHAINTRUST_ENGINE_CORE_PROOF_CACHES_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "engine/core/proof_store.h"
#include "engine/core/resolver.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust {
namespace internal {

template <typename Map>
class TwoGenerationCache {
 public:
  using key_type = typename Map::key_type;

  explicit TwoGenerationCache(size_t capacity)
      : half_(capacity / 2), enabled_(capacity >= 2) {}

  bool enabled() const { return enabled_; }

  // Makes room for the evaluation that starts: the only place entries are
  // dropped.
  void BeginEvaluation() {
    if (young_.size() < half_) return;
    stats_.evictions += old_.size();
    ++rotations_;
    old_ = std::move(young_);
    young_ = Map();
    young_.reserve(half_);
  }

  // How many times a generation was dropped. An entry found or inserted
  // while this reads R is in the young generation (alive, same address)
  // while it still reads R.
  uint64_t rotations() const { return rotations_; }

  // The entry for `key`, or null. A hit in the old generation moves to the
  // young one (the value is moved; what it owns keeps its address).
  template <typename K>
  typename Map::value_type* Find(const K& key) {
    if (!enabled_) return nullptr;
    auto it = young_.find(key);
    if (it != young_.end()) {
      ++stats_.hits;
      return &*it;
    }
    auto old = old_.find(key);
    if (old == old_.end()) {
      ++stats_.misses;
      return nullptr;
    }
    ++stats_.hits;
    auto node = old_.extract(old);
    auto inserted = young_.insert(std::move(node));
    return &*inserted.position;
  }

  // Find, counting nothing (for a caller that counts the hit itself, or
  // looks before deciding how to resolve).
  template <typename K>
  typename Map::value_type* FindUncounted(const K& key) {
    if (!enabled_) return nullptr;
    auto it = young_.find(key);
    if (it != young_.end()) return &*it;
    auto old = old_.find(key);
    if (old == old_.end()) return nullptr;
    auto node = old_.extract(old);
    return &*young_.insert(std::move(node)).position;
  }

  // Counts a hit found without Find (e.g. by a caller's own memo of what
  // it looked up last).
  void CountHit() { ++stats_.hits; }

  // Inserts (or finds) the entry; null when the cache is disabled.
  template <typename... Args>
  typename Map::value_type* Insert(Args&&... args) {
    if (!enabled_) return nullptr;
    return &*young_.emplace(std::forward<Args>(args)...).first;
  }

  CacheStats stats() const {
    CacheStats s = stats_;
    s.size = young_.size() + old_.size();
    return s;
  }

 private:
  const size_t half_;
  const bool enabled_;
  Map young_;
  Map old_;
  CacheStats stats_;
  uint64_t rotations_ = 0;
};

using SignatureProof = std::pair<Sha256Digest, Sha256Digest>;

// Keys are SHA-256 digests: 8 bytes of each are already uniformly
// distributed, so hashing all 64 bytes only costs time on the warm path.
struct SignatureProofHash {
  size_t operator()(const SignatureProof& proof) const {
    uint64_t a, b;
    std::memcpy(&a, proof.first.data(), sizeof(a));
    std::memcpy(&b, proof.second.data(), sizeof(b));
    return static_cast<size_t>(a ^ (b * 0x9E3779B97F4A7C15ull));
  }
};

// Hashes all of a DER certificate. Every byte of a presented certificate is
// the device's choice, and certificates are cached before they are verified,
// so a hash of only part of the DER (its length and tail, say) lets anyone
// fill one bucket with thousands of distinct certificates and turn every
// lookup into a linear scan. Hashing the whole DER costs about a fifth of a
// warm attestation; that is the price of a cache that cannot be flooded.
struct DerHash {
  size_t operator()(absl::string_view der) const {
    return absl::Hash<absl::string_view>()(der);
  }
};

// A parsed certificate and what is known about it that depends only on its
// bytes: whether its subject CN is a valid X.509 registration ID.
struct CachedCertificate {
  CertificatePtr certificate;
  bool common_name_is_valid_id = false;
};

// A presented certificate of the previous evaluations, by position in the
// chain. A device that presents the same chain again is recognized by
// comparing its bytes with these (memcmp: full equality, as the cache's own
// lookup would conclude) without hashing them.
struct RecentCertificate {
  const Certificate* certificate = nullptr;  // borrowed from `certificates`
  bool common_name_is_valid_id = false;
  uint64_t rotations = 0;  // certificates.rotations() when it was seen
};

// Verifiers prepared per (issuer certificate, signature algorithm): the
// issuer's SHA-256 names its key exactly, and each verifier holds its own
// reference to the key, so it never outlives what it verifies with.
using VerifierKey = std::pair<Sha256Digest, SignatureAlgorithm>;
struct VerifierKeyHash {
  size_t operator()(const VerifierKey& key) const {
    uint64_t a;
    std::memcpy(&a, key.first.data(), sizeof(a));
    return static_cast<size_t>(a ^ static_cast<uint64_t>(key.second));
  }
};

// A leaf resolved in full under an issuer, kept to stand in for other
// leaves under that issuer whose facts the shared store holds (see
// KnownLeaf in resolver.cc), by (issuer SHA-256, whether the leaf names
// the issuer's subject key identifier).
using StandInKey = std::pair<Sha256Digest, bool>;
struct StandInKeyHash {
  size_t operator()(const StandInKey& key) const {
    uint64_t a;
    std::memcpy(&a, key.first.data(), sizeof(a));
    return static_cast<size_t>(a ^ static_cast<uint64_t>(key.second));
  }
};

}  // namespace internal

class ResolverCaches {
 public:
  // Prepared verifiers are few (one per issuer key in use) and each holds
  // OpenSSL contexts of a few kilobytes: a small fixed capacity.
  static constexpr size_t kVerifierCapacity = 256;

  ResolverCaches(size_t certificates, size_t signatures)
      : certificates(certificates),
        signatures(signatures),
        verifiers(signatures == 0 ? 0 : kVerifierCapacity) {}

  void BeginEvaluation() {
    certificates.BeginEvaluation();
    signatures.BeginEvaluation();
    verifiers.BeginEvaluation();
  }

  // The certificate at `index` of the previous chains if `der` is its DER
  // and it is still in `certificates`; else null.
  const internal::RecentCertificate* FindRecent(size_t index,
                                                absl::string_view der) {
    if (index >= recent.size()) return nullptr;
    const internal::RecentCertificate& r = recent[index];
    // Only while it is in the young generation: an entry in the old one
    // is looked up (and so promoted) as usual, which keeps it cached.
    if (r.certificate == nullptr || certificates.rotations() != r.rotations) {
      return nullptr;
    }
    const absl::string_view have = r.certificate->der();
    if (have.size() != der.size() ||
        std::memcmp(have.data(), der.data(), der.size()) != 0) {
      return nullptr;
    }
    certificates.CountHit();
    return &r;
  }
  // Whether FindRecent(index, der) would find it, counting nothing.
  bool IsRecent(size_t index, absl::string_view der) const {
    if (index >= recent.size()) return false;
    const internal::RecentCertificate& r = recent[index];
    if (r.certificate == nullptr || certificates.rotations() != r.rotations) {
      return false;
    }
    const absl::string_view have = r.certificate->der();
    return have.size() == der.size() &&
           std::memcmp(have.data(), der.data(), der.size()) == 0;
  }
  // The cached certificate whose DER is `der`, presented second (the
  // issuer of a known leaf), or null, counting nothing (a cache hit moves
  // it to the young generation, as Find does). First looked up in a small
  // memo of the issuers found before: a fleet's devices present a few
  // sub-CAs in turn, and comparing the bytes with the one memo entry they
  // select is cheaper than hashing them all for the cache. The memo's
  // entries own their certificates, so they stay valid across the cache's
  // rotations; it holds kIssuerMemo certificates at most.
  const Certificate* FindIssuerUncounted(absl::string_view der) {
    CertificatePtr& memo = issuer_memo_[IssuerMemoIndex(der)];
    if (memo != nullptr) {
      const absl::string_view have = memo->der();
      if (have.size() == der.size() &&
          std::memcmp(have.data(), der.data(), der.size()) == 0) {
        return memo.get();
      }
    }
    if (IsRecent(1, der)) return recent[1].certificate;
    const auto* entry = certificates.FindUncounted(der);
    if (entry == nullptr) return nullptr;
    memo = entry->second.certificate;
    return memo.get();
  }
  static constexpr size_t kIssuerMemo = 16;

  // The stand-in leaf for `key`, or null.
  const Certificate* FindStandIn(const internal::StandInKey& key) const {
    auto it = stand_ins.find(key);
    return it == stand_ins.end() ? nullptr : it->second.get();
  }
  void SetStandIn(const internal::StandInKey& key, CertificatePtr leaf) {
    auto it = stand_ins.find(key);
    if (it != stand_ins.end()) {
      it->second = std::move(leaf);
      return;
    }
    // Bounded: one per issuer in use; past the bound, start afresh.
    if (stand_ins.size() >= kMaxStandIns) stand_ins.clear();
    stand_ins.emplace(key, std::move(leaf));
  }
  static constexpr size_t kMaxStandIns = 256;

  // Remembers what was found or inserted in `certificates` at `index`.
  void RememberRecent(size_t index, const internal::CachedCertificate& entry) {
    if (index >= kMaxRecent) return;
    if (index >= recent.size()) recent.resize(index + 1);
    recent[index] = internal::RecentCertificate{entry.certificate.get(),
                                                entry.common_name_is_valid_id,
                                                certificates.rotations()};
  }
  static constexpr size_t kMaxRecent = 8;

  // DER bytes -> parsed certificate; the key views the value's own DER.
  internal::TwoGenerationCache<absl::flat_hash_map<
      absl::string_view, internal::CachedCertificate, internal::DerHash>>
      certificates;
  // (certificate, issuer) SHA-256 pairs whose signature verified. Failures
  // are not kept: a forged chain costs its attacker a verification each time.
  internal::TwoGenerationCache<absl::flat_hash_map<
      internal::SignatureProof, bool, internal::SignatureProofHash>>
      signatures;
  internal::TwoGenerationCache<absl::flat_hash_map<
      internal::VerifierKey, std::unique_ptr<SignatureVerifier>,
      internal::VerifierKeyHash>>
      verifiers;
  absl::InlinedVector<internal::RecentCertificate, kMaxRecent> recent;
  // The Engine's store of signature proofs, shared by its Evaluators and
  // looked up when `signatures` misses (null: none). Not owned.
  ProofStore* shared = nullptr;
  // The options under which the leaf facts of `shared` are recorded and
  // used (the Engine's, which never change); an evaluation under other
  // options neither reads nor writes them. Not owned.
  const ResolverOptions* facts_options = nullptr;
  absl::flat_hash_map<internal::StandInKey, CertificatePtr,
                      internal::StandInKeyHash>
      stand_ins;

 private:
  // The memo entry for `der`: selected by its length and last eight bytes
  // (the end of its signature), mixed. Anyone may choose these bytes, but
  // an entry is only ever a full byte comparison away from a cache lookup.
  static size_t IssuerMemoIndex(absl::string_view der) {
    uint64_t tail = 0;
    if (der.size() >= sizeof(tail)) {
      std::memcpy(&tail, der.data() + der.size() - sizeof(tail), sizeof(tail));
    }
    const uint64_t mixed = (tail ^ der.size()) * 0x9E3779B97F4A7C15ull;
    return static_cast<size_t>(mixed >> 60) % kIssuerMemo;
  }
  std::array<CertificatePtr, kIssuerMemo> issuer_memo_;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_CORE_PROOF_CACHES_H_
