// A device-corpus audit next to its floor, timed in the same run.
//
//   bazel build -c opt //bench:audit_floor //tools/cli:chaintrust
//   bazel-bin/bench/audit_floor --policy=P/policy.json \
//       --devices=P/devices.jsonl --at=2027-01-01T00:00:00Z \
//       --chaintrust=bazel-bin/tools/cli/chaintrust [--chaintrust=OTHER]...
//       [--threads=2] [--rounds=3]
//
// The floor (A): every distinct leaf of the corpus (by DER) verified once
// under its issuer's key (the chain's second certificate), exactly as the
// engine verifies a leaf it has not seen (SignatureVerifier::Verify: a copy
// of the issuer's prepared OpenSSL context, then EVP_DigestVerify: SHA-256
// of the TBS and the signature check), on --threads threads that take
// chunks of leaves from a shared counter. Everything else is done before
// the clock starts: the corpus is read, its PEM decoded, every leaf and
// issuer parsed, and each thread's verifiers prepared. What the engine does
// beside the verification (reading, JSON, base64, parsing, thumbprints,
// proof store, policy resolution, the CA certificates' own signatures,
// startup) is not in the floor: it is the audit's overhead to measure.
//
// The audit (B): `CHAINTRUST audit --policy --devices --at --threads`
// (stdout to /dev/null), wall clock and the child's user+sys CPU from
// wait4; with no --chaintrust, the library calls the command makes
// (cli::LoadPolicy, analysis::Audit, AuditSummaryText) in this process.
// --chaintrust may be given more than once (two builds compared against
// the same floor): each round then runs each binary in turn.
//
// A and B alternate (A B A B ...) --rounds times; each round prints both
// and audit ÷ floor (wall and CPU), then the medians per audit. "busy" is the
// audit's CPU ÷ (wall × threads): below 1, a core was idle part of the
// time.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/analysis/audit.h"
#include "engine/analysis/device_corpus.h"
#include "engine/x509/certificate.h"
#include "tools/cli/cli.h"

namespace chaintrust {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "audit_floor: %s\n", message.c_str());
  std::exit(1);
}

struct Options {
  std::string policy;
  std::string devices;
  std::string at = "2027-01-01T00:00:00Z";
  std::vector<std::string> chaintrust;  // none: the library calls
  int threads = 2;
  int rounds = 3;
};

const cli::CommandSpec kAuditFloor = {
    "audit_floor",
    "  audit_floor --policy=FILE --devices=FILE.jsonl|DIR [--at=RFC3339]\n"
    "              [--chaintrust=PATH]... [--threads=N] [--rounds=N]\n",
    {"policy", "devices", "at", "chaintrust", "threads", "rounds"},
    {"chaintrust"}};

Options ParseOptions(int argc, char** argv) {
  int exit_status = 0;
  auto flags = cli::ParseArgs(kAuditFloor,
                              std::vector<std::string>(argv + 1, argv + argc),
                              &exit_status);
  if (!flags) std::exit(exit_status);
  if (auto missing = cli::MissingFlag(*flags, {"policy", "devices"})) {
    Die(*missing);
  }
  Options o;
  o.policy = flags->Get("policy");
  o.devices = flags->Get("devices");
  o.at = flags->Get("at", o.at);
  o.chaintrust = flags->GetAll("chaintrust");
  auto threads = cli::IntFlag(*flags, "threads", 1, 256, o.threads);
  auto rounds = cli::IntFlag(*flags, "rounds", 1, 100, o.rounds);
  if (!threads.ok()) Die(std::string(threads.status().message()));
  if (!rounds.ok()) Die(std::string(rounds.status().message()));
  o.threads = static_cast<int>(*threads);
  o.rounds = static_cast<int>(*rounds);
  return o;
}

// The corpus's distinct leaves, parsed, each with the index of its issuer.
struct Leaves {
  std::vector<CertificatePtr> issuers;
  std::vector<std::pair<CertificatePtr, size_t>> leaves;
  size_t devices = 0;
  size_t repeated = 0;      // devices whose leaf an earlier device presented
  size_t without_ca = 0;    // no chain, or a chain of one certificate
  size_t not_verified = 0;  // not signed by the chain's second certificate
};

Leaves ReadLeaves(const std::string& path) {
  auto corpus = analysis::DeviceCorpus::Open(path);
  if (!corpus.ok()) Die(std::string(corpus.status().message()));
  Leaves out;
  absl::flat_hash_set<std::string> seen;
  absl::flat_hash_map<std::string, size_t> issuer_index;
  std::vector<analysis::CorpusDevice> batch;
  for (;;) {
    if (auto s = (*corpus)->NextBatch(4096, &batch); !s.ok()) {
      Die(std::string(s.message()));
    }
    if (batch.empty()) break;
    for (analysis::CorpusDevice& device : batch) {
      if (auto s = (*corpus)->Parse(&device); !s.ok()) {
        Die(std::string(s.message()));
      }
      ++out.devices;
      PemChain chain = ReadPemChain(device.input.chain_pem);
      if (chain.ders.size() < 2) {
        ++out.without_ca;
        continue;
      }
      if (!seen.insert(chain.ders[0]).second) {
        ++out.repeated;
        continue;
      }
      auto leaf = Certificate::Create(chain.ders[0]);
      auto [it, added] =
          issuer_index.try_emplace(chain.ders[1], out.issuers.size());
      if (added) {
        auto issuer = Certificate::Create(chain.ders[1]);
        out.issuers.push_back(issuer.ok() ? *std::move(issuer) : nullptr);
      }
      const CertificatePtr& issuer = out.issuers[it->second];
      if (!leaf.ok() || issuer == nullptr || !VerifySignedBy(**leaf, *issuer)) {
        ++out.not_verified;
        continue;
      }
      out.leaves.emplace_back(*std::move(leaf), it->second);
    }
  }
  return out;
}

struct Timing {
  double wall = 0;  // seconds
  double cpu = 0;   // user + system seconds
};

double CpuSeconds(const rusage& r) {
  return r.ru_utime.tv_sec + r.ru_stime.tv_sec +
         (r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
}

// A: every leaf verified once, on `threads` threads.
Timing RunFloor(const Leaves& in, int threads) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<size_t> next{0};
  std::atomic<size_t> verified{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      // Each thread's own verifiers, as each Evaluator keeps its own.
      std::vector<std::unique_ptr<SignatureVerifier>> verifiers;
      for (const auto& [leaf, issuer] : in.leaves) {
        if (verifiers.size() <= issuer) verifiers.resize(issuer + 1);
        if (verifiers[issuer] != nullptr) continue;
        verifiers[issuer] = SignatureVerifier::Create(
            *in.issuers[issuer], leaf->signature_algorithm());
        if (verifiers[issuer] == nullptr) Die("SignatureVerifier::Create");
      }
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      constexpr size_t kChunk = 64;
      size_t ok = 0;
      for (;;) {
        const size_t begin = next.fetch_add(kChunk);
        if (begin >= in.leaves.size()) break;
        const size_t end = std::min(in.leaves.size(), begin + kChunk);
        for (size_t i = begin; i < end; ++i) {
          const auto& [leaf, issuer] = in.leaves[i];
          ok += verifiers[issuer]->Verify(*leaf);
        }
      }
      verified.fetch_add(ok);
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  const absl::Time start = absl::Now();
  go.store(true, std::memory_order_release);
  for (std::thread& w : workers) w.join();
  const absl::Time end = absl::Now();
  getrusage(RUSAGE_SELF, &r1);
  if (verified.load() != in.leaves.size()) Die("a leaf did not verify");
  return {absl::ToDoubleSeconds(end - start), CpuSeconds(r1) - CpuSeconds(r0)};
}

// B: the command line, as a child process.
Timing RunCommand(const Options& o, const std::string& binary) {
  std::vector<std::string> args = {binary,
                                   "audit",
                                   "--policy=" + o.policy,
                                   "--devices=" + o.devices,
                                   "--at=" + o.at,
                                   absl::StrCat("--threads=", o.threads),
                                   "--progress=false"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const absl::Time start = absl::Now();
  const pid_t pid = fork();
  if (pid < 0) Die("fork failed");
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    if (null < 0 || dup2(null, STDOUT_FILENO) < 0) _exit(126);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage r;
  if (wait4(pid, &status, 0, &r) != pid) Die("wait4 failed");
  const absl::Time end = absl::Now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die(absl::StrCat(binary, " audit failed (status ", status, ")"));
  }
  return {absl::ToDoubleSeconds(end - start), CpuSeconds(r)};
}

// B without a binary: what `chaintrust audit` calls, in this process.
Timing RunLibrary(const Options& o) {
  rusage r0, r1;
  getrusage(RUSAGE_SELF, &r0);
  const absl::Time start = absl::Now();
  auto at = cli::ParseRfc3339(o.at);
  if (!at.ok()) Die(std::string(at.status().message()));
  auto snapshot = cli::LoadPolicy(o.policy, PolicyLoadOptions());
  if (!snapshot.ok()) Die(std::string(snapshot.status().message()));
  analysis::AuditOptions options;
  options.at = *at;
  options.threads = o.threads;
  options.progress = false;
  auto summary = analysis::Audit(*snapshot, o.devices, options);
  if (!summary.ok()) Die(std::string(summary.status().message()));
  const std::string text = analysis::AuditSummaryText(*summary);
  const absl::Time end = absl::Now();
  getrusage(RUSAGE_SELF, &r1);
  if (text.empty()) Die("empty summary");
  return {absl::ToDoubleSeconds(end - start), CpuSeconds(r1) - CpuSeconds(r0)};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int Main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  const absl::Time read_start = absl::Now();
  const Leaves leaves = ReadLeaves(o.devices);
  std::printf(
      "corpus: %zu devices, %zu distinct leaves under %zu issuers (%zu "
      "repeated, %zu without a CA certificate, %zu not verified under it; "
      "read in %.1f s)\n",
      leaves.devices, leaves.leaves.size(), leaves.issuers.size(),
      leaves.repeated, leaves.without_ca, leaves.not_verified,
      absl::ToDoubleSeconds(absl::Now() - read_start));
  if (leaves.leaves.empty()) Die("no leaf to verify");
  std::vector<std::string> audits = o.chaintrust;
  if (audits.empty()) audits.push_back("");  // the library calls
  for (size_t a = 0; a < audits.size(); ++a) {
    std::printf(
        "audit %zu: %s, %d threads\n", a + 1,
        audits[a].empty() ? "library calls in this process" : audits[a].c_str(),
        o.threads);
  }
  // Per audit: audit/floor wall and CPU, busy.
  std::vector<std::vector<double>> wall_ratio(audits.size()),
      cpu_ratio(audits.size()), busy(audits.size());
  for (int round = 1; round <= o.rounds; ++round) {
    const Timing floor = RunFloor(leaves, o.threads);
    std::printf(
        "round %d: floor %.3f s wall, %.3f s CPU (%.1f us CPU a leaf)\n", round,
        floor.wall, floor.cpu, 1e6 * floor.cpu / leaves.leaves.size());
    std::fflush(stdout);
    for (size_t a = 0; a < audits.size(); ++a) {
      const Timing audit =
          audits[a].empty() ? RunLibrary(o) : RunCommand(o, audits[a]);
      wall_ratio[a].push_back(audit.wall / floor.wall);
      cpu_ratio[a].push_back(audit.cpu / floor.cpu);
      busy[a].push_back(audit.cpu / (audit.wall * o.threads));
      std::printf(
          "round %d: audit %zu %.3f s wall, %.3f s CPU (%.1f us CPU a "
          "device), busy %.2f; audit/floor wall %.3f, CPU %.3f\n",
          round, a + 1, audit.wall, audit.cpu, 1e6 * audit.cpu / leaves.devices,
          busy[a].back(), wall_ratio[a].back(), cpu_ratio[a].back());
      std::fflush(stdout);
    }
  }
  for (size_t a = 0; a < audits.size(); ++a) {
    std::printf(
        "audit %zu: median audit/floor wall %.3f, CPU %.3f; busy %.2f\n", a + 1,
        Median(wall_ratio[a]), Median(cpu_ratio[a]), Median(busy[a]));
  }
  return 0;
}

}  // namespace
}  // namespace chaintrust

int main(int argc, char** argv) { return chaintrust::Main(argc, argv); }
