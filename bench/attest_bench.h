// What bench/attest_bench.cc shares with the benchmark files beside it that
// attest its certificates (bench/attest_bench_verify.cc): the PKI of the
// warm and cold benchmarks, minted once per process.
#ifndef CHAINTRUST_BENCH_ATTEST_BENCH_H_
#define CHAINTRUST_BENCH_ATTEST_BENCH_H_

#include <string>
#include <vector>

#include "engine/x509/test_certs.h"

namespace chaintrust::attest_bench {

// The signing algorithm of a cold leaf's issuer.
enum class Alg { kEcdsa, kRsa };

struct World {
  World();

  // The cold leaves signed with `alg`, and the DER of their issuer.
  const std::vector<std::string>& cold_pool(Alg alg) const {
    return alg == Alg::kEcdsa ? cold_ec : cold_rsa;
  }
  const std::string& cold_issuer(Alg alg) const {
    return alg == Alg::kEcdsa ? intermediate_ec.der : intermediate_rsa.der;
  }

  internal::TestCert root;                      // group 0's certificate
  internal::TestCert intermediate_ec;           // P-256, issued by root
  internal::TestCert intermediate_rsa;          // RSA-2048, issued by root
  internal::TestCert warm_leaf;                 // under intermediate_ec
  std::vector<internal::TestCert> other_roots;  // groups 1..99
  std::vector<std::string> cold_ec;             // leaves under intermediate_ec
  std::vector<std::string> cold_rsa;            // leaves under intermediate_rsa
};

// The PKI, minted on first use (--attest_pool cold leaves of each kind).
const World& GetWorld();

// Prints "attest_bench: <message>" and aborts.
[[noreturn]] void Die(const std::string& message);

}  // namespace chaintrust::attest_bench

#endif  // CHAINTRUST_BENCH_ATTEST_BENCH_H_
