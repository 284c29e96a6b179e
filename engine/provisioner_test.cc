// Provisioner: quota, orphaned records, throttling and failing closed when
// the registration store fails.
#include "engine/provisioner.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "engine/policy/enrollment_set.h"
#include "engine/registration_store.h"
#include "engine/registry/memory_registration_store.h"
#include "engine/throttle.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;
using ::testing::HasSubstr;

// Whole seconds, within the validity of freshly minted certificates.
const absl::Time kT0 = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));

// A store whose every operation fails, as a full disk or a lost lock would.
class FailingStore final : public RegistrationStore {
 public:
  absl::StatusOr<RegisterResult> Register(const RegistrationRecord&,
                                          int64_t) override {
    return absl::UnavailableError("disk I/O error");
  }
  absl::StatusOr<RegistrationRecord> Get(absl::string_view) override {
    return absl::UnavailableError("disk I/O error");
  }
  absl::StatusOr<std::vector<RegistrationRecord>> List(
      const RegistrationFilter&) override {
    return absl::UnavailableError("disk I/O error");
  }
  absl::StatusOr<int64_t> Delete(const RegistrationFilter&) override {
    return absl::UnavailableError("disk I/O error");
  }
  absl::StatusOr<int64_t> Count() override {
    return absl::UnavailableError("disk I/O error");
  }
};

bool HasStep(const Decision& d, StepId id, Outcome outcome) {
  for (const ExplanationStep& s : d.explanation()) {
    if (s.step == id && s.outcome == outcome) return true;
  }
  return false;
}

const ExplanationStep* FindStep(const Decision& d, StepId id) {
  for (const ExplanationStep& s : d.explanation()) {
    if (s.step == id) return &s;
  }
  return nullptr;
}

int CountSteps(const Decision& d, StepId id) {
  int n = 0;
  for (const ExplanationStep& s : d.explanation()) n += s.step == id;
  return n;
}

// Per-device throttling with a 10 s first backoff.
absl::StatusOr<std::unique_ptr<Throttle>> PerDeviceThrottle() {
  ThrottleOptions options;
  options.per_id_enabled = true;
  options.initial_backoff = absl::Seconds(10);
  return Throttle::Create(options);
}

// Two X.509 groups, g1 (root1) and g2 (root2); devices are leaves by CN.
class ProvisionerTest : public ::testing::Test {
 protected:
  ProvisionerTest() : root1_(MintRoot("Root 1")), root2_(MintRoot("Root 2")) {
    UseGroups({"g1", "g2"});
  }

  void UseGroups(const std::vector<std::string>& groups) {
    EnrollmentSnapshot::Builder builder;
    for (const std::string& id : groups) {
      EnrollmentGroupSpec g;
      g.group_id = id;
      g.kind = AttestationKind::kX509;
      g.primary_certificate.text = (id == "g1" ? root1_ : root2_).Base64Der();
      builder.AddEnrollmentGroup(std::move(g));
    }
    auto snapshot = std::move(builder).Build();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    engine_.SetSnapshot(*std::move(snapshot));
  }

  const TestCert& Device(const std::string& cn, const TestCert& root) {
    auto it = leaves_.find(cn);
    if (it == leaves_.end()) {
      it = leaves_.emplace(cn, MintLeaf(cn, root)).first;
    }
    return it->second;
  }

  Decision Provision(Provisioner& p, const std::string& cn,
                     const TestCert& root, absl::Time at = kT0,
                     absl::Status* status = nullptr) {
    Attestation a;
    a.chain = {Device(cn, root).der};
    a.at = at;
    Decision d;
    absl::Status s = p.Provision(*evaluator_, a, &d);
    if (status != nullptr) {
      *status = s;
    } else {
      EXPECT_TRUE(s.ok()) << s;
    }
    return d;
  }

  TestCert root1_;
  TestCert root2_;
  std::map<std::string, TestCert> leaves_;
  Engine engine_;
  std::unique_ptr<Evaluator> evaluator_ = engine_.NewEvaluator();
  MemoryRegistrationStore store_;
};

TEST_F(ProvisionerTest, AllowCreatesTheRecord) {
  Provisioner p(&store_, nullptr);
  Decision d = Provision(p, "dev-1", root1_);
  ASSERT_TRUE(d.allowed()) << RenderText(d);
  auto record = store_.Get("dev-1");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->enrollment_kind, RegistrationEnrollmentKind::kGroup);
  EXPECT_EQ(record->enrollment_id, "g1");
  EXPECT_EQ(record->device_id, "dev-1");
  EXPECT_EQ(record->last_updated, kT0);
}

TEST_F(ProvisionerTest, QuotaReachedDeniesNewDevicesOnly) {
  ProvisionerOptions options;
  options.max_registrations = 2;
  Provisioner p(&store_, nullptr, options);
  EXPECT_TRUE(Provision(p, "dev-1", root1_).allowed());
  EXPECT_TRUE(Provision(p, "dev-2", root2_).allowed());

  Decision d = Provision(p, "dev-3", root1_);
  EXPECT_EQ(d.verdict(), Verdict::kDeny);
  EXPECT_EQ(d.reason(), Reason::kQuotaExceeded) << RenderText(d);
  EXPECT_EQ(d.enrollment_id(), "g1");  // who would have allowed it
  EXPECT_TRUE(HasStep(d, StepId::kCheckQuota, Outcome::kFailed));
  const ExplanationStep* quota = FindStep(d, StepId::kCheckQuota);
  ASSERT_NE(quota, nullptr);
  EXPECT_EQ(quota->cause, Cause::kQuotaExceeded);
  EXPECT_EQ(quota->params.value, 2);
  EXPECT_EQ(quota->params.limit, 2);
  EXPECT_EQ(d.cause(), Cause::kQuotaExceeded);
  // The overridden verdict leaves a single, final decide step.
  EXPECT_EQ(d.explanation().back().step, StepId::kDecide);
  EXPECT_EQ(CountSteps(d, StepId::kDecide), 1) << RenderText(d);
  EXPECT_FALSE(store_.Get("dev-3").ok());

  // A known device re-registers, however full the quota.
  Decision again = Provision(p, "dev-1", root1_, kT0 + absl::Minutes(1));
  EXPECT_TRUE(again.allowed()) << RenderText(again);
  EXPECT_EQ(*store_.Count(), 2);
  EXPECT_EQ(store_.Get("dev-1")->last_updated, kT0 + absl::Minutes(1));
}

TEST_F(ProvisionerTest, OrphanedRecordsStillCount) {
  ProvisionerOptions options;
  options.max_registrations = 2;
  Provisioner p(&store_, nullptr, options);
  EXPECT_TRUE(Provision(p, "dev-1", root1_).allowed());
  EXPECT_TRUE(Provision(p, "dev-2", root1_).allowed());

  UseGroups({"g2"});  // g1 deleted; its two records remain
  Decision d = Provision(p, "dev-3", root2_);
  EXPECT_EQ(d.reason(), Reason::kQuotaExceeded) << RenderText(d);
  // The orphaned device itself no longer has an enrollment.
  EXPECT_EQ(Provision(p, "dev-1", root1_).reason(), Reason::kNoEnrollment);
  // Deleting the group's registrations frees the quota.
  auto deleted = store_.Delete(RegistrationFilter::ByEnrollmentGroup("g1"));
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2);
  EXPECT_TRUE(Provision(p, "dev-3", root2_).allowed());
}

TEST_F(ProvisionerTest, ThrottledDeviceGetsRetryAfter) {
  auto throttle = PerDeviceThrottle();
  ASSERT_TRUE(throttle.ok()) << throttle.status();
  ProvisionerOptions options;
  options.max_registrations = 1;
  Provisioner p(&store_, throttle->get(), options);
  EXPECT_TRUE(Provision(p, "dev-1", root1_).allowed());

  // dev-2 is denied for quota; it retries at once and is throttled.
  EXPECT_EQ(Provision(p, "dev-2", root1_).reason(), Reason::kQuotaExceeded);
  Decision d = Provision(p, "dev-2", root1_, kT0 + absl::Seconds(4));
  EXPECT_EQ(d.reason(), Reason::kThrottled) << RenderText(d);
  EXPECT_EQ(d.retry_after(), absl::Seconds(6));
  EXPECT_TRUE(HasStep(d, StepId::kCheckThrottle, Outcome::kFailed));
  EXPECT_EQ(FindStep(d, StepId::kCheckThrottle)->cause, Cause::kThrottled);
  EXPECT_EQ(CountSteps(d, StepId::kDecide), 1) << RenderText(d);
  EXPECT_EQ(d.explanation().back().step, StepId::kDecide);
  EXPECT_EQ(d.registration_id(), "dev-2");
  EXPECT_THAT(RenderJson(d), HasSubstr("\"retryAfterSeconds\":6"));
  // The refused attempt did not lengthen the backoff: at its end, dev-2 is
  // evaluated again (and still denied for quota).
  EXPECT_EQ(Provision(p, "dev-2", root1_, kT0 + absl::Seconds(10)).reason(),
            Reason::kQuotaExceeded);
  // An allowed device is never held back.
  EXPECT_TRUE(Provision(p, "dev-1", root1_, kT0 + absl::Seconds(11)).allowed());
}

TEST_F(ProvisionerTest, StoreErrorFailsClosed) {
  FailingStore failing;
  Provisioner p(&failing, nullptr);
  absl::Status status;
  Decision d = Provision(p, "dev-1", root1_, kT0, &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(d.allowed());
  EXPECT_EQ(d.reason(), Reason::kThrottled) << RenderText(d);
  EXPECT_EQ(d.retry_after(), absl::Seconds(5));
  const ExplanationStep* quota = FindStep(d, StepId::kCheckQuota);
  ASSERT_NE(quota, nullptr);
  EXPECT_EQ(quota->cause, Cause::kStoreError);
  // The typed parameter is the store's own error.
  EXPECT_THAT(quota->params.name, HasSubstr("disk I/O error"));
  EXPECT_EQ(CountSteps(d, StepId::kDecide), 1) << RenderText(d);
}

// Begin and Finish around a write the caller makes (as a front-end does
// with an asynchronous group commit): the record to write, then the
// outcome's verdict and the throttle's bookkeeping.
TEST_F(ProvisionerTest, BeginAndFinishAroundTheCallersWrite) {
  auto throttle = PerDeviceThrottle();
  ASSERT_TRUE(throttle.ok()) << throttle.status();
  Provisioner p(&store_, throttle->get());
  Attestation a;
  a.chain = {Device("dev-1", root1_).der};
  a.at = kT0;

  Decision d;
  RegistrationRecord record;
  ASSERT_TRUE(p.Begin(*evaluator_, a, &d, &record)) << RenderText(d);
  EXPECT_EQ(record.registration_id, "dev-1");
  EXPECT_EQ(record.enrollment_id, "g1");
  EXPECT_EQ(record.last_updated, kT0);
  EXPECT_FALSE(store_.Get("dev-1").ok());  // Begin writes nothing
  ASSERT_TRUE(p.Finish(kT0, store_.Register(record), &d).ok());
  EXPECT_TRUE(d.allowed()) << RenderText(d);

  // A failed write: DENY THROTTLED with the store's error, and a deny the
  // throttle counts, so the device's next attempt is held back.
  ASSERT_TRUE(p.Begin(*evaluator_, a, &d, &record));
  const absl::Status status =
      p.Finish(kT0, absl::UnavailableError("disk I/O error"), &d);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(d.reason(), Reason::kThrottled) << RenderText(d);
  EXPECT_EQ(FindStep(d, StepId::kCheckQuota)->cause, Cause::kStoreError);
  EXPECT_EQ(CountSteps(d, StepId::kDecide), 1) << RenderText(d);
  a.at = kT0 + absl::Seconds(1);
  EXPECT_FALSE(p.Begin(*evaluator_, a, &d, &record));
  EXPECT_EQ(d.reason(), Reason::kThrottled);
  EXPECT_EQ(d.retry_after(), absl::Seconds(9));

  // A full quota reported by the write.
  a.chain = {Device("dev-2", root2_).der};
  ASSERT_TRUE(p.Begin(*evaluator_, a, &d, &record));
  RegisterResult full;
  full.outcome = RegisterOutcome::kQuotaExceeded;
  full.record = record;
  full.registration_count = 1;
  ASSERT_TRUE(p.Finish(kT0, full, &d).ok());
  EXPECT_EQ(d.reason(), Reason::kQuotaExceeded) << RenderText(d);
  EXPECT_EQ(FindStep(d, StepId::kCheckQuota)->params.value, 1);
}

TEST_F(ProvisionerTest, WithoutStoreOrThrottleTheDecisionIsTheEngines) {
  Provisioner p(nullptr, nullptr);
  Decision d = Provision(p, "dev-1", root1_);
  Attestation a;
  a.chain = {Device("dev-1", root1_).der};
  a.at = kT0;
  EXPECT_EQ(RenderJson(d), RenderJson(engine_.Evaluate(a)));
}

// A PEM chain that does not decode is the engine's DENY MALFORMED_CHAIN;
// the provisioner records nothing.
TEST_F(ProvisionerTest, UndecodablePemIsMalformedChain) {
  Provisioner p(&store_, nullptr);
  Attestation a;
  a.chain_pem = "-----BEGIN CERTIFICATE-----\nnot base64!\n";
  a.at = kT0;
  Decision d;
  ASSERT_TRUE(p.Provision(*evaluator_, a, &d).ok());
  EXPECT_EQ(d.reason(), Reason::kMalformedChain) << RenderText(d);
  EXPECT_EQ(d.cause(), Cause::kMalformedPem);
  EXPECT_EQ(d.certificate_index(), 0);
  EXPECT_EQ(*store_.Count(), 0);
}

// An unset validation time is now: a certificate valid now is allowed and
// its record is stamped with the current time.
TEST_F(ProvisionerTest, UnsetTimeMeansNow) {
  Provisioner p(&store_, nullptr);
  Attestation a;
  a.chain = {Device("dev-now", root1_).der};
  const absl::Time before = absl::Now();
  Decision d;
  ASSERT_TRUE(p.Provision(*evaluator_, a, &d).ok());
  ASSERT_TRUE(d.allowed()) << RenderText(d);
  auto record = store_.Get("dev-now");
  ASSERT_TRUE(record.ok());
  // The store keeps microseconds.
  EXPECT_GE(record->last_updated, before - absl::Milliseconds(1));
  EXPECT_LE(record->last_updated, absl::Now());
}

}  // namespace
}  // namespace chaintrust
