#include "engine/core/leaf_facts.h"

#include <openssl/sha.h>

#include <cstring>

namespace chaintrust {
namespace internal {
namespace {

// `t` as Unix seconds, when it is a whole second.
bool WholeSeconds(absl::Time t, int64_t* seconds) {
  *seconds = absl::ToUnixSeconds(t);
  return absl::FromUnixSeconds(*seconds) == t;
}

}  // namespace

bool TakeLeafFacts(const Certificate& leaf, const Certificate& issuer,
                   bool common_name_is_valid_id, LeafFacts* facts) {
  *facts = LeafFacts();
  const std::string& cn = leaf.subject_common_name();
  if (cn.size() > LeafFacts::kMaxCommonName) return false;
  if (!WholeSeconds(leaf.not_before(), &facts->not_before) ||
      !WholeSeconds(leaf.not_after(), &facts->not_after)) {
    return false;
  }
  uint8_t flags = LeafFacts::kPresent;
  const absl::string_view akid = leaf.authority_key_identifier();
  if (!akid.empty()) {
    if (akid != issuer.subject_key_identifier()) return false;
    flags |= LeafFacts::kHasAuthorityKeyId;
  }
  if (common_name_is_valid_id) flags |= LeafFacts::kCommonNameIsValidId;
  facts->flags = flags;
  facts->common_name_size = static_cast<uint8_t>(cn.size());
  if (!cn.empty()) std::memcpy(facts->common_name, cn.data(), cn.size());
  return true;
}

bool LeafFactsValidAt(const LeafFacts& facts, absl::Time at) {
  const int64_t second = absl::ToUnixSeconds(at);
  return second >= facts.not_before && second <= facts.not_after;
}

Sha256Digest Sha256Of(absl::string_view der) {
  // The low-level functions, as Certificate::Create hashes (SHA256() looks
  // the implementation up by name on every call in OpenSSL 3).
  Sha256Digest out;
  SHA256_CTX sha;
  SHA256_Init(&sha);
  SHA256_Update(&sha, der.data(), der.size());
  SHA256_Final(out.data(), &sha);
  return out;
}

Sha256Digest Sha256Of(absl::string_view der, absl::FunctionRef<void()> midway) {
  Sha256Digest out;
  SHA256_CTX sha;
  SHA256_Init(&sha);
  // Whole 64-byte blocks first, so that splitting costs no copy.
  const size_t first = der.size() / 2 / SHA256_CBLOCK * SHA256_CBLOCK;
  SHA256_Update(&sha, der.data(), first);
  midway();
  SHA256_Update(&sha, der.data() + first, der.size() - first);
  SHA256_Final(out.data(), &sha);
  return out;
}

}  // namespace internal
}  // namespace chaintrust
