// chaintrust's entry point: decide whether a device may be provisioned.
//
//   chaintrust::Engine engine;
//   engine.SetSnapshot(*chaintrust::LoadSnapshotFile("policy.json"));
//   chaintrust::Attestation a;
//   a.chain = {leaf_der, intermediate_der};
//   a.at = absl::Now();
//   chaintrust::Decision d = engine.Evaluate(a);
//   if (d.allowed()) { ... d.enrollment_id() ... }
//
// The precedence rules (docs/rules.md) are written down as a ranking in
// engine/resolver.h. Engine is thread-safe. For throughput, give each thread
// its own Evaluator (Engine::NewEvaluator): it keeps the parsed certificates
// and verified signatures it has seen (proofs, never verdicts: the policy is
// resolved against the current snapshot on every call) and reads the active
// snapshot without a lock or a shared reference count. Behind each
// Evaluator's own caches, the Engine keeps one store of verified signature
// proofs for all of them, sized by EngineOptions::proof_store_bytes, so a
// device verified once stays on the warm path on every thread.
//
// Lifetime: an Engine must outlive every Evaluator it made (an Evaluator
// reads its engine's options and snapshot through a plain pointer). Debug
// builds check this when the Engine is destroyed.
#ifndef CHAINTRUST_ENGINE_ENGINE_H_
#define CHAINTRUST_ENGINE_ENGINE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/decision.h"
#include "engine/types.h"

namespace chaintrust {

struct EngineOptions {
  // Chain limits and checks; see ResolverOptions in engine/resolver.h.
  ResolverOptions resolver;
  // Parsed certificates each Evaluator keeps (two generations of half this
  // size; the older one is dropped when the newer fills). 0 disables.
  size_t certificate_cache_capacity = 1 << 16;
  // Verified (certificate, issuer) signature proofs each Evaluator keeps.
  // 0 disables them and the Evaluators' use of the shared store below.
  size_t signature_cache_capacity = 1 << 16;
  // Memory for the signature proofs shared by all Evaluators of the Engine
  // (engine/core/proof_store.h), each with the facts of its leaf that let
  // a known device be resolved without parsing it: about 131 bytes per
  // proof, one proof per device plus one per CA certificate;
  // ProofStore::BudgetFor(n) is the budget for n (about 145 bytes per
  // device at 1,000,000; the default fits about 900,000 devices). The
  // tables grow up to it as proofs come. Over budget, the devices that
  // attest most often are kept (TinyLFU); the others are verified again
  // each time. 0 disables.
  size_t proof_store_bytes = size_t{128} << 20;
};

class Evaluator;
class ResolverCaches;  // engine/core/proof_caches.h
class ProofStore;      // engine/core/proof_store.h

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Makes `snapshot` the active enrollment set. Evaluations in flight finish
  // against the snapshot they started with; later ones see the new one.
  // Never blocks evaluations. A null snapshot means "no enrollments".
  void SetSnapshot(SnapshotPtr snapshot);
  SnapshotPtr snapshot() const;
  // Increases by one with every SetSnapshot, SetCrls and SetPolicy.
  uint64_t snapshot_version() const {
    return version_.load(std::memory_order_acquire);
  }

  // Makes `crls` (engine/x509/crl.h: LoadCrlFiles, or a CrlSet built from
  // parsed CRLs) the active revocation lists, with the same guarantees as
  // SetSnapshot: evaluations in flight finish with the lists they started
  // with, readers never block. Null (the default) means no CRLs.
  void SetCrls(CrlSetPtr crls);
  CrlSetPtr crls() const;
  // Both at once: no evaluation sees the new snapshot with the old CRLs.
  void SetPolicy(SnapshotPtr snapshot, CrlSetPtr crls);

  // Thread-safe evaluation against the active snapshot, without caches.
  Decision Evaluate(const Attestation& attestation) const;

  // A per-thread evaluator with its own caches. The Engine must outlive it.
  std::unique_ptr<Evaluator> NewEvaluator() const;

  const EngineOptions& options() const { return options_; }

  // Counters of the signature proofs shared by this Engine's Evaluators
  // (hits, misses, admissions, rejections, evictions, size, capacity,
  // bytes). Proofs are kept across SetSnapshot: none depends on the
  // enrollments.
  CacheStats proof_store_stats() const;

 private:
  friend class Evaluator;
  const EngineOptions options_;
  const SnapshotPtr empty_;
  // Held only to copy or replace snapshot_; a pthread mutex, which
  // ThreadSanitizer understands (Debian's Abseil is not instrumented).
  mutable std::mutex mu_;
  SnapshotPtr snapshot_;  // guarded by mu_
  CrlSetPtr crls_;        // guarded by mu_
  std::atomic<uint64_t> version_{0};
  // Evaluators alive (for the lifetime check of ~Engine).
  mutable std::atomic<int> live_evaluators_{0};
  // Thread-safe; shared by the Evaluators (which hold a plain pointer).
  const std::unique_ptr<ProofStore> proofs_;
};

// Evaluates attestations for one thread at a time. Not thread-safe; cheap
// to create. Must not outlive the Engine that made it. Holds the snapshot it
// last saw until the engine's version changes, so it keeps an old snapshot
// alive until its next evaluation.
class Evaluator {
 public:
  ~Evaluator();

  // Evaluates into `decision`, reusing its storage.
  void Evaluate(const Attestation& attestation, Decision* decision);
  Decision Evaluate(const Attestation& attestation);

  CacheStats certificate_cache_stats() const;
  CacheStats signature_cache_stats() const;

 private:
  friend class Engine;
  explicit Evaluator(const Engine* engine);
  const Engine* const engine_;
  uint64_t version_ = ~uint64_t{0};
  SnapshotPtr snapshot_;
  CrlSetPtr crls_;
  std::unique_ptr<ResolverCaches> caches_;
};

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_ENGINE_H_
