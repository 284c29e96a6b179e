// Writes a synthetic device fleet for benchmarks: a CA hierarchy, one
// certificate chain per device and a matching DPS JSON policy, through the
// FleetWriter the tests' fleet uses (testdata/test_fleet.h).
//
//   bazel run -c opt //bench:fleet_gen -- --devices=1000000 --out=/tmp/fleet
//
// Hierarchy: a root, 2 intermediates under it, --sub_cas_per_intermediate
// sub-CAs under each (EC P-256, SHA-256 signatures). Device i ("dev-" and 8
// digits, its CN and registration ID) is issued by sub-CA i mod (number of
// sub-CAs) and presents leaf, sub-CA, intermediate.
//
// Written to --out:
//   policy.json    DPS bundle JSON: enrollment groups on the two
//                  intermediates and on the root (all enabled); an X.509
//                  individual enrollment (by SHA-256 thumbprint) for every
//                  --individual_every-th device; --extra_individuals
//                  symmetric-key individual enrollments ("sym-" + digits),
//                  to load the snapshot with many entries.
//   devices.jsonl  (--format=jsonl, the default) one {"id","chain"} object
//                  per line, the chain as PEM text: what `chaintrust audit
//                  --devices=` reads (engine/analysis/device_corpus.h);
//   devices/       (--format=pem) one PEM chain file per device.
// --distinct_chains=N: only N leaves are minted; device i presents leaf
// i mod N (an audit corpus where many devices repeat a few chains).
//
// Speed: every device gets its own certificate (its own CN and serial, so
// its own SHA-256), but not its own key pair: the leaf's key is never used to
// verify a chain (README "Architecture"), so all leaves share one public key.
// Each leaf is a template TBSCertificate with the CN and serial patched in and
// signed with the sub-CA's key (one ECDSA signature per device, the OpenSSL
// signing context prepared once per sub-CA and copied: LeafFactory,
// testdata/test_fleet.h), on --threads threads.
#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/x509/certificate.h"
#include "engine/x509/test_certs.h"
#include "openssl/evp.h"
#include "testdata/test_fleet.h"
#include "tools/cli/cli.h"

namespace chaintrust {
namespace {

using internal::TestCert;
using internal::TestKey;

struct Options {
  size_t devices = 10000;
  std::string out;
  std::string format = "jsonl";
  size_t sub_cas_per_intermediate = 4;
  size_t individual_every = 100;  // 0: none
  size_t extra_individuals = 0;
  size_t threads = 2;
  size_t distinct_chains = 0;  // 0: every device its own leaf
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "fleet_gen: %s\n", message.c_str());
  std::exit(1);
}

constexpr absl::string_view kCnTemplate = "dev-00000000";

std::string DeviceId(size_t i) { return absl::StrFormat("dev-%08u", i); }

std::string Pem(absl::string_view der) {
  const std::string b64 = absl::Base64Escape(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&out, b64.substr(i, 64), "\n");
  }
  out.append("-----END CERTIFICATE-----\n");
  return out;
}

std::string Sha256Hex(absl::string_view der) {
  unsigned char digest[32];
  unsigned int length = 0;
  EVP_Digest(der.data(), der.size(), digest, &length, EVP_sha256(), nullptr);
  return ToHex(absl::MakeConstSpan(digest, 32));
}

const cli::CommandSpec kFleetGen = {
    "fleet_gen",
    "  fleet_gen --out=DIR [--devices=N] [--format=jsonl|pem]\n"
    "           [--sub_cas_per_intermediate=N] [--individual_every=N]\n"
    "           [--extra_individuals=N] [--threads=N] [--distinct_chains=N]\n",
    {"devices", "out", "format", "sub_cas_per_intermediate", "individual_every",
     "extra_individuals", "threads", "distinct_chains"}};

// The flags, parsed by the command line's parser; exits on a usage error.
Options ParseOptions(int argc, char** argv) {
  int exit_status = 0;
  auto flags = cli::ParseArgs(
      kFleetGen, std::vector<std::string>(argv + 1, argv + argc), &exit_status);
  if (!flags) std::exit(exit_status);
  Options o;
  o.out = flags->Get("out");
  o.format = flags->Get("format", o.format);
  for (auto [name, value] : std::vector<std::pair<const char*, size_t*>>{
           {"devices", &o.devices},
           {"sub_cas_per_intermediate", &o.sub_cas_per_intermediate},
           {"individual_every", &o.individual_every},
           {"extra_individuals", &o.extra_individuals},
           {"threads", &o.threads},
           {"distinct_chains", &o.distinct_chains}}) {
    auto n =
        cli::IntFlag(*flags, name, 0, 99999999, static_cast<int64_t>(*value));
    if (!n.ok()) std::exit(cli::Fail(kFleetGen.name, n.status().message()));
    *value = static_cast<size_t>(*n);
  }
  return o;
}

int Main(int argc, char** argv) {
  Options flags = ParseOptions(argc, argv);
  if (flags.out.empty()) Die("--out=DIR is required");
  if (flags.format != "jsonl" && flags.format != "pem") {
    Die("--format must be jsonl or pem");
  }
  if (flags.devices > 99999999) Die("at most 99,999,999 devices");
  if (flags.sub_cas_per_intermediate == 0) flags.sub_cas_per_intermediate = 1;
  if (flags.threads == 0) flags.threads = 1;
  if (flags.distinct_chains > 65536) Die("at most 65536 distinct chains");
  const absl::Time start = absl::Now();

  const TestCert root = internal::MintRoot("Fleet Root CA");
  std::vector<TestCert> intermediates = {
      internal::MintIntermediate("Fleet Intermediate A", root),
      internal::MintIntermediate("Fleet Intermediate B", root)};
  std::vector<TestCert> sub_cas;
  std::vector<size_t> parent;  // sub-CA -> intermediate
  for (size_t k = 0; k < intermediates.size(); ++k) {
    for (size_t j = 0; j < flags.sub_cas_per_intermediate; ++j) {
      sub_cas.push_back(internal::MintIntermediate(
          absl::StrCat("Fleet Sub-CA ", k == 0 ? "A" : "B", j),
          intermediates[k]));
      parent.push_back(k);
    }
  }
  const TestKey leaf_key = TestKey::Generate();
  std::vector<std::unique_ptr<LeafFactory>> factories;
  std::vector<std::string> ca_pem;  // sub-CA PEM + intermediate PEM
  for (size_t s = 0; s < sub_cas.size(); ++s) {
    factories.push_back(
        std::make_unique<LeafFactory>(sub_cas[s], leaf_key, kCnTemplate,
                                      absl::Now() + absl::Hours(24 * 365 * 5)));
    ca_pem.push_back(
        absl::StrCat(sub_cas[s].Pem(), intermediates[parent[s]].Pem()));
  }

  // Devices, in chunks written in order; threads sign within a chunk.
  const bool jsonl = flags.format == "jsonl";
  FleetWriter writer(flags.out,
                     jsonl ? FleetWriter::kJsonl : FleetWriter::kPem);
  constexpr size_t kChunk = 65536;
  std::vector<std::string> leaves(kChunk);
  const size_t distinct = flags.distinct_chains;
  for (size_t base = 0; base < flags.devices; base += kChunk) {
    // With --distinct_chains the first chunk mints the N leaves all reuse.
    const size_t n = std::min(kChunk, flags.devices - base);
    const size_t mint = distinct == 0 ? n
                        : base == 0   ? std::min(n, distinct)
                                      : 0;
    std::atomic<size_t> next{0};
    std::vector<std::thread> threads;
    for (size_t t = 0; t < flags.threads; ++t) {
      threads.emplace_back([&] {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        for (size_t j; (j = next.fetch_add(1)) < mint;) {
          const size_t i = base + j;
          leaves[j] = factories[i % factories.size()]->Make(
              DeviceId(i), static_cast<uint32_t>(i), ctx);
        }
        EVP_MD_CTX_free(ctx);
      });
    }
    for (std::thread& t : threads) t.join();
    for (size_t j = 0; j < n; ++j) {
      const size_t i = base + j;
      const size_t leaf = distinct == 0 ? j : i % distinct;
      const size_t issuer = distinct == 0 ? i : leaf;
      const std::string id = DeviceId(i);
      writer.AddDevice(id, absl::StrCat(Pem(leaves[leaf]),
                                        ca_pem[issuer % factories.size()]));
      // A certificate may back one individual enrollment only.
      if (flags.individual_every != 0 && i % flags.individual_every == 0 &&
          (distinct == 0 || i < distinct)) {
        writer.AddIndividualThumbprint(id, true, Sha256Hex(leaves[leaf]));
      }
    }
    std::fprintf(stderr, "\rfleet_gen: %zu / %zu devices", base + n,
                 flags.devices);
  }
  std::fprintf(stderr, "\n");

  const std::string key = absl::Base64Escape(std::string(32, 'k'));
  for (size_t i = 0; i < flags.extra_individuals; ++i) {
    writer.AddIndividualSymmetricKey(absl::StrFormat("sym-%08u", i), true, key);
  }
  writer.AddGroup("fleet-intermediate-a", true, intermediates[0].Pem());
  writer.AddGroup("fleet-intermediate-b", true, intermediates[1].Pem());
  writer.AddGroup("fleet-root", true, root.Pem());
  const size_t individual_count = writer.individuals();
  const size_t policy_bytes = writer.Finish();

  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "fleet_gen: %zu devices (%s) under %zu sub-CAs, %zu individual "
      "enrollments, policy.json %.1f MB, in %.1f s (peak RSS %.0f MB)\n",
      flags.devices, flags.format.c_str(), sub_cas.size(), individual_count,
      static_cast<double>(policy_bytes) / 1e6,
      absl::ToDoubleSeconds(absl::Now() - start),
      static_cast<double>(usage.ru_maxrss) / 1024);
  return 0;
}

}  // namespace
}  // namespace chaintrust

int main(int argc, char** argv) { return chaintrust::Main(argc, argv); }
