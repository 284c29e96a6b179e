// The floors under a cold attestation, and what a user without chaintrust
// would write (see bench/attest_bench.cc's header for the whole list):
// BM_LeafSignatureVerify/{ecdsa,rsa}: one EVP_DigestVerify of a leaf's TBS
// with the issuer's EVP_PKEY preloaded.
// BM_LeafSignatureVerifyPrepared/{ecdsa,rsa}: the same with the issuer's
// OpenSSL context prepared once (SignatureVerifier).
// BM_OpenSslVerifyCertBaseline: d2i_X509 of the three certificates and
// X509_verify_cert against a store trusting the root.
// They verify attest_bench.cc's cold pool and warm chain.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "bench/attest_bench.h"
#include "benchmark/benchmark.h"
#include "engine/x509/certificate.h"
#include "openssl/evp.h"
#include "openssl/x509.h"
#include "openssl/x509_vfy.h"

namespace chaintrust::attest_bench {
namespace {

void BM_LeafSignatureVerify(benchmark::State& state, Alg alg) {
  const World& w = GetWorld();
  const std::vector<std::string>& pool = w.cold_pool(alg);
  auto issuer = Certificate::Create(w.cold_issuer(alg));
  if (!issuer.ok()) Die("issuer does not parse");
  const absl::string_view spki = (*issuer)->spki_der();
  const unsigned char* p = reinterpret_cast<const unsigned char*>(spki.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  if (key == nullptr) Die("d2i_PUBKEY");
  std::vector<CertificatePtr> leaves;
  for (const std::string& der : pool) {
    auto leaf = Certificate::Create(der);
    if (!leaf.ok()) Die("leaf does not parse");
    leaves.push_back(*std::move(leaf));
  }
  size_t i = 0;
  bool all_ok = true;
  for (auto _ : state) {
    const Certificate& leaf = *leaves[i];
    if (++i == leaves.size()) i = 0;
    const absl::string_view tbs = leaf.tbs_der();
    const absl::string_view sig = leaf.signature();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    all_ok &=
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
        EVP_DigestVerify(
            ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
            reinterpret_cast<const unsigned char*>(tbs.data()),
            tbs.size()) == 1;
    EVP_MD_CTX_free(ctx);
  }
  EVP_PKEY_free(key);
  if (!all_ok) state.SkipWithError("a signature did not verify");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_LeafSignatureVerify, ecdsa, Alg::kEcdsa)->UseRealTime();
BENCHMARK_CAPTURE(BM_LeafSignatureVerify, rsa, Alg::kRsa)->UseRealTime();

// A lower floor than BM_LeafSignatureVerify: the issuer's OpenSSL context
// prepared once (SignatureVerifier, what the engine's cold path uses) and
// copied per verification, so only the signature check itself is paid.
void BM_LeafSignatureVerifyPrepared(benchmark::State& state, Alg alg) {
  const World& w = GetWorld();
  const std::vector<std::string>& pool = w.cold_pool(alg);
  auto issuer = Certificate::Create(w.cold_issuer(alg));
  if (!issuer.ok()) Die("issuer does not parse");
  std::vector<CertificatePtr> leaves;
  for (const std::string& der : pool) {
    auto leaf = Certificate::Create(der);
    if (!leaf.ok()) Die("leaf does not parse");
    leaves.push_back(*std::move(leaf));
  }
  std::unique_ptr<SignatureVerifier> verifier =
      SignatureVerifier::Create(**issuer, leaves[0]->signature_algorithm());
  if (verifier == nullptr) Die("SignatureVerifier::Create");
  size_t i = 0;
  bool all_ok = true;
  for (auto _ : state) {
    all_ok &= verifier->Verify(*leaves[i]);
    if (++i == leaves.size()) i = 0;
  }
  if (!all_ok) state.SkipWithError("a signature did not verify");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_LeafSignatureVerifyPrepared, ecdsa, Alg::kEcdsa)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_LeafSignatureVerifyPrepared, rsa, Alg::kRsa)
    ->UseRealTime();

X509* ParseX509(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return d2i_X509(nullptr, &p, static_cast<long>(der.size()));
}

void BM_OpenSslVerifyCertBaseline(benchmark::State& state) {
  const World& w = GetWorld();
  bool all_ok = true;
  for (auto _ : state) {
    X509* leaf = ParseX509(w.warm_leaf.der);
    X509* intermediate = ParseX509(w.intermediate_ec.der);
    X509* root = ParseX509(w.root.der);
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, root);
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    sk_X509_push(untrusted, intermediate);
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, untrusted);
    all_ok &= X509_verify_cert(ctx) == 1;
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    X509_free(root);
    X509_free(intermediate);
    X509_free(leaf);
  }
  if (!all_ok) state.SkipWithError("X509_verify_cert failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpenSslVerifyCertBaseline)->UseRealTime();

}  // namespace
}  // namespace chaintrust::attest_bench
