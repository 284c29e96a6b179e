// `chaintrust serve --certificates=FILE`: groups that name their CA by
// reference (caReferences) resolve against the DPS certificate list, and a
// device under a CA the list says is not verified is refused as DPS refuses
// it, while one under a verified CA provisions.
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/serve/dps_service.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

using ::chaintrust::internal::MintLeaf;
using ::chaintrust::internal::MintRoot;
using ::chaintrust::internal::TestCert;
using ::testing::HasSubstr;

constexpr char kScope[] = "0ne00CAREF0";

std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string WriteFile(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(TestDir(), "/", name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

// One entry of `az iot dps certificate list`'s "value".
std::string ListEntry(const std::string& name, const TestCert& cert,
                      bool verified) {
  return absl::StrCat(R"({"name": ")", name,
                      R"(", "etag": "AAAAAAExpNs=", "properties": )",
                      R"({"isVerified": )", verified ? "true" : "false",
                      R"(, "subject": "CN=)", name, R"(", "certificate": ")",
                      absl::StrReplaceAll(cert.Pem(), {{"\n", "\\n"}}), "\"}}");
}

std::string ReferencingGroup(const std::string& id, const std::string& ca) {
  return absl::StrCat(R"({"enrollmentGroupId": ")", id,
                      R"(", "attestation": {"type": "x509", "x509": )",
                      R"({"caReferences": {"primary": ")", ca, "\"}}}}");
}

class CaReferencesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::remove((TestDir() + "/" + name_ + ".db").c_str());
    std::remove((TestDir() + "/" + name_ + ".db.enrollments.json").c_str());
    certificates_ = WriteFile(
        name_ + ".certificates.json",
        absl::StrCat("{\"value\": [", ListEntry("verified", verified_, true),
                     ",", ListEntry("unverified", unverified_, false), "]}"));
  }

  // Opens the adapter with the certificate list and the policy as serve
  // does; the error of whichever step failed.
  absl::Status Start(const std::string& policy_json) {
    AdapterOptions options;
    options.store_path = TestDir() + "/" + name_ + ".db";
    options.certificate_files = {certificates_};
    // A device registers again right after a deny here.
    options.throttle = false;
    auto adapter = EngineAdapter::Create(options);
    if (!adapter.ok()) return adapter.status();
    adapter_ = *std::move(adapter);
    auto policy = adapter_->ReadPolicyAsDpsJson(
        WriteFile(name_ + ".policy.json", policy_json));
    if (!policy.ok()) return policy.status();
    auto repository = EnrollmentRepository::Open(
        adapter_.get(), options.store_path + ".enrollments.json", *policy,
        absl::Now());
    if (!repository.ok()) return repository.status();
    repository_ = *std::move(repository);
    DpsServiceOptions service_options;
    service_options.id_scope = kScope;
    service_options.service_key = "AAAAAAAAAAAAAAAAAAAAAA==";
    service_options.iot_hubs = {"hub-1"};
    service_ = std::make_unique<DpsService>(service_options, adapter_.get(),
                                            repository_.get(), &metrics_, 1);
    return absl::OkStatus();
  }

  HttpResponse Register(const TestCert& leaf) {
    HttpRequest request;
    request.method = "PUT";
    request.target = absl::StrCat("/", kScope, "/registrations/",
                                  leaf.common_name, "/register");
    request.body =
        absl::StrCat("{\"registrationId\":\"", leaf.common_name, "\"}");
    request.peer_chain_der = {leaf.der};
    return service_->Handle(request);
  }

  const TestCert verified_ = MintRoot("Serve Verified CA");
  const TestCert unverified_ = MintRoot("Serve Unverified CA");
  std::string name_, certificates_;
  Metrics metrics_{1};
  std::unique_ptr<EngineAdapter> adapter_;
  std::unique_ptr<EnrollmentRepository> repository_;
  std::unique_ptr<DpsService> service_;
};

TEST_F(CaReferencesTest, UnverifiedCaIsRefusedVerifiedCaProvisions) {
  ASSERT_TRUE(
      Start(absl::StrCat("{\"enrollmentGroups\": [",
                         ReferencingGroup("by-verified", "verified"), ",",
                         ReferencingGroup("by-unverified", "unverified"), "]}"))
          .ok());
  const HttpResponse refused =
      Register(MintLeaf("device-under-unverified", unverified_));
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(refused.reason, "CHAIN_UNVERIFIED");
  auto error = ParseJsonObject(refused.body);
  ASSERT_TRUE(error.ok()) << refused.body;
  EXPECT_EQ(error->fields().at("errorCode").number_value(), 401002);
  EXPECT_THAT(StringField(*error, "message"), HasSubstr("CHAIN_UNVERIFIED"));
  EXPECT_THAT(StringField(*error, "message"), HasSubstr("CA_NOT_VERIFIED"));
  EXPECT_FALSE(StringField(*error, "trackingId").empty());

  const HttpResponse accepted =
      Register(MintLeaf("device-under-verified", verified_));
  EXPECT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(accepted.reason, "ENROLLMENT_GROUP_ENABLED");
}

TEST_F(CaReferencesTest, GroupsAddedLaterResolveAgainstTheList) {
  ASSERT_TRUE(Start("{\"enrollmentGroups\": []}").ok());
  // No group yet: the device has no enrollment.
  const TestCert device = MintLeaf("device-added-later", verified_);
  EXPECT_EQ(Register(device).reason, "NO_ENROLLMENT");
  // A group added as the service API adds it names the listed CA.
  auto later = ParseJsonObject(ReferencingGroup("later", "verified"));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(
      repository_->Put(EntryKind::kGroup, "later", *later, "", absl::Now())
          .http_status,
      200);
  EXPECT_EQ(Register(device).status, 202);
  // A reference to a name the list lacks is refused, naming it.
  auto dangling = ParseJsonObject(ReferencingGroup("dangling", "nope"));
  ASSERT_TRUE(dangling.ok());
  const RepositoryResult unknown = repository_->Put(
      EntryKind::kGroup, "dangling", *dangling, "", absl::Now());
  EXPECT_EQ(unknown.http_status, 400);
  EXPECT_THAT(unknown.message, HasSubstr("nope"));
}

TEST_F(CaReferencesTest, APolicyNamingAnUnlistedCaStopsTheStart) {
  const absl::Status status =
      Start(absl::StrCat("{\"enrollmentGroups\": [",
                         ReferencingGroup("dangling", "not-listed"), "]}"));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("not-listed"));
}

TEST(EngineAdapterCertificatesTest, AnUnreadableListStopsTheStartNamingIt) {
  AdapterOptions options;
  options.store_path = TestDir() + "/certificates-missing.db";
  options.certificate_files = {TestDir() + "/no-such-certificates.json"};
  auto adapter = EngineAdapter::Create(options);
  ASSERT_FALSE(adapter.ok());
  EXPECT_THAT(adapter.status().message(), HasSubstr("--certificates"));
  EXPECT_THAT(adapter.status().message(), HasSubstr("no-such-certificates"));
}

}  // namespace
}  // namespace chaintrust::serve
