// Policy-loading benchmarks of //bench:attest_bench
// (bench/attest_bench_load.cc): DPS JSON export text to a built snapshot.
#ifndef CHAINTRUST_BENCH_ATTEST_BENCH_LOAD_H_
#define CHAINTRUST_BENCH_ATTEST_BENCH_LOAD_H_

#include <cstddef>

namespace chaintrust {

// Registers BM_LoadDpsJson/<entries> (text to snapshot, as LoadSnapshotFile
// reads a .json), BM_LoadDpsJsonStrict/<entries> (the same through the
// proto converter, for the ratio) and BM_ParseDpsJson/<entries> (the JSON
// pass alone), for 1000, 100000 and 1000000 entries up to `max_entries`.
void RegisterLoadBenchmarks(size_t max_entries);

}  // namespace chaintrust

#endif  // CHAINTRUST_BENCH_ATTEST_BENCH_LOAD_H_
