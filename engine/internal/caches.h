// Bounded caches of proofs for one evaluating thread.
//
// Each cache keeps two generations of at most capacity/2 entries: lookups
// look in the young one, then the old one (promoting a hit); when the young
// one fills, the old one is dropped and the young one becomes old. Memory is
// bounded by the capacity under any stream of inputs, every operation is
// O(1), and an entry used at least once per half-capacity insertions stays.
#ifndef CHAINTRUST_ENGINE_INTERNAL_CACHES_H_
#define CHAINTRUST_ENGINE_INTERNAL_CACHES_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "engine/certificate.h"
#include "engine/engine.h"

namespace chaintrust {
namespace internal {

template <typename Map>
class TwoGenerationCache {
 public:
  using key_type = typename Map::key_type;

  explicit TwoGenerationCache(size_t capacity)
      : half_(capacity / 2), enabled_(capacity >= 2) {}

  // The entry for `key`, or null.
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
    MakeRoom();
    auto inserted = young_.insert(std::move(node));
    return &*inserted.position;
  }

  template <typename... Args>
  void Insert(Args&&... args) {
    if (!enabled_) return;
    MakeRoom();
    young_.emplace(std::forward<Args>(args)...);
  }

  CacheStats stats() const {
    CacheStats s = stats_;
    s.size = young_.size() + old_.size();
    return s;
  }

 private:
  void MakeRoom() {
    if (young_.size() < half_) return;
    stats_.evictions += old_.size();
    old_ = std::move(young_);
    young_ = Map();
    young_.reserve(half_);
  }

  const size_t half_;
  const bool enabled_;
  Map young_;
  Map old_;
  CacheStats stats_;
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

}  // namespace internal

class ResolverCaches {
 public:
  ResolverCaches(size_t certificates, size_t signatures)
      : certificates(certificates), signatures(signatures) {}

  // DER bytes -> parsed certificate; the key views the value's own DER.
  internal::TwoGenerationCache<absl::flat_hash_map<
      absl::string_view, internal::CachedCertificate, internal::DerHash>>
      certificates;
  // (certificate, issuer) SHA-256 pairs whose signature verified. Failures
  // are not kept: a forged chain costs its attacker a verification each time.
  internal::TwoGenerationCache<absl::flat_hash_map<
      internal::SignatureProof, bool, internal::SignatureProofHash>>
      signatures;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_INTERNAL_CACHES_H_
