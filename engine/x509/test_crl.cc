#include "engine/x509/test_crl.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace chaintrust::internal {
namespace {

template <typename T>
T Check(T value, const char* what) {
  if (!value) {
    std::fprintf(stderr, "test_crl: %s failed\n", what);
    std::abort();
  }
  return value;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// TLV with a short or long definite length.
std::string Tlv(int tag, const std::string& contents) {
  std::string out(1, static_cast<char>(tag));
  const size_t n = contents.size();
  if (n < 128) {
    out.push_back(static_cast<char>(n));
  } else if (n < 256) {
    out += Bytes({0x81, static_cast<int>(n)});
  } else {
    out += Bytes({0x82, static_cast<int>(n >> 8), static_cast<int>(n & 0xff)});
  }
  return out + contents;
}

void AddRawExtension(X509_CRL* crl, const char* oid, bool critical,
                     const std::string& value) {
  ASN1_OBJECT* obj = Check(OBJ_txt2obj(oid, 1), oid);
  ASN1_OCTET_STRING* octets = Check(ASN1_OCTET_STRING_new(), "OCTET STRING");
  Check(ASN1_OCTET_STRING_set(
            octets, reinterpret_cast<const unsigned char*>(value.data()),
            static_cast<int>(value.size())),
        "ASN1_OCTET_STRING_set");
  X509_EXTENSION* ext = Check(
      X509_EXTENSION_create_by_OBJ(nullptr, obj, critical ? 1 : 0, octets),
      "extension");
  Check(X509_CRL_add_ext(crl, ext, -1), "X509_CRL_add_ext");
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(octets);
  ASN1_OBJECT_free(obj);
}

ASN1_TIME* Time(absl::Time t) {
  return Check(ASN1_TIME_set(nullptr, absl::ToTimeT(t)), "ASN1_TIME_set");
}

std::string IdpValue(const TestCrlOptions& o) {
  std::string fields;
  if (o.idp_distribution_point) {
    fields += Tlv(0xa0, Tlv(0xa0, Tlv(0x86, "http://crl.example/ca.crl")));
  }
  if (o.idp_only_user_certs) fields += Bytes({0x81, 0x01, 0xff});
  if (o.idp_only_ca_certs) fields += Bytes({0x82, 0x01, 0xff});
  if (o.idp_indirect) fields += Bytes({0x84, 0x01, 0xff});
  return Tlv(0x30, fields);
}

void AddExtensions(const TestCrlOptions& o, X509* issuer, X509_CRL* crl) {
  if (o.crl_number) {
    AddRawExtension(crl, "2.5.29.20", o.crl_number_critical,
                    Tlv(0x02, SerialContents(o.number)));
  }
  if (o.authority_key_identifier) {
    const ASN1_OCTET_STRING* skid = X509_get0_subject_key_id(issuer);
    if (skid != nullptr) {
      const std::string id(reinterpret_cast<const char*>(skid->data),
                           skid->length);
      AddRawExtension(crl, "2.5.29.35", false, Tlv(0x30, Tlv(0x80, id)));
    }
  }
  if (o.idp_only_user_certs || o.idp_only_ca_certs ||
      o.idp_distribution_point || o.idp_indirect) {
    AddRawExtension(crl, "2.5.29.28", true, IdpValue(o));
  }
  if (o.delta_crl_indicator) {
    AddRawExtension(crl, "2.5.29.27", true, Bytes({0x02, 0x01, 0x01}));
  }
  for (const std::string& oid : o.unknown_critical_extensions) {
    AddRawExtension(crl, oid.c_str(), true, Bytes({0x05, 0x00}));
  }
}

}  // namespace

std::string SerialContents(uint64_t serial) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>(serial & 0xff));
    serial >>= 8;
  } while (serial != 0);
  if (static_cast<uint8_t>(out[0]) & 0x80) out.insert(out.begin(), '\0');
  return out;
}

std::string MintCrl(const TestCrlOptions& o, const TestCert& issuer) {
  const unsigned char* p =
      reinterpret_cast<const unsigned char*>(issuer.der.data());
  std::unique_ptr<X509, decltype(&X509_free)> issuer_x509(
      Check(d2i_X509(nullptr, &p, static_cast<long>(issuer.der.size())),
            "d2i_X509"),
      X509_free);
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(
      Check(X509_CRL_new(), "X509_CRL_new"), X509_CRL_free);
  if (!o.v1) Check(X509_CRL_set_version(crl.get(), 1), "set_version");
  Check(X509_CRL_set_issuer_name(crl.get(),
                                 X509_get_subject_name(issuer_x509.get())),
        "set_issuer_name");
  ASN1_TIME* this_update = Time(o.this_update);
  Check(X509_CRL_set1_lastUpdate(crl.get(), this_update), "lastUpdate");
  ASN1_TIME_free(this_update);
  if (o.has_next_update) {
    ASN1_TIME* next_update = Time(o.next_update);
    Check(X509_CRL_set1_nextUpdate(crl.get(), next_update), "nextUpdate");
    ASN1_TIME_free(next_update);
  }
  ASN1_TIME* revoked_at = Time(o.revocation_date);
  for (uint64_t serial : o.revoked_serials) {
    X509_REVOKED* r = Check(X509_REVOKED_new(), "X509_REVOKED_new");
    ASN1_INTEGER* n = Check(ASN1_INTEGER_new(), "ASN1_INTEGER_new");
    Check(ASN1_INTEGER_set_uint64(n, serial), "ASN1_INTEGER_set_uint64");
    Check(X509_REVOKED_set_serialNumber(r, n), "set_serialNumber");
    ASN1_INTEGER_free(n);
    Check(X509_REVOKED_set_revocationDate(r, revoked_at), "revocationDate");
    Check(X509_CRL_add0_revoked(crl.get(), r), "add0_revoked");
  }
  ASN1_TIME_free(revoked_at);
  if (!o.v1) AddExtensions(o, issuer_x509.get(), crl.get());
  const TestKey& key = o.signing_key != nullptr ? *o.signing_key : issuer.key;
  const EVP_MD* md = nullptr;
  if (key.type() != TestKeyType::kEd25519) {
    md = Check(EVP_get_digestbyname(o.signature_digest.c_str()),
               "EVP_get_digestbyname");
  }
  Check(X509_CRL_sign(crl.get(), key.get(), md), "X509_CRL_sign");
  unsigned char* out = nullptr;
  const int len = i2d_X509_CRL(crl.get(), &out);
  Check(len > 0, "i2d_X509_CRL");
  std::string der(reinterpret_cast<char*>(out), len);
  OPENSSL_free(out);
  return der;
}

std::string CrlPem(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(
      Check(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())),
            "d2i_X509_CRL"),
      X509_CRL_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      Check(BIO_new(BIO_s_mem()), "BIO_new"), BIO_free);
  Check(PEM_write_bio_X509_CRL(bio.get(), crl.get()), "PEM_write");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, n);
}

}  // namespace chaintrust::internal
