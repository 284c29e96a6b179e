// The certificate parser's pieces, shared by the files that implement
// Certificate (certificate.cc, cert_algorithms.cc, cert_names.cc,
// cert_keys.cc, cert_extensions.cc). Private to the :certificate target.
#ifndef CHAINTRUST_ENGINE_X509_CERTIFICATE_PARSE_H_
#define CHAINTRUST_ENGINE_X509_CERTIFICATE_PARSE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"
#include "engine/x509/der.h"

namespace chaintrust::x509_parse {

using internal::DerElement;
using internal::DerError;
using internal::DerReader;

inline constexpr size_t kMaxCertificateSize = 64 * 1024;
inline constexpr size_t kMaxExtensions = 64;
// RFC 5280 allows 20 octets; real CAs exceed it slightly, so allow more
// but keep the field bounded.

constexpr size_t kMaxSerialSize = 32;

// OBJECT IDENTIFIER contents (not dotted text): comparing bytes avoids
// rendering every OID on the hot path.
inline constexpr absl::string_view kOidRsaEncryption =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01";
inline constexpr absl::string_view kOidSha1WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05";
inline constexpr absl::string_view kOidMgf1 =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08";
inline constexpr absl::string_view kOidRsaPss =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a";
inline constexpr absl::string_view kOidSha256WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b";
inline constexpr absl::string_view kOidSha384WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c";
inline constexpr absl::string_view kOidSha512WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d";
inline constexpr absl::string_view kOidEcPublicKey =
    "\x2a\x86\x48\xce\x3d\x02\x01";
inline constexpr absl::string_view kOidEcdsaSha1 =
    "\x2a\x86\x48\xce\x3d\x04\x01";
inline constexpr absl::string_view kOidEcdsaSha256 =
    "\x2a\x86\x48\xce\x3d\x04\x03\x02";
inline constexpr absl::string_view kOidEcdsaSha384 =
    "\x2a\x86\x48\xce\x3d\x04\x03\x03";
inline constexpr absl::string_view kOidEcdsaSha512 =
    "\x2a\x86\x48\xce\x3d\x04\x03\x04";
inline constexpr absl::string_view kOidEd25519 = "\x2b\x65\x70";
inline constexpr absl::string_view kOidP256 =
    "\x2a\x86\x48\xce\x3d\x03\x01\x07";
// Sized: these contain a zero octet.
inline constexpr absl::string_view kOidP384("\x2b\x81\x04\x00\x22", 5);
inline constexpr absl::string_view kOidP521("\x2b\x81\x04\x00\x23", 5);
inline constexpr absl::string_view kOidSha1 = "\x2b\x0e\x03\x02\x1a";
inline constexpr absl::string_view kOidSha256 =
    "\x60\x86\x48\x01\x65\x03\x04\x02\x01";
inline constexpr absl::string_view kOidSha384 =
    "\x60\x86\x48\x01\x65\x03\x04\x02\x02";
inline constexpr absl::string_view kOidSha512 =
    "\x60\x86\x48\x01\x65\x03\x04\x02\x03";
inline constexpr absl::string_view kOidCommonName = "\x55\x04\x03";
inline constexpr absl::string_view kOidSubjectKeyId = "\x55\x1d\x0e";
inline constexpr absl::string_view kOidKeyUsage = "\x55\x1d\x0f";
inline constexpr absl::string_view kOidSubjectAltName = "\x55\x1d\x11";
inline constexpr absl::string_view kOidBasicConstraints = "\x55\x1d\x13";
inline constexpr absl::string_view kOidCertificatePolicies = "\x55\x1d\x20";
inline constexpr absl::string_view kOidAuthorityKeyId = "\x55\x1d\x23";
inline constexpr absl::string_view kOidExtKeyUsage = "\x55\x1d\x25";
inline constexpr absl::string_view kOidNameConstraints = "\x55\x1d\x1e";
inline constexpr absl::string_view kOidAuthorityInfoAccess =
    "\x2b\x06\x01\x05\x05\x07\x01\x01";

inline constexpr absl::string_view kNullContents = "";

// A view into the certificate's DER as offsets, so that it survives the
// DER string moving into the Certificate.
struct Range {
  uint32_t begin = 0;
  uint32_t size = 0;
};

inline Range RangeOf(absl::string_view base, absl::string_view part) {
  return Range{static_cast<uint32_t>(part.data() - base.data()),
               static_cast<uint32_t>(part.size())};
}

// Everything the parse produces. Certificate::Parsed derives from it so
// that the parsing helpers below can name it.
struct ParsedFields {
  Range tbs;
  Range signature;
  Range serial;
  Range issuer;
  Range subject;
  Range spki;
  Range subject_key_id;
  Range authority_key_id;
  Range subject_alt_name;
  Range name_constraints;
  SignatureAlgorithm signature_algorithm = SignatureAlgorithm::kUnknown;
  Sha256Digest sha256{};
  int version = 1;
  std::string subject_common_name;
  // NameKey of the subject and of the issuer (certificate_names.h).
  std::string subject_key;
  std::string issuer_key;
  absl::Time not_before;
  absl::Time not_after;
  KeyType key_type = KeyType::kUnknown;
  int key_bits = 0;
  bool has_basic_constraints = false;
  bool basic_constraints_critical = false;
  bool has_authority_key_id_extension = false;
  bool authority_key_id_critical = false;
  bool authority_key_id_has_issuer_and_serial = false;
  bool is_ca = false;
  absl::optional<int> path_len_constraint;
  bool has_key_usage = false;
  uint16_t key_usage = 0;
  bool has_extended_key_usage = false;
  bool extended_key_usage_critical = false;
  bool subject_alt_name_critical = false;
  std::vector<std::string> extended_key_usages;
  std::vector<std::string> unhandled_critical_extensions;
};

// Reads an AlgorithmIdentifier's contents: the OID and the parameters (the
// rest, which must be empty or exactly one element) (cert_algorithms.cc).
absl::Status ReadAlgorithm(DerReader reader, absl::string_view what,
                           absl::string_view* oid, DerElement* params,
                           bool* has_params);

// Reads a signature AlgorithmIdentifier (cert_algorithms.cc).
absl::StatusOr<SignatureAlgorithm> ParseSignatureAlgorithm(
    const DerReader& parent, const DerElement& algorithm);

// Checks a Name; sets *common_name (when not null) to its last CN, as UTF-8
// (cert_names.cc).
absl::Status ParseName(const DerReader& parent, const DerElement& name,
                       absl::string_view what, std::string* common_name);
// Converts a string-typed attribute value to UTF-8 (cert_names.cc).
// Teletex is read as Latin-1, as most software does.
absl::StatusOr<std::string> DecodeDirectoryString(uint8_t tag,
                                                  absl::string_view value,
                                                  absl::string_view what);
// RFC 4514-style text of a DER Name (cert_names.cc).
std::string NameToString(absl::string_view name_der);

// Reads subjectPublicKeyInfo: key type and size (cert_keys.cc).
absl::Status ParseSpki(const DerReader& parent, const DerElement& spki,
                       ParsedFields* out);

// Reads the extensions of a v3 certificate (cert_extensions.cc).
absl::Status ParseExtensions(const DerReader& parent,
                             const DerElement& extensions,
                             absl::string_view der, ParsedFields* out);

}  // namespace chaintrust::x509_parse

#endif  // CHAINTRUST_ENGINE_X509_CERTIFICATE_PARSE_H_
