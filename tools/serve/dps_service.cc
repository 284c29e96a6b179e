#include "tools/serve/dps_service.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

constexpr absl::string_view kSasPrefix = "SharedAccessSignature ";
constexpr absl::string_view kServicePolicy = "provisioningserviceowner";

// FNV-1a: stable across runs and platforms, unlike std::hash.
uint64_t StableHash(absl::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (char c : text) {
    hash ^= static_cast<uint8_t>(absl::ascii_tolower(c));
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string Hmac(absl::string_view key, absl::string_view message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
       out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

// Lower-case percent-encoding of everything but unreserved characters.
std::string PercentEncode(absl::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

HttpResponse JsonResponse(int status, std::string body,
                          absl::string_view route) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.route = std::string(route);
  return response;
}

HttpResponse ErrorResponse(int status, int error_code,
                           absl::string_view message, absl::string_view route) {
  const std::string tracking_id = RandomId();
  HttpResponse response = JsonResponse(
      status, ErrorBody(error_code, message, tracking_id, absl::Now()), route);
  response.headers.emplace_back("x-ms-error-code", absl::StrCat(error_code));
  response.headers.emplace_back("x-ms-request-id", tracking_id);
  return response;
}

std::string PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    int high, low;
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      c = absl::ascii_tolower(c);
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    if (text[i] == '%' && i + 2 < text.size() &&
        (high = hex(text[i + 1])) >= 0 && (low = hex(text[i + 2])) >= 0) {
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

HttpResponse QueryPage(const HttpRequest& request,
                       const std::vector<Struct>& items,
                       absl::string_view route) {
  size_t offset = 0, count = items.size();
  size_t value = 0;
  if (absl::SimpleAtoi(request.Header("x-ms-continuation"), &value)) {
    offset = std::min(value, items.size());
  }
  if (absl::SimpleAtoi(request.Header("x-ms-max-item-count"), &value) &&
      value > 0) {
    count = value;
  }
  const size_t end = std::min(items.size(), offset + count);
  std::string body = "[";
  for (size_t i = offset; i < end; ++i) {
    if (i > offset) body += ",";
    body += ToJson(items[i]);
  }
  body += "]";
  HttpResponse response = JsonResponse(200, std::move(body), route);
  if (end < items.size()) {
    response.headers.emplace_back("x-ms-continuation", absl::StrCat(end));
  }
  response.headers.emplace_back("x-ms-item-type", "Object");
  return response;
}

DpsService::DpsService(DpsServiceOptions options, EngineAdapter* adapter,
                       EnrollmentRepository* repository, Metrics* metrics,
                       int workers)
    : options_(std::move(options)),
      adapter_(adapter),
      repository_(repository),
      metrics_(metrics),
      worker_mu_(new std::mutex[std::max(workers, 1)]) {
  for (int i = 0; i < std::max(workers, 1); ++i) {
    workers_.push_back(adapter_->NewWorker());
  }
}

DpsService::~DpsService() {
  std::unique_lock<std::mutex> lock(in_flight_mu_);
  in_flight_cv_.wait(lock, [this] { return in_flight_ == 0; });
}

namespace {

// The path's segments, percent-decoded.
std::vector<std::string> PathSegments(absl::string_view path) {
  std::vector<std::string> segments;
  for (absl::string_view segment :
       absl::StrSplit(path, '/', absl::SkipEmpty())) {
    segments.push_back(PercentDecode(segment));
  }
  return segments;
}

}  // namespace

void DpsService::HandleAsync(HttpRequest request, HttpRespond respond) {
  const absl::string_view path =
      absl::string_view(request.target).substr(0, request.target.find('?'));
  if (request.method == "PUT" &&
      absl::EndsWithIgnoreCase(absl::StripSuffix(path, "/"), "/register")) {
    const std::vector<std::string> segments = PathSegments(path);
    if (segments.size() == 4 &&
        absl::EqualsIgnoreCase(segments[0], options_.id_scope) &&
        absl::AsciiStrToLower(segments[1]) == "registrations" &&
        absl::AsciiStrToLower(segments[3]) == "register") {
      RegisterAsync(request, segments[2], std::move(respond));
      return;
    }
  }
  respond(Handle(request));
}

HttpResponse DpsService::Handle(const HttpRequest& request) {
  const absl::string_view path =
      absl::string_view(request.target).substr(0, request.target.find('?'));
  const std::vector<std::string> segments = PathSegments(path);
  if (segments.size() == 1 &&
      (segments[0] == "healthz" || segments[0] == "metrics")) {
    if (request.method != "GET") {
      return ErrorResponse(405, 405, "use GET", segments[0]);
    }
    if (segments[0] == "healthz") {
      HttpResponse response = JsonResponse(200, "ok\n", "healthz");
      response.content_type = "text/plain; charset=utf-8";
      return response;
    }
    const EnrollmentSyncStats sync = repository_->sync_stats();
    HttpResponse response = JsonResponse(
        200,
        metrics_->Render(
            {{"chaintrust_individual_enrollments",
              static_cast<double>(repository_->size(EntryKind::kIndividual))},
             {"chaintrust_enrollment_groups",
              static_cast<double>(repository_->size(EntryKind::kGroup))},
             {"chaintrust_enrollment_set_version",
              static_cast<double>(sync.version)},
             {"chaintrust_enrollment_set_reloads",
              static_cast<double>(sync.reloads)},
             {"chaintrust_enrollment_set_rejected_versions",
              static_cast<double>(sync.rejected)},
             {"chaintrust_enrollment_set_read_errors",
              static_cast<double>(sync.poll_errors)},
             {"chaintrust_enrollment_set_write_conflicts",
              static_cast<double>(sync.conflicts)}}),
        "metrics");
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return response;
  }
  if (segments.empty()) return ErrorResponse(404, 404, "not found", "unknown");
  const std::string first = absl::AsciiStrToLower(segments[0]);
  if (first == "enrollments" || first == "enrollmentgroups" ||
      first == "registrations") {
    std::string why;
    if (!Authorized(request, &why)) {
      return ErrorResponse(401, 401, why, "service");
    }
    return Service(request, segments);
  }
  if (segments.size() >= 3 &&
      absl::EqualsIgnoreCase(segments[0], options_.id_scope) &&
      absl::AsciiStrToLower(segments[1]) == "registrations") {
    const std::string& id = segments[2];
    if (segments.size() == 3) {
      if (request.method != "POST") {
        return ErrorResponse(405, 405, "use POST", "device_lookup");
      }
      return Lookup(request, id);
    }
    if (segments.size() == 4 &&
        absl::AsciiStrToLower(segments[3]) == "register") {
      if (request.method != "PUT") {
        return ErrorResponse(405, 405, "use PUT", "device_register");
      }
      return Register(request, id);
    }
    if (segments.size() == 5 &&
        absl::AsciiStrToLower(segments[3]) == "operations") {
      if (request.method != "GET") {
        return ErrorResponse(405, 405, "use GET", "device_operation");
      }
      return GetOperation(id, segments[4]);
    }
  }
  return ErrorResponse(404, 404, absl::StrCat("no route for ", path),
                       "unknown");
}

std::string DpsService::AllocateHub(absl::string_view registration_id,
                                    const Struct* enrollment) const {
  std::vector<std::string> hubs;
  std::string policy = "hashed";
  std::string host;
  if (enrollment != nullptr) {
    auto it = enrollment->fields().find("iotHubs");
    if (it != enrollment->fields().end() && it->second.has_list_value()) {
      for (const Value& hub : it->second.list_value().values()) {
        if (hub.has_string_value() && !hub.string_value().empty()) {
          hubs.push_back(hub.string_value());
        }
      }
    }
    const std::string given = StringField(*enrollment, "allocationPolicy");
    if (!given.empty()) policy = given;
    host = StringField(*enrollment, "iotHubHostName");
  }
  if (hubs.empty()) hubs = options_.iot_hubs;
  if (policy == "static")
    return !host.empty() ? host : hubs.empty() ? "" : hubs[0];
  if (hubs.empty()) return host;
  return hubs[StableHash(registration_id) % hubs.size()];
}

void DpsService::Assign(const Struct* enrollment,
                        const RegistrationRecord* previous,
                        RegistrationRecord* record) const {
  bool update_hub = true, migrate = true;
  if (enrollment != nullptr) {
    auto it = enrollment->fields().find("reprovisionPolicy");
    if (it != enrollment->fields().end() && it->second.has_struct_value()) {
      const auto& policy = it->second.struct_value().fields();
      auto flag = policy.find("updateHubAssignment");
      if (flag != policy.end() && flag->second.has_bool_value()) {
        update_hub = flag->second.bool_value();
      }
      flag = policy.find("migrateDeviceData");
      if (flag != policy.end() && flag->second.has_bool_value()) {
        migrate = flag->second.bool_value();
      }
    }
  }
  const std::string allocated =
      AllocateHub(record->registration_id, enrollment);
  if (previous == nullptr) {
    record->assigned_hub = allocated;
    record->substatus = RegistrationSubstatus::kInitialAssignment;
    return;
  }
  // A record from before hubs were stored has none: allocate as then.
  const std::string& previous_hub = previous->assigned_hub;
  if (!update_hub || previous_hub.empty() || previous_hub == allocated) {
    record->assigned_hub = previous_hub.empty() ? allocated : previous_hub;
    record->substatus = previous->substatus;
    return;
  }
  record->assigned_hub = allocated;
  record->substatus = migrate ? RegistrationSubstatus::kDeviceDataMigrated
                              : RegistrationSubstatus::kDeviceDataReset;
}

bool DpsService::Authorized(const HttpRequest& request,
                            std::string* why) const {
  const std::string header = request.Header("authorization");
  if (!absl::StartsWith(header, kSasPrefix)) {
    *why = "the service API needs a SharedAccessSignature";
    return false;
  }
  std::string sr, sig, se, skn;
  for (absl::string_view field : absl::StrSplit(
           absl::string_view(header).substr(kSasPrefix.size()), '&')) {
    std::pair<std::string, std::string> kv =
        absl::StrSplit(field, absl::MaxSplits('=', 1));
    if (kv.first == "sr") sr = kv.second;
    if (kv.first == "sig") sig = kv.second;
    if (kv.first == "se") se = kv.second;
    if (kv.first == "skn") skn = kv.second;
  }
  int64_t expiry = 0;
  if (skn != kServicePolicy) {
    *why = absl::StrCat("skn must be ", kServicePolicy);
    return false;
  }
  if (!absl::SimpleAtoi(se, &expiry) ||
      expiry <= absl::ToUnixSeconds(absl::Now())) {
    *why = "the token has expired or has no valid se";
    return false;
  }
  std::string signature, key;
  if (!absl::Base64Unescape(PercentDecode(sig), &signature) ||
      !absl::Base64Unescape(options_.service_key, &key)) {
    *why = "the token's signature is not base64";
    return false;
  }
  // The resource as sent, or its decoded or encoded twin (the Node SDK signs
  // it raw, the documentation URL-encoded).
  const std::string decoded = PercentDecode(sr);
  for (const std::string& resource : {sr, decoded, PercentEncode(decoded)}) {
    const std::string expected = Hmac(key, absl::StrCat(resource, "\n", se));
    if (expected.size() == signature.size() &&
        CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) ==
            0) {
      return true;
    }
  }
  *why = "the token's signature does not verify with the service key";
  return false;
}

}  // namespace chaintrust::serve
