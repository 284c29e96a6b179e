// A provisioning front-end embedding chaintrust, as a compiled and tested
// example: load an enrollment set, attest devices from several threads,
// read the decisions, and swap in a changed set while attesting.
//
// The fleet is testdata/scenarios/fleet (see testdata/README.md):
// fleet-dev-001 is a factory-A device under the enabled group
// "contoso-factory-a".
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "engine/x509/certificate.h"
#include "gtest/gtest.h"
#include "proto/enrollment.pb.h"

namespace {

constexpr char kPolicy[] = "testdata/scenarios/fleet/policy.json";
constexpr char kDevice[] = "testdata/scenarios/fleet/fleet-dev-001.pem";

// What a front-end does with a decision: provision or refuse, and log why.
struct Outcome {
  bool provisioned = false;
  std::string log;
};

Outcome Handle(const chaintrust::Decision& decision) {
  Outcome outcome;
  outcome.provisioned = decision.allowed();
  outcome.log = chaintrust::RenderJson(decision);  // for the audit log
  return outcome;
}

TEST(ExampleFrontend, AttestsAndSwapsPolicies) {
  // 1. Load the enrollment set (DPS JSON, as exported) and activate it.
  auto snapshot = chaintrust::LoadSnapshotFile(kPolicy);
  ASSERT_TRUE(snapshot.ok()) << snapshot.status();
  chaintrust::Engine engine;
  engine.SetSnapshot(*snapshot);

  // 2. The device's TLS handshake gave us its chain (PEM here).
  std::ifstream file(kDevice);
  std::stringstream pem;
  pem << file.rdbuf();
  ASSERT_TRUE(file) << kDevice;
  auto chain_der = chaintrust::PemToDer(pem.str());
  ASSERT_TRUE(chain_der.ok()) << chain_der.status();
  chaintrust::Attestation attestation;
  attestation.chain.assign(chain_der->begin(), chain_der->end());
  attestation.at = absl::FromUnixSeconds(1748736000);  // 2025-06-01T00:00:00Z

  // 3. Attest from worker threads, one Evaluator each.
  std::vector<Outcome> outcomes(2);
  std::vector<std::thread> workers;
  for (auto& outcome : outcomes) {
    workers.emplace_back([&engine, &attestation, &outcome] {
      auto evaluator = engine.NewEvaluator();
      chaintrust::Decision decision;
      for (int i = 0; i < 100; ++i) evaluator->Evaluate(attestation, &decision);
      outcome = Handle(decision);
    });
  }
  for (auto& w : workers) w.join();
  for (const auto& outcome : outcomes) {
    EXPECT_TRUE(outcome.provisioned) << outcome.log;
  }
  chaintrust::Decision decision = engine.Evaluate(attestation);
  EXPECT_EQ(decision.reason(), chaintrust::Reason::kEnrollmentGroupEnabled);
  EXPECT_EQ(decision.enrollment_id(), "contoso-factory-a");
  EXPECT_EQ(decision.registration_id(), "fleet-dev-001");

  // 4. The operator disables factory A's group: edit the set, rebuild it,
  //    swap it in. A set that fails validation would leave the old active.
  auto set = chaintrust::LoadEnrollmentSetFile(kPolicy);
  ASSERT_TRUE(set.ok()) << set.status();
  bool found = false;
  for (auto& group : *set->mutable_enrollment_groups()) {
    if (group.enrollment_group_id() == "contoso-factory-a") {
      group.set_provisioning_status(chaintrust::v1::DISABLED);
      found = true;
    }
  }
  ASSERT_TRUE(found);
  auto changed = chaintrust::BuildSnapshot(*set, "edited policy");
  ASSERT_TRUE(changed.ok()) << changed.status();
  engine.SetSnapshot(*changed);

  decision = engine.Evaluate(attestation);
  EXPECT_FALSE(Handle(decision).provisioned);
  EXPECT_EQ(decision.reason(), chaintrust::Reason::kEnrollmentGroupDisabled);
  EXPECT_EQ(decision.enrollment_id(), "contoso-factory-a");

  // 5. A broken set is rejected and the active one stays.
  chaintrust::v1::EnrollmentSet broken = *set;
  broken.add_enrollment_groups()->set_enrollment_group_id("contoso-factory-a");
  EXPECT_FALSE(chaintrust::BuildSnapshot(broken, "broken policy").ok());
  EXPECT_EQ(engine.Evaluate(attestation).reason(),
            chaintrust::Reason::kEnrollmentGroupDisabled);
}

}  // namespace
