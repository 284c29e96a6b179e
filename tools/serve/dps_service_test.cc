// The routes of `chaintrust serve` without sockets: DpsService over a real
// engine, SQLite store and persisted enrollment set in a temporary folder.
#include "tools/serve/dps_service.h"

#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/policy/sas_token.h"
#include "engine/x509/test_certs.h"
#include "engine/x509/test_crl.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::testing::HasSubstr;

constexpr char kScope[] = "0ne00ABCDEF";

std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string HmacB64(absl::string_view key_b64, absl::string_view message) {
  std::string key;
  absl::Base64Unescape(key_b64, &key);
  return absl::Base64Escape(HmacSha256(key, message));
}

class DpsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = absl::StrCat(
        TestDir(), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::remove((dir_ + ".db").c_str());
    std::remove((dir_ + ".db.enrollments.json").c_str());
    Start("{\"individualEnrollments\":[],\"enrollmentGroups\":[]}");
  }

  void Start(const std::string& policy) {
    service_.reset();
    repository_.reset();
    adapter_.reset();
    AdapterOptions options;
    options.store_path = dir_ + ".db";
    options.max_registrations = 3;
    options.crl_files = crl_files_;
    auto adapter = EngineAdapter::Create(options);
    ASSERT_TRUE(adapter.ok()) << adapter.status();
    adapter_ = *std::move(adapter);
    auto repository = EnrollmentRepository::Open(
        adapter_.get(), dir_ + ".db.enrollments.json", policy, absl::Now());
    ASSERT_TRUE(repository.ok()) << repository.status();
    repository_ = *std::move(repository);
    DpsServiceOptions service_options;
    service_options.id_scope = kScope;
    service_options.service_key = service_key_;
    service_options.iot_hubs = {"hub-1", "hub-2", "hub-3"};
    service_ = std::make_unique<DpsService>(service_options, adapter_.get(),
                                            repository_.get(), &metrics_, 1);
  }

  std::string ServiceToken(
      absl::Duration valid = absl::Hours(1),
      const std::string& key_name = "provisioningserviceowner") {
    const std::string se =
        absl::StrCat(absl::ToUnixSeconds(absl::Now() + valid));
    return absl::StrCat("SharedAccessSignature sr=127.0.0.1&sig=",
                        HmacB64(service_key_, absl::StrCat("127.0.0.1\n", se)),
                        "&se=", se, "&skn=", key_name);
  }

  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "",
                    std::map<std::string, std::string> headers = {}) {
    HttpRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.headers = std::move(headers);
    if (!async_) return service_->Handle(request);
    // As the server calls it: a registration is answered from the store's
    // committer thread.
    std::promise<HttpResponse> answered;
    std::future<HttpResponse> answer = answered.get_future();
    service_->HandleAsync(std::move(request),
                          [&answered](HttpResponse response) {
                            answered.set_value(std::move(response));
                          });
    return answer.get();
  }

  HttpResponse Service(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::string& if_match = "") {
    std::map<std::string, std::string> headers = {
        {"authorization", ServiceToken()}};
    if (!if_match.empty()) headers["if-match"] = if_match;
    return Call(method, target, body, headers);
  }

  HttpResponse RegisterSas(const std::string& id, const std::string& raw_key) {
    return Call(
        "PUT",
        absl::StrCat("/", kScope, "/registrations/", id,
                     "/register?api-version=2019-03-31"),
        absl::StrCat("{\"registrationId\":\"", id, "\"}"),
        {{"authorization",
          MakeSasToken(kScope, id, raw_key, absl::Now() + absl::Hours(1))}});
  }

  google::protobuf::Struct Json(const HttpResponse& response) {
    auto parsed = ParseJsonObject(response.body);
    EXPECT_TRUE(parsed.ok()) << response.body;
    return parsed.ok() ? *parsed : google::protobuf::Struct();
  }

  std::string dir_;
  bool async_ = true;  // Call goes through HandleAsync, else Handle
  std::vector<std::string> crl_files_;
  std::string service_key_ = absl::Base64Escape(std::string(32, '\x5a'));
  Metrics metrics_{1};
  std::unique_ptr<EngineAdapter> adapter_;
  std::unique_ptr<EnrollmentRepository> repository_;
  std::unique_ptr<DpsService> service_;
};

std::string SymmetricKeyEnrollment(const std::string& id,
                                   const std::string& key_b64,
                                   const std::string& status = "enabled") {
  return absl::StrCat(
      "{\"registrationId\":\"", id, "\",\"provisioningStatus\":\"", status,
      "\",\"attestation\":{\"type\":\"symmetricKey\",\"symmetricKey\":{"
      "\"primaryKey\":\"",
      key_b64, "\",\"secondaryKey\":\"", key_b64, "\"}}}");
}

TEST_F(DpsServiceTest, UnknownRoutesAndWrongMethods) {
  EXPECT_EQ(Call("GET", "/nowhere").status, 404);
  EXPECT_EQ(Call("PUT", "/0neOTHER/registrations/d1/register").status, 404);
  const HttpResponse wrong =
      Call("GET", absl::StrCat("/", kScope, "/registrations/d1/register"));
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(Json(wrong).fields().at("errorCode").number_value(), 405);
  EXPECT_EQ(
      Call("DELETE", absl::StrCat("/", kScope, "/registrations/d1")).status,
      405);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
  EXPECT_EQ(Call("POST", "/healthz").status, 405);
}

TEST_F(DpsServiceTest, ServiceApiNeedsAValidOwnerToken) {
  EXPECT_EQ(Call("GET", "/enrollments/d1").status, 401);
  EXPECT_EQ(Call("GET", "/enrollments/d1", "",
                 {{"authorization", ServiceToken(absl::Hours(-1))}})
                .status,
            401);
  EXPECT_EQ(
      Call("GET", "/enrollments/d1", "",
           {{"authorization", ServiceToken(absl::Hours(1), "registryRead")}})
          .status,
      401);
  std::string forged = ServiceToken();
  forged.replace(forged.find("sig=") + 4, 4, "AAAA");
  EXPECT_EQ(
      Call("GET", "/enrollments/d1", "", {{"authorization", forged}}).status,
      401);
  EXPECT_EQ(Service("GET", "/enrollments/d1").status, 404);
}

TEST_F(DpsServiceTest, InvalidEnrollmentIsRefusedAndTheOldSetStays) {
  const std::string key = absl::Base64Escape(std::string(32, 'k'));
  ASSERT_EQ(
      Service("PUT", "/enrollments/dev-1", SymmetricKeyEnrollment("dev-1", key))
          .status,
      200);
  const HttpResponse bad =
      Service("PUT", "/enrollments/dev-2",
              SymmetricKeyEnrollment("dev-2", "not base64!"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("dev-2"));
  EXPECT_THAT(bad.body, HasSubstr("primaryKey"));
  EXPECT_EQ(Service("GET", "/enrollments/dev-2").status, 404);
  EXPECT_EQ(RegisterSas("dev-1", std::string(32, 'k')).status, 202);
  EXPECT_EQ(
      Service("PUT", "/enrollments/dev-3", "{\"registrationId\": 7").status,
      400);
  EXPECT_EQ(
      Service("PUT", "/enrollments/dev-3", SymmetricKeyEnrollment("dev-4", key))
          .status,
      400);
}

TEST_F(DpsServiceTest, StaleEtagsGet412) {
  const std::string key = absl::Base64Escape(std::string(32, 'k'));
  const HttpResponse created = Service("PUT", "/enrollments/dev-1",
                                       SymmetricKeyEnrollment("dev-1", key));
  ASSERT_EQ(created.status, 200);
  const std::string etag = StringField(Json(created), "etag");
  ASSERT_FALSE(etag.empty());
  const HttpResponse updated =
      Service("PUT", "/enrollments/dev-1",
              SymmetricKeyEnrollment("dev-1", key, "disabled"), etag);
  ASSERT_EQ(updated.status, 200);
  EXPECT_NE(StringField(Json(updated), "etag"), etag);
  EXPECT_EQ(StringField(Json(updated), "createdDateTimeUtc"),
            StringField(Json(created), "createdDateTimeUtc"));
  EXPECT_EQ(Service("PUT", "/enrollments/dev-1",
                    SymmetricKeyEnrollment("dev-1", key), etag)
                .status,
            412);
  EXPECT_EQ(Service("DELETE", "/enrollments/dev-1", "", etag).status, 412);
  EXPECT_EQ(Service("DELETE", "/enrollments/dev-1", "",
                    StringField(Json(updated), "etag"))
                .status,
            204);
  EXPECT_EQ(Service("DELETE", "/enrollments/dev-1").status, 404);
}

TEST_F(DpsServiceTest, RegisterThenPollTheOperation) {
  const std::string key = std::string(32, 'k');
  ASSERT_EQ(Service("PUT", "/enrollments/dev-1",
                    SymmetricKeyEnrollment("dev-1", absl::Base64Escape(key)))
                .status,
            200);
  const HttpResponse accepted = RegisterSas("dev-1", key);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(StringField(Json(accepted), "status"), "assigning");
  const std::string operation = StringField(Json(accepted), "operationId");
  const HttpResponse polled = Call(
      "GET",
      absl::StrCat("/", kScope, "/registrations/dev-1/operations/", operation));
  ASSERT_EQ(polled.status, 200);
  const auto body = Json(polled);
  EXPECT_EQ(StringField(body, "status"), "assigned");
  const auto& state = body.fields().at("registrationState").struct_value();
  EXPECT_EQ(StringField(state, "registrationId"), "dev-1");
  EXPECT_EQ(StringField(state, "deviceId"), "dev-1");
  EXPECT_EQ(StringField(state, "substatus"), "initialAssignment");
  EXPECT_EQ(StringField(state, "assignedHub"),
            service_->AllocateHub("dev-1", nullptr));
  EXPECT_FALSE(StringField(state, "etag").empty());
  // Another device cannot read the operation.
  EXPECT_EQ(
      Call("GET", absl::StrCat("/", kScope, "/registrations/dev-2/operations/",
                               operation))
          .status,
      404);
  // The service API sees the record.
  const HttpResponse record = Service("GET", "/registrations/dev-1");
  ASSERT_EQ(record.status, 200);
  EXPECT_EQ(StringField(Json(record), "etag"), StringField(state, "etag"));
}

// The blocking Handle and the server's HandleAsync register alike, and an
// asynchronous registration is answered only once its record is in the
// store; concurrent registrations share the quota.
TEST_F(DpsServiceTest, RegistrationsAnswerOnceStoredSyncOrAsync) {
  const std::string key = std::string(32, 'k');
  for (const char* id : {"dev-1", "dev-2", "dev-3", "dev-4", "dev-5"}) {
    ASSERT_EQ(Service("PUT", absl::StrCat("/enrollments/", id),
                      SymmetricKeyEnrollment(id, absl::Base64Escape(key)))
                  .status,
              200);
  }
  async_ = false;
  const HttpResponse blocking = RegisterSas("dev-1", key);
  ASSERT_EQ(blocking.status, 202) << blocking.body;
  async_ = true;
  // Three at once for the two places left of the quota (3).
  std::vector<std::promise<std::pair<int, bool>>> answered(3);
  std::vector<std::thread> devices;
  for (int i = 0; i < 3; ++i) {
    devices.emplace_back([&, i] {
      const std::string id = absl::StrCat("dev-", i + 2);
      HttpRequest request;
      request.method = "PUT";
      request.target =
          absl::StrCat("/", kScope, "/registrations/", id, "/register");
      request.body = absl::StrCat("{\"registrationId\":\"", id, "\"}");
      request.headers["authorization"] =
          MakeSasToken(kScope, id, key, absl::Now() + absl::Hours(1));
      service_->HandleAsync(
          std::move(request), [&, i, id](HttpResponse response) {
            // Durable before acknowledged: the record is readable by now.
            const bool stored = adapter_->store().Get(id).ok();
            answered[i].set_value({response.status, stored});
          });
    });
  }
  for (std::thread& device : devices) device.join();
  int accepted = 0, over_quota = 0;
  for (auto& answer : answered) {
    const auto [status, stored] = answer.get_future().get();
    if (status == 202) {
      ++accepted;
      EXPECT_TRUE(stored);
    } else {
      EXPECT_EQ(status, 403);
      EXPECT_FALSE(stored);
      ++over_quota;
    }
  }
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(over_quota, 1);
  EXPECT_EQ(*adapter_->store().Count(), 3);
  // A known device re-registers within the full quota, either way.
  EXPECT_EQ(RegisterSas("dev-1", key).status, 202);
  async_ = false;
  EXPECT_EQ(RegisterSas("dev-1", key).status, 202);
  EXPECT_EQ(RegisterSas("dev-5", key).status, 403);
}

// An individual symmetric-key enrollment of `id` on `hub` with
// `reprovision` as its reprovisionPolicy (JSON; empty: none).
std::string EnrollmentOnHub(const std::string& id, const std::string& key_b64,
                            const std::string& hub,
                            const std::string& reprovision) {
  std::string json = SymmetricKeyEnrollment(id, key_b64);
  json.pop_back();
  absl::StrAppend(&json, ",\"allocationPolicy\":\"hashed\",\"iotHubs\":[\"",
                  hub, "\"]");
  if (!reprovision.empty()) {
    absl::StrAppend(&json, ",\"reprovisionPolicy\":", reprovision);
  }
  return json + "}";
}

TEST_F(DpsServiceTest, ReRegistrationFollowsTheReprovisionPolicy) {
  const std::string key = std::string(32, 'k');
  const std::string key_b64 = absl::Base64Escape(key);
  // Registers dev-1 and returns its registration state as polled.
  auto reregister = [&] {
    const HttpResponse accepted = RegisterSas("dev-1", key);
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    const HttpResponse polled = Call(
        "GET", absl::StrCat("/", kScope, "/registrations/dev-1/operations/",
                            StringField(Json(accepted), "operationId")));
    EXPECT_EQ(polled.status, 200);
    const auto body = Json(polled);
    auto state = body.fields().find("registrationState");
    return state == body.fields().end() ? google::protobuf::Struct()
                                        : state->second.struct_value();
  };
  auto enroll = [&](const std::string& hub, const std::string& reprovision) {
    const HttpResponse current = Service("GET", "/enrollments/dev-1");
    const std::string etag =
        current.status == 200 ? StringField(Json(current), "etag") : "";
    ASSERT_EQ(Service("PUT", "/enrollments/dev-1",
                      EnrollmentOnHub("dev-1", key_b64, hub, reprovision), etag)
                  .status,
              200);
  };
  enroll("hub-a", "");
  auto state = reregister();
  EXPECT_EQ(StringField(state, "assignedHub"), "hub-a");
  EXPECT_EQ(StringField(state, "substatus"), "initialAssignment");

  // Never re-provision: the device stays on its hub.
  enroll("hub-b", "{\"updateHubAssignment\":false,\"migrateDeviceData\":true}");
  state = reregister();
  EXPECT_EQ(StringField(state, "assignedHub"), "hub-a");
  EXPECT_EQ(StringField(state, "substatus"), "initialAssignment");

  // Re-provision and reset to the initial configuration.
  enroll("hub-b", "{\"updateHubAssignment\":true,\"migrateDeviceData\":false}");
  state = reregister();
  EXPECT_EQ(StringField(state, "assignedHub"), "hub-b");
  EXPECT_EQ(StringField(state, "substatus"), "deviceDataReset");
  // The same hub again: nothing moves, the substatus stays.
  state = reregister();
  EXPECT_EQ(StringField(state, "assignedHub"), "hub-b");
  EXPECT_EQ(StringField(state, "substatus"), "deviceDataReset");

  // Re-provision and migrate (also the default without a policy).
  enroll("hub-c", "");
  state = reregister();
  EXPECT_EQ(StringField(state, "assignedHub"), "hub-c");
  EXPECT_EQ(StringField(state, "substatus"), "deviceDataMigrated");

  // The record keeps the hub: the lookup and the service API report it
  // even after the enrollment moved on.
  enroll("hub-d", "{\"updateHubAssignment\":false}");
  const HttpResponse record = Service("GET", "/registrations/dev-1");
  ASSERT_EQ(record.status, 200);
  EXPECT_EQ(StringField(Json(record), "assignedHub"), "hub-c");
  EXPECT_EQ(StringField(Json(record), "substatus"), "deviceDataMigrated");
}

TEST_F(DpsServiceTest, AssignWithoutAnEnrollmentOrAPreviousHub) {
  RegistrationRecord record;
  record.registration_id = "dev-9";
  service_->Assign(nullptr, nullptr, &record);
  EXPECT_EQ(record.assigned_hub, service_->AllocateHub("dev-9", nullptr));
  EXPECT_EQ(record.substatus, RegistrationSubstatus::kInitialAssignment);
  // A previous record without a hub (stored before hubs were): the
  // allocation, and the substatus it had.
  RegistrationRecord previous = record;
  previous.assigned_hub = "";
  previous.substatus = RegistrationSubstatus::kDeviceDataReset;
  RegistrationRecord next;
  next.registration_id = "dev-9";
  service_->Assign(nullptr, &previous, &next);
  EXPECT_EQ(next.assigned_hub, service_->AllocateHub("dev-9", nullptr));
  EXPECT_EQ(next.substatus, RegistrationSubstatus::kDeviceDataReset);
}

TEST_F(DpsServiceTest, BulkEnrollmentOperationsGet405) {
  for (const char* target : {"/enrollments", "/enrollmentGroups",
                             "/enrollments?api-version=2021-10-01"}) {
    const HttpResponse bulk =
        Service("POST", target,
                "{\"mode\":\"create\",\"enrollments\":[{\"registrationId\":"
                "\"dev-1\"}]}");
    EXPECT_EQ(bulk.status, 405) << target;
    const auto body = Json(bulk);
    EXPECT_EQ(body.fields().at("errorCode").number_value(), 405) << target;
    EXPECT_THAT(StringField(body, "message"), HasSubstr("bulk")) << target;
    EXPECT_FALSE(StringField(body, "trackingId").empty()) << target;
  }
  // Nothing was created.
  EXPECT_EQ(Service("GET", "/enrollments/dev-1").status, 404);
}

TEST(EngineAdapterTest, AnUnreadableCrlStopsTheStartNamingTheFile) {
  AdapterOptions options;
  options.store_path = TestDir() + "/crl.db";
  options.crl_files = {TestDir() + "/no-such.crl"};
  auto adapter = EngineAdapter::Create(options);
  ASSERT_FALSE(adapter.ok());
  EXPECT_THAT(adapter.status().message(), HasSubstr("--crl"));
  EXPECT_THAT(adapter.status().message(), HasSubstr("no-such.crl"));
}

TEST_F(DpsServiceTest, ARevokedX509DeviceIsRefusedItsSiblingIsNot) {
  const internal::TestCert root = internal::MintRoot("Serve CRL Root");
  internal::TestCertOptions revoked_options;
  revoked_options.common_name = "revoked-dev";
  revoked_options.is_ca = false;
  revoked_options.serial = 0x5eed01;
  const internal::TestCert revoked =
      internal::MintCertificate(revoked_options, &root);
  const internal::TestCert sibling = internal::MintLeaf("sibling-dev", root);
  internal::TestCrlOptions crl_options;
  crl_options.revoked_serials = {revoked_options.serial};
  const std::string crl_path = dir_ + ".crl.pem";
  {
    std::ofstream out(crl_path, std::ios::binary);
    out << internal::CrlPem(internal::MintCrl(crl_options, root));
  }
  crl_files_ = {crl_path};
  Start("{\"individualEnrollments\":[],\"enrollmentGroups\":[]}");
  std::string escaped;
  for (char c : root.Pem()) {
    escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  ASSERT_EQ(Service("PUT", "/enrollmentGroups/grp",
                    absl::StrCat(
                        "{\"enrollmentGroupId\":\"grp\",\"attestation\":{"
                        "\"type\":\"x509\",\"x509\":{\"signingCertificates\":{"
                        "\"primary\":{\"certificate\":\"",
                        escaped, "\"}}}}}"))
                .status,
            200);
  const auto register_device = [&](const internal::TestCert& leaf) {
    HttpRequest request;
    request.method = "PUT";
    request.target = absl::StrCat("/", kScope, "/registrations/",
                                  leaf.common_name, "/register");
    request.peer_chain_der = {leaf.der};
    return service_->Handle(request);
  };
  const HttpResponse refused = register_device(revoked);
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("CERTIFICATE_REVOKED"));
  const HttpResponse accepted = register_device(sibling);
  EXPECT_EQ(accepted.status, 202) << accepted.body;
}
TEST_F(DpsServiceTest, DeniesMapToDpsAnswers) {
  const std::string key = std::string(32, 'k');
  ASSERT_EQ(Service("PUT", "/enrollments/dev-1",
                    SymmetricKeyEnrollment("dev-1", absl::Base64Escape(key)))
                .status,
            200);
  ASSERT_EQ(Service("PUT", "/enrollments/dev-off",
                    SymmetricKeyEnrollment("dev-off", absl::Base64Escape(key),
                                           "disabled"))
                .status,
            200);
  const HttpResponse wrong = RegisterSas("dev-1", std::string(32, 'x'));
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Json(wrong).fields().at("errorCode").number_value(), 401002);
  EXPECT_THAT(StringField(Json(wrong), "message"),
              HasSubstr("ATTESTATION_MISMATCH"));
  const HttpResponse throttled = RegisterSas("dev-1", std::string(32, 'x'));
  EXPECT_EQ(throttled.status, 429);
  bool has_retry_after = false;
  for (const auto& [name, value] : throttled.headers) {
    if (name == "Retry-After") has_retry_after = value == "1";
  }
  EXPECT_TRUE(has_retry_after);
  // A disabled enrollment: accepted, and the operation says "disabled".
  const HttpResponse accepted = RegisterSas("dev-off", key);
  ASSERT_EQ(accepted.status, 202);
  const HttpResponse polled = Call(
      "GET", absl::StrCat("/", kScope, "/registrations/dev-off/operations/",
                          StringField(Json(accepted), "operationId")));
  EXPECT_EQ(StringField(Json(polled), "status"), "disabled");
  EXPECT_THAT(polled.body, HasSubstr("INDIVIDUAL_ENROLLMENT_DISABLED"));
  // Malformed body, and no credentials at all.
  EXPECT_EQ(
      Call("PUT", absl::StrCat("/", kScope, "/registrations/dev-1/register"),
           "{")
          .status,
      400);
  EXPECT_EQ(
      Call("PUT", absl::StrCat("/", kScope, "/registrations/dev-1/register"),
           "{}")
          .status,
      401);
  EXPECT_THAT(
      Call("GET", "/metrics").body,
      HasSubstr(
          "chaintrust_decisions_total{reason=\"ATTESTATION_MISMATCH\"} 1"));
}

TEST_F(DpsServiceTest, X509DeviceThroughAGroup) {
  const internal::TestCert root = internal::MintRoot("Serve Test Root");
  const internal::TestCert leaf = internal::MintLeaf("x509-dev", root);
  std::string pem = root.Pem();
  std::string escaped;
  for (char c : pem)
    escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  ASSERT_EQ(Service("PUT", "/enrollmentGroups/grp",
                    absl::StrCat(
                        "{\"enrollmentGroupId\":\"grp\",\"attestation\":{"
                        "\"type\":\"x509\",\"x509\":{\"signingCertificates\":{"
                        "\"primary\":{\"certificate\":\"",
                        escaped,
                        "\"}}}},\"allocationPolicy\":\"static\","
                        "\"iotHubHostName\":\"static-hub\"}"))
                .status,
            200);
  HttpRequest request;
  request.method = "PUT";
  request.target =
      absl::StrCat("/", kScope, "/registrations/x509-dev/register");
  request.peer_chain_der = {leaf.der};
  const HttpResponse accepted = service_->Handle(request);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const HttpResponse polled = Call(
      "GET", absl::StrCat("/", kScope, "/registrations/x509-dev/operations/",
                          StringField(Json(accepted), "operationId")));
  const auto body = Json(polled);
  const auto& state = body.fields().at("registrationState").struct_value();
  EXPECT_EQ(StringField(state, "assignedHub"), "static-hub");
  EXPECT_EQ(StringField(state.fields().at("x509").struct_value(),
                        "enrollmentGroupId"),
            "grp");
  // The status lookup authenticates the same way.
  request.method = "POST";
  request.target = absl::StrCat("/", kScope, "/registrations/x509-dev");
  EXPECT_EQ(service_->Handle(request).status, 200);
  // The group's registrations.
  const HttpResponse query =
      Service("POST", "/registrations/grp/query", "{\"query\":\"*\"}");
  ASSERT_EQ(query.status, 200);
  EXPECT_THAT(query.body, HasSubstr("x509-dev"));
}

TEST_F(DpsServiceTest, ChangesSurviveARestart) {
  const std::string key = absl::Base64Escape(std::string(32, 'k'));
  ASSERT_EQ(
      Service("PUT", "/enrollments/dev-1", SymmetricKeyEnrollment("dev-1", key))
          .status,
      200);
  const std::string etag =
      StringField(Json(Service("GET", "/enrollments/dev-1")), "etag");
  // The restart starts from the persisted set, not from --policy.
  Start("{\"individualEnrollments\":[],\"enrollmentGroups\":[]}");
  const HttpResponse after = Service("GET", "/enrollments/dev-1");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(StringField(Json(after), "etag"), etag);
}

TEST_F(DpsServiceTest, QueriesPage) {
  const std::string key = absl::Base64Escape(std::string(32, 'k'));
  for (const char* id : {"a", "b", "c"}) {
    ASSERT_EQ(Service("PUT", absl::StrCat("/enrollments/", id),
                      SymmetricKeyEnrollment(id, key))
                  .status,
              200);
  }
  HttpRequest request;
  request.method = "POST";
  request.target = "/enrollments/query";
  request.headers = {{"authorization", ServiceToken()},
                     {"x-ms-max-item-count", "2"}};
  HttpResponse first = service_->Handle(request);
  ASSERT_EQ(first.status, 200);
  std::string continuation;
  for (const auto& [name, value] : first.headers) {
    if (name == "x-ms-continuation") continuation = value;
  }
  EXPECT_EQ(continuation, "2");
  request.headers["x-ms-continuation"] = continuation;
  HttpResponse second = service_->Handle(request);
  EXPECT_THAT(second.body, HasSubstr("\"c\""));
  for (const auto& [name, value] : second.headers)
    EXPECT_NE(name, "x-ms-continuation");
}

TEST_F(DpsServiceTest, HashedAllocationIsStableAndSpreads) {
  std::map<std::string, int> counts;
  for (int i = 0; i < 300; ++i) {
    const std::string id = absl::StrCat("device-", i);
    const std::string hub = service_->AllocateHub(id, nullptr);
    EXPECT_EQ(hub, service_->AllocateHub(absl::AsciiStrToUpper(id), nullptr));
    ++counts[hub];
  }
  ASSERT_EQ(counts.size(), 3u);
  for (const auto& [hub, count] : counts) EXPECT_GT(count, 60) << hub;
}

struct MapCase {
  const char* reason;
  bool store_error;
  int http_status;
  int error_code;
  bool disabled;
};

class MapDenyTest : public ::testing::TestWithParam<MapCase> {};

TEST_P(MapDenyTest, FollowsTheTable) {
  DecisionView view;
  view.reason = GetParam().reason;
  view.store_error = GetParam().store_error;
  view.retry_after = absl::Milliseconds(1500);
  const DenyAnswer answer = MapDeny(view);
  EXPECT_EQ(answer.http_status, GetParam().http_status);
  EXPECT_EQ(answer.error_code, GetParam().error_code);
  EXPECT_EQ(answer.operation_disabled, GetParam().disabled);
  EXPECT_THAT(answer.message, HasSubstr(GetParam().reason));
  if (answer.http_status == 429 || answer.http_status == 503) {
    EXPECT_EQ(answer.retry_after_seconds, 2);
  } else {
    EXPECT_EQ(answer.retry_after_seconds, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, MapDenyTest,
    ::testing::Values(
        MapCase{"INDIVIDUAL_ENROLLMENT_DISABLED", false, 200, 401002, true},
        MapCase{"ENROLLMENT_GROUP_DISABLED", false, 200, 401002, true},
        MapCase{"NO_ENROLLMENT", false, 401, 401002, false},
        MapCase{"ATTESTATION_MISMATCH", false, 401, 401002, false},
        MapCase{"CHAIN_UNVERIFIED", false, 401, 401002, false},
        MapCase{"CERTIFICATE_EXPIRED", false, 401, 401002, false},
        MapCase{"MALFORMED_CHAIN", false, 401, 401002, false},
        MapCase{"INVALID_REGISTRATION_ID", false, 400, 400, false},
        MapCase{"QUOTA_EXCEEDED", false, 403, 403, false},
        MapCase{"THROTTLED", false, 429, 429, false},
        MapCase{"THROTTLED", true, 503, 503, false}));

}  // namespace
}  // namespace chaintrust::serve
