// libFuzzer target for path building and evaluation (Resolve) over a small
// fixed snapshot: an enabled group (a root CA), a disabled group (another
// root) and their leaves. The input's first byte picks which minted
// certificates lead the chain; the rest is split into presented
// certificates by 2-byte big-endian length prefixes.
//
// Invariants: an ALLOW always names the enabled group (or nothing that is
// disabled or absent) and comes from a chain whose every presented
// certificate parses; a presented certificate that does not parse is never
// an ALLOW.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/core/resolver.h"
#include "engine/decision.h"
#include "engine/policy/enrollment_set.h"
#include "engine/x509/certificate.h"
#include "engine/x509/test_certs.h"

namespace chaintrust {
namespace {

struct Fixture {
  internal::TestCert root = internal::MintRoot("fuzz-root");
  internal::TestCert intermediate =
      internal::MintIntermediate("fuzz-intermediate", root);
  internal::TestCert leaf = internal::MintLeaf("fuzz-device-1", intermediate);
  internal::TestCert other_root = internal::MintRoot("fuzz-disabled-root");
  internal::TestCert other_leaf =
      internal::MintLeaf("fuzz-device-2", other_root);
  SnapshotPtr snapshot;

  Fixture() {
    EnrollmentSnapshot::Builder builder;
    EnrollmentGroupSpec enabled;
    enabled.group_id = "enabled-group";
    enabled.primary_certificate.text = root.Pem();
    builder.AddEnrollmentGroup(enabled);
    EnrollmentGroupSpec disabled;
    disabled.group_id = "disabled-group";
    disabled.enabled = false;
    disabled.primary_certificate.text = other_root.Pem();
    builder.AddEnrollmentGroup(disabled);
    auto built = std::move(builder).Build();
    if (!built.ok()) abort();
    snapshot = *std::move(built);
  }
};

void Check(bool condition) {
  if (!condition) abort();
}

}  // namespace
}  // namespace chaintrust

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace chaintrust;  // NOLINT: a fuzz entry point.
  static const Fixture* const fixture = new Fixture();
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::vector<std::string> parts;
  if (mode & 1) parts.push_back(fixture->leaf.der);
  if (mode & 2) parts.push_back(fixture->intermediate.der);
  if (mode & 4) parts.push_back(fixture->other_leaf.der);
  if (mode & 8) parts.push_back(fixture->root.der);
  bool fuzzed_parse_failure = false;
  size_t pos = 1;
  while (pos + 2 <= size && parts.size() < 40) {
    const size_t len = (size_t{data[pos]} << 8) | data[pos + 1];
    pos += 2;
    const size_t take = len < size - pos ? len : size - pos;
    parts.emplace_back(reinterpret_cast<const char*>(data + pos), take);
    pos += take;
    if (!Certificate::Create(parts.back()).ok()) fuzzed_parse_failure = true;
  }
  Attestation attestation;
  for (const std::string& p : parts) attestation.chain.push_back(p);
  attestation.at = absl::Now();
  ResolverOptions options;
  options.check_registration_id = (mode & 16) == 0;
  if (mode & 32) options.required_eku = std::string(kEkuClientAuth);
  Decision decision;
  Resolve(*fixture->snapshot, attestation, options, nullptr, &decision);
  if (decision.allowed()) {
    Check(!attestation.chain.empty());
    Check(!fuzzed_parse_failure);
    Check(decision.reason() == Reason::kEnrollmentGroupEnabled);
    Check(decision.enrollment_id() == "enabled-group");
  }
  if (fuzzed_parse_failure) Check(!decision.allowed());
  return 0;
}
