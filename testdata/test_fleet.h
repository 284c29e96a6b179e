// Device fleets on disk, for the analysis and command-line tests and for
// the benchmarks (test only). FleetWriter is the one writer both use; it
// writes what `chaintrust audit --devices=` and the policy loader read:
//
//   OUT/policy.json     DPS bundle JSON: {"individualEnrollments": [...],
//                       "enrollmentGroups": [...]}, in the order added;
//   OUT/devices.jsonl   one {"id", "chain"} object per device (kJsonl);
//   OUT/devices/ID.pem  one PEM chain file per device (kPem).
//
// WriteTestFleet writes the small three-level fleet the tests reason about:
//
//   Fleet Root CA                      group fleet-root    (enabled)
//   +- Fleet Intermediate A            group fleet-int-a   (enabled)
//   |  +- Fleet Sub CA A1  (no group)  devices dev-a1-000..014
//   |  +- Fleet Sub CA A2  (no group)  devices dev-a2-000..014
//   +- Fleet Intermediate B            group fleet-int-b   (disabled)
//      +- Fleet Sub CA B1              group fleet-sub-b1  (enabled)
//      |                               devices dev-b1-000..009
//      +- Fleet Sub CA B2  (no group)  devices dev-b2-000..009
//
// 50 devices, each presenting leaf, sub CA, intermediate (the root is not
// sent), as PEM files and as JSONL, plus a disabled individual enrollment
// for dev-a1-000 (its client certificate chains to fleet-int-a: the DPS
// guide's "disabled individual overrides its group"). Certificates are
// minted with //engine/x509:test_certs, valid from an hour ago for a year.
// bench/fleet_gen.cc writes the million-device fleets with FleetWriter.
#ifndef CHAINTRUST_TESTDATA_TEST_FLEET_H_
#define CHAINTRUST_TESTDATA_TEST_FLEET_H_

#include <cstddef>
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/x509/test_certs.h"
#include "openssl/evp.h"

namespace chaintrust {

// Mints many distinct device leaves under one issuer quickly, for fleets of
// a million devices (bench/fleet_gen.cc, bench/attest_bench_fleet.cc). A
// template leaf is minted once with //engine/x509:test_certs; each leaf is
// that TBSCertificate with its CN and the low 32 bits of its 64-bit serial
// replaced, signed with the issuer's key (a real signature, one per leaf,
// with the signing context prepared once and copied). Every leaf has its
// own CN, serial and so SHA-256; all share `leaf_key` (a leaf's own key
// verifies nothing in a chain, so sharing it changes no chain's check).
// Make is thread-safe: each thread passes its own scratch context.
class LeafFactory {
 public:
  // Leaves whose CN has the length of `cn_template`, valid from an hour
  // before now until `not_after`. Aborts when the template cannot be made.
  LeafFactory(const internal::TestCert& issuer,
              const internal::TestKey& leaf_key, absl::string_view cn_template,
              absl::Time not_after);
  ~LeafFactory();
  LeafFactory(const LeafFactory&) = delete;
  LeafFactory& operator=(const LeafFactory&) = delete;

  // The leaf's DER: CN `cn` (as long as the template's) and serial
  // 0x01020304 followed by `serial`. `ctx` is the calling thread's
  // scratch context (EVP_MD_CTX_new).
  std::string Make(absl::string_view cn, uint32_t serial,
                   EVP_MD_CTX* ctx) const;

 private:
  std::string tbs_;
  std::string signature_algorithm_;  // the DER TLV after the TBS
  size_t serial_offset_ = 0;
  size_t cn_offset_ = 0;
  size_t cn_size_ = 0;
  EVP_MD_CTX* prepared_ = nullptr;
};

class FleetWriter {
 public:
  // Which device corpora to write (a bit set).
  static constexpr int kJsonl = 1;
  static constexpr int kPem = 2;

  // Creates `out` (and `out`/devices for kPem); aborts when it cannot.
  FleetWriter(const std::string& out, int corpora);
  ~FleetWriter();
  FleetWriter(const FleetWriter&) = delete;
  FleetWriter& operator=(const FleetWriter&) = delete;

  std::string policy_path() const { return out_ + "/policy.json"; }
  std::string jsonl_path() const { return out_ + "/devices.jsonl"; }
  std::string pem_dir() const { return out_ + "/devices"; }

  // One device: its id and the PEM chain it presents.
  void AddDevice(absl::string_view id, absl::string_view chain_pem);
  // An X.509 enrollment group on a CA certificate (PEM).
  void AddGroup(absl::string_view id, bool enabled, absl::string_view ca_pem);
  // Individual enrollments: X.509 by certificate (PEM) or by SHA-256
  // thumbprint (hex), or symmetric key (base64).
  void AddIndividualCertificate(absl::string_view id, bool enabled,
                                absl::string_view cert_pem);
  void AddIndividualThumbprint(absl::string_view id, bool enabled,
                               absl::string_view sha256_hex);
  void AddIndividualSymmetricKey(absl::string_view id, bool enabled,
                                 absl::string_view key_base64);
  size_t individuals() const { return individual_count_; }

  // Writes policy.json and closes the corpus; aborts on I/O failure.
  // Returns the size of policy.json.
  size_t Finish();

  // `s` as a JSON string literal (quoted; '"', '\\' and '\n' escaped: PEM
  // text and IDs need no more).
  static std::string JsonString(absl::string_view s);

 private:
  void AddIndividual(absl::string_view id, bool enabled,
                     absl::string_view attestation);
  void Flush();

  std::string out_;
  int corpora_;
  std::FILE* jsonl_ = nullptr;
  std::string buffer_;  // JSONL not yet written
  std::string individuals_, groups_;
  size_t individual_count_ = 0, group_count_ = 0;
};

struct TestFleet {
  std::string dir;            // the device directory
  std::string policy;         // policy.json (outside `dir`)
  std::string jsonl;          // the same devices as a JSONL corpus
  std::string registrations;  // a registration export with two orphans
};

// Writes the three-level fleet under `root` (created); aborts on I/O
// failure.
TestFleet WriteTestFleet(const std::string& root);

// $TEST_TMPDIR/name (or /tmp/name).
std::string TestPath(const std::string& name);

}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_TEST_FLEET_H_
