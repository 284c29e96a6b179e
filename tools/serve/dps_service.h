// The routes of `chaintrust serve`: DPS's device API (register, operation
// status, registration status lookup), the service API subset (individual
// enrollments, enrollment groups, registration states and their queries),
// /healthz and /metrics. Transport-neutral: the TLS server hands it an
// HttpRequest on a worker thread and sends the HttpResponse it returns.
#ifndef CHAINTRUST_TOOLS_SERVE_DPS_SERVICE_H_
#define CHAINTRUST_TOOLS_SERVE_DPS_SERVICE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "tools/serve/engine_adapter.h"
#include "tools/serve/enrollment_repository.h"
#include "tools/serve/http_types.h"
#include "tools/serve/metrics.h"

namespace chaintrust::serve {

struct DpsServiceOptions {
  std::string id_scope;
  // The service API's shared access key (base64), for
  // skn=provisioningserviceowner tokens.
  std::string service_key;
  // Hubs to allocate devices to when their enrollment names none.
  std::vector<std::string> iot_hubs;
  // The Retry-After of a 202 "assigning" answer (DPS sends 3).
  int operation_retry_after_seconds = 3;
  // Finished registration operations kept for the device's poll.
  size_t max_operations = 100'000;
  absl::Duration operation_ttl = absl::Minutes(10);
};

class DpsService {
 public:
  // `workers`: how many worker threads will call Handle (one Evaluator
  // each); `metrics` needs as many worker slots.
  DpsService(DpsServiceOptions options, EngineAdapter* adapter,
             EnrollmentRepository* repository, Metrics* metrics, int workers);
  // Waits until every registration handed to the store was answered.
  ~DpsService();

  // Thread-safe across workers; request.worker selects the Evaluator.
  HttpResponse Handle(const HttpRequest& request);
  // As Handle, but a registration (PUT .../register) is decided on the
  // calling thread and its record handed to the store's group commit
  // without waiting: `respond` runs once the record is durable, on the
  // store's committer thread. Everything else, and a registration that
  // stores nothing (a DENY), is answered at once on the calling thread.
  void HandleAsync(HttpRequest request, HttpRespond respond);

  // The hub a device is assigned to: the enrollment's allocationPolicy
  // ("static": its iotHubHostName or first hub; otherwise "hashed":
  // deterministic per registration ID, evenly over the enrollment's
  // iotHubs, else the server's --iot_hubs). Empty when there are no hubs.
  std::string AllocateHub(absl::string_view registration_id,
                          const google::protobuf::Struct* enrollment) const;

  // Completes the record of a registration the engine allowed through
  // `enrollment` (null when it is gone), following the enrollment's
  // reprovisionPolicy (both flags default to true). First registration
  // (`previous` null): the allocated hub, substatus initialAssignment.
  // Re-registration: updateHubAssignment false keeps the previous hub and
  // substatus; true allocates again, and a hub that changed gives substatus
  // deviceDataMigrated (migrateDeviceData true) or deviceDataReset (false);
  // an unchanged hub keeps the previous substatus.
  void Assign(const google::protobuf::Struct* enrollment,
              const RegistrationRecord* previous,
              RegistrationRecord* record) const;

 private:
  struct Operation {
    std::string registration_key;
    std::string body;
    absl::Time expires;
  };
  // Device API (device_api.cc).
  HttpResponse Register(const HttpRequest& request,
                        const std::string& registration_id);
  void RegisterAsync(const HttpRequest& request,
                     const std::string& registration_id, HttpRespond respond);
  // What Register does before the engine: the body (its payload, if any,
  // into *payload) and the credentials; an error answer, or nullopt.
  std::optional<HttpResponse> StartRegister(
      const HttpRequest& request, const std::string& registration_id,
      DeviceCredentials* credentials,
      std::optional<google::protobuf::Value>* payload);
  // The answer to a register call the engine decided (thread-safe).
  HttpResponse RegisterAnswer(const std::string& registration_id, bool x509,
                              const google::protobuf::Value* payload,
                              const DecisionView& decision,
                              const RegistrationRecord& record);
  // Completes an ALLOW's record through Assign and the deciding enrollment.
  EngineAdapter::Assign AssignFunction() const;
  HttpResponse GetOperation(const std::string& registration_id,
                            const std::string& operation_id);
  HttpResponse Lookup(const HttpRequest& request,
                      const std::string& registration_id);
  std::optional<HttpResponse> Credentials(const HttpRequest& request,
                                          const std::string& registration_id,
                                          DeviceCredentials* credentials);
  // The registrationState JSON object of an allowed device; `payload` (may
  // be null) is the device's.
  std::string RegistrationResult(const RegistrationRecord& record,
                                 const DecisionView& decision, bool x509,
                                 const google::protobuf::Value* payload) const;
  std::string SaveOperation(const std::string& registration_id,
                            const std::string& status,
                            const std::string& state_json);
  // Service API (service_api.cc).
  HttpResponse Service(const HttpRequest& request,
                       const std::vector<std::string>& segments);
  HttpResponse Enrollment(const HttpRequest& request, EntryKind kind,
                          const std::vector<std::string>& segments);
  HttpResponse Registrations(const HttpRequest& request,
                             const std::vector<std::string>& segments);
  bool Authorized(const HttpRequest& request, std::string* why) const;
  google::protobuf::Struct RecordJson(const RegistrationRecord& record) const;

  const DpsServiceOptions options_;
  EngineAdapter* const adapter_;
  EnrollmentRepository* const repository_;
  Metrics* const metrics_;
  std::vector<std::unique_ptr<EngineAdapter::Worker>> workers_;
  // One mutex per worker: Handle may be called from threads other than the
  // server's workers (tests), and an Evaluator is single-threaded.
  std::unique_ptr<std::mutex[]> worker_mu_;
  // Registrations handed to the store and not answered yet.
  std::mutex in_flight_mu_;
  std::condition_variable in_flight_cv_;
  int64_t in_flight_ = 0;
  std::mutex operations_mu_;
  std::unordered_map<std::string, Operation> operations_;
  std::deque<std::string> operation_order_;
};

// Shared by the route files.
HttpResponse JsonResponse(int status, std::string body,
                          absl::string_view route);
HttpResponse ErrorResponse(int status, int error_code,
                           absl::string_view message, absl::string_view route);
std::string PercentDecode(absl::string_view text);
// A page of a query answer: honours x-ms-max-item-count and
// x-ms-continuation (an offset), and sets x-ms-continuation when more
// items remain.
HttpResponse QueryPage(const HttpRequest& request,
                       const std::vector<google::protobuf::Struct>& items,
                       absl::string_view route);

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_DPS_SERVICE_H_
