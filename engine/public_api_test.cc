// A front-end's use of chaintrust through the public headers alone (this
// target depends on the public targets only): load a policy, evaluate and
// provision through a throttle and a registration store.
#include <memory>

#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/policy_load_options.h"
#include "engine/policy_loader.h"
#include "engine/provisioner.h"
#include "engine/registration_record.h"
#include "engine/registration_store.h"
#include "engine/throttle.h"
#include "engine/types.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

constexpr char kPolicy[] = R"({
  "individualEnrollments": [{
    "registrationId": "dev-1",
    "provisioningStatus": "enabled",
    "attestation": {"type": "symmetricKey", "symmetricKey": {
      "primaryKey": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
      "secondaryKey": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}}
  }],
  "enrollmentGroups": []
})";

TEST(PublicApiTest, ProvisionsThroughThePublicHeadersOnly) {
  PolicyLoadOptions load_options;
  PolicyLoadReport report;
  auto set = ParseDpsJson(kPolicy, "policy.json", load_options, &report);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(report.ignored_field_count, 0u);
  auto snapshot = BuildSnapshot(*set, "policy.json");
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  Engine engine;
  engine.SetSnapshot(*snapshot);

  ThrottleOptions throttle_options;
  throttle_options.per_id_enabled = true;
  auto throttle = Throttle::Create(throttle_options);
  ASSERT_TRUE(throttle.ok()) << throttle.status();
  RegistrationStoreOpenOptions store_options;
  store_options.create_if_missing = true;
  auto store = OpenRegistrationStore(":memory:", store_options);
  ASSERT_TRUE(store.ok()) << store.status();
  Provisioner provisioner(store->get(), throttle->get());

  auto evaluator = engine.NewEvaluator();
  Attestation attestation;
  attestation.registration_id = "dev-1";
  attestation.sas_token = "SharedAccessSignature sr=x&sig=y&se=1";
  attestation.at = absl::FromUnixSeconds(1748736000);
  Decision first;
  ASSERT_TRUE(provisioner.Provision(*evaluator, attestation, &first).ok());
  EXPECT_FALSE(first.allowed());
  EXPECT_NE(first.reason(), Reason::kThrottled);

  // The deny started the device's backoff: an immediate retry is refused.
  Decision retry;
  ASSERT_TRUE(provisioner.Provision(*evaluator, attestation, &retry).ok());
  EXPECT_EQ(retry.reason(), Reason::kThrottled);
  auto count = (*store)->Count();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

}  // namespace
}  // namespace chaintrust
