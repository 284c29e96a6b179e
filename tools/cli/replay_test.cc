// `chaintrust replay` and `chaintrust registrations` through the binary: the
// scripted scenario of issue 7 (quota reached, group deleted with orphaned
// records, a device re-registering, a device throttled), decision by
// decision, against one durable store across runs.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/internal/json.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli.h"

namespace chaintrust::cli {
namespace {

using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;
using ::testing::HasSubstr;

struct CommandRun {
  int exit_status = -1;
  std::string out;
  std::string err;
};

std::string TmpDir() {
  const char* dir = getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

CommandRun Chaintrust(const std::string& args) {
  const std::string err_path = TmpDir() + "/stderr.txt";
  const std::string command =
      absl::StrCat("tools/cli/chaintrust ", args, " 2>", err_path);
  CommandRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    run.out.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto err = ReadFile(err_path, 1 << 20);
  if (err.ok()) run.err = *err;
  return run;
}

std::string Json(const std::string& s) {
  std::string out;
  internal::AppendJsonString(&out, s);
  return out;
}

// One decision line: "attempt verdict reason[ retryAfter]".
std::vector<std::string> Summaries(const std::string& out) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
    auto json = internal::ParseJson(line);
    if (!json.ok() || !json->is_object()) {
      ADD_FAILURE() << "not a JSON object: " << line;
      continue;
    }
    auto text = [&](const char* key) {
      const internal::JsonValue* value = json->Find(key);
      return value != nullptr && value->is_string() ? value->string_value()
                                                    : std::string("<missing>");
    };
    std::string summary = absl::StrCat(text("attempt"), " ", text("verdict"),
                                       " ", text("reason"));
    if (const internal::JsonValue* retry = json->Find("retryAfterSeconds");
        retry != nullptr) {
      absl::StrAppend(&summary, " retry=", retry->number_value());
    }
    lines.push_back(summary);
  }
  return lines;
}

class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest()
      : root1_(MintRoot("Root 1")),
        root2_(MintRoot("Root 2")),
        t0_(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()))) {
    for (int i = 1; i <= 5; ++i) {
      const std::string cn = absl::StrCat("dev-", i);
      devices_.push_back(MintLeaf(cn, i <= 2 ? root1_ : root2_));
    }
    store_ = TmpDir() + "/registrations.db";
    std::remove(store_.c_str());
    WriteFile(TmpDir() + "/both.json", Policy({"g1", "g2"}));
    WriteFile(TmpDir() + "/g2only.json", Policy({"g2"}));
  }

  std::string Policy(const std::vector<std::string>& groups) const {
    std::string json = "{\"enrollmentGroups\":[";
    for (size_t i = 0; i < groups.size(); ++i) {
      const TestCert& ca = groups[i] == "g1" ? root1_ : root2_;
      absl::StrAppend(
          &json, i > 0 ? "," : "", "{\"enrollmentGroupId\":\"", groups[i],
          "\",\"attestation\":{\"type\":\"x509\",\"x509\":{"
          "\"signingCertificates\":{\"primary\":{\"certificate\":\"",
          ca.Base64Der(), "\"}}}}}");
    }
    return json + "]}";
  }

  // An attempt line for device `n` (1-based) at t0 + `seconds`.
  std::string Attempt(const std::string& id, int n, int seconds) const {
    return absl::StrCat("{\"id\":\"", id, "\",\"at\":\"",
                        FormatRfc3339(t0_ + absl::Seconds(seconds)),
                        "\",\"chain\":", Json(devices_[n - 1].Pem()), "}\n");
  }

  CommandRun Replay(const std::string& policy,
                    const std::vector<std::string>& lines,
                    const std::string& extra = "") {
    const std::string attempts = TmpDir() + "/attempts.jsonl";
    std::string text;
    for (const std::string& line : lines) text += line;
    WriteFile(attempts, text);
    return Chaintrust(absl::StrCat(
        "replay --policy=", TmpDir(), "/", policy, " --store=", store_,
        " --attempts=", attempts, " --max_registrations=3 ", extra));
  }

  TestCert root1_;
  TestCert root2_;
  std::vector<TestCert> devices_;  // dev-1, dev-2 in g1; dev-3..5 in g2
  absl::Time t0_;
  std::string store_;
};

TEST_F(ReplayTest, ScriptedScenario) {
  // 1. Quota reached, a device throttled, a device re-registering.
  CommandRun first =
      Replay("both.json",
             {Attempt("a1", 1, 0), Attempt("a2", 2, 1), Attempt("a3", 3, 2),
              Attempt("a4", 4, 3), Attempt("a5", 4, 3), Attempt("a6", 1, 4),
              Attempt("a7", 4, 5)},
             "--throttle");
  ASSERT_EQ(first.exit_status, 0) << first.err << first.out;
  EXPECT_THAT(Summaries(first.out),
              ::testing::ElementsAre(
                  "a1 ALLOW ENROLLMENT_GROUP_ENABLED",
                  "a2 ALLOW ENROLLMENT_GROUP_ENABLED",
                  "a3 ALLOW ENROLLMENT_GROUP_ENABLED",
                  "a4 DENY QUOTA_EXCEEDED",             // new device, quota 3/3
                  "a5 DENY THROTTLED retry=1",          // retried at once
                  "a6 ALLOW ENROLLMENT_GROUP_ENABLED",  // re-registration
                  "a7 DENY QUOTA_EXCEEDED"))            // backoff over
      << first.out;
  EXPECT_THAT(first.out, HasSubstr("\"step\":\"CHECK_QUOTA\""));
  EXPECT_THAT(first.out, HasSubstr("\"cause\":\"QUOTA_EXCEEDED\""));
  EXPECT_THAT(first.out, HasSubstr("\"step\":\"CHECK_THROTTLE\""));

  CommandRun list = Chaintrust(
      absl::StrCat("registrations list --store=", store_, " --group=g1"));
  ASSERT_EQ(list.exit_status, 0) << list.err;
  EXPECT_EQ(list.out.find("dev-1"), 0u) << list.out;
  EXPECT_THAT(list.out, HasSubstr("dev-2  group:g1  assigned"));
  EXPECT_THAT(list.out, ::testing::Not(HasSubstr("dev-3")));

  // 2. Group g1 deleted from the policy: its records are orphaned and still
  // count, so a new g2 device is refused while a known one re-registers.
  CommandRun second = Replay(
      "g2only.json",
      {Attempt("b1", 5, 10), Attempt("b2", 3, 11), Attempt("b3", 1, 12)});
  ASSERT_EQ(second.exit_status, 0) << second.err << second.out;
  EXPECT_THAT(Summaries(second.out),
              ::testing::ElementsAre("b1 DENY QUOTA_EXCEEDED",
                                     "b2 ALLOW ENROLLMENT_GROUP_ENABLED",
                                     "b3 DENY NO_ENROLLMENT"))
      << second.out;

  // 3. Deleting the orphaned registrations frees the quota.
  CommandRun deleted = Chaintrust(
      absl::StrCat("registrations delete --store=", store_, " --group=g1"));
  ASSERT_EQ(deleted.exit_status, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "deleted 2 registration(s)\n");
  CommandRun third = Replay("g2only.json", {Attempt("c1", 5, 20)});
  ASSERT_EQ(third.exit_status, 0) << third.err << third.out;
  EXPECT_THAT(Summaries(third.out),
              ::testing::ElementsAre("c1 ALLOW ENROLLMENT_GROUP_ENABLED"));

  CommandRun json = Chaintrust(
      absl::StrCat("registrations list --format=json --store=", store_,
                   " --registration_id=DEV-5"));
  ASSERT_EQ(json.exit_status, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"registrationId\":\"dev-5\""));
  EXPECT_THAT(json.out, HasSubstr("\"kind\":\"GROUP\",\"id\":\"g2\""));
}

TEST_F(ReplayTest, BadLineIsAnErrorNamingTheLine) {
  CommandRun run =
      Replay("both.json", {Attempt("a1", 1, 0), "{\"id\":\"a2\"}\n"});
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_THAT(run.err, HasSubstr("attempts.jsonl:2:"));
  EXPECT_THAT(run.err, HasSubstr("\"at\""));
  EXPECT_EQ(run.out, "");  // nothing decided or stored
  CommandRun list =
      Chaintrust(absl::StrCat("registrations list --store=", store_));
  EXPECT_EQ(list.out, "");
}

TEST_F(ReplayTest, DeleteNeedsAFilter) {
  CommandRun run =
      Chaintrust(absl::StrCat("registrations delete --store=", store_));
  EXPECT_EQ(run.exit_status, 2);
  EXPECT_THAT(run.err, HasSubstr("--group"));
}

}  // namespace
}  // namespace chaintrust::cli
