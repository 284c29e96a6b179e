// What frontend_load reads of a process from /proc: CPU time, resident
// memory, and CPU time and context switches per group of threads.
#ifndef CHAINTRUST_BENCH_FRONTEND_LOAD_PROC_H_
#define CHAINTRUST_BENCH_FRONTEND_LOAD_PROC_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace chaintrust::bench {

// User plus system CPU time of `pid`, in microseconds.
double CpuMicros(pid_t pid);

// User plus system CPU time of this process, in microseconds.
double SelfCpuMicros();

// CPU time and context switches of one group of a process's threads.
struct ThreadUse {
  double cpu_us = 0;
  int64_t switches = 0;  // voluntary and involuntary
};

// The threads of `pid` grouped by name (the name up to its first digit, so
// "ct-io-0" and "ct-io-1" are one group).
std::map<std::string, ThreadUse> ThreadUses(pid_t pid);

// What each thread group used between `before` and `after` (threads that
// ended meanwhile are not counted).
std::map<std::string, ThreadUse> ThreadDelta(
    const std::map<std::string, ThreadUse>& before,
    const std::map<std::string, ThreadUse>& after);

// Adds `delta` to *total, group by group.
void AddThreadUse(const std::map<std::string, ThreadUse>& delta,
                  std::map<std::string, ThreadUse>* total);

// Prints, per thread group, the CPU time and context switches of `used`
// per operation.
void PrintThreads(const std::map<std::string, ThreadUse>& used, size_t ops);

// Prints, per thread group, CPU time and context switches per operation
// between `before` and now.
void ReportThreads(pid_t pid, const std::map<std::string, ThreadUse>& before,
                   size_t ops);

// /proc/loadavg's three averages.
std::string LoadAverage();

// VmRSS of `pid` in kB, -1 when unknown.
int64_t ResidentKb(pid_t pid);

}  // namespace chaintrust::bench

#endif  // CHAINTRUST_BENCH_FRONTEND_LOAD_PROC_H_
