#include "engine/policy/sas_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/internal/status_macros.h"

namespace chaintrust {
namespace {

constexpr size_t kMaxTokenSize = 4096;
constexpr absl::string_view kPrefix = "SharedAccessSignature ";
constexpr absl::string_view kRegistrations = "/registrations/";
constexpr size_t kHmacSize = 32;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding. '+' stays '+': devices percent-encode the base64 '+'
// of the signature, and a bare '+' there is more likely base64 than a
// form-encoded space.
absl::StatusOr<std::string> UrlDecode(absl::string_view text,
                                      absl::string_view field) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    const int high = i + 1 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SAS token field '", field, "': bad percent-escape at position ", i));
    }
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

// Unreserved characters (RFC 3986 §2.3) stay; everything else is %XX, as
// encodeURIComponent and the Azure SDKs do for '/', '+' and '='.
std::string UrlEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3);
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') ||
        (u >= '0' && u <= '9') || u == '-' || u == '.' || u == '_' ||
        u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

absl::Status SetOnce(absl::string_view name, absl::string_view value,
                     bool* seen, absl::string_view* slot) {
  if (*seen) {
    return absl::InvalidArgumentError(
        absl::StrCat("SAS token: duplicate field '", name, "'"));
  }
  *seen = true;
  *slot = value;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SasToken> ParseSasToken(absl::string_view token) {
  if (token.size() > kMaxTokenSize) {
    return absl::InvalidArgumentError("SAS token: longer than 4 KiB");
  }
  if (!absl::ConsumePrefix(&token, kPrefix)) {
    return absl::InvalidArgumentError(
        "SAS token: does not start with 'SharedAccessSignature '");
  }
  absl::string_view sr, sig, se, skn;
  bool has_sr = false, has_sig = false, has_se = false, has_skn = false;
  for (absl::string_view pair : absl::StrSplit(token, '&')) {
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SAS token: field '", absl::CHexEscape(pair), "' has no '='"));
    }
    const absl::string_view name = pair.substr(0, eq);
    const absl::string_view value = pair.substr(eq + 1);
    if (name == "sr") {
      RETURN_IF_ERROR(SetOnce(name, value, &has_sr, &sr));
    } else if (name == "sig") {
      RETURN_IF_ERROR(SetOnce(name, value, &has_sig, &sig));
    } else if (name == "se") {
      RETURN_IF_ERROR(SetOnce(name, value, &has_se, &se));
    } else if (name == "skn") {
      RETURN_IF_ERROR(SetOnce(name, value, &has_skn, &skn));
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "SAS token: unknown field '", absl::CHexEscape(name), "'"));
    }
  }
  for (const auto& [present, name] :
       {std::pair<bool, absl::string_view>{has_sr, "sr"},
        {has_sig, "sig"},
        {has_se, "se"}}) {
    if (!present) {
      return absl::InvalidArgumentError(
          absl::StrCat("SAS token: missing field '", name, "'"));
    }
  }

  SasToken result;
  result.resource_encoded = std::string(sr);
  ASSIGN_OR_RETURN(result.resource, UrlDecode(sr, "sr"));
  const absl::string_view resource(result.resource);
  const size_t slash = resource.find(kRegistrations);
  if (slash == absl::string_view::npos || slash == 0) {
    return absl::InvalidArgumentError(
        "SAS token field 'sr': expected '<idScope>/registrations/<id>'");
  }
  const absl::string_view id_scope = resource.substr(0, slash);
  const absl::string_view registration_id =
      resource.substr(slash + kRegistrations.size());
  if (absl::StrContains(id_scope, '/') || registration_id.empty() ||
      absl::StrContains(registration_id, '/')) {
    return absl::InvalidArgumentError(
        "SAS token field 'sr': expected '<idScope>/registrations/<id>'");
  }
  result.registration_id = std::string(registration_id);

  ASSIGN_OR_RETURN(std::string sig_base64, UrlDecode(sig, "sig"));
  if (sig_base64.empty() ||
      !absl::Base64Unescape(sig_base64, &result.signature) ||
      result.signature.empty()) {
    return absl::InvalidArgumentError(
        "SAS token field 'sig': not valid base64");
  }

  result.expiry_text = std::string(se);
  int64_t seconds;
  // Digits only: SimpleAtoi would also take a sign or spaces.
  if (se.empty() || se.size() > 18 ||
      se.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(se, &seconds)) {
    return absl::InvalidArgumentError(
        "SAS token field 'se': expected Unix seconds (decimal digits)");
  }
  result.expiry = absl::FromUnixSeconds(seconds);
  if (has_skn) {
    ASSIGN_OR_RETURN(result.key_name, UrlDecode(skn, "skn"));
  }
  return result;
}

std::string HmacSha256(absl::string_view key, absl::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // HMAC() wants a non-null key pointer even for an empty key.
  static const unsigned char kEmpty = 0;
  const unsigned char* key_bytes =
      key.empty() ? &kEmpty
                  : reinterpret_cast<const unsigned char*>(key.data());
  if (HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), out, &size) == nullptr) {
    return std::string();  // Never equal to a 32-byte signature.
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string DeriveDeviceKey(absl::string_view group_key,
                            absl::string_view registration_id) {
  return HmacSha256(group_key, registration_id);
}

bool VerifySasSignature(const SasToken& token, absl::string_view key) {
  const std::string expected = HmacSha256(
      key, absl::StrCat(token.resource_encoded, "\n", token.expiry_text));
  if (expected.size() != kHmacSize || token.signature.size() != kHmacSize) {
    return false;
  }
  return CRYPTO_memcmp(expected.data(), token.signature.data(), kHmacSize) == 0;
}

std::string MakeSasToken(absl::string_view id_scope,
                         absl::string_view registration_id,
                         absl::string_view key, absl::Time expiry) {
  const std::string sr =
      UrlEncode(absl::StrCat(id_scope, kRegistrations, registration_id));
  const std::string se = absl::StrCat(absl::ToUnixSeconds(expiry));
  const std::string sig = UrlEncode(
      absl::Base64Escape(HmacSha256(key, absl::StrCat(sr, "\n", se))));
  return absl::StrCat(kPrefix, "sr=", sr, "&sig=", sig, "&se=", se,
                      "&skn=registration");
}

}  // namespace chaintrust
