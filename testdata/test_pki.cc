#include "testdata/test_pki.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/internal/json.h"

namespace chaintrust {
namespace testdata {
namespace {

// A private enterprise arc no real extension uses.
constexpr char kUnknownExtensionOid[] = "1.3.6.1.4.1.55555.7.1";

[[noreturn]] void Die(absl::string_view what) {
  std::fprintf(stderr, "test_pki: %.*s\n", static_cast<int>(what.size()),
               what.data());
  ERR_print_errors_fp(stderr);
  std::abort();
}

void Check(bool ok, absl::string_view what) {
  if (!ok) Die(what);
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

// ---- Deterministic RAND_METHOD: SHA-256(state | counter) blocks. ----

struct StreamState {
  std::string seed;
  std::string state;  // 32 bytes
  uint64_t counter = 0;
};

StreamState& Stream() {
  static StreamState* stream = new StreamState;
  return *stream;
}

int StreamBytes(unsigned char* out, int size) {
  StreamState& s = Stream();
  while (size > 0) {
    std::string block = s.state;
    for (int i = 0; i < 8; ++i) {
      block.push_back(static_cast<char>((s.counter >> (8 * i)) & 0xff));
    }
    ++s.counter;
    const std::string digest = Sha256(block);
    const int n = size < 32 ? size : 32;
    std::memcpy(out, digest.data(), n);
    out += n;
    size -= n;
  }
  return 1;
}

int StreamStatus() { return 1; }

// OpenSSL 3.0's RAND_bytes_ex/RAND_priv_bytes_ex call a non-default
// RAND_METHOD before touching any DRBG, and key generation, ECDSA nonces and
// RSA blinding in the default provider all draw through them.
const RAND_METHOD kDeterministicMethod = {
    /*seed=*/nullptr,           /*bytes=*/StreamBytes,
    /*cleanup=*/nullptr,        /*add=*/nullptr,
    /*pseudorand=*/StreamBytes, /*status=*/StreamStatus,
};

std::string Label(absl::string_view label) {
  return absl::StrCat(Stream().seed, "|", label);
}

void AddExtension(X509* cert, int nid, void* value, bool critical) {
  Check(X509_add1_ext_i2d(cert, nid, value, critical ? 1 : 0,
                          X509V3_ADD_DEFAULT) == 1,
        absl::StrCat("adding extension ", OBJ_nid2sn(nid)));
}

void AddConfExtension(X509* cert, int nid, const std::string& value) {
  X509_EXTENSION* ext =
      X509V3_EXT_conf_nid(nullptr, nullptr, nid, value.c_str());
  Check(ext != nullptr, absl::StrCat("extension ", value));
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

void AddUnknownExtension(X509* cert, bool critical) {
  ASN1_OBJECT* oid = OBJ_txt2obj(kUnknownExtensionOid, /*no_name=*/1);
  // extnValue: DER UTF8String "chaintrust-test".
  const std::string inner = std::string("\x0c\x0f", 2) + "chaintrust-test";
  ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(value,
                        reinterpret_cast<const unsigned char*>(inner.data()),
                        inner.size());
  X509_EXTENSION* ext =
      X509_EXTENSION_create_by_OBJ(nullptr, oid, critical ? 1 : 0, value);
  Check(ext != nullptr, "unknown extension");
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(value);
  ASN1_OBJECT_free(oid);
}

X509_NAME* MakeName(const CertSpec& spec) {
  X509_NAME* name = X509_NAME_new();
  const auto add = [name](int nid, int type, const std::string& value) {
    Check(X509_NAME_add_entry_by_NID(
              name, nid, type,
              reinterpret_cast<const unsigned char*>(value.data()),
              static_cast<int>(value.size()), -1, 0) == 1,
          "name entry");
  };
  add(NID_countryName, V_ASN1_PRINTABLESTRING, "US");
  add(NID_organizationName, V_ASN1_UTF8STRING, spec.organization);
  // A plain type (not MBSTRING_*) bypasses OpenSSL's ub-common-name check.
  if (spec.has_common_name) {
    add(NID_commonName, V_ASN1_UTF8STRING, spec.common_name);
  }
  return name;
}

std::string Sha1OfPublicKey(X509* cert) {
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(cert);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(bits->data, bits->length, digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

ASN1_OCTET_STRING* OctetString(const std::string& bytes) {
  ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(s, reinterpret_cast<const unsigned char*>(bytes.data()),
                        bytes.size());
  return s;
}

std::string UrlEncode(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

}  // namespace

void InstallDeterministicRandom(absl::string_view seed) {
  Stream().seed = std::string(seed);
  ReseedDeterministicRandom("initial");
  Check(RAND_set_rand_method(&kDeterministicMethod) == 1,
        "RAND_set_rand_method");
}

void ReseedDeterministicRandom(absl::string_view label) {
  Stream().state = Sha256(Label(label));
  Stream().counter = 0;
}

std::string DeterministicBytes(absl::string_view label, size_t size) {
  std::string out;
  for (int block = 0; out.size() < size; ++block) {
    out += Sha256(absl::StrCat(Label(label), "|", block));
  }
  out.resize(size);
  return out;
}

KeyPtr GenerateKey(KeyType type, absl::string_view label) {
  ReseedDeterministicRandom(absl::StrCat("key|", label));
  EVP_PKEY* key =
      type == KeyType::kEcdsaP256 ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
  Check(key != nullptr, absl::StrCat("key generation for ", label));
  return KeyPtr(key);
}

std::unique_ptr<Credential> MintCertificate(
    absl::string_view name, const CertSpec& spec, KeyType key_type,
    EVP_PKEY* subject_key, const Credential* issuer, EVP_PKEY* issuer_key,
    EVP_PKEY* signer) {
  X509Ptr cert(X509_new());
  X509* x = cert.get();
  Check(X509_set_version(x, X509_VERSION_3) == 1, "version");
  Check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), spec.serial) == 1,
        "serial");
  X509_NAME* subject = MakeName(spec);
  Check(X509_set_subject_name(x, subject) == 1, "subject");
  Check(X509_set_issuer_name(
            x, issuer == nullptr
                   ? subject
                   : X509_get_subject_name(issuer->cert.get())) == 1,
        "issuer");
  X509_NAME_free(subject);
  Check(ASN1_TIME_set(X509_getm_notBefore(x), absl::ToTimeT(spec.not_before)) !=
            nullptr,
        "notBefore");
  Check(ASN1_TIME_set(X509_getm_notAfter(x), absl::ToTimeT(spec.not_after)) !=
            nullptr,
        "notAfter");
  Check(X509_set_pubkey(x, subject_key) == 1, "pubkey");

  if (spec.basic_constraints) {
    std::string bc = spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
    if (spec.is_ca && spec.path_len >= 0) {
      absl::StrAppend(&bc, ",pathlen:", spec.path_len);
    }
    AddConfExtension(x, NID_basic_constraints, bc);
  }
  if (spec.key_usage) {
    std::string ku;
    if (spec.is_ca) {
      ku = spec.key_cert_sign ? "critical,digitalSignature,keyCertSign,cRLSign"
                              : "critical,digitalSignature";
    } else {
      ku = key_type == KeyType::kRsa2048
               ? "critical,digitalSignature,keyEncipherment"
               : "critical,digitalSignature";
    }
    AddConfExtension(x, NID_key_usage, ku);
  }
  if (!spec.is_ca) AddConfExtension(x, NID_ext_key_usage, "clientAuth");

  // SKID: SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2, method 1).
  const std::string skid = Sha1OfPublicKey(x);
  ASN1_OCTET_STRING* skid_value = OctetString(skid);
  AddExtension(x, NID_subject_key_identifier, skid_value, false);
  ASN1_OCTET_STRING_free(skid_value);

  // AKID: the issuer's SKID (its own for self-signed certificates).
  std::string akid = skid;
  if (issuer != nullptr) {
    const ASN1_OCTET_STRING* issuer_skid =
        X509_get0_subject_key_id(issuer->cert.get());
    Check(issuer_skid != nullptr, "issuer without SKID");
    akid.assign(reinterpret_cast<const char*>(issuer_skid->data),
                issuer_skid->length);
  }
  AUTHORITY_KEYID* akid_value = AUTHORITY_KEYID_new();
  akid_value->keyid = OctetString(akid);
  AddExtension(x, NID_authority_key_identifier, akid_value, false);
  AUTHORITY_KEYID_free(akid_value);

  switch (spec.extra_extension) {
    case CertSpec::Extra::kNone:
      break;
    case CertSpec::Extra::kUnknownCritical:
      AddUnknownExtension(x, /*critical=*/true);
      break;
    case CertSpec::Extra::kUnknownNonCritical:
      AddUnknownExtension(x, /*critical=*/false);
      break;
  }

  EVP_PKEY* signing_key = signer != nullptr
                              ? signer
                              : (issuer == nullptr ? subject_key : issuer_key);
  ReseedDeterministicRandom(absl::StrCat("sign|", name));
  Check(X509_sign(x, signing_key, EVP_sha256()) > 0,
        absl::StrCat("signing ", name));

  auto credential = std::make_unique<Credential>();
  credential->name = std::string(name);
  credential->key_type = key_type;
  unsigned char* der = nullptr;
  const int der_length = i2d_X509(x, &der);
  Check(der_length > 0, "i2d_X509");
  credential->der.assign(reinterpret_cast<char*>(der), der_length);
  OPENSSL_free(der);
  credential->pem = PemWrap(credential->der);
  const std::string digest = Sha256(credential->der);
  for (unsigned char c : digest) {
    absl::StrAppendFormat(&credential->sha256_hex, "%02X", c);
  }
  credential->cert = std::move(cert);
  return credential;
}

std::string PemWrap(absl::string_view der) {
  const std::string b64 = Base64(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&pem, b64.substr(i, 64), "\n");
  }
  absl::StrAppend(&pem, "-----END CERTIFICATE-----\n");
  return pem;
}

std::string Base64(absl::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]),
                      reinterpret_cast<const unsigned char*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  out.resize(n);
  return out;
}

std::string HmacSha256(absl::string_view key, absl::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  Check(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(message.data()),
             message.size(), mac, &mac_length) != nullptr,
        "HMAC");
  return std::string(reinterpret_cast<char*>(mac), mac_length);
}

std::string MakeSasToken(absl::string_view id_scope,
                         absl::string_view registration_id,
                         absl::string_view key, absl::Time expiry) {
  const std::string resource =
      UrlEncode(absl::StrCat(id_scope, "/registrations/", registration_id));
  const std::string expiry_text = absl::StrCat(absl::ToUnixSeconds(expiry));
  const std::string signature =
      Base64(HmacSha256(key, absl::StrCat(resource, "\n", expiry_text)));
  return absl::StrCat("SharedAccessSignature sr=", resource,
                      "&sig=", UrlEncode(signature), "&se=", expiry_text,
                      "&skn=registration");
}

// ---- Json ----

Json Json::Object() { return Json(); }

Json Json::Array() {
  Json j;
  j.kind_ = Kind::kArray;
  return j;
}

Json Json::Str(absl::string_view value) {
  Json j;
  j.kind_ = Kind::kString;
  j.string_ = std::string(value);
  return j;
}

Json Json::Bool(bool value) {
  Json j;
  j.kind_ = Kind::kBool;
  j.bool_ = value;
  return j;
}

Json Json::Int(int64_t value) {
  Json j;
  j.kind_ = Kind::kInt;
  j.int_ = value;
  return j;
}

Json& Json::Set(absl::string_view key, Json value) {
  if (kind_ != Kind::kObject) Die("Json::Set on a non-object");
  members_.emplace_back(std::string(key), std::move(value));
  return *this;
}

Json& Json::Push(Json value) {
  if (kind_ != Kind::kArray) Die("Json::Push on a non-array");
  elements_.push_back(std::move(value));
  return *this;
}

std::string Json::Dump() const {
  std::string out;
  DumpTo(&out, 0);
  out.push_back('\n');
  return out;
}

void Json::DumpTo(std::string* out, int indent) const {
  const std::string pad(indent + 2, ' ');
  switch (kind_) {
    case Kind::kString:
      internal::AppendJsonString(out, string_);
      return;
    case Kind::kBool:
      out->append(bool_ ? "true" : "false");
      return;
    case Kind::kInt:
      absl::StrAppend(out, int_);
      return;
    case Kind::kObject:
      if (members_.empty()) {
        out->append("{}");
        return;
      }
      out->append("{\n");
      for (size_t i = 0; i < members_.size(); ++i) {
        out->append(pad);
        internal::AppendJsonString(out, members_[i].first);
        out->append(": ");
        members_[i].second.DumpTo(out, indent + 2);
        out->append(i + 1 < members_.size() ? ",\n" : "\n");
      }
      out->append(std::string(indent, ' ')).append("}");
      return;
    case Kind::kArray:
      if (elements_.empty()) {
        out->append("[]");
        return;
      }
      if (std::none_of(elements_.begin(), elements_.end(), [](const Json& e) {
            return e.kind_ == Kind::kObject || e.kind_ == Kind::kArray;
          })) {
        // Scalars on one line: [1, 2, 3].
        out->append("[");
        for (size_t i = 0; i < elements_.size(); ++i) {
          if (i > 0) out->append(", ");
          elements_[i].DumpTo(out, indent);
        }
        out->append("]");
        return;
      }
      out->append("[\n");
      for (size_t i = 0; i < elements_.size(); ++i) {
        out->append(pad);
        elements_[i].DumpTo(out, indent + 2);
        out->append(i + 1 < elements_.size() ? ",\n" : "\n");
      }
      out->append(std::string(indent, ' ')).append("]");
      return;
  }
}

}  // namespace testdata
}  // namespace chaintrust
