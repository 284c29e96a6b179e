#include "engine/x509/verification_key.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <utility>

#include "absl/memory/memory.h"
#include "engine/internal/openssl_util.h"

namespace chaintrust {
namespace internal {
namespace {

enum class Family { kNone, kRsaPkcs1, kRsaPss, kEcdsa, kEd25519 };
enum Digest { kSha1, kSha256, kSha384, kSha512, kNoDigest, kDigestCount };

struct AlgorithmInfo {
  Family family;
  Digest digest;
};

AlgorithmInfo Describe(SignatureAlgorithm algorithm) {
  switch (algorithm) {
    case SignatureAlgorithm::kRsaPkcs1Sha1:
      return {Family::kRsaPkcs1, kSha1};
    case SignatureAlgorithm::kRsaPkcs1Sha256:
      return {Family::kRsaPkcs1, kSha256};
    case SignatureAlgorithm::kRsaPkcs1Sha384:
      return {Family::kRsaPkcs1, kSha384};
    case SignatureAlgorithm::kRsaPkcs1Sha512:
      return {Family::kRsaPkcs1, kSha512};
    case SignatureAlgorithm::kRsaPssSha256:
      return {Family::kRsaPss, kSha256};
    case SignatureAlgorithm::kRsaPssSha384:
      return {Family::kRsaPss, kSha384};
    case SignatureAlgorithm::kRsaPssSha512:
      return {Family::kRsaPss, kSha512};
    case SignatureAlgorithm::kEcdsaSha1:
      return {Family::kEcdsa, kSha1};
    case SignatureAlgorithm::kEcdsaSha256:
      return {Family::kEcdsa, kSha256};
    case SignatureAlgorithm::kEcdsaSha384:
      return {Family::kEcdsa, kSha384};
    case SignatureAlgorithm::kEcdsaSha512:
      return {Family::kEcdsa, kSha512};
    case SignatureAlgorithm::kEd25519:
      return {Family::kEd25519, kNoDigest};
    case SignatureAlgorithm::kUnknown:
      break;
  }
  return {Family::kNone, kNoDigest};
}

// Digests fetched once per process: passing EVP_sha256() and friends makes
// OpenSSL 3 look the implementation up again on every verification.
const EVP_MD* FetchedDigest(Digest digest) {
  static const EVP_MD* const* const kDigests = [] {
    static const EVP_MD* digests[kDigestCount] = {};
    digests[kSha1] = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    digests[kSha256] = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    digests[kSha384] = EVP_MD_fetch(nullptr, "SHA384", nullptr);
    digests[kSha512] = EVP_MD_fetch(nullptr, "SHA512", nullptr);
    ClearOpenSslErrors();
    return digests;
  }();
  return kDigests[digest];
}

KeyType KeyTypeOf(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS:
      return KeyType::kRsa;
    case EVP_PKEY_ED25519:
      return KeyType::kEd25519;
    case EVP_PKEY_EC: {
      char group[64];
      size_t length = 0;
      if (!EVP_PKEY_get_utf8_string_param(pkey, "group", group, sizeof(group),
                                          &length)) {
        ClearOpenSslErrors();
        return KeyType::kEcOther;
      }
      const absl::string_view name(group, length);
      if (name == "prime256v1" || name == "P-256") return KeyType::kEcP256;
      if (name == "secp384r1" || name == "P-384") return KeyType::kEcP384;
      if (name == "secp521r1" || name == "P-521") return KeyType::kEcP521;
      return KeyType::kEcOther;
    }
    default:
      return KeyType::kUnknown;
  }
}

bool FamilyFitsKey(Family family, int base_id) {
  switch (family) {
    case Family::kRsaPkcs1:
      return base_id == EVP_PKEY_RSA;
    case Family::kRsaPss:
      return base_id == EVP_PKEY_RSA || base_id == EVP_PKEY_RSA_PSS;
    case Family::kEcdsa:
      return base_id == EVP_PKEY_EC;
    case Family::kEd25519:
      return base_id == EVP_PKEY_ED25519;
    case Family::kNone:
      break;
  }
  return false;
}

}  // namespace

struct VerificationKey::Impl {
  EvpPkeyPtr pkey;
  int base_id;
};

VerificationKey::VerificationKey(std::unique_ptr<Impl> impl, KeyType key_type)
    : impl_(std::move(impl)), key_type_(key_type) {}

VerificationKey::~VerificationKey() = default;

absl::StatusOr<std::unique_ptr<VerificationKey>> VerificationKey::Create(
    absl::string_view spki_der) {
  const unsigned char* p =
      reinterpret_cast<const unsigned char*>(spki_der.data());
  EvpPkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (pkey == nullptr) {
    return OpenSslErrorToStatus("cannot decode the public key",
                                absl::StatusCode::kInvalidArgument);
  }
  if (p != reinterpret_cast<const unsigned char*>(spki_der.data()) +
               spki_der.size()) {
    return absl::InvalidArgumentError(
        "cannot decode the public key: trailing data");
  }
  auto impl = absl::make_unique<Impl>();
  impl->base_id = EVP_PKEY_get_base_id(pkey.get());
  const KeyType key_type = KeyTypeOf(pkey.get());
  impl->pkey = std::move(pkey);
  return absl::WrapUnique(new VerificationKey(std::move(impl), key_type));
}

bool VerificationKey::PrepareContext(SignatureAlgorithm algorithm,
                                     EVP_MD_CTX* ctx) const {
  const AlgorithmInfo info = Describe(algorithm);
  if (!FamilyFitsKey(info.family, impl_->base_id)) return false;
  const EVP_MD* md = nullptr;
  if (info.digest != kNoDigest) {
    md = FetchedDigest(info.digest);
    if (md == nullptr) return false;  // e.g. SHA-1 disabled by policy.
  }
  EVP_PKEY_CTX* pctx = nullptr;  // Owned by ctx.
  bool ok =
      EVP_DigestVerifyInit(ctx, &pctx, md, nullptr, impl_->pkey.get()) == 1;
  if (ok && info.family == Family::kRsaPss) {
    // chaintrust accepts PSS only with MGF1 over the message digest and a
    // salt as long as the digest (the parser maps anything else to
    // kUnknown), so these parameters are fully determined by `algorithm`.
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
  } else if (ok && info.family == Family::kRsaPkcs1) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  if (!ok) ClearOpenSslErrors();
  return ok;
}

namespace {

// EVP_DigestVerify on a prepared context. EVP_MD_CTX_FLAG_FINALISE: the
// context is used once, so OpenSSL need not duplicate it to finalize.
bool DigestVerify(EVP_MD_CTX* ctx, absl::string_view signed_data,
                  absl::string_view signature) {
  EVP_MD_CTX_set_flags(ctx, EVP_MD_CTX_FLAG_FINALISE);
  const bool ok =
      EVP_DigestVerify(
          ctx, reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(),
          reinterpret_cast<const unsigned char*>(signed_data.data()),
          signed_data.size()) == 1;
  // A failed verification queues errors; they are an answer here, not a
  // fault, and must not leak into a later, unrelated error report.
  if (!ok) ClearOpenSslErrors();
  return ok;
}

}  // namespace

bool VerificationKey::Verify(SignatureAlgorithm algorithm,
                             absl::string_view signed_data,
                             absl::string_view signature) const {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) {
    ClearOpenSslErrors();
    return false;
  }
  if (!PrepareContext(algorithm, ctx.get())) return false;
  return DigestVerify(ctx.get(), signed_data, signature);
}

}  // namespace internal
}  // namespace chaintrust

namespace chaintrust {

struct SignatureVerifier::Impl {
  internal::EvpMdCtxPtr prepared;  // EVP_DigestVerifyInit done; never used
  internal::EvpMdCtxPtr scratch;   // a copy of `prepared` per verification
  SignatureAlgorithm algorithm;
};

SignatureVerifier::SignatureVerifier(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}

SignatureVerifier::~SignatureVerifier() = default;

std::unique_ptr<SignatureVerifier> SignatureVerifier::Create(
    const Certificate& issuer, SignatureAlgorithm algorithm) {
  if (algorithm == SignatureAlgorithm::kUnknown) return nullptr;
  const internal::VerificationKey* key = issuer.verification_key();
  if (key == nullptr) return nullptr;
  auto impl = absl::make_unique<Impl>();
  impl->prepared.reset(EVP_MD_CTX_new());
  impl->scratch.reset(EVP_MD_CTX_new());
  impl->algorithm = algorithm;
  if (impl->prepared == nullptr || impl->scratch == nullptr ||
      !key->PrepareContext(algorithm, impl->prepared.get()) ||
      // Not every OpenSSL algorithm can copy a prepared context; those
      // keep using VerifySignedBy.
      EVP_MD_CTX_copy_ex(impl->scratch.get(), impl->prepared.get()) != 1) {
    internal::ClearOpenSslErrors();
    return nullptr;
  }
  return absl::WrapUnique(new SignatureVerifier(std::move(impl)));
}

bool SignatureVerifier::Verify(const Certificate& cert) {
  if (cert.signature_algorithm() != impl_->algorithm) return false;
  if (EVP_MD_CTX_copy_ex(impl_->scratch.get(), impl_->prepared.get()) != 1) {
    internal::ClearOpenSslErrors();
    return false;
  }
  return internal::DigestVerify(impl_->scratch.get(), cert.tbs_der(),
                                cert.signature());
}

}  // namespace chaintrust
