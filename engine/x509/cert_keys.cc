// subjectPublicKeyInfo: the key type and size of a certificate.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/internal/status_macros.h"
#include "engine/x509/certificate_parse.h"

namespace chaintrust::x509_parse {
namespace {

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

}  // namespace

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

}  // namespace chaintrust::x509_parse
