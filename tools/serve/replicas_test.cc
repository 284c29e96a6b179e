// Two `chaintrust serve` processes on different ports over one PostgreSQL
// database, spoken to over HTTPS: registrations made through one are seen
// by the other, the quota holds across both, and an enrollment change made
// through one is enforced by the other within a second. Needs
// CHAINTRUST_TEST_POSTGRES_URI (--test_env); skips, saying so, without it.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/policy/sas_token.h"
#include "engine/registry/postgres_test_util.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using ::testing::HasSubstr;

std::string g_chaintrust;  // the chaintrust binary (--chaintrust=)

constexpr char kScope[] = "0ne00REPL1CA";
constexpr char kApi[] = "?api-version=2021-06-01";

std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Reply {
  int status = 0;  // 0: no answer (body says why)
  std::string body;
  google::protobuf::Struct Json() const {
    auto parsed = ParseJsonObject(body);
    return parsed.ok() ? *parsed : google::protobuf::Struct();
  }
};

// One HTTPS request on a new connection (the server's certificate is not
// checked: this is about the answers).
Reply Https(int port, const std::string& method, const std::string& target,
            const std::string& body, const std::string& authorization,
            const std::string& if_match = "") {
  net::io_context ioc;
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_none);
  ssl::stream<tcp::socket> stream(ioc, context);
  boost::system::error_code ec;
  Reply reply;
  stream.next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                            static_cast<unsigned short>(port)),
                              ec);
  if (!ec) stream.handshake(ssl::stream_base::client, ec);
  std::string request =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                   "Connection: close\r\nContent-Type: application/json\r\n",
                   "Content-Length: ", body.size(), "\r\n");
  if (!authorization.empty()) {
    absl::StrAppend(&request, "Authorization: ", authorization, "\r\n");
  }
  if (!if_match.empty()) {
    absl::StrAppend(&request, "If-Match: \"", if_match, "\"\r\n");
  }
  absl::StrAppend(&request, "\r\n", body);
  if (!ec) net::write(stream, net::buffer(request), ec);
  std::string response;
  char buffer[4096];
  while (!ec) {
    const size_t n = stream.read_some(net::buffer(buffer), ec);
    response.append(buffer, n);
  }
  const size_t head_end = response.find("\r\n\r\n");
  if (head_end == std::string::npos || response.size() < 12 ||
      !absl::SimpleAtoi(response.substr(9, 3), &reply.status)) {
    reply.status = 0;
    reply.body = absl::StrCat("no HTTP answer: ", ec.message());
    return reply;
  }
  reply.body = response.substr(head_end + 4);
  return reply;
}

// A `chaintrust serve` process.
class Replica {
 public:
  Replica() = default;
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;
  ~Replica() { Stop(); }

  // Starts it and waits until it listens; the log says why when not.
  void Start(const std::string& name, const std::vector<std::string>& args) {
    log_ = absl::StrCat(
        TestDir(), "/",
        ::testing::UnitTest::GetInstance()->current_test_info()->name(), "-",
        name, ".log");
    std::remove(log_.c_str());  // no earlier run's "listening on"
    std::vector<std::string> argv = {g_chaintrust, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      FILE* log = std::freopen(log_.c_str(), "w", stderr);
      if (log == nullptr) _exit(120);
      std::vector<char*> raw;
      for (std::string& arg : argv) raw.push_back(arg.data());
      raw.push_back(nullptr);
      execv(raw[0], raw.data());
      _exit(121);
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      const std::string text = ReadFile(log_);
      // Only a whole line counts: the log is read while it is written.
      const size_t at = text.find("listening on 127.0.0.1:");
      if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
        ASSERT_TRUE(absl::SimpleAtoi(
            text.substr(at + 23, text.find(' ', at + 23) - at - 23), &port_))
            << text;
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL() << name << " exited: " << text;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << name << " did not start: " << ReadFile(log_);
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }

  int port() const { return port_; }
  std::string log() const { return ReadFile(log_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_;
};

std::string GroupJson(const std::string& id, const std::string& key_b64,
                      const std::string& status) {
  return absl::StrCat(
      "{\"enrollmentGroupId\":\"", id, "\",\"provisioningStatus\":\"", status,
      "\",\"attestation\":{\"type\":\"symmetricKey\",\"symmetricKey\":{"
      "\"primaryKey\":\"",
      key_b64, "\",\"secondaryKey\":\"", key_b64, "\"}}}");
}

std::string IndividualJson(const std::string& id, const std::string& key_b64) {
  return absl::StrCat(
      "{\"registrationId\":\"", id,
      "\",\"attestation\":{\"type\":\"symmetricKey\",\"symmetricKey\":{"
      "\"primaryKey\":\"",
      key_b64, "\",\"secondaryKey\":\"", key_b64, "\"}}}");
}

class ReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing_postgres::ServerUri();
    if (!server.has_value()) GTEST_SKIP() << testing_postgres::kSkipMessage;
    ASSERT_FALSE(g_chaintrust.empty()) << "needs --chaintrust=BINARY";
    auto uri = testing_postgres::FreshSchemaUri(*server);
    ASSERT_TRUE(uri.ok()) << uri.status();
    uri_ = *uri;
    const std::string dir = TestDir();
    const internal::TestCert ca = internal::MintRoot("Replicas Test TLS CA");
    internal::TestCertOptions server_cert;
    server_cert.common_name = "localhost";
    const internal::TestCert cert = internal::MintCertificate(server_cert, &ca);
    WriteFile(dir + "/tls.pem", cert.Pem() + ca.Pem());
    WriteFile(dir + "/tls.key", cert.key.PrivateKeyPem());
    // The first replica seeds the database with group "fleet"; the second
    // is started with another policy, which the database's set overrides.
    WriteFile(dir + "/policy-a.json",
              absl::StrCat("{\"enrollmentGroups\":[",
                           GroupJson("fleet", GroupKeyB64(), "enabled"),
                           "],\"individualEnrollments\":[]}"));
    WriteFile(dir + "/policy-b.json",
              absl::StrCat("{\"enrollmentGroups\":[",
                           GroupJson("other", GroupKeyB64(), "enabled"),
                           "],\"individualEnrollments\":[]}"));
  }

  void StartReplicas(int max_registrations) {
    const std::string dir = TestDir();
    auto args = [&](const std::string& policy) {
      return std::vector<std::string>{
          "--listen=127.0.0.1:0",
          "--tls_cert=" + dir + "/tls.pem",
          "--tls_key=" + dir + "/tls.key",
          absl::StrCat("--id_scope=", kScope),
          "--policy=" + dir + "/" + policy,
          "--store=" + uri_,
          "--service_key=" + service_key_,
          "--iot_hubs=hub.example.net",
          absl::StrCat("--max_registrations=", max_registrations),
          "--throttle=false",
          "--threads=2",
          "--access_log=false"};
    };
    ASSERT_NO_FATAL_FAILURE(a_.Start("replica-a", args("policy-a.json")));
    ASSERT_NO_FATAL_FAILURE(b_.Start("replica-b", args("policy-b.json")));
  }

  static std::string GroupKey() { return std::string(32, 'g'); }
  static std::string GroupKeyB64() { return absl::Base64Escape(GroupKey()); }

  std::string ServiceToken() const {
    std::string key;
    absl::Base64Unescape(service_key_, &key);
    const std::string se =
        absl::StrCat(absl::ToUnixSeconds(absl::Now() + absl::Hours(1)));
    return absl::StrCat(
        "SharedAccessSignature sr=127.0.0.1&sig=",
        absl::Base64Escape(HmacSha256(key, absl::StrCat("127.0.0.1\n", se))),
        "&se=", se, "&skn=provisioningserviceowner");
  }

  Reply Service(const Replica& replica, const std::string& method,
                const std::string& path, const std::string& body = "",
                const std::string& if_match = "") const {
    return Https(replica.port(), method, absl::StrCat(path, kApi), body,
                 ServiceToken(), if_match);
  }

  // Registers `id` of group "fleet" through `replica`: the register answer
  // when it is not 202, else the operation's final state.
  Reply Register(const Replica& replica, const std::string& id) const {
    const std::string token =
        MakeSasToken(kScope, id, DeriveDeviceKey(GroupKey(), id),
                     absl::Now() + absl::Hours(1));
    Reply accepted = Https(
        replica.port(), "PUT",
        absl::StrCat("/", kScope, "/registrations/", id, "/register", kApi),
        absl::StrCat("{\"registrationId\":\"", id, "\"}"), token);
    if (accepted.status != 202) return accepted;
    const std::string operation = StringField(accepted.Json(), "operationId");
    return Https(replica.port(), "GET",
                 absl::StrCat("/", kScope, "/registrations/", id,
                              "/operations/", operation, kApi),
                 "", token);
  }

  // Waits (up to 10 s, for a loaded machine) until `replica` serves
  // enrollment set `version`; false when it never does.
  static bool WaitForSetVersion(const Replica& replica, int version) {
    const std::string line =
        absl::StrCat("\nchaintrust_enrollment_set_version ", version, "\n");
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      const std::string metrics =
          Https(replica.port(), "GET", "/metrics", "", "").body;
      if (metrics.find(line) != std::string::npos) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  std::string uri_;
  std::string service_key_ = absl::Base64Escape(std::string(32, 's'));
  Replica a_, b_;
};

TEST_F(ReplicasTest, TheFirstReplicaSeedsAndTheSecondServesTheDatabasesSet) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(1000));
  EXPECT_THAT(a_.log(), HasSubstr("enrollment set version 1"));
  EXPECT_THAT(b_.log(), HasSubstr("enrollment set version 1"));
  EXPECT_EQ(Service(b_, "GET", "/enrollmentGroups/fleet").status, 200);
  EXPECT_EQ(Service(b_, "GET", "/enrollmentGroups/other").status, 404);
  EXPECT_EQ(Service(a_, "GET", "/enrollmentGroups/other").status, 404);
}

TEST_F(ReplicasTest, ADeviceRegisteredThroughOneIsSeenByTheOther) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(1000));
  const Reply assigned = Register(a_, "dev-1");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  ASSERT_EQ(StringField(assigned.Json(), "status"), "assigned")
      << assigned.body;
  const Reply seen = Service(b_, "GET", "/registrations/dev-1");
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(StringField(seen.Json(), "registrationId"), "dev-1");
  EXPECT_EQ(StringField(seen.Json(), "status"), "assigned");
  const google::protobuf::Struct operation = assigned.Json();
  const auto& state = operation.fields().at("registrationState").struct_value();
  EXPECT_EQ(StringField(seen.Json(), "etag"), StringField(state, "etag"));
  // Deleted through B, gone for A.
  EXPECT_EQ(Service(b_, "DELETE", "/registrations/dev-1").status, 204);
  EXPECT_EQ(Service(a_, "GET", "/registrations/dev-1").status, 404);
}

TEST_F(ReplicasTest, TheQuotaHoldsAcrossBoth) {
  constexpr int kQuota = 5;
  ASSERT_NO_FATAL_FAILURE(StartReplicas(kQuota));
  // Both replicas race for the slots, 6 new devices each.
  std::mutex mu;
  std::vector<std::string> assigned;
  int quota_exceeded = 0;
  std::vector<std::thread> threads;
  for (const Replica* replica : {&a_, &b_}) {
    threads.emplace_back([&, replica] {
      for (int i = 0; i < 6; ++i) {
        const std::string id = absl::StrCat("race-", replica->port(), "-", i);
        const Reply reply = Register(*replica, id);
        std::lock_guard<std::mutex> lock(mu);
        if (reply.status == 200 &&
            StringField(reply.Json(), "status") == "assigned") {
          assigned.push_back(id);
        } else if (reply.status == 403 &&
                   reply.body.find("QUOTA_EXCEEDED") != std::string::npos) {
          ++quota_exceeded;
        } else {
          ADD_FAILURE() << reply.status << " " << reply.body;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(assigned.size(), kQuota);
  EXPECT_EQ(quota_exceeded, 12 - kQuota);
  // Known devices re-register through either replica; new ones do not.
  for (const Replica* replica : {&a_, &b_}) {
    const Reply again = Register(*replica, assigned[0]);
    EXPECT_EQ(StringField(again.Json(), "status"), "assigned") << again.body;
  }
  EXPECT_EQ(Register(a_, "late").status, 403);
  EXPECT_EQ(Register(b_, "late").status, 403);
}

TEST_F(ReplicasTest, AGroupDisabledThroughOneRefusesDevicesOnTheOther) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(1000));
  const Reply before = Register(b_, "before");
  ASSERT_EQ(StringField(before.Json(), "status"), "assigned") << before.body;
  const Reply group = Service(a_, "GET", "/enrollmentGroups/fleet");
  ASSERT_EQ(group.status, 200);
  const Reply disabled = Service(a_, "PUT", "/enrollmentGroups/fleet",
                                 GroupJson("fleet", GroupKeyB64(), "disabled"),
                                 StringField(group.Json(), "etag"));
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  const absl::Time changed = absl::Now();
  absl::Duration refused_after = absl::InfiniteDuration();
  for (int i = 0; absl::Now() - changed < absl::Seconds(3); ++i) {
    const Reply reply = Register(b_, absl::StrCat("after-", i));
    if (StringField(reply.Json(), "status") == "disabled") {
      refused_after = absl::Now() - changed;
      EXPECT_THAT(reply.body, HasSubstr("ENROLLMENT_GROUP_DISABLED"));
      break;
    }
    ASSERT_EQ(StringField(reply.Json(), "status"), "assigned") << reply.body;
  }
  EXPECT_LT(refused_after, absl::Seconds(1));
  std::cerr << "replica B refused the disabled group's devices "
            << refused_after << " after replica A answered the change\n";
  // B answers the service API with the new set too, and says which
  // version it serves.
  EXPECT_EQ(StringField(Service(b_, "GET", "/enrollmentGroups/fleet").Json(),
                        "provisioningStatus"),
            "disabled");
  const Reply metrics = Https(b_.port(), "GET", "/metrics", "", "");
  EXPECT_THAT(metrics.body, HasSubstr("chaintrust_enrollment_set_version 2"));
  EXPECT_THAT(metrics.body, HasSubstr("chaintrust_enrollment_set_reloads 1"));
}

TEST_F(ReplicasTest, AnInvalidSetInTheDatabaseNeverReplacesTheServedOne) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(1000));
  // Written behind the replicas' backs: not DPS JSON.
  ASSERT_TRUE(testing_postgres::RunSql(
                  uri_,
                  "UPDATE chaintrust_enrollment_set SET version = version + 1, "
                  "body = convert_to('{not json', 'UTF8') WHERE id = 1")
                  .ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  std::string metrics;
  while (absl::Now() < deadline &&
         metrics.find("chaintrust_enrollment_set_rejected_versions 1") ==
             std::string::npos) {
    absl::SleepFor(absl::Milliseconds(50));
    metrics = Https(b_.port(), "GET", "/metrics", "", "").body;
  }
  EXPECT_THAT(metrics,
              HasSubstr("chaintrust_enrollment_set_rejected_versions 1"));
  EXPECT_THAT(metrics, HasSubstr("chaintrust_enrollment_set_version 1"));
  EXPECT_THAT(b_.log(), HasSubstr("keeping enrollment set version 1"));
  const Reply still = Register(b_, "still-served");
  EXPECT_EQ(StringField(still.Json(), "status"), "assigned") << still.body;
  // The next change through a replica is applied to the served set and
  // replaces the invalid one; the other replica follows.
  const Reply disabled = Service(a_, "PUT", "/enrollmentGroups/fleet",
                                 GroupJson("fleet", GroupKeyB64(), "disabled"));
  ASSERT_EQ(disabled.status, 200) << disabled.body;
  EXPECT_TRUE(WaitForSetVersion(b_, 3)) << b_.log();
  EXPECT_EQ(StringField(Service(b_, "GET", "/enrollmentGroups/fleet").Json(),
                        "provisioningStatus"),
            "disabled");
}

TEST_F(ReplicasTest, ConcurrentChangesThroughBothAreAllKept) {
  ASSERT_NO_FATAL_FAILURE(StartReplicas(1000));
  std::vector<std::thread> threads;
  for (const Replica* replica : {&a_, &b_}) {
    threads.emplace_back([&, replica] {
      for (int i = 0; i < 5; ++i) {
        const std::string id = absl::StrCat("ind-", replica->port(), "-", i);
        const Reply put = Service(
            *replica, "PUT", "/enrollments/" + id,
            IndividualJson(id, absl::Base64Escape(std::string(32, 'k'))));
        EXPECT_EQ(put.status, 200) << put.body;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // Every change is in the database's set, whichever replica made it, and
  // both replicas come to serve it (how soon is the disable test's check).
  EXPECT_TRUE(WaitForSetVersion(a_, 11)) << a_.log();
  EXPECT_TRUE(WaitForSetVersion(b_, 11)) << b_.log();
  for (const Replica* replica : {&a_, &b_}) {
    for (const Replica* writer : {&a_, &b_}) {
      for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(
            Service(*replica, "GET",
                    absl::StrCat("/enrollments/ind-", writer->port(), "-", i))
                .status,
            200);
      }
    }
  }
}

}  // namespace
}  // namespace chaintrust::serve

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--chaintrust=")) {
      chaintrust::serve::g_chaintrust = std::string(arg);
    }
  }
  return RUN_ALL_TESTS();
}
