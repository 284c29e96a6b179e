// A generated three-level fleet for the analysis and command-line tests
// (test only):
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
// 50 devices, each a PEM file (leaf, sub CA, intermediate; the root is not
// sent) named after its id, plus a disabled individual enrollment for
// dev-a1-000 (its client certificate chains to fleet-int-a: the DPS guide's
// "disabled individual overrides its group"). Certificates are minted with
// //engine/x509:test_certs, valid from an hour ago for a year.
#ifndef CHAINTRUST_TESTDATA_TEST_FLEET_H_
#define CHAINTRUST_TESTDATA_TEST_FLEET_H_

#include <string>

namespace chaintrust {

struct TestFleet {
  std::string dir;            // the device directory
  std::string policy;         // policy.json (outside `dir`)
  std::string jsonl;          // the same devices as a JSONL corpus
  std::string registrations;  // a registration export with two orphans
};

// Writes the fleet under `root` (created); aborts on I/O failure.
TestFleet WriteTestFleet(const std::string& root);

// $TEST_TMPDIR/name (or /tmp/name).
std::string TestPath(const std::string& name);

}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_TEST_FLEET_H_
