#include "engine/x509/test_names.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "engine/internal/utf8.h"

namespace chaintrust::internal {
namespace {

template <typename T>
T* Check(T* ptr, const char* what) {
  if (ptr == nullptr) {
    std::fprintf(stderr, "test_names: %s failed\n", what);
    std::abort();
  }
  return ptr;
}

void Check(int ok, const char* what) {
  if (ok <= 0) {
    std::fprintf(stderr, "test_names: %s failed\n", what);
    std::abort();
  }
}

std::string Tlv(uint8_t tag, const std::string& contents) {
  std::string out(1, static_cast<char>(tag));
  const size_t n = contents.size();
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
  } else if (n < 0x100) {
    out.push_back(static_cast<char>(0x81));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(0x82));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  }
  return out + contents;
}

std::string OidDer(const std::string& dotted) {
  ASN1_OBJECT* obj = Check(OBJ_txt2obj(dotted.c_str(), 1), dotted.c_str());
  unsigned char* out = nullptr;
  const int len = i2d_ASN1_OBJECT(obj, &out);
  Check(len, "i2d_ASN1_OBJECT");
  std::string der(reinterpret_cast<char*>(out), len);
  OPENSSL_free(out);
  ASN1_OBJECT_free(obj);
  return der;
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct NameFree {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};

std::unique_ptr<X509_NAME, NameFree> ParseName(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return std::unique_ptr<X509_NAME, NameFree>(
      Check(d2i_X509_NAME(nullptr, &p, der.size()), "d2i_X509_NAME"));
}

}  // namespace

TestAttribute Cn(const std::string& value, uint8_t tag) {
  return {"2.5.4.3", tag, value};
}
TestAttribute O(const std::string& value, uint8_t tag) {
  return {"2.5.4.10", tag, value};
}
TestAttribute Ou(const std::string& value, uint8_t tag) {
  return {"2.5.4.11", tag, value};
}
TestAttribute C(const std::string& value, uint8_t tag) {
  return {"2.5.4.6", tag, value};
}

std::string ToBmp(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    uint32_t c = static_cast<uint8_t>(utf8[i]);
    size_t n = 1;
    if (c >= 0x80) {
      n = Utf8SequenceLength(utf8, i);
      Check(n == 2 || n == 3 ? 1 : 0, "ToBmp: a BMP character");
      c &= 0x7f >> n;
      for (size_t k = 1; k < n; ++k) c = (c << 6) | (utf8[i + k] & 0x3f);
    }
    out.push_back(static_cast<char>(c >> 8));
    out.push_back(static_cast<char>(c & 0xff));
    i += n;
  }
  return out;
}

std::string TestName(const std::vector<TestRdn>& rdns) {
  std::string body;
  for (const TestRdn& rdn : rdns) {
    std::string set;
    for (const TestAttribute& a : rdn) {
      set += Tlv(0x30, OidDer(a.oid) + Tlv(a.tag, a.value));
    }
    body += Tlv(0x31, set);
  }
  return Tlv(0x30, body);
}

TestCert WithNames(const TestCert& cert,
                   const absl::optional<std::string>& subject,
                   const absl::optional<std::string>& issuer,
                   const TestKey& signer) {
  const auto* p = reinterpret_cast<const unsigned char*>(cert.der.data());
  std::unique_ptr<X509, X509Free> x509(
      Check(d2i_X509(nullptr, &p, cert.der.size()), "d2i_X509"));
  // A Name read from DER keeps its bytes when it is encoded again, so the
  // hand-made order and string types survive into the signed certificate.
  if (subject.has_value()) {
    Check(X509_set_subject_name(x509.get(), ParseName(*subject).get()),
          "X509_set_subject_name");
  }
  if (issuer.has_value()) {
    Check(X509_set_issuer_name(x509.get(), ParseName(*issuer).get()),
          "X509_set_issuer_name");
  }
  const EVP_MD* md =
      EVP_PKEY_id(signer.get()) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  Check(X509_sign(x509.get(), signer.get(), md), "X509_sign");
  unsigned char* out = nullptr;
  const int len = i2d_X509(x509.get(), &out);
  Check(len, "i2d_X509");
  TestCert result = cert;
  result.der.assign(reinterpret_cast<char*>(out), len);
  OPENSSL_free(out);
  return result;
}

}  // namespace chaintrust::internal
