// A thin layer over OpenSSL for engine internals: owning pointers for the
// OpenSSL types the engine uses, and conversion of OpenSSL's thread-local
// error queue into an absl::Status.
//
// OpenSSL types never appear in public headers; only files under
// engine/internal/ and engine/*.cc include this.
#ifndef CHAINTRUST_ENGINE_INTERNAL_OPENSSL_UTIL_H_
#define CHAINTRUST_ENGINE_INTERNAL_OPENSSL_UTIL_H_

#include <openssl/evp.h>

#include <memory>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace chaintrust {
namespace internal {

// A deleter that calls an OpenSSL free function.
template <typename T, void (*kFree)(T*)>
struct OpenSslDeleter {
  void operator()(T* ptr) const { kFree(ptr); }
};

template <typename T, void (*kFree)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, kFree>>;

using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using EvpMdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;
using EvpMdPtr = OpenSslPtr<EVP_MD, EVP_MD_free>;

// Drains this thread's OpenSSL error queue. Returns `code` with a message
// that starts with `context` and lists the queued errors (oldest first), or
// just `context` when the queue is empty. Leaves the queue empty, so a
// later failure is not blamed on an earlier one.
absl::Status OpenSslErrorToStatus(
    absl::string_view context,
    absl::StatusCode code = absl::StatusCode::kInternal);

// Empties this thread's OpenSSL error queue without reporting it (for paths
// where a failure is an expected answer, e.g. a signature that does not
// verify).
void ClearOpenSslErrors();

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_INTERNAL_OPENSSL_UTIL_H_
