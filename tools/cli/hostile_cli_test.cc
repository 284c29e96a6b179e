// The command line against careless and hostile input: outputs that name an
// input, unbounded or odd input files, contradictory flags. Each case runs
// the binary and checks the exit status, the message, and that every input
// file is byte-for-byte unchanged afterwards.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/cli/cli_testing.h"

namespace chaintrust::cli {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAt[] = " --at=2025-06-01T00:00:00Z";

class HostileCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = absl::StrCat(
        ::testing::TempDir(), "/hostile-",
        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    devices_ = root_ + "/devices";
    fs::create_directories(devices_);
    // Writable copies of the fleet scenario: a tool that overwrote them
    // would be caught below without touching the runfiles.
    for (const auto& entry :
         fs::directory_iterator("testdata/scenarios/fleet")) {
      const std::string name = entry.path().filename().string();
      if (name == "policy.json") {
        fs::copy_file(entry.path(), root_ + "/policy.json");
      } else if (entry.path().extension() == ".pem") {
        fs::copy_file(entry.path(), devices_ + "/" + name);
      }
    }
    policy_ = root_ + "/policy.json";
    jsonl_ = root_ + "/devices.jsonl";
    std::string jsonl;
    for (const auto& entry : fs::directory_iterator(devices_)) {
      absl::StrAppend(
          &jsonl, "{\"id\":\"", entry.path().stem().string(), "\",\"chain\":\"",
          absl::StrReplaceAll(ReadAll(entry.path()), {{"\n", "\\n"}}), "\"}\n");
    }
    Write(jsonl_, jsonl);
    before_ = Contents();
  }

  void TearDown() override {
    EXPECT_EQ(Contents(), before_) << "an input file changed";
  }

  static void Write(const std::string& path, const std::string& text) {
    FILE* f = fopen(path.c_str(), "wb");
    fwrite(text.data(), 1, text.size(), f);
    fclose(f);
  }

  // Every regular file under root_, by path.
  std::map<std::string, std::string> Contents() const {
    std::map<std::string, std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(root_)) {
      if (entry.is_regular_file() && !entry.is_symlink()) {
        out[entry.path().string()] = ReadAll(entry.path());
      }
    }
    return out;
  }

  // Runs and expects a usage/input error (exit 2) whose stderr says
  // `message`, with nothing on stdout.
  void ExpectError(const std::string& args, const std::string& message) {
    CliRun run = Chaintrust(args, 20);
    EXPECT_EQ(run.status, 2) << args << "\n" << run.output();
    EXPECT_THAT(run.err, HasSubstr(message)) << args;
    EXPECT_EQ(run.out, "") << args;
  }

  std::string root_, devices_, policy_, jsonl_;
  std::map<std::string, std::string> before_;
};

TEST_F(HostileCliTest, OutNamingAnInputIsRefused) {
  const std::string corpus = absl::StrCat(" --devices=", devices_, kAt);
  const std::string same = "refusing to overwrite an input";
  for (const std::string& out : {policy_, jsonl_}) {
    ExpectError(absl::StrCat("audit --policy=", policy_, " --devices=", jsonl_,
                             kAt, " --out=", out),
                same);
    ExpectError(absl::StrCat("whatif --policy=", policy_,
                             " --disable=contoso-root --devices=", jsonl_, kAt,
                             " --out=", out),
                same);
    ExpectError(absl::StrCat("diff --before=", policy_, " --after=", policy_,
                             " --devices=", jsonl_, kAt, " --out=", out),
                same);
  }
  ExpectError(absl::StrCat("graph --policy=", policy_, " --format=json",
                           " --out=", policy_),
              "");  // refused for its extension or as an input
  const std::string dot = root_ + "/policy.dot";
  fs::create_symlink(policy_, dot);
  ExpectError(absl::StrCat("graph --policy=", policy_, " --out=", dot), same);
  // A symlink to the input is the input.
  const std::string link = root_ + "/link.jsonl";
  fs::create_symlink(policy_, link);
  ExpectError(absl::StrCat("audit --policy=", policy_, corpus, " --out=", link),
              same);
  // Inside the corpus directory, even as a new file.
  ExpectError(absl::StrCat("audit --policy=", policy_, corpus,
                           " --out=", devices_, "/decisions.jsonl"),
              "lies inside the input directory");
  ExpectError(
      absl::StrCat("whatif --policy=", policy_, " --delete=contoso-root",
                   corpus, " --out=", devices_, "/./x.jsonl"),
      "lies inside the input directory");
  EXPECT_FALSE(fs::exists(devices_ + "/decisions.jsonl"));
  ExpectError(
      absl::StrCat("audit --policy=", policy_, corpus, " --out=", devices_),
      "is a directory");
}

// A failure half way leaves no partial output and an earlier output intact.
TEST_F(HostileCliTest, FailedRunLeavesNoHalfWrittenOutput) {
  const std::string bad = root_ + "/bad.jsonl";
  Write(bad, absl::StrCat(ReadAll(jsonl_), "not json\n"));
  before_[bad] = ReadAll(bad);
  const std::string out = root_ + "/out.jsonl";
  ExpectError(absl::StrCat("audit --policy=", policy_, " --devices=", bad, kAt,
                           " --out=", out),
              "bad.jsonl:11: not a JSON object");
  EXPECT_FALSE(fs::exists(out));
  Write(out, "earlier\n");
  before_[out] = "earlier\n";
  ExpectError(absl::StrCat("whatif --policy=", policy_,
                           " --disable=contoso-root --devices=", bad, kAt,
                           " --out=", out),
              "bad.jsonl:11");
  for (const auto& entry : fs::directory_iterator(root_)) {
    EXPECT_THAT(entry.path().filename().string(), Not(HasSubstr(".tmp-")));
  }
}

TEST_F(HostileCliTest, ChainReadsAreBounded) {
  const std::string decide =
      absl::StrCat("decide --policy=", policy_, kAt, " --chain=");
  ExpectError(decide + "/dev/zero", "is a character device");
  ExpectError(decide + devices_, "is a directory, not a regular file");
  CliRun run = Chaintrust(decide + devices_);
  EXPECT_THAT(run.err, Not(HasSubstr("the file is empty")));
  const std::string fifo = root_ + "/fifo.pem";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ExpectError(decide + fifo, "is a FIFO");  // and does not wait for a writer
  const std::string big = root_ + "/big.pem";
  Write(big, std::string(1 << 20, 'A'));
  before_[big] = ReadAll(big);
  ExpectError(decide + big, "larger than the limit of");
  ExpectError(absl::StrCat("decide --policy=", devices_, " --chain=", devices_,
                           "/fleet-dev-001.pem"),
              "is a directory");
  ExpectError(absl::StrCat("audit --policy=/dev/zero --devices=", devices_),
              "is a character device");
}

TEST_F(HostileCliTest, CorporaThatAreNotCorpora) {
  const std::string empty = root_ + "/empty";
  fs::create_directories(empty);
  ExpectError(absl::StrCat("audit --policy=", policy_, " --devices=", empty),
              "holds no device chain files");
  ExpectError(absl::StrCat("audit --policy=", policy_, " --devices=", devices_,
                           "/fleet-dev-001.pem"),
              "a single chain file is not a corpus");
  ExpectError(absl::StrCat("replay --policy=", policy_, " --store=", root_,
                           "/reg.db --attempts=", devices_),
              "is a directory");
  const std::string none = root_ + "/none.jsonl";
  Write(none, "\n\n");
  before_[none] = "\n\n";
  ExpectError(absl::StrCat("replay --policy=", policy_, " --store=", root_,
                           "/reg.db --attempts=", none),
              "holds no attempts");
  EXPECT_FALSE(fs::exists(root_ + "/reg.db"));
  // The store is written: it may not be the policy or the attempts.
  const std::string attempts = root_ + "/attempts.jsonl";
  Write(attempts,
        "{\"id\":\"a\",\"at\":\"2025-06-01T00:00:00Z\","
        "\"registrationId\":\"x\",\"sasToken\":\"t\"}\n");
  before_[attempts] = ReadAll(attempts);
  for (const std::string& store : {policy_, attempts}) {
    ExpectError(absl::StrCat("replay --policy=", policy_, " --store=", store,
                             " --attempts=", attempts),
                "refusing to overwrite an input");
  }
}

TEST_F(HostileCliTest, ContradictoryOrMistypedFlags) {
  const std::string whatif =
      absl::StrCat("whatif --policy=", policy_, " --devices=", devices_, kAt);
  ExpectError(whatif + " --disable=contoso-root --enable=CONTOSO-ROOT",
              "contradict each other");
  CliRun run = Chaintrust(whatif + " --disable=CONTOSO-FACTORY-B");
  EXPECT_EQ(run.status, 0) << run.output();
  ExpectError(absl::StrCat("decide --policy=", policy_, " --chain=", devices_,
                           "/fleet-dev-001.pem --registration_id=x",
                           " --sas_token=abc"),
              "--chain and --sas_token exclude each other");
  const std::string png = root_ + "/graph.png";
  ExpectError(absl::StrCat("graph --policy=", policy_, " --out=", png),
              "cannot write that format");
  EXPECT_FALSE(fs::exists(png));
}

// A leaf whose issuer name is a presented CA's but whose signature is a
// stranger's key: a DENY.
TEST_F(HostileCliTest, LeafSignedByAStrangersKey) {
  const internal::TestCert root = internal::MintRoot("Hostile Root");
  const internal::TestCert ca = internal::MintIntermediate("Hostile CA", root);
  const internal::TestCert stranger =
      internal::MintIntermediate("Hostile CA", root);  // same name, new key
  const internal::TestCert leaf = internal::MintLeaf("hostile-dev", stranger);
  const std::string chain = root_ + "/stranger.pem";
  Write(chain, absl::StrCat(leaf.Pem(), ca.Pem()));
  before_[chain] = ReadAll(chain);
  const std::string policy = root_ + "/stranger-policy.json";
  Write(policy,
        absl::StrCat("{\"enrollmentGroups\": [{\"enrollmentGroupId\": \"g\", "
                     "\"attestation\": {\"type\": \"x509\", \"x509\": "
                     "{\"signingCertificates\": {\"primary\": "
                     "{\"certificate\": \"",
                     absl::StrReplaceAll(ca.Pem(), {{"\n", "\\n"}}),
                     "\"}}}}}]}"));
  before_[policy] = ReadAll(policy);
  CliRun run =
      Chaintrust(absl::StrCat("decide --policy=", policy, " --chain=", chain));
  EXPECT_EQ(run.status, 1) << run.output();
  EXPECT_THAT(run.out, HasSubstr("DENY"));
  EXPECT_THAT(run.out, Not(HasSubstr("ALLOW")));
  // The explanation says that a certificate of that name was presented (it
  // cannot be the issuer), not that none was.
  run = Chaintrust(absl::StrCat("decide --format=json --policy=", policy,
                                " --chain=", chain));
  EXPECT_EQ(run.status, 1) << run.output();
  EXPECT_THAT(run.out, HasSubstr("\"cause\":\"ISSUER_NOT_FOUND\""));
  EXPECT_THAT(run.out, HasSubstr("1 presented certificate(s) are named"));
  EXPECT_THAT(run.out, Not(HasSubstr("was presented or is in")));
}

// A misspelled policy key is a load error naming the key and the known key
// it is close to, with or without --allow_unknown_fields: a typo must never
// silently re-enable a disabled enrollment.
TEST_F(HostileCliTest, MisspelledPolicyKeyIsRefused) {
  const std::string text = ReadAll(policy_);
  const std::string disabled = "\"provisioningStatus\": \"disabled\"";
  ASSERT_NE(text.find(disabled), std::string::npos);
  const std::string typo = root_ + "/typo.json";
  Write(typo, absl::StrReplaceAll(
                  text, {{disabled, "\"provisioningstatus\": \"disabled\""}}));
  before_[typo] = ReadAll(typo);
  const std::string decide =
      absl::StrCat("decide --policy=", typo, kAt, " --chain=", devices_,
                   "/fleet-dev-001.pem");
  for (const std::string& args : {decide, decide + " --allow_unknown_fields"}) {
    CliRun run = Chaintrust(args);
    EXPECT_EQ(run.status, 2) << args << "\n" << run.output();
    EXPECT_THAT(run.err, HasSubstr("provisioningstatus: unknown key"));
    EXPECT_THAT(run.err, HasSubstr("did you mean \"provisioningStatus\""));
    EXPECT_EQ(run.out, "");
  }
}

// A key unknown to the DPS schema and close to no known key loads only with
// --allow_unknown_fields, on every command that loads a policy, and lint
// reports it.
TEST_F(HostileCliTest, UnknownPolicyKeyLoadsOnlyWhenAllowed) {
  const std::string text = ReadAll(policy_);
  const std::string anchor = "\"deviceId\": \"fleet-dev-004\"";
  ASSERT_NE(text.find(anchor), std::string::npos);
  const std::string future = root_ + "/future.json";
  Write(future,
        absl::StrReplaceAll(
            text, {{anchor, anchor + ", \"futureServiceField\": {\"a\": 1}"}}));
  before_[future] = ReadAll(future);
  const std::string allow = " --allow_unknown_fields";
  const std::vector<std::string> commands = {
      absl::StrCat("decide --policy=", future, kAt, " --chain=", devices_,
                   "/fleet-dev-001.pem"),
      absl::StrCat("audit --policy=", future, kAt, " --devices=", devices_),
      absl::StrCat("whatif --policy=", future, kAt, " --devices=", devices_,
                   " --disable=contoso-root"),
      absl::StrCat("diff --before=", policy_, " --after=", future, kAt,
                   " --devices=", devices_),
      absl::StrCat("graph --policy=", future, kAt),
      absl::StrCat("lint --policy=", future, kAt),
  };
  for (const std::string& args : commands) {
    ExpectError(args, "futureServiceField: unknown key");
    CliRun run = Chaintrust(args + allow);
    EXPECT_NE(run.status, 2) << args << allow << "\n" << run.output();
  }
  CliRun lint = Chaintrust(
      absl::StrCat("lint --format=json --policy=", future, kAt, allow));
  EXPECT_EQ(lint.status, 0) << lint.output();
  EXPECT_THAT(lint.out, HasSubstr("\"code\":\"UNKNOWN_FIELD_IGNORED\""));
  EXPECT_THAT(lint.out,
              HasSubstr("individualEnrollments[0] (\\\"fleet-dev-004"));
  EXPECT_THAT(lint.out, HasSubstr("unknown key \\\"futureServiceField\\\""));
  ExpectError(absl::StrCat("lint --policy=", future, allow, "=maybe"),
              "allow_unknown_fields");
}

}  // namespace
}  // namespace chaintrust::cli
