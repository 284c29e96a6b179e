// A running provisioner over a real SQLite store: when the store fails, the
// attempt is DENY THROTTLED with the retry hint and nothing is recorded;
// every ALLOW it answers has its record on disk.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/engine.h"
#include "engine/policy/enrollment_set.h"
#include "engine/provisioner.h"
#include "engine/registration_store.h"
#include "engine/x509/test_certs.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;

const absl::Time kT0 = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));

std::string TempPath(absl::string_view name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, "-", getpid(),
                      ".db");
}

TEST(ProvisionerStoreTest, StoreFailureIsDenyThrottledAndRecordsNothing) {
  const TestCert root = MintRoot("Root");
  Engine engine;
  {
    EnrollmentSnapshot::Builder builder;
    EnrollmentGroupSpec group;
    group.group_id = "g";
    group.kind = AttestationKind::kX509;
    group.primary_certificate.text = root.Base64Der();
    builder.AddEnrollmentGroup(std::move(group));
    auto snapshot = std::move(builder).Build();
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    engine.SetSnapshot(*std::move(snapshot));
  }
  const std::string path = TempPath("provisioner");
  RegistrationStoreOpenOptions open_options;
  open_options.create_if_missing = true;
  open_options.busy_timeout = absl::Milliseconds(50);
  auto store = OpenRegistrationStore(path, open_options);
  ASSERT_TRUE(store.ok()) << store.status();
  ProvisionerOptions options;
  options.store_error_retry_after = absl::Seconds(7);
  Provisioner provisioner(store->get(), nullptr, options);
  auto evaluator = engine.NewEvaluator();

  auto provision = [&](const std::string& cn, absl::Status* status) {
    const TestCert leaf = MintLeaf(cn, root);  // outlives the attestation
    Attestation attestation;
    attestation.chain = {leaf.der};
    attestation.at = kT0;
    Decision decision;
    *status = provisioner.Provision(*evaluator, attestation, &decision);
    return decision;
  };

  // Another process holds the store's write lock past the busy timeout.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK);
  absl::Status status;
  Decision denied = provision("dev-1", &status);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_FALSE(denied.allowed());
  EXPECT_EQ(denied.reason(), Reason::kThrottled) << RenderText(denied);
  EXPECT_EQ(denied.retry_after(), absl::Seconds(7));
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ((*store)->Get("dev-1").status().code(),
            absl::StatusCode::kNotFound);

  // The store works again: the retry is allowed and recorded.
  Decision allowed = provision("dev-1", &status);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(allowed.allowed()) << RenderText(allowed);
  store->reset();  // close, then read what is on disk
  RegistrationStoreOpenOptions read_only;
  read_only.read_only = true;
  auto reopened = OpenRegistrationStore(path, read_only);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto record = (*reopened)->Get("dev-1");
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(record->enrollment_id, "g");
}

}  // namespace
}  // namespace chaintrust
