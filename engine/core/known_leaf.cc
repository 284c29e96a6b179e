// A known device resolved without parsing its leaf: the leaf's facts from
// the shared proof store (engine/core/proof_store.h), recorded after a
// full evaluation, and a stand-in leaf in its place for the walk.
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "engine/core/leaf_facts.h"
#include "engine/core/proof_caches.h"
#include "engine/core/resolver_internal.h"
#include "engine/x509/crl.h"

namespace chaintrust {
namespace internal {

// After Run with a KnownLeaf: whether the decision is the one a full
// evaluation of the presented leaf makes. It is when the stand-in's walk
// allowed the device through a group by the one path whose first link is
// the presented issuer of the leaf's proof, and read nothing of the leaf
// but what the two leaves share: the CN (from the facts), the issuer name
// and key identifier (both the issuer's), per-certificate checks and
// signature (both passed with that issuer under these options) and
// validity (checked on the facts beforehand). Name constraints would read
// the leaf's names: a path with any is done in full.
bool Resolver::KnownLeafHolds() const {
  return known_ != nullptr && !known_->differs && allowed_by_group_ &&
         SinglePathFromPresentedIssuer();
}

// The path is [leaf, presented issuer, ...] and the only one explored,
// the leaf had that one issuer candidate, no CA on it constrains names
// and no CRL is loaded.
bool Resolver::SinglePathFromPresentedIssuer() const {
  if (paths_.size() != 1 || leaf_candidates_ != 1 || path_.size() < 2 ||
      chain_.presented.size() < 2 || path_[1] != chain_.presented[1].get() ||
      (crls_ != nullptr && !crls_->empty())) {
    return false;
  }
  for (size_t i = 1; i < path_.size(); ++i) {
    if (!path_[i]->name_constraints_der().empty()) return false;
  }
  return true;
}

// After a full evaluation that allowed a leaf looked up by hashing (not
// one recognised from the last evaluation): its facts go to the shared
// store with its proof, and it becomes this Evaluator's stand-in for
// leaves under its issuer, so that they are resolved without parsing.
void Resolver::RememberLeafFacts() {
  if (leaf_ == nullptr || caches_ == nullptr || caches_->shared == nullptr ||
      caches_->facts_options != &options_ || !options_.check_registration_id ||
      !SinglePathFromPresentedIssuer()) {
    return;
  }
  const Certificate& issuer = *path_[1];
  LeafFacts facts;
  // The CN passed the registration ID check to get here.
  if (!internal::TakeLeafFacts(*leaf_, issuer, true, &facts)) return;
  caches_->shared->SetFacts(ProofStore::PlaceOf(leaf_->der()), leaf_->sha256(),
                            issuer.sha256(), facts);
  caches_->SetStandIn(
      {issuer.sha256(), facts.has(LeafFacts::kHasAuthorityKeyId)}, leaf_);
}

bool ResolveKnownLeaf(const EnrollmentSnapshot& snapshot,
                      const Attestation& attestation,
                      const ResolverOptions& options, ResolverCaches* caches,
                      Decision* decision, const CrlSet* crls,
                      bool* leaf_is_recent) {
  if (caches->shared == nullptr || caches->facts_options != &options ||
      caches->stand_ins.empty() || attestation.chain.size() < 2 ||
      !options.check_registration_id || (crls != nullptr && !crls->empty())) {
    return false;
  }
  const absl::string_view der = attestation.chain[0];
  // The device of the last evaluation is found faster in full.
  if (der.size() > options.max_certificate_bytes) return false;
  if (caches->IsRecent(0, der)) {
    *leaf_is_recent = true;
    return false;
  }
  // The store's two memory accesses (the bucket headers, then the slot)
  // are started from a cheap hash of the DER, and overlap the work before
  // the lookup: finding the issuer, then hashing the leaf (a chain of
  // dependent instructions, which keeps running while the slot's access
  // waits for its address translation and its line).
  ProofStore& store = *caches->shared;
  const uint64_t place = ProofStore::PlaceOf(der);
  store.PrefetchBuckets(place);
  const Certificate* issuer = caches->FindIssuerUncounted(attestation.chain[1]);
  if (issuer == nullptr) return false;
  KnownLeaf known;
  known.issuer = issuer;
  absl::optional<ProofStore::StagedLookup> lookup;
  known.sha256 =
      internal::Sha256Of(der, [&] { lookup.emplace(&store, place); });
  if (!lookup.has_value() ||
      !lookup->FindFacts(known.sha256, issuer->sha256(), &known.facts)) {
    return false;
  }
  known.stand_in = caches->FindStandIn(
      {issuer->sha256(), known.facts.has(LeafFacts::kHasAuthorityKeyId)});
  if (known.stand_in == nullptr ||
      !internal::LeafFactsValidAt(known.facts, ValidationTime(attestation))) {
    return false;
  }
  Resolver resolver(snapshot, attestation, options, caches, crls, decision,
                    &known);
  resolver.Run();
  return resolver.KnownLeafHolds();
}

}  // namespace internal
}  // namespace chaintrust
