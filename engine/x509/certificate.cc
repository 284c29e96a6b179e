#include "engine/x509/certificate.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/x509/der.h"
#include "engine/internal/status_macros.h"
#include "engine/x509/verification_key.h"

// Debian's Abseil is not built with ThreadSanitizer, so TSan cannot see
// the acquire inside absl::call_once's wait path and would report the
// publication of key_ as a race. These annotations restate the ordering
// call_once already guarantees; they compile to nothing otherwise.
#if defined(__SANITIZE_THREAD__)
#define CHAINTRUST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHAINTRUST_TSAN 1
#endif
#endif
#ifdef CHAINTRUST_TSAN
#include <sanitizer/tsan_interface.h>
#define CHAINTRUST_TSAN_RELEASE(addr) __tsan_release(addr)
#define CHAINTRUST_TSAN_ACQUIRE(addr) __tsan_acquire(addr)
#else
#define CHAINTRUST_TSAN_RELEASE(addr) static_cast<void>(0)
#define CHAINTRUST_TSAN_ACQUIRE(addr) static_cast<void>(0)
#endif

namespace chaintrust {
namespace {

using internal::DerElement;
using internal::DerError;
using internal::DerReader;

constexpr size_t kMaxCertificateSize = 64 * 1024;
constexpr size_t kMaxExtensions = 64;
// RFC 5280 allows 20 octets; real CAs exceed it slightly, so allow more
// but keep the field bounded.
constexpr size_t kMaxSerialSize = 32;

// OBJECT IDENTIFIER contents (not dotted text): comparing bytes avoids
// rendering every OID on the hot path.
constexpr absl::string_view kOidRsaEncryption =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01";
constexpr absl::string_view kOidSha1WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05";
constexpr absl::string_view kOidMgf1 = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08";
constexpr absl::string_view kOidRsaPss = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a";
constexpr absl::string_view kOidSha256WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b";
constexpr absl::string_view kOidSha384WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c";
constexpr absl::string_view kOidSha512WithRsa =
    "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d";
constexpr absl::string_view kOidEcPublicKey = "\x2a\x86\x48\xce\x3d\x02\x01";
constexpr absl::string_view kOidEcdsaSha1 = "\x2a\x86\x48\xce\x3d\x04\x01";
constexpr absl::string_view kOidEcdsaSha256 =
    "\x2a\x86\x48\xce\x3d\x04\x03\x02";
constexpr absl::string_view kOidEcdsaSha384 =
    "\x2a\x86\x48\xce\x3d\x04\x03\x03";
constexpr absl::string_view kOidEcdsaSha512 =
    "\x2a\x86\x48\xce\x3d\x04\x03\x04";
constexpr absl::string_view kOidEd25519 = "\x2b\x65\x70";
constexpr absl::string_view kOidP256 = "\x2a\x86\x48\xce\x3d\x03\x01\x07";
// Sized: these contain a zero octet.
constexpr absl::string_view kOidP384("\x2b\x81\x04\x00\x22", 5);
constexpr absl::string_view kOidP521("\x2b\x81\x04\x00\x23", 5);
constexpr absl::string_view kOidSha1 = "\x2b\x0e\x03\x02\x1a";
constexpr absl::string_view kOidSha256 = "\x60\x86\x48\x01\x65\x03\x04\x02\x01";
constexpr absl::string_view kOidSha384 = "\x60\x86\x48\x01\x65\x03\x04\x02\x02";
constexpr absl::string_view kOidSha512 = "\x60\x86\x48\x01\x65\x03\x04\x02\x03";
constexpr absl::string_view kOidCommonName = "\x55\x04\x03";
constexpr absl::string_view kOidSubjectKeyId = "\x55\x1d\x0e";
constexpr absl::string_view kOidKeyUsage = "\x55\x1d\x0f";
constexpr absl::string_view kOidSubjectAltName = "\x55\x1d\x11";
constexpr absl::string_view kOidBasicConstraints = "\x55\x1d\x13";
constexpr absl::string_view kOidCertificatePolicies = "\x55\x1d\x20";
constexpr absl::string_view kOidAuthorityKeyId = "\x55\x1d\x23";
constexpr absl::string_view kOidExtKeyUsage = "\x55\x1d\x25";
constexpr absl::string_view kOidNameConstraints = "\x55\x1d\x1e";
constexpr absl::string_view kOidAuthorityInfoAccess =
    "\x2b\x06\x01\x05\x05\x07\x01\x01";

constexpr absl::string_view kNullContents = "";

// A view into the certificate's DER as offsets, so that it survives the
// DER string moving into the Certificate.
struct Range {
  uint32_t begin = 0;
  uint32_t size = 0;
};

Range RangeOf(absl::string_view base, absl::string_view part) {
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
  std::vector<std::string> extended_key_usages;
  std::vector<std::string> unhandled_critical_extensions;
};

// Reads an AlgorithmIdentifier's contents: the OID and the parameters (the
// rest, which must be empty or exactly one element).
absl::Status ReadAlgorithm(DerReader reader, absl::string_view what,
                           absl::string_view* oid, DerElement* params,
                           bool* has_params) {
  DerElement element;
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerOid, what, &element));
  RETURN_IF_ERROR(internal::ValidateOid(element.contents, what));
  *oid = element.contents;
  *has_params = !reader.empty();
  if (*has_params) {
    RETURN_IF_ERROR(reader.Read(what, params));
    RETURN_IF_ERROR(reader.ExpectEnd(what));
  }
  return absl::OkStatus();
}

bool IsNull(const DerElement& params) {
  return params.tag == internal::kDerNull && params.contents == kNullContents;
}

// A hash AlgorithmIdentifier inside RSASSA-PSS parameters; parameters are
// absent or NULL. Unknown hashes are returned as their OID.
absl::Status ParseHashAlgorithm(DerReader& reader, absl::string_view what,
                                absl::string_view* hash_oid) {
  ASSIGN_OR_RETURN(DerReader alg,
                   reader.ReadNested(internal::kDerSequence, what));
  DerElement params;
  bool has_params;
  RETURN_IF_ERROR(ReadAlgorithm(alg, what, hash_oid, &params, &has_params));
  if (has_params && !IsNull(params)) {
    return DerError(what, "hash parameters must be absent or NULL");
  }
  return absl::OkStatus();
}

// RSASSA-PSS-params (RFC 4055 §3.1). Only MGF1 over the signature's own
// hash with a salt as long as that hash is supported (as in BoringSSL);
// other well-formed combinations read as kUnknown and never verify.
absl::StatusOr<SignatureAlgorithm> ParsePssParams(const DerReader& parent,
                                                  const DerElement& params) {
  constexpr absl::string_view kWhat = "RSASSA-PSS parameters";
  if (params.tag != internal::kDerSequence) {
    return DerError(kWhat, "not a SEQUENCE");
  }
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(params, kWhat));
  absl::string_view hash = kOidSha1;
  absl::string_view mgf_hash = kOidSha1;
  uint64_t salt_length = 20;
  DerElement element;
  bool present;
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(0), kWhat,
                                      &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kWhat));
    RETURN_IF_ERROR(
        ParseHashAlgorithm(inner, "RSASSA-PSS hashAlgorithm", &hash));
    RETURN_IF_ERROR(inner.ExpectEnd(kWhat));
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(1), kWhat,
                                      &element, &present));
  if (present) {
    constexpr absl::string_view kMgfWhat = "RSASSA-PSS maskGenAlgorithm";
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kMgfWhat));
    ASSIGN_OR_RETURN(DerReader mgf,
                     inner.ReadNested(internal::kDerSequence, kMgfWhat));
    RETURN_IF_ERROR(inner.ExpectEnd(kMgfWhat));
    DerElement mgf_oid;
    RETURN_IF_ERROR(mgf.ReadExpected(internal::kDerOid, kMgfWhat, &mgf_oid));
    if (mgf_oid.contents != kOidMgf1) {
      return DerError(kMgfWhat, "not MGF1");
    }
    RETURN_IF_ERROR(ParseHashAlgorithm(mgf, kMgfWhat, &mgf_hash));
    RETURN_IF_ERROR(mgf.ExpectEnd(kMgfWhat));
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(2), kWhat,
                                      &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kWhat));
    DerElement value;
    RETURN_IF_ERROR(
        inner.ReadExpected(internal::kDerInteger, "saltLength", &value));
    RETURN_IF_ERROR(inner.ExpectEnd("saltLength"));
    ASSIGN_OR_RETURN(salt_length,
                     internal::ParseUint64(value.contents, "saltLength"));
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(3), kWhat,
                                      &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader inner, reader.Nested(element, kWhat));
    DerElement value;
    RETURN_IF_ERROR(
        inner.ReadExpected(internal::kDerInteger, "trailerField", &value));
    RETURN_IF_ERROR(inner.ExpectEnd("trailerField"));
    ASSIGN_OR_RETURN(uint64_t trailer,
                     internal::ParseUint64(value.contents, "trailerField"));
    if (trailer != 1) return DerError("trailerField", "must be 1");
  }
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  if (hash != mgf_hash) {
    return DerError(kWhat, "MGF1 hash differs from the message hash");
  }
  if (hash == kOidSha256 && salt_length == 32) {
    return SignatureAlgorithm::kRsaPssSha256;
  }
  if (hash == kOidSha384 && salt_length == 48) {
    return SignatureAlgorithm::kRsaPssSha384;
  }
  if (hash == kOidSha512 && salt_length == 64) {
    return SignatureAlgorithm::kRsaPssSha512;
  }
  return SignatureAlgorithm::kUnknown;
}

absl::StatusOr<SignatureAlgorithm> ParseSignatureAlgorithm(
    const DerReader& parent, const DerElement& algorithm) {
  constexpr absl::string_view kWhat = "signatureAlgorithm";
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(algorithm, kWhat));
  absl::string_view oid;
  DerElement params;
  bool has_params;
  RETURN_IF_ERROR(ReadAlgorithm(reader, kWhat, &oid, &params, &has_params));
  struct Known {
    absl::string_view oid;
    SignatureAlgorithm algorithm;
    bool null_params;  // RSA PKCS#1: NULL (or, leniently, absent).
  };
  static constexpr Known kKnown[] = {
      {kOidSha256WithRsa, SignatureAlgorithm::kRsaPkcs1Sha256, true},
      {kOidEcdsaSha256, SignatureAlgorithm::kEcdsaSha256, false},
      {kOidEcdsaSha384, SignatureAlgorithm::kEcdsaSha384, false},
      {kOidSha384WithRsa, SignatureAlgorithm::kRsaPkcs1Sha384, true},
      {kOidSha512WithRsa, SignatureAlgorithm::kRsaPkcs1Sha512, true},
      {kOidEd25519, SignatureAlgorithm::kEd25519, false},
      {kOidEcdsaSha512, SignatureAlgorithm::kEcdsaSha512, false},
      {kOidSha1WithRsa, SignatureAlgorithm::kRsaPkcs1Sha1, true},
      {kOidEcdsaSha1, SignatureAlgorithm::kEcdsaSha1, false},
  };
  for (const Known& known : kKnown) {
    if (oid != known.oid) continue;
    if (has_params && !(known.null_params && IsNull(params))) {
      return DerError(kWhat, "unexpected parameters");
    }
    return known.algorithm;
  }
  if (oid == kOidRsaPss) {
    if (!has_params) return DerError(kWhat, "RSASSA-PSS without parameters");
    return ParsePssParams(reader, params);
  }
  return SignatureAlgorithm::kUnknown;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  }
}

bool IsValidCodePoint(uint32_t c) {
  return c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff);
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    size_t n;
    uint32_t c;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xe0) == 0xc0) {
      n = 1;
      c = b & 0x1f;
    } else if ((b & 0xf0) == 0xe0) {
      n = 2;
      c = b & 0x0f;
    } else if ((b & 0xf8) == 0xf0) {
      n = 3;
      c = b & 0x07;
    } else {
      return false;
    }
    if (s.size() - i <= n) return false;
    for (size_t k = 1; k <= n; ++k) {
      const uint8_t cont = static_cast<uint8_t>(s[i + k]);
      if ((cont & 0xc0) != 0x80) return false;
      c = (c << 6) | (cont & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (c < kMin[n] || !IsValidCodePoint(c)) return false;  // Overlong.
    i += n + 1;
  }
  return true;
}

// Converts a directory string to UTF-8. Teletex is read as Latin-1, as
// most software does.
absl::StatusOr<std::string> DecodeDirectoryString(uint8_t tag,
                                                  absl::string_view value,
                                                  absl::string_view what) {
  std::string out;
  switch (tag) {
    case internal::kDerUtf8String:
      if (!IsValidUtf8(value)) return DerError(what, "invalid UTF8String");
      return std::string(value);
    case internal::kDerPrintableString:
    case internal::kDerIa5String:
    case 0x12:  // NumericString
    case 0x1a:  // VisibleString
      for (char c : value) {
        if (static_cast<uint8_t>(c) >= 0x80) {
          return DerError(what, "non-ASCII byte in an ASCII string type");
        }
      }
      return std::string(value);
    case internal::kDerT61String:
      out.reserve(value.size() * 2);
      for (char c : value) AppendUtf8(static_cast<uint8_t>(c), &out);
      return out;
    case internal::kDerBmpString:
      if (value.size() % 2 != 0) return DerError(what, "odd-sized BMPString");
      for (size_t i = 0; i < value.size(); i += 2) {
        const uint32_t c = (static_cast<uint8_t>(value[i]) << 8) |
                           static_cast<uint8_t>(value[i + 1]);
        if (!IsValidCodePoint(c)) return DerError(what, "invalid BMPString");
        AppendUtf8(c, &out);
      }
      return out;
    case internal::kDerUniversalString:
      if (value.size() % 4 != 0) {
        return DerError(what, "UniversalString size not a multiple of 4");
      }
      for (size_t i = 0; i < value.size(); i += 4) {
        const uint32_t c = (uint32_t{static_cast<uint8_t>(value[i])} << 24) |
                           (static_cast<uint8_t>(value[i + 1]) << 16) |
                           (static_cast<uint8_t>(value[i + 2]) << 8) |
                           static_cast<uint8_t>(value[i + 3]);
        if (!IsValidCodePoint(c)) {
          return DerError(what, "invalid UniversalString");
        }
        AppendUtf8(c, &out);
      }
      return out;
    default:
      return DerError(what, "not a directory string type");
  }
}

// Walks a Name (SEQUENCE OF RelativeDistinguishedName, each a non-empty
// SET OF AttributeTypeAndValue), calling `visit(type_oid, value_element,
// first_in_rdn)` for each attribute in order.
template <typename Visitor>
absl::Status WalkName(const DerReader& parent, const DerElement& name,
                      absl::string_view what, Visitor visit) {
  if (name.tag != internal::kDerSequence) {
    return DerError(what, "not a SEQUENCE");
  }
  ASSIGN_OR_RETURN(DerReader rdns, parent.Nested(name, what));
  while (!rdns.empty()) {
    ASSIGN_OR_RETURN(DerReader rdn, rdns.ReadNested(internal::kDerSet, what));
    if (rdn.empty()) return DerError(what, "empty RelativeDistinguishedName");
    bool first = true;
    while (!rdn.empty()) {
      ASSIGN_OR_RETURN(DerReader atv,
                       rdn.ReadNested(internal::kDerSequence, what));
      DerElement type, value;
      RETURN_IF_ERROR(atv.ReadExpected(internal::kDerOid, what, &type));
      RETURN_IF_ERROR(internal::ValidateOid(type.contents, what));
      RETURN_IF_ERROR(atv.Read(what, &value));
      RETURN_IF_ERROR(atv.ExpectEnd(what));
      RETURN_IF_ERROR(visit(type.contents, value, first));
      first = false;
    }
  }
  return absl::OkStatus();
}

// Validates a Name and finds its last commonName.
absl::Status ParseName(const DerReader& parent, const DerElement& name,
                       absl::string_view what, std::string* common_name) {
  DerElement last_cn;
  bool has_cn = false;
  RETURN_IF_ERROR(
      WalkName(parent, name, what,
               [&](absl::string_view type, const DerElement& value, bool) {
                 if (type == kOidCommonName) {
                   last_cn = value;
                   has_cn = true;
                 }
                 return absl::OkStatus();
               }));
  if (has_cn && common_name != nullptr) {
    ASSIGN_OR_RETURN(*common_name,
                     DecodeDirectoryString(last_cn.tag, last_cn.contents,
                                           absl::StrCat(what, " commonName")));
  }
  return absl::OkStatus();
}

absl::string_view AttributeShortName(absl::string_view oid) {
  struct Name {
    absl::string_view oid;
    absl::string_view name;
  };
  static constexpr Name kNames[] = {
      {"\x55\x04\x03", "CN"},
      {"\x55\x04\x06", "C"},
      {"\x55\x04\x07", "L"},
      {"\x55\x04\x08", "ST"},
      {"\x55\x04\x09", "STREET"},
      {"\x55\x04\x0a", "O"},
      {"\x55\x04\x0b", "OU"},
      {"\x55\x04\x05", "SERIALNUMBER"},
      {"\x55\x04\x0c", "title"},
      {"\x55\x04\x2a", "GN"},
      {"\x55\x04\x04", "SN"},
      {"\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19", "DC"},
      {"\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01", "UID"},
      {"\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", "emailAddress"},
  };
  for (const Name& name : kNames) {
    if (name.oid == oid) return name.name;
  }
  return "";
}

// RFC 4514 §2.4 escaping; control characters as \XX.
void AppendEscaped(absl::string_view value, std::string* out) {
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    const bool special = c == ',' || c == '+' || c == '"' || c == '\\' ||
                         c == '<' || c == '>' || c == ';';
    const bool edge = (i == 0 && (c == ' ' || c == '#')) ||
                      (i + 1 == value.size() && c == ' ');
    if (special || edge) {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<uint8_t>(c) < 0x20 || c == 0x7f) {
      absl::StrAppend(out, "\\",
                      absl::Hex(static_cast<uint8_t>(c), absl::kZeroPad2));
    } else {
      out->push_back(c);
    }
  }
}

std::string NameToString(absl::string_view name_der) {
  DerElement name;
  if (!internal::ParseSingleElement(name_der, "Name", &name).ok()) return "";
  std::vector<std::string> rdns;
  const absl::Status status = WalkName(
      DerReader(name_der), name, "Name",
      [&](absl::string_view type, const DerElement& value, bool first) {
        if (first) rdns.emplace_back();
        std::string& rdn = rdns.back();
        if (!first) rdn.push_back('+');
        const absl::string_view short_name = AttributeShortName(type);
        if (short_name.empty()) {
          absl::StrAppend(&rdn, internal::OidToString(type).value_or("?"));
        } else {
          absl::StrAppend(&rdn, short_name);
        }
        rdn.push_back('=');
        absl::StatusOr<std::string> text =
            DecodeDirectoryString(value.tag, value.contents, "value");
        if (text.ok()) {
          AppendEscaped(*text, &rdn);
        } else {
          // RFC 4514 §2.4: values that are not strings print as #hex DER.
          absl::StrAppend(&rdn, "#", absl::BytesToHexString(value.tlv));
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return "";
  // RFC 4514 prints the last RDN first.
  std::reverse(rdns.begin(), rdns.end());
  return absl::StrJoin(rdns, ",");
}

absl::Status ParseValidity(const DerReader& parent, const DerElement& validity,
                           ParsedFields* out) {
  constexpr absl::string_view kWhat = "validity";
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(validity, kWhat));
  DerElement not_before, not_after;
  RETURN_IF_ERROR(reader.Read("validity.notBefore", &not_before));
  RETURN_IF_ERROR(reader.Read("validity.notAfter", &not_after));
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  ASSIGN_OR_RETURN(out->not_before,
                   internal::ParseTime(not_before.tag, not_before.contents,
                                       "validity.notBefore"));
  ASSIGN_OR_RETURN(out->not_after,
                   internal::ParseTime(not_after.tag, not_after.contents,
                                       "validity.notAfter"));
  return absl::OkStatus();
}

int BitLength(absl::string_view unsigned_big_endian) {
  while (!unsigned_big_endian.empty() && unsigned_big_endian[0] == 0) {
    unsigned_big_endian.remove_prefix(1);
  }
  if (unsigned_big_endian.empty()) return 0;
  int bits = static_cast<int>(unsigned_big_endian.size()) * 8;
  for (uint8_t top = static_cast<uint8_t>(unsigned_big_endian[0]);
       (top & 0x80) == 0; top <<= 1) {
    --bits;
  }
  return bits;
}

// SubjectPublicKeyInfo: the key's type and size. The key itself is decoded
// by OpenSSL only if the certificate is used as an issuer.
absl::Status ParseSpki(const DerReader& parent, const DerElement& spki,
                       ParsedFields* out) {
  constexpr absl::string_view kWhat = "subjectPublicKeyInfo";
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(spki, kWhat));
  ASSIGN_OR_RETURN(DerReader algorithm,
                   reader.ReadNested(internal::kDerSequence, kWhat));
  DerElement key_element;
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerBitString, kWhat, &key_element));
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  ASSIGN_OR_RETURN(internal::DerBitString key,
                   internal::ParseBitString(key_element.contents, kWhat));
  absl::string_view oid;
  DerElement params;
  bool has_params;
  RETURN_IF_ERROR(ReadAlgorithm(algorithm, kWhat, &oid, &params, &has_params));

  if (oid == kOidRsaEncryption || oid == kOidRsaPss) {
    if (key.unused_bits != 0) return DerError(kWhat, "RSA key not octets");
    DerElement rsa_key;
    RETURN_IF_ERROR(
        internal::ParseSingleElement(key.bytes, "RSAPublicKey", &rsa_key));
    if (rsa_key.tag != internal::kDerSequence) {
      return DerError("RSAPublicKey", "not a SEQUENCE");
    }
    ASSIGN_OR_RETURN(DerReader rsa, reader.Nested(rsa_key, "RSAPublicKey"));
    DerElement modulus, exponent;
    RETURN_IF_ERROR(rsa.ReadExpected(internal::kDerInteger,
                                     "RSAPublicKey.modulus", &modulus));
    RETURN_IF_ERROR(rsa.ReadExpected(internal::kDerInteger,
                                     "RSAPublicKey.publicExponent", &exponent));
    RETURN_IF_ERROR(rsa.ExpectEnd("RSAPublicKey"));
    RETURN_IF_ERROR(
        internal::ValidateInteger(modulus.contents, "RSAPublicKey.modulus"));
    RETURN_IF_ERROR(internal::ValidateInteger(exponent.contents,
                                              "RSAPublicKey.publicExponent"));
    if (static_cast<uint8_t>(modulus.contents[0]) & 0x80) {
      return DerError("RSAPublicKey.modulus", "negative");
    }
    out->key_type = KeyType::kRsa;
    out->key_bits = BitLength(modulus.contents);
  } else if (oid == kOidEcPublicKey) {
    if (!has_params || params.tag != internal::kDerOid) {
      return DerError(kWhat, "EC key without a named curve");
    }
    RETURN_IF_ERROR(internal::ValidateOid(params.contents, kWhat));
    if (key.unused_bits != 0 || key.bytes.empty()) {
      return DerError(kWhat, "malformed EC point");
    }
    if (params.contents == kOidP256) {
      out->key_type = KeyType::kEcP256;
      out->key_bits = 256;
    } else if (params.contents == kOidP384) {
      out->key_type = KeyType::kEcP384;
      out->key_bits = 384;
    } else if (params.contents == kOidP521) {
      out->key_type = KeyType::kEcP521;
      out->key_bits = 521;
    } else {
      out->key_type = KeyType::kEcOther;
      // Approximate from the point: 04 || X || Y, or 02/03 || X.
      const size_t coordinates = key.bytes.size() - 1;
      out->key_bits = static_cast<int>(
          (key.bytes[0] == 0x04 ? coordinates / 2 : coordinates) * 8);
    }
  } else if (oid == kOidEd25519) {
    if (has_params) return DerError(kWhat, "Ed25519 key with parameters");
    if (key.unused_bits != 0 || key.bytes.size() != 32) {
      return DerError(kWhat, "Ed25519 key not 32 bytes");
    }
    out->key_type = KeyType::kEd25519;
    out->key_bits = 256;  // As OpenSSL's EVP_PKEY_get_bits reports.
  }
  return absl::OkStatus();
}

// Reads the single element an extension's OCTET STRING must hold.
absl::StatusOr<DerReader> ExtensionValue(const DerReader& parent,
                                         absl::string_view value, uint8_t tag,
                                         absl::string_view what) {
  DerElement element;
  RETURN_IF_ERROR(internal::ParseSingleElement(value, what, &element));
  if (element.tag != tag) return DerError(what, "unexpected tag");
  return parent.Nested(element, what);
}

absl::Status ParseExtension(const DerReader& parent, absl::string_view oid,
                            bool critical, absl::string_view value,
                            absl::string_view der, ParsedFields* out) {
  if (oid == kOidBasicConstraints) {
    constexpr absl::string_view kWhat = "basicConstraints";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    DerElement element;
    bool present;
    RETURN_IF_ERROR(
        reader.ReadOptional(internal::kDerBoolean, kWhat, &element, &present));
    if (present) {
      ASSIGN_OR_RETURN(out->is_ca,
                       internal::ParseBoolean(element.contents, kWhat));
    }
    RETURN_IF_ERROR(
        reader.ReadOptional(internal::kDerInteger, kWhat, &element, &present));
    if (present) {
      ASSIGN_OR_RETURN(
          uint64_t path_len,
          internal::ParseUint64(element.contents, "basicConstraints.pathLen",
                                INT32_MAX));
      out->path_len_constraint = static_cast<int>(path_len);
    }
    RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
    out->has_basic_constraints = true;
    out->basic_constraints_critical = critical;
  } else if (oid == kOidKeyUsage) {
    constexpr absl::string_view kWhat = "keyUsage";
    DerElement element;
    RETURN_IF_ERROR(internal::ParseSingleElement(value, kWhat, &element));
    if (element.tag != internal::kDerBitString) {
      return DerError(kWhat, "not a BIT STRING");
    }
    ASSIGN_OR_RETURN(internal::DerBitString bits,
                     internal::ParseBitString(element.contents, kWhat));
    for (size_t i = 0; i < 9; ++i) {
      if (bits.bit(i)) out->key_usage |= static_cast<uint16_t>(1u << i);
    }
    out->has_key_usage = true;
  } else if (oid == kOidExtKeyUsage) {
    constexpr absl::string_view kWhat = "extKeyUsage";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    if (reader.empty()) return DerError(kWhat, "empty");
    while (!reader.empty()) {
      DerElement element;
      RETURN_IF_ERROR(reader.ReadExpected(internal::kDerOid, kWhat, &element));
      ASSIGN_OR_RETURN(std::string dotted,
                       internal::OidToString(element.contents));
      out->extended_key_usages.push_back(std::move(dotted));
    }
    out->has_extended_key_usage = true;
  } else if (oid == kOidSubjectKeyId) {
    constexpr absl::string_view kWhat = "subjectKeyIdentifier";
    DerElement element;
    RETURN_IF_ERROR(internal::ParseSingleElement(value, kWhat, &element));
    if (element.tag != internal::kDerOctetString) {
      return DerError(kWhat, "not an OCTET STRING");
    }
    out->subject_key_id = RangeOf(der, element.contents);
  } else if (oid == kOidAuthorityKeyId) {
    constexpr absl::string_view kWhat = "authorityKeyIdentifier";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    DerElement element;
    bool present;
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextPrimitive(0), kWhat,
                                        &element, &present));
    if (present) out->authority_key_id = RangeOf(der, element.contents);
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(1),
                                        kWhat, &element, &present));
    bool serial_present;
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextPrimitive(2), kWhat,
                                        &element, &serial_present));
    RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
    out->has_authority_key_id_extension = true;
    out->authority_key_id_critical = critical;
    out->authority_key_id_has_issuer_and_serial = present || serial_present;
  } else if (oid == kOidAuthorityInfoAccess) {
    // AuthorityInfoAccessSyntax: SEQUENCE SIZE (1..MAX) OF AccessDescription
    // (RFC 5280 §4.2.2.1). Not used, but a malformed one is malformed.
    constexpr absl::string_view kWhat = "authorityInfoAccess";
    ASSIGN_OR_RETURN(
        DerReader reader,
        ExtensionValue(parent, value, internal::kDerSequence, kWhat));
    if (reader.empty()) return DerError(kWhat, "empty");
    while (!reader.empty()) {
      ASSIGN_OR_RETURN(DerReader description,
                       reader.ReadNested(internal::kDerSequence, kWhat));
      DerElement element;
      RETURN_IF_ERROR(
          description.ReadExpected(internal::kDerOid, kWhat, &element));
      RETURN_IF_ERROR(internal::ValidateOid(element.contents, kWhat));
      RETURN_IF_ERROR(description.Read(kWhat, &element));
      if ((element.tag & 0xc0) != 0x80) {
        return DerError(kWhat, "accessLocation is not a GeneralName");
      }
      RETURN_IF_ERROR(description.ExpectEnd(kWhat));
    }
    // RFC 5280 §4.2.2.1: MUST be non-critical; chaintrust does not fetch.
    if (critical) {
      out->unhandled_critical_extensions.push_back("1.3.6.1.5.5.7.1.1");
    }
  } else if (oid == kOidNameConstraints) {
    // Checked by the chain verifier (engine/name_constraints.h).
    DerElement element;
    RETURN_IF_ERROR(
        internal::ParseSingleElement(value, "nameConstraints", &element));
    if (element.tag != internal::kDerSequence) {
      return DerError("nameConstraints", "not a SEQUENCE");
    }
    out->name_constraints = RangeOf(der, element.tlv);
  } else if (oid == kOidSubjectAltName) {
    // Interpreted only under a name constraint; must be one SEQUENCE.
    DerElement element;
    RETURN_IF_ERROR(
        internal::ParseSingleElement(value, "subjectAltName", &element));
    if (element.tag != internal::kDerSequence) {
      return DerError("subjectAltName", "not a SEQUENCE");
    }
    out->subject_alt_name = RangeOf(der, element.tlv);
  } else if (oid == kOidCertificatePolicies) {
    // Not used by chaintrust's decisions, and safe to ignore when critical:
    // nothing here is a constraint chaintrust would fail to enforce.
  } else if (critical) {
    ASSIGN_OR_RETURN(std::string dotted, internal::OidToString(oid));
    out->unhandled_critical_extensions.push_back(std::move(dotted));
  }
  return absl::OkStatus();
}

absl::Status ParseExtensions(const DerReader& parent,
                             const DerElement& explicit_extensions,
                             absl::string_view der, ParsedFields* out) {
  constexpr absl::string_view kWhat = "extensions";
  ASSIGN_OR_RETURN(DerReader outer, parent.Nested(explicit_extensions, kWhat));
  ASSIGN_OR_RETURN(DerReader extensions,
                   outer.ReadNested(internal::kDerSequence, kWhat));
  RETURN_IF_ERROR(outer.ExpectEnd(kWhat));
  if (extensions.empty()) return DerError(kWhat, "empty");
  absl::string_view seen[kMaxExtensions];
  size_t count = 0;
  while (!extensions.empty()) {
    if (count == kMaxExtensions) return DerError(kWhat, "more than 64");
    ASSIGN_OR_RETURN(DerReader extension,
                     extensions.ReadNested(internal::kDerSequence, kWhat));
    DerElement oid, element;
    RETURN_IF_ERROR(
        extension.ReadExpected(internal::kDerOid, "extension.extnID", &oid));
    RETURN_IF_ERROR(internal::ValidateOid(oid.contents, "extension.extnID"));
    for (size_t i = 0; i < count; ++i) {
      if (seen[i] == oid.contents) {
        return DerError(
            kWhat,
            absl::StrCat("duplicate extension ",
                         internal::OidToString(oid.contents).value_or("?")));
      }
    }
    seen[count++] = oid.contents;
    bool critical = false;
    bool present;
    // DER omits critical=FALSE; an explicit FALSE is accepted because
    // widely deployed CAs emit it.
    RETURN_IF_ERROR(extension.ReadOptional(
        internal::kDerBoolean, "extension.critical", &element, &present));
    if (present) {
      ASSIGN_OR_RETURN(critical, internal::ParseBoolean(element.contents,
                                                        "extension.critical"));
    }
    RETURN_IF_ERROR(extension.ReadExpected(internal::kDerOctetString,
                                           "extension.extnValue", &element));
    RETURN_IF_ERROR(extension.ExpectEnd("extension"));
    RETURN_IF_ERROR(ParseExtension(extension, oid.contents, critical,
                                   element.contents, der, out));
  }
  return absl::OkStatus();
}

absl::Status ParseTbs(const DerReader& parent, const DerElement& tbs,
                      absl::string_view der, DerElement* signature_algorithm,
                      ParsedFields* out) {
  constexpr absl::string_view kWhat = "tbsCertificate";
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(tbs, kWhat));
  DerElement element;
  bool present;
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(0),
                                      "version", &element, &present));
  if (present) {
    ASSIGN_OR_RETURN(DerReader version, reader.Nested(element, "version"));
    DerElement value;
    RETURN_IF_ERROR(
        version.ReadExpected(internal::kDerInteger, "version", &value));
    RETURN_IF_ERROR(version.ExpectEnd("version"));
    ASSIGN_OR_RETURN(uint64_t v,
                     internal::ParseUint64(value.contents, "version", 2));
    // DER omits DEFAULT values, so an explicit v1 is malformed.
    if (v == 0) return DerError("version", "explicit v1");
    out->version = static_cast<int>(v) + 1;
  }
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerInteger, "serialNumber", &element));
  RETURN_IF_ERROR(internal::ValidateInteger(element.contents, "serialNumber"));
  if (element.contents.size() > kMaxSerialSize) {
    return DerError("serialNumber", "longer than 32 octets");
  }
  out->serial = RangeOf(der, element.contents);
  RETURN_IF_ERROR(reader.ReadExpected(
      internal::kDerSequence, "tbsCertificate.signature", signature_algorithm));
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "issuer", &element));
  RETURN_IF_ERROR(ParseName(reader, element, "issuer", nullptr));
  out->issuer = RangeOf(der, element.tlv);
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "validity", &element));
  RETURN_IF_ERROR(ParseValidity(reader, element, out));
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "subject", &element));
  RETURN_IF_ERROR(
      ParseName(reader, element, "subject", &out->subject_common_name));
  out->subject = RangeOf(der, element.tlv);
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerSequence,
                                      "subjectPublicKeyInfo", &element));
  RETURN_IF_ERROR(ParseSpki(reader, element, out));
  out->spki = RangeOf(der, element.tlv);
  for (int n = 1; n <= 2; ++n) {
    const char* what = n == 1 ? "issuerUniqueID" : "subjectUniqueID";
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextPrimitive(n), what,
                                        &element, &present));
    if (!present) continue;
    if (out->version < 2) return DerError(what, "requires v2 or v3");
    RETURN_IF_ERROR(internal::ParseBitString(element.contents, what).status());
  }
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(3),
                                      "extensions", &element, &present));
  if (present) {
    if (out->version != 3) return DerError("extensions", "requires v3");
    RETURN_IF_ERROR(ParseExtensions(reader, element, der, out));
  }
  return reader.ExpectEnd(kWhat);
}

absl::Status ParseCertificate(absl::string_view der, ParsedFields* out) {
  constexpr absl::string_view kWhat = "certificate";
  if (der.size() > kMaxCertificateSize) {
    return DerError(kWhat, "larger than 64 KiB");
  }
  DerElement certificate;
  RETURN_IF_ERROR(internal::ParseSingleElement(der, kWhat, &certificate));
  if (certificate.tag != internal::kDerSequence) {
    return DerError(kWhat, "not a SEQUENCE");
  }
  ASSIGN_OR_RETURN(DerReader reader, DerReader(der).Nested(certificate, kWhat));
  DerElement tbs, algorithm, signature, tbs_algorithm;
  RETURN_IF_ERROR(
      reader.ReadExpected(internal::kDerSequence, "tbsCertificate", &tbs));
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerSequence,
                                      "signatureAlgorithm", &algorithm));
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerBitString, "signatureValue",
                                      &signature));
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  ASSIGN_OR_RETURN(
      internal::DerBitString signature_bits,
      internal::ParseBitString(signature.contents, "signatureValue"));
  if (signature_bits.unused_bits != 0) {
    return DerError("signatureValue", "not a whole number of octets");
  }
  RETURN_IF_ERROR(ParseTbs(reader, tbs, der, &tbs_algorithm, out));
  // RFC 5280 §4.1.1.2: the two must be identical; comparing bytes also
  // stops an attacker from pairing a signature with different parameters.
  if (tbs_algorithm.tlv != algorithm.tlv) {
    return DerError("signatureAlgorithm",
                    "differs from tbsCertificate.signature");
  }
  ASSIGN_OR_RETURN(out->signature_algorithm,
                   ParseSignatureAlgorithm(reader, algorithm));
  out->tbs = RangeOf(der, tbs.tlv);
  out->signature = RangeOf(der, signature_bits.bytes);
  const auto* bytes = reinterpret_cast<const unsigned char*>(der.data());
  // The low-level SHA-256 functions rather than SHA256(): in OpenSSL 3 the
  // latter fetches the implementation by name on every call (EVP_Q_digest),
  // about a third of the cost of hashing a device certificate.
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, bytes, der.size());
  SHA256_Final(out->sha256.data(), &sha);
  return absl::OkStatus();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

struct Certificate::Parsed : ParsedFields {
  absl::string_view View(absl::string_view der, Range range) const {
    return der.substr(range.begin, range.size);
  }
};

absl::StatusOr<std::shared_ptr<const Certificate>> Certificate::Create(
    absl::string_view der) {
  if (der.size() > kMaxCertificateSize) {
    return DerError("certificate", "larger than 64 KiB");
  }
  std::string owned(der);
  auto parsed = std::make_unique<Parsed>();
  RETURN_IF_ERROR(ParseCertificate(owned, parsed.get()));
  return std::shared_ptr<const Certificate>(
      new Certificate(std::move(owned), std::move(parsed)));
}

Certificate::Certificate(std::string der, std::unique_ptr<Parsed> parsed)
    : der_(std::move(der)), parsed_(std::move(parsed)) {}

Certificate::~Certificate() = default;

absl::string_view Certificate::tbs_der() const {
  return parsed_->View(der_, parsed_->tbs);
}
SignatureAlgorithm Certificate::signature_algorithm() const {
  return parsed_->signature_algorithm;
}
absl::string_view Certificate::signature() const {
  return parsed_->View(der_, parsed_->signature);
}
const Sha256Digest& Certificate::sha256() const { return parsed_->sha256; }
const Sha1Digest& Certificate::sha1() const {
  absl::call_once(sha1_once_, [this] {
    SHA1(reinterpret_cast<const unsigned char*>(der_.data()), der_.size(),
         sha1_.data());
  });
  return sha1_;
}
int Certificate::version() const { return parsed_->version; }
absl::string_view Certificate::serial_number() const {
  return parsed_->View(der_, parsed_->serial);
}
absl::string_view Certificate::subject_der() const {
  return parsed_->View(der_, parsed_->subject);
}
absl::string_view Certificate::issuer_der() const {
  return parsed_->View(der_, parsed_->issuer);
}
std::string Certificate::SubjectString() const {
  return NameToString(subject_der());
}
std::string Certificate::IssuerString() const {
  return NameToString(issuer_der());
}
const std::string& Certificate::subject_common_name() const {
  return parsed_->subject_common_name;
}
absl::Time Certificate::not_before() const { return parsed_->not_before; }
absl::Time Certificate::not_after() const { return parsed_->not_after; }
absl::string_view Certificate::spki_der() const {
  return parsed_->View(der_, parsed_->spki);
}
KeyType Certificate::key_type() const { return parsed_->key_type; }
int Certificate::key_bits() const { return parsed_->key_bits; }
bool Certificate::has_basic_constraints() const {
  return parsed_->has_basic_constraints;
}
bool Certificate::is_ca() const { return parsed_->is_ca; }
absl::optional<int> Certificate::path_len_constraint() const {
  return parsed_->path_len_constraint;
}
bool Certificate::has_key_usage() const { return parsed_->has_key_usage; }
uint16_t Certificate::key_usage() const { return parsed_->key_usage; }
bool Certificate::has_extended_key_usage() const {
  return parsed_->has_extended_key_usage;
}
const std::vector<std::string>& Certificate::extended_key_usages() const {
  return parsed_->extended_key_usages;
}
absl::string_view Certificate::subject_key_identifier() const {
  return parsed_->View(der_, parsed_->subject_key_id);
}
absl::string_view Certificate::authority_key_identifier() const {
  return parsed_->View(der_, parsed_->authority_key_id);
}
bool Certificate::basic_constraints_critical() const {
  return parsed_->basic_constraints_critical;
}
bool Certificate::has_authority_key_identifier_extension() const {
  return parsed_->has_authority_key_id_extension;
}
bool Certificate::authority_key_identifier_critical() const {
  return parsed_->authority_key_id_critical;
}
bool Certificate::authority_key_identifier_has_issuer_and_serial() const {
  return parsed_->authority_key_id_has_issuer_and_serial;
}
absl::string_view Certificate::subject_alt_name_der() const {
  return parsed_->View(der_, parsed_->subject_alt_name);
}
absl::string_view Certificate::name_constraints_der() const {
  return parsed_->View(der_, parsed_->name_constraints);
}
const std::vector<std::string>& Certificate::unhandled_critical_extensions()
    const {
  return parsed_->unhandled_critical_extensions;
}

const internal::VerificationKey* Certificate::verification_key() const {
  absl::call_once(key_once_, [this] {
    absl::StatusOr<std::unique_ptr<internal::VerificationKey>> key =
        internal::VerificationKey::Create(spki_der());
    if (key.ok()) key_ = std::move(key).value();
    CHAINTRUST_TSAN_RELEASE(&key_once_);
  });
  CHAINTRUST_TSAN_ACQUIRE(&key_once_);
  return key_.get();
}

bool VerifySignedBy(const Certificate& cert, const Certificate& issuer) {
  if (cert.signature_algorithm() == SignatureAlgorithm::kUnknown) return false;
  const internal::VerificationKey* key = issuer.verification_key();
  if (key == nullptr) return false;
  return key->Verify(cert.signature_algorithm(), cert.tbs_der(),
                     cert.signature());
}

std::string ToHex(absl::Span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
  return out;
}

absl::StatusOr<Sha256Digest> ParseSha256Thumbprint(absl::string_view hex) {
  hex = absl::StripAsciiWhitespace(hex);
  Sha256Digest digest{};
  size_t digits = 0;
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    if (c == ':' || c == ' ') {
      // Separators only between byte pairs, never doubled.
      if (digits % 2 != 0 || digits == 0 || i + 1 == hex.size() ||
          HexValue(hex[i + 1]) < 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "SHA-256 thumbprint: misplaced separator at position ", i));
      }
      continue;
    }
    const int value = HexValue(c);
    if (value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SHA-256 thumbprint: invalid character '",
          absl::CHexEscape(absl::string_view(&c, 1)), "' at position ", i));
    }
    if (digits >= 64) {
      return absl::InvalidArgumentError(
          "SHA-256 thumbprint: more than 64 hex digits");
    }
    digest[digits / 2] = static_cast<uint8_t>(
        digits % 2 == 0 ? value << 4 : digest[digits / 2] | value);
    ++digits;
  }
  if (digits != 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SHA-256 thumbprint: expected 64 hex digits, got ", digits));
  }
  return digest;
}

absl::string_view SignatureAlgorithmName(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::kUnknown:
      return "unknown";
    case SignatureAlgorithm::kRsaPkcs1Sha1:
      return "sha1WithRSAEncryption";
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      return "sha256WithRSAEncryption";
    case SignatureAlgorithm::kRsaPkcs1Sha384:
      return "sha384WithRSAEncryption";
    case SignatureAlgorithm::kRsaPkcs1Sha512:
      return "sha512WithRSAEncryption";
    case SignatureAlgorithm::kRsaPssSha256:
      return "rsassa-pss-SHA256";
    case SignatureAlgorithm::kRsaPssSha384:
      return "rsassa-pss-SHA384";
    case SignatureAlgorithm::kRsaPssSha512:
      return "rsassa-pss-SHA512";
    case SignatureAlgorithm::kEcdsaSha1:
      return "ecdsa-with-SHA1";
    case SignatureAlgorithm::kEcdsaSha256:
      return "ecdsa-with-SHA256";
    case SignatureAlgorithm::kEcdsaSha384:
      return "ecdsa-with-SHA384";
    case SignatureAlgorithm::kEcdsaSha512:
      return "ecdsa-with-SHA512";
    case SignatureAlgorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

}  // namespace chaintrust
