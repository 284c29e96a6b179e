// Fleet benchmarks of //bench:attest_bench (bench/attest_bench_fleet.cc):
// many distinct devices attested through one Engine's shared proof store.
#ifndef CHAINTRUST_BENCH_ATTEST_BENCH_FLEET_H_
#define CHAINTRUST_BENCH_ATTEST_BENCH_FLEET_H_

#include <cstddef>
#include <vector>

namespace chaintrust {

struct FleetBenchOptions {
  // Fleet sizes of BM_AttestFleet (each minted once, cached on disk).
  std::vector<size_t> devices;
  // Fleet size of BM_AttestFleetBudget (the store holds a tenth of it); 0
  // leaves it out.
  size_t budget_devices = 0;
  // Keys of BM_ProofStoreBudget (the store alone, synthetic digests); 0
  // leaves it out.
  size_t store_keys = 0;
  // Symmetric-key individual enrollments in the fleet's snapshot (so its
  // lookups cost what a loaded snapshot's do).
  size_t individuals = 0;
};

// Registers BM_AttestFleet/<devices>/<order>, BM_AttestFleetBudget and
// BM_ProofStoreBudget.
void RegisterFleetBenchmarks(const FleetBenchOptions& options);

}  // namespace chaintrust

#endif  // CHAINTRUST_BENCH_ATTEST_BENCH_FLEET_H_
