// Test-only: certificates whose subject and issuer fields are Names encoded
// by hand, byte for byte, so that tests can present names that differ from
// their issuer's subject in encoding only (string type, case, whitespace,
// the order of a multi-valued RDN's attributes) or in substance.
//
//   const std::string ca_name = TestName({{Cn("Contoso Root", kPrintable)}});
//   TestCert root = WithNames(MintRoot("x"), ca_name, ca_name, root_key);
//
// Attributes are encoded in the order given, a multi-valued RDN's included
// (DER would sort them; these tests need the order under their control).
// Failures inside OpenSSL abort: this is test code.
#ifndef CHAINTRUST_ENGINE_X509_TEST_NAMES_H_
#define CHAINTRUST_ENGINE_X509_TEST_NAMES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/optional.h"
#include "engine/x509/test_certs.h"

namespace chaintrust::internal {

// ASN.1 string tags for attribute values.
inline constexpr uint8_t kTestUtf8 = 0x0c;
inline constexpr uint8_t kTestPrintable = 0x13;
inline constexpr uint8_t kTestTeletex = 0x14;
inline constexpr uint8_t kTestIa5 = 0x16;
inline constexpr uint8_t kTestUniversal = 0x1c;
inline constexpr uint8_t kTestBmp = 0x1e;

struct TestAttribute {
  std::string oid;    // dotted, e.g. "2.5.4.3"
  uint8_t tag;        // the value's ASN.1 tag
  std::string value;  // the value's contents, already in that encoding
};
using TestRdn = std::vector<TestAttribute>;

// Shorthands for common attributes.
TestAttribute Cn(const std::string& value, uint8_t tag = kTestUtf8);
TestAttribute O(const std::string& value, uint8_t tag = kTestUtf8);
TestAttribute Ou(const std::string& value, uint8_t tag = kTestUtf8);
TestAttribute C(const std::string& value, uint8_t tag = kTestPrintable);

// UTF-8 text as BMPString (UCS-2, big-endian) contents; BMP only.
std::string ToBmp(const std::string& utf8);

// The DER of a Name made of `rdns` in order.
std::string TestName(const std::vector<TestRdn>& rdns);

// `cert` with its subject and/or issuer field replaced by the given Name
// DER (kept when absent), re-signed with `signer`. Everything else,
// extensions included, is kept.
TestCert WithNames(const TestCert& cert,
                   const absl::optional<std::string>& subject,
                   const absl::optional<std::string>& issuer,
                   const TestKey& signer);

}  // namespace chaintrust::internal

#endif  // CHAINTRUST_ENGINE_X509_TEST_NAMES_H_
