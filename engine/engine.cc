#include "engine/engine.h"

#include <cassert>
#include <utility>

#include "engine/core/proof_caches.h"
#include "engine/core/proof_store.h"

namespace chaintrust {
namespace {

SnapshotPtr EmptySnapshot() {
  auto snapshot = EnrollmentSnapshot::Builder().Build();
  // An empty set always builds; fail closed if it somehow does not.
  return snapshot.ok() ? *std::move(snapshot) : nullptr;
}

}  // namespace

Engine::Engine(EngineOptions options)
    : options_(std::move(options)),
      empty_(EmptySnapshot()),
      snapshot_(empty_),
      proofs_(std::make_unique<ProofStore>(options_.proof_store_bytes)) {}

Engine::~Engine() {
  // An Evaluator still alive would read freed options and snapshots.
  assert(live_evaluators_.load(std::memory_order_relaxed) == 0 &&
         "an Engine must outlive its Evaluators");
}

void Engine::SetSnapshot(SnapshotPtr snapshot) {
  if (snapshot == nullptr) snapshot = empty_;
  SnapshotPtr old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::exchange(snapshot_, std::move(snapshot));
    version_.fetch_add(1, std::memory_order_release);
  }
  // `old` is released here, outside the lock: freeing a large snapshot
  // never delays readers that are refreshing.
}

void Engine::SetCrls(CrlSetPtr crls) {
  CrlSetPtr old;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old = std::exchange(crls_, std::move(crls));
    version_.fetch_add(1, std::memory_order_release);
  }
}

void Engine::SetPolicy(SnapshotPtr snapshot, CrlSetPtr crls) {
  if (snapshot == nullptr) snapshot = empty_;
  SnapshotPtr old_snapshot;
  CrlSetPtr old_crls;
  {
    std::lock_guard<std::mutex> lock(mu_);
    old_snapshot = std::exchange(snapshot_, std::move(snapshot));
    old_crls = std::exchange(crls_, std::move(crls));
    version_.fetch_add(1, std::memory_order_release);
  }
}

SnapshotPtr Engine::snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return snapshot_;
}

CrlSetPtr Engine::crls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return crls_;
}

Decision Engine::Evaluate(const Attestation& attestation) const {
  Decision decision;
  SnapshotPtr current;
  CrlSetPtr crls;
  {
    std::lock_guard<std::mutex> lock(mu_);
    current = snapshot_;
    crls = crls_;
  }
  Resolve(*current, attestation, options_.resolver, nullptr, &decision,
          crls.get());
  return decision;
}

CacheStats Engine::proof_store_stats() const { return proofs_->stats(); }

std::unique_ptr<Evaluator> Engine::NewEvaluator() const {
  return std::unique_ptr<Evaluator>(new Evaluator(this));
}

Evaluator::Evaluator(const Engine* engine)
    : engine_(engine),
      caches_(std::make_unique<ResolverCaches>(
          engine->options_.certificate_cache_capacity,
          engine->options_.signature_cache_capacity)) {
  if (engine->options_.signature_cache_capacity != 0 &&
      engine->proofs_->enabled()) {
    caches_->shared = engine->proofs_.get();
    caches_->facts_options = &engine->options_.resolver;
  }
  engine_->live_evaluators_.fetch_add(1, std::memory_order_relaxed);
}

Evaluator::~Evaluator() {
  engine_->live_evaluators_.fetch_sub(1, std::memory_order_relaxed);
}

void Evaluator::Evaluate(const Attestation& attestation, Decision* decision) {
  // The version is a read-mostly atomic: reading it costs no contention.
  // Only after a swap does this thread take the engine's lock once.
  const uint64_t version = engine_->snapshot_version();
  if (version != version_) {
    // Read together, so that a SetPolicy is seen whole.
    std::lock_guard<std::mutex> lock(engine_->mu_);
    snapshot_ = engine_->snapshot_;
    crls_ = engine_->crls_;
    version_ = engine_->version_.load(std::memory_order_relaxed);
  }
  Resolve(*snapshot_, attestation, engine_->options_.resolver, caches_.get(),
          decision, crls_.get());
}

Decision Evaluator::Evaluate(const Attestation& attestation) {
  Decision decision;
  Evaluate(attestation, &decision);
  return decision;
}

CacheStats Evaluator::certificate_cache_stats() const {
  return caches_->certificates.stats();
}

CacheStats Evaluator::signature_cache_stats() const {
  return caches_->signatures.stats();
}

}  // namespace chaintrust
