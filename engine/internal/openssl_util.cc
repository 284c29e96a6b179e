#include "engine/internal/openssl_util.h"

#include <openssl/err.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace chaintrust {
namespace internal {

absl::Status OpenSslErrorToStatus(absl::string_view context,
                                  absl::StatusCode code) {
  std::string message(context);
  // Bound the message: a misbehaving provider can queue many errors.
  constexpr int kMaxReported = 8;
  int reported = 0;
  unsigned long error;  // NOLINT(runtime/int): OpenSSL's type.
  while ((error = ERR_get_error()) != 0) {
    if (reported++ >= kMaxReported) continue;
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    absl::StrAppend(&message, reported == 1 ? ": " : "; ", buffer);
  }
  return absl::Status(code, message);
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace internal
}  // namespace chaintrust
