// DPS's service API subset: enrollments, enrollment groups, registration
// states. Authentication is checked by DpsService::Handle before these run.
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tools/serve/dps_service.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::google::protobuf::Struct;

HttpResponse FromRepository(RepositoryResult result, absl::string_view route) {
  if (result.http_status >= 300) {
    return ErrorResponse(result.http_status, result.error_code, result.message,
                         route);
  }
  if (result.http_status == 204) {
    HttpResponse response = JsonResponse(204, "", route);
    return response;
  }
  return JsonResponse(result.http_status, ToJson(result.object), route);
}

// If-Match as sent, without the quotes of an HTTP entity tag.
std::string IfMatch(const HttpRequest& request) {
  std::string value = request.Header("if-match");
  absl::string_view view = absl::StripAsciiWhitespace(value);
  if (view.size() >= 2 && view.front() == '"' && view.back() == '"') {
    view = view.substr(1, view.size() - 2);
  }
  return std::string(view);
}

}  // namespace

HttpResponse DpsService::Service(const HttpRequest& request,
                                 const std::vector<std::string>& segments) {
  const std::string first = absl::AsciiStrToLower(segments[0]);
  if (first == "registrations") return Registrations(request, segments);
  return Enrollment(
      request,
      first == "enrollments" ? EntryKind::kIndividual : EntryKind::kGroup,
      segments);
}

HttpResponse DpsService::Enrollment(const HttpRequest& request, EntryKind kind,
                                    const std::vector<std::string>& segments) {
  const absl::string_view route = kind == EntryKind::kIndividual
                                      ? "service_enrollments"
                                      : "service_enrollment_groups";
  if (segments.size() == 2 && request.method == "POST" &&
      absl::AsciiStrToLower(segments[1]) == "query") {
    return QueryPage(request, repository_->List(kind), route);
  }
  if (segments.size() == 3 &&
      absl::AsciiStrToLower(segments[2]) == "attestationmechanism") {
    if (request.method != "POST") {
      return ErrorResponse(405, 405, "use POST", route);
    }
    RepositoryResult result = repository_->Get(kind, segments[1]);
    if (result.http_status == 200) {
      auto attestation = result.object.fields().find("attestation");
      Struct out;
      if (attestation != result.object.fields().end() &&
          attestation->second.has_struct_value()) {
        out = attestation->second.struct_value();
      }
      result.object = std::move(out);
    }
    return FromRepository(std::move(result), route);
  }
  if (segments.size() != 2) {
    return ErrorResponse(
        segments.size() == 1 ? 405 : 404, segments.size() == 1 ? 405 : 404,
        segments.size() == 1 ? "bulk enrollment operations are not supported"
                             : "not found",
        route);
  }
  const std::string& id = segments[1];
  const absl::Time now = absl::Now();
  if (request.method == "GET") {
    return FromRepository(repository_->Get(kind, id), route);
  }
  if (request.method == "DELETE") {
    return FromRepository(repository_->Delete(kind, id, IfMatch(request), now),
                          route);
  }
  if (request.method == "PUT") {
    auto body = ParseJsonObject(request.body);
    if (!body.ok()) {
      return ErrorResponse(400, 400, body.status().message(), route);
    }
    return FromRepository(
        repository_->Put(kind, id, *std::move(body), IfMatch(request), now),
        route);
  }
  return ErrorResponse(405, 405, "use PUT, GET or DELETE", route);
}

Struct DpsService::RecordJson(const RegistrationRecord& record) const {
  Struct state;
  SetString(&state, "registrationId", record.registration_id);
  SetString(&state, "createdDateTimeUtc", FormatUtc(record.created));
  const std::shared_ptr<const Struct> enrollment = repository_->FindShared(
      record.enrollment_kind == RegistrationEnrollmentKind::kGroup
          ? EntryKind::kGroup
          : EntryKind::kIndividual,
      record.enrollment_id);
  const std::string hub =
      !record.assigned_hub.empty()
          ? record.assigned_hub
          : AllocateHub(record.registration_id, enrollment.get());
  if (!hub.empty()) SetString(&state, "assignedHub", hub);
  std::string device_id = record.device_id;
  if (enrollment != nullptr &&
      record.enrollment_kind == RegistrationEnrollmentKind::kIndividual &&
      !StringField(*enrollment, "deviceId").empty()) {
    device_id = StringField(*enrollment, "deviceId");
  }
  SetString(&state, "deviceId", device_id);
  SetString(&state, "status",
            std::string(RegistrationStatusName(record.status)));
  SetString(&state, "substatus",
            std::string(RegistrationSubstatusName(record.substatus)));
  SetString(&state, "lastUpdatedDateTimeUtc", FormatUtc(record.last_updated));
  SetString(&state, "etag", record.etag);
  return state;
}

HttpResponse DpsService::Registrations(
    const HttpRequest& request, const std::vector<std::string>& segments) {
  constexpr absl::string_view kRoute = "service_registrations";
  RegistrationStore& store = adapter_->store();
  auto store_error = [this](const absl::Status& status) {
    metrics_->RecordStoreError();
    HttpResponse response = ErrorResponse(503, 503, status.message(), kRoute);
    response.headers.emplace_back("Retry-After", "5");
    return response;
  };
  if (segments.size() == 3 && absl::AsciiStrToLower(segments[2]) == "query") {
    if (request.method != "POST") {
      return ErrorResponse(405, 405, "use POST", kRoute);
    }
    auto records =
        store.List(RegistrationFilter::ByEnrollmentGroup(segments[1]));
    if (!records.ok()) return store_error(records.status());
    std::vector<Struct> items;
    for (const RegistrationRecord& record : *records) {
      items.push_back(RecordJson(record));
    }
    return QueryPage(request, items, kRoute);
  }
  if (segments.size() != 2) {
    return ErrorResponse(404, 404, "not found", kRoute);
  }
  const std::string& id = segments[1];
  if (request.method != "GET" && request.method != "DELETE") {
    return ErrorResponse(405, 405, "use GET or DELETE", kRoute);
  }
  auto record = store.Get(id);
  if (absl::IsNotFound(record.status())) {
    return ErrorResponse(404, 404202, absl::StrCat("no registration of ", id),
                         kRoute);
  }
  if (!record.ok()) return store_error(record.status());
  if (request.method == "GET") {
    return JsonResponse(200, ToJson(RecordJson(*record)), kRoute);
  }
  const std::string if_match = IfMatch(request);
  if (!if_match.empty() && if_match != "*" && if_match != record->etag) {
    return ErrorResponse(
        412, 412, absl::StrCat("etag \"", if_match, "\" does not match ", id),
        kRoute);
  }
  auto deleted = store.Delete(RegistrationFilter::ByRegistrationId(id));
  if (!deleted.ok()) return store_error(deleted.status());
  return JsonResponse(204, "", kRoute);
}

}  // namespace chaintrust::serve
