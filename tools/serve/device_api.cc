// DPS's device API: register, operation status, registration status lookup.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/internal/json.h"
#include "tools/serve/dps_service.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

HttpResponse DenyResponse(const DenyAnswer& answer, absl::string_view route) {
  HttpResponse response = ErrorResponse(answer.http_status, answer.error_code,
                                        answer.message, route);
  if (answer.retry_after_seconds > 0) {
    response.headers.emplace_back("Retry-After",
                                  absl::StrCat(answer.retry_after_seconds));
  }
  return response;
}

// The register body of nearly every device is {"registrationId": ID}: that
// is read with the project's JSON reader into *id. False for anything else
// (a payload, other fields, text that reader refuses), which goes through
// protobuf's JSON model instead.
bool ReadPlainRegisterBody(absl::string_view text, std::string* id) {
  auto value = internal::ParseJson(text);
  if (!value.ok() || !value->is_object()) return false;
  id->clear();
  for (size_t i = 0; i < value->member_count(); ++i) {
    if (value->key(i) != "registrationId" || !value->value(i).is_string()) {
      return false;
    }
    *id = value->value(i).string_value();
  }
  return true;
}

}  // namespace

std::optional<HttpResponse> DpsService::Credentials(
    const HttpRequest& request, const std::string& registration_id,
    DeviceCredentials* credentials) {
  credentials->registration_id = registration_id;
  const std::string authorization = request.Header("authorization");
  if (!authorization.empty()) {
    credentials->sas_token = authorization;
  } else if (!request.peer_chain_der.empty()) {
    credentials->chain_der = request.peer_chain_der;
  } else {
    return ErrorResponse(401, 401002,
                         "no attestation: present a client certificate or a "
                         "SharedAccessSignature",
                         "device");
  }
  return std::nullopt;
}

std::string DpsService::RegistrationResult(const RegistrationRecord& record,
                                           const DecisionView& decision,
                                           bool x509,
                                           const Value* payload) const {
  std::shared_ptr<const Struct> enrollment;
  if (!decision.enrollment_id.empty()) {
    enrollment = repository_->FindShared(
        decision.group ? EntryKind::kGroup : EntryKind::kIndividual,
        decision.enrollment_id);
  }
  // Written directly rather than through a Struct: this is every status
  // lookup's answer.
  std::string json = "{";
  auto field = [&json](absl::string_view name, absl::string_view value) {
    if (json.size() > 1) json += ',';
    internal::AppendJsonString(&json, name);
    json += ':';
    internal::AppendJsonString(&json, value);
  };
  field("registrationId", record.registration_id);
  field("createdDateTimeUtc", FormatUtc(record.created));
  // The hub stored with the record (see Assign); records from before hubs
  // were stored have none and get the allocation.
  const std::string hub =
      !record.assigned_hub.empty()
          ? record.assigned_hub
          : AllocateHub(record.registration_id, enrollment.get());
  if (!hub.empty()) field("assignedHub", hub);
  std::string device_id = record.device_id;
  if (enrollment != nullptr && !decision.group &&
      !StringField(*enrollment, "deviceId").empty()) {
    device_id = StringField(*enrollment, "deviceId");
  }
  field("deviceId", device_id);
  field("status", RegistrationStatusName(record.status));
  field("substatus", RegistrationSubstatusName(record.substatus));
  field("lastUpdatedDateTimeUtc", FormatUtc(record.last_updated));
  field("etag", record.etag);
  if (decision.group) {
    // DPS names the group under the attestation kind that matched.
    json += x509 ? ",\"x509\":{" : ",\"symmetricKey\":{";
    internal::AppendJsonString(&json, "enrollmentGroupId");
    json += ':';
    internal::AppendJsonString(&json, decision.enrollment_id);
    json += '}';
  }
  if (enrollment != nullptr) {
    auto twin = enrollment->fields().find("initialTwin");
    if (twin != enrollment->fields().end()) {
      json += ",\"initialTwin\":";
      json += ToJson(twin->second);
    }
  }
  if (payload != nullptr) {
    json += ",\"payload\":";
    json += ToJson(*payload);
  }
  json += '}';
  return json;
}

std::string DpsService::SaveOperation(const std::string& registration_id,
                                      const std::string& status,
                                      const std::string& state_json) {
  const std::string operation_id = absl::StrCat("4.", RandomId());
  std::string body = "{\"operationId\":";
  internal::AppendJsonString(&body, operation_id);
  body += ",\"status\":";
  internal::AppendJsonString(&body, status);
  absl::StrAppend(&body, ",\"registrationState\":", state_json, "}");
  const absl::Time now = absl::Now();
  std::lock_guard<std::mutex> lock(operations_mu_);
  // Forget expired operations, and the oldest beyond the bound.
  while (!operation_order_.empty()) {
    auto it = operations_.find(operation_order_.front());
    const bool expired = it == operations_.end() || it->second.expires <= now;
    if (!expired && operations_.size() < options_.max_operations) break;
    if (it != operations_.end()) operations_.erase(it);
    operation_order_.pop_front();
  }
  operations_[operation_id] =
      Operation{absl::AsciiStrToLower(registration_id), std::move(body),
                now + options_.operation_ttl};
  operation_order_.push_back(operation_id);
  return operation_id;
}

std::optional<HttpResponse> DpsService::StartRegister(
    const HttpRequest& request, const std::string& registration_id,
    DeviceCredentials* credentials, std::optional<Value>* payload) {
  constexpr absl::string_view kRoute = "device_register";
  std::string body_id;
  if (!absl::StripAsciiWhitespace(request.body).empty() &&
      !ReadPlainRegisterBody(request.body, &body_id)) {
    auto parsed = ParseJsonObject(request.body);
    if (!parsed.ok()) {
      return ErrorResponse(400, 400, parsed.status().message(), kRoute);
    }
    body_id = StringField(*parsed, "registrationId");
    auto it = parsed->fields().find("payload");
    if (it != parsed->fields().end()) *payload = it->second;
  }
  if (!body_id.empty() && !absl::EqualsIgnoreCase(body_id, registration_id)) {
    return ErrorResponse(
        400, 400,
        absl::StrCat("registrationId \"", body_id,
                     "\" differs from the path's \"", registration_id, "\""),
        kRoute);
  }
  if (auto refused = Credentials(request, registration_id, credentials)) {
    refused->route = std::string(kRoute);
    return refused;
  }
  return std::nullopt;
}

EngineAdapter::Assign DpsService::AssignFunction() const {
  return [this](const RegistrationRecord* previous, RegistrationRecord* next) {
    const std::shared_ptr<const Struct> enrollment = repository_->FindShared(
        next->enrollment_kind == RegistrationEnrollmentKind::kGroup
            ? EntryKind::kGroup
            : EntryKind::kIndividual,
        next->enrollment_id);
    Assign(enrollment.get(), previous, next);
  };
}

HttpResponse DpsService::Register(const HttpRequest& request,
                                  const std::string& registration_id) {
  DeviceCredentials credentials;
  std::optional<Value> payload;
  if (auto refused =
          StartRegister(request, registration_id, &credentials, &payload)) {
    return *refused;
  }
  const int worker =
      std::clamp(request.worker, 0, static_cast<int>(workers_.size()) - 1);
  RegistrationRecord record;
  DecisionView decision;
  {
    std::lock_guard<std::mutex> lock(worker_mu_[worker]);
    decision = workers_[worker]->Provision(credentials, absl::Now(),
                                           AssignFunction(), &record);
    metrics_->SetCacheCounters(worker, workers_[worker]->cache_counters());
  }
  return RegisterAnswer(registration_id, credentials.sas_token.empty(),
                        payload ? &*payload : nullptr, decision, record);
}

void DpsService::RegisterAsync(const HttpRequest& request,
                               const std::string& registration_id,
                               HttpRespond respond) {
  DeviceCredentials credentials;
  std::optional<Value> payload;
  if (auto refused =
          StartRegister(request, registration_id, &credentials, &payload)) {
    respond(*std::move(refused));
    return;
  }
  const int worker =
      std::clamp(request.worker, 0, static_cast<int>(workers_.size()) - 1);
  {
    std::lock_guard<std::mutex> lock(in_flight_mu_);
    ++in_flight_;
  }
  const bool x509 = credentials.sas_token.empty();
  std::lock_guard<std::mutex> lock(worker_mu_[worker]);
  workers_[worker]->ProvisionAsync(
      credentials, absl::Now(), AssignFunction(),
      [this, registration_id, x509, payload = std::move(payload),
       respond = std::move(respond)](DecisionView decision,
                                     RegistrationRecord record) mutable {
        respond(RegisterAnswer(registration_id, x509,
                               payload ? &*payload : nullptr, decision,
                               record));
        std::lock_guard<std::mutex> lock(in_flight_mu_);
        if (--in_flight_ == 0) in_flight_cv_.notify_all();
      });
  metrics_->SetCacheCounters(worker, workers_[worker]->cache_counters());
}

HttpResponse DpsService::RegisterAnswer(const std::string& registration_id,
                                        bool x509, const Value* payload,
                                        const DecisionView& decision,
                                        const RegistrationRecord& record) {
  constexpr absl::string_view kRoute = "device_register";
  metrics_->RecordDecision(decision.reason);
  if (decision.store_error) metrics_->RecordStoreError();

  HttpResponse response;
  if (decision.allowed) {
    const std::string state =
        RegistrationResult(record, decision, x509, payload);
    const std::string operation_id =
        SaveOperation(registration_id, "assigned", state);
    response = JsonResponse(202,
                            absl::StrCat("{\"operationId\":\"", operation_id,
                                         "\",\"status\":\"assigning\"}"),
                            kRoute);
    response.headers.emplace_back(
        "Retry-After", absl::StrCat(options_.operation_retry_after_seconds));
  } else {
    const DenyAnswer answer = MapDeny(decision);
    if (answer.operation_disabled) {
      // DPS accepts the call and reports the enrollment's status.
      Struct state;
      SetString(&state, "registrationId", registration_id);
      SetString(&state, "status", "disabled");
      (*state.mutable_fields())["errorCode"].set_number_value(
          answer.error_code);
      SetString(&state, "errorMessage", answer.message);
      SetString(&state, "lastUpdatedDateTimeUtc", FormatUtc(absl::Now()));
      const std::string operation_id =
          SaveOperation(registration_id, "disabled", ToJson(state));
      response = JsonResponse(202,
                              absl::StrCat("{\"operationId\":\"", operation_id,
                                           "\",\"status\":\"assigning\"}"),
                              kRoute);
      response.headers.emplace_back(
          "Retry-After", absl::StrCat(options_.operation_retry_after_seconds));
    } else {
      response = DenyResponse(answer, kRoute);
    }
  }
  response.registration_id = decision.registration_id.empty()
                                 ? registration_id
                                 : decision.registration_id;
  response.reason = decision.reason;
  return response;
}

HttpResponse DpsService::GetOperation(const std::string& registration_id,
                                      const std::string& operation_id) {
  constexpr absl::string_view kRoute = "device_operation";
  std::string body;
  {
    std::lock_guard<std::mutex> lock(operations_mu_);
    auto it = operations_.find(operation_id);
    if (it != operations_.end() &&
        it->second.registration_key == absl::AsciiStrToLower(registration_id) &&
        it->second.expires > absl::Now()) {
      body = it->second.body;
    }
  }
  if (body.empty()) {
    return ErrorResponse(404, 404, absl::StrCat("no operation ", operation_id),
                         kRoute);
  }
  HttpResponse response = JsonResponse(200, std::move(body), kRoute);
  response.registration_id = registration_id;
  return response;
}

HttpResponse DpsService::Lookup(const HttpRequest& request,
                                const std::string& registration_id) {
  constexpr absl::string_view kRoute = "device_lookup";
  DeviceCredentials credentials;
  if (auto refused = Credentials(request, registration_id, &credentials)) {
    refused->route = std::string(kRoute);
    return *refused;
  }
  const int worker =
      std::clamp(request.worker, 0, static_cast<int>(workers_.size()) - 1);
  DecisionView decision;
  {
    std::lock_guard<std::mutex> lock(worker_mu_[worker]);
    decision = workers_[worker]->Authenticate(credentials, absl::Now());
    metrics_->SetCacheCounters(worker, workers_[worker]->cache_counters());
  }
  HttpResponse response;
  if (!decision.allowed) {
    DenyAnswer answer = MapDeny(decision);
    if (answer.operation_disabled) {
      answer.http_status = 401;
    }
    response = DenyResponse(answer, kRoute);
  } else {
    auto record = adapter_->store().Get(decision.registration_id);
    if (record.ok()) {
      response = JsonResponse(
          200,
          RegistrationResult(*record, decision, credentials.sas_token.empty(),
                             nullptr),
          kRoute);
    } else if (absl::IsNotFound(record.status())) {
      response = ErrorResponse(
          404, 404201,
          absl::StrCat("no registration of ", decision.registration_id),
          kRoute);
    } else {
      metrics_->RecordStoreError();
      response = ErrorResponse(503, 503, record.status().message(), kRoute);
      response.headers.emplace_back("Retry-After", "5");
    }
  }
  response.registration_id = decision.registration_id.empty()
                                 ? registration_id
                                 : decision.registration_id;
  response.reason = decision.reason;
  return response;
}

}  // namespace chaintrust::serve
