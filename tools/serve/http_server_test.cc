// The TLS server with a trivial handler: client certificates reach the
// handler whatever their chain, keep-alive, limits and timeouts, shutdown.
#include "tools/serve/http_server.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/x509/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust::serve {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using ::testing::HasSubstr;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string TestDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options) {
    StartServer(
        std::move(options), [](HttpRequest request, HttpRespond respond) {
          HttpResponse response;
          response.body = absl::StrCat("certs=", request.peer_chain_der.size(),
                                       " body=", request.body.size());
          respond(std::move(response));
        });
  }

  void StartServer(HttpServerOptions options, AsyncHttpHandler handler) {
    const internal::TestCert ca = internal::MintRoot("Server Test CA");
    internal::TestCertOptions server_cert;
    server_cert.common_name = "localhost";
    const internal::TestCert cert = internal::MintCertificate(server_cert, &ca);
    const std::string dir = TestDir();
    WriteFile(dir + "/server.pem", cert.Pem() + ca.Pem());
    WriteFile(dir + "/server.key", cert.key.PrivateKeyPem());
    options.host = "127.0.0.1";
    options.port = 0;
    options.tls_cert_file = dir + "/server.pem";
    options.tls_key_file = dir + "/server.key";
    options.access_log = false;
    auto server = HttpServer::Create(options, std::move(handler), &metrics_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    thread_ = std::thread([this] { server_->Run(/*handle_signals=*/false); });
  }

  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      thread_.join();
    }
  }

  // A TLS client, optionally presenting `chain` (leaf first) with `key`.
  std::unique_ptr<ssl::stream<tcp::socket>> Connect(
      const std::vector<internal::TestCert>& chain = {}) {
    if (!chain.empty()) {
      X509* leaf = nullptr;
      const unsigned char* p =
          reinterpret_cast<const unsigned char*>(chain[0].der.data());
      leaf = d2i_X509(nullptr, &p, static_cast<long>(chain[0].der.size()));
      SSL_CTX_use_certificate(client_ctx_.native_handle(), leaf);
      X509_free(leaf);
      SSL_CTX_clear_chain_certs(client_ctx_.native_handle());
      for (size_t i = 1; i < chain.size(); ++i) {
        p = reinterpret_cast<const unsigned char*>(chain[i].der.data());
        X509* extra =
            d2i_X509(nullptr, &p, static_cast<long>(chain[i].der.size()));
        SSL_CTX_add1_chain_cert(client_ctx_.native_handle(), extra);
        X509_free(extra);
      }
      SSL_CTX_use_PrivateKey(client_ctx_.native_handle(), chain[0].key.get());
    }
    auto stream = std::make_unique<ssl::stream<tcp::socket>>(ioc_, client_ctx_);
    stream->next_layer().connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"),
                      static_cast<unsigned short>(server_->port())));
    stream->handshake(ssl::stream_base::client);
    return stream;
  }

  // Sends `request` and reads one response (headers and a short body).
  static std::string Exchange(ssl::stream<tcp::socket>& stream,
                              const std::string& request) {
    net::write(stream, net::buffer(request));
    net::streambuf buffer;
    boost::system::error_code ec;
    net::read_until(stream, buffer, "\r\n\r\n", ec);
    std::string text(net::buffers_begin(buffer.data()),
                     net::buffers_end(buffer.data()));
    const size_t length_at = text.find("Content-Length: ");
    if (length_at != std::string::npos) {
      const size_t length = std::stoul(text.substr(length_at + 16));
      const size_t have = text.size() - (text.find("\r\n\r\n") + 4);
      if (have < length) {
        net::read(stream, buffer, net::transfer_exactly(length - have), ec);
        text.assign(net::buffers_begin(buffer.data()),
                    net::buffers_end(buffer.data()));
      }
    }
    return text;
  }

  static bool ClosedByPeer(ssl::stream<tcp::socket>& stream) {
    char byte;
    boost::system::error_code ec;
    stream.read_some(net::buffer(&byte, 1), ec);
    return static_cast<bool>(ec);
  }

  HttpResponse held_response_;
  Metrics metrics_{2};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  net::io_context ioc_;
  ssl::context client_ctx_{ssl::context::tls_client};
};

constexpr char kGet[] = "GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n";

// An answer given later, from another thread, holds up neither the worker
// thread nor the connection's next request.
TEST_F(HttpServerTest, AnswersFromAnotherThreadLater) {
  HttpServerOptions options;
  options.threads = 1;
  std::mutex mu;
  std::condition_variable slow_arrived;
  HttpRespond held;  // the /slow request's, until /fast comes
  std::vector<std::thread> responders;
  StartServer(options, [&](HttpRequest request, HttpRespond respond) {
    HttpResponse response;
    response.body = request.target;
    std::lock_guard<std::mutex> lock(mu);
    if (request.target == "/slow") {
      held = std::move(respond);
      held_response_ = std::move(response);
      slow_arrived.notify_all();
      return;
    }
    respond(std::move(response));
    if (held) {
      responders.emplace_back(
          [respond = std::move(held), response = held_response_]() mutable {
            respond(std::move(response));
          });
      held = nullptr;
    }
  });
  auto slow = Connect();
  net::write(*slow, net::buffer(std::string(
                        "GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")));
  {
    // /fast must come second: it is what releases /slow's answer.
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(slow_arrived.wait_for(lock, std::chrono::seconds(30), [&] {
      return held != nullptr;
    })) << "the /slow request never reached the handler";
  }
  // The one worker thread serves another connection meanwhile; the slow
  // answer is released only by this request.
  auto fast = Connect();
  EXPECT_THAT(Exchange(*fast, "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n"),
              HasSubstr("/fast"));
  net::streambuf buffer;
  net::read_until(*slow, buffer, "/slow");
  // Kept alive: the next request on the slow connection is answered too.
  EXPECT_THAT(Exchange(*slow, "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n"),
              HasSubstr("/fast"));
  std::lock_guard<std::mutex> lock(mu);
  for (auto& responder : responders) responder.join();
}

TEST_F(HttpServerTest, AnyClientChainReachesTheHandler) {
  StartServer({});
  // A chain no one trusts: the TLS layer accepts it, the handler decides.
  const internal::TestCert root = internal::MintRoot("Untrusted Root");
  const internal::TestCert intermediate =
      internal::MintIntermediate("Untrusted Intermediate", root);
  const internal::TestCert leaf = internal::MintLeaf("device-1", intermediate);
  auto stream = Connect({leaf, intermediate});
  EXPECT_THAT(Exchange(*stream, kGet), HasSubstr("certs=2"));
  // Keep-alive: a second request on the same connection.
  EXPECT_THAT(
      Exchange(*stream,
               "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"),
      HasSubstr("certs=2 body=3"));
}

TEST_F(HttpServerTest, NoClientCertificateIsFine) {
  StartServer({});
  auto stream = Connect();
  EXPECT_THAT(Exchange(*stream, kGet), HasSubstr("certs=0"));
}

TEST_F(HttpServerTest, OversizedOrMalformedRequestsGet400AndAClose) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  options.max_body_bytes = 16;
  StartServer(options);
  auto big_header = Connect();
  const std::string response = Exchange(
      *big_header, absl::StrCat("GET /x HTTP/1.1\r\nHost: h\r\nX-Big: ",
                                std::string(4096, 'a'), "\r\n\r\n"));
  EXPECT_THAT(response, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(response, HasSubstr("\"errorCode\":400"));
  EXPECT_TRUE(ClosedByPeer(*big_header));
  auto big_body = Connect();
  EXPECT_THAT(
      Exchange(*big_body,
               "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 17\r\n\r\n"
               "aaaaaaaaaaaaaaaaa"),
      HasSubstr("HTTP/1.1 400"));
  auto garbage = Connect();
  EXPECT_THAT(Exchange(*garbage, "\x01\x02 nonsense\r\n\r\n"),
              HasSubstr("HTTP/1.1 400"));
}

TEST_F(HttpServerTest, IdleAndSlowClientsAreDropped) {
  HttpServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  options.request_timeout = absl::Milliseconds(300);
  StartServer(options);
  auto idle = Connect();
  const absl::Time start = absl::Now();
  EXPECT_TRUE(ClosedByPeer(*idle));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // A client that never finishes its headers is dropped just the same.
  auto slow = Connect();
  net::write(*slow, net::buffer(std::string("GET /x HTTP/1.1\r\nHost:")));
  EXPECT_TRUE(ClosedByPeer(*slow));
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
  HttpServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  auto first = Connect();
  EXPECT_THAT(Exchange(*first, kGet), HasSubstr("certs=0"));
  auto second = std::make_unique<ssl::stream<tcp::socket>>(ioc_, client_ctx_);
  second->next_layer().connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"),
                    static_cast<unsigned short>(server_->port())));
  boost::system::error_code ec;
  second->handshake(ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
  EXPECT_THAT(metrics_.Render({}),
              HasSubstr("chaintrust_refused_connections_total 1"));
}

// New connections are spread over the worker threads: over many
// connections, every worker serves some.
TEST_F(HttpServerTest, ConnectionsAreSpreadOverTheWorkers) {
  HttpServerOptions options;
  options.threads = 2;
  StartServer(options, [](HttpRequest request, HttpRespond respond) {
    HttpResponse response;
    response.body = absl::StrCat("worker=", request.worker);
    respond(std::move(response));
  });
  int served[2] = {0, 0};
  for (int i = 0; i < 64; ++i) {
    auto stream = Connect();
    const std::string answer = Exchange(*stream, kGet);
    if (answer.find("worker=0") != std::string::npos) ++served[0];
    if (answer.find("worker=1") != std::string::npos) ++served[1];
  }
  EXPECT_EQ(served[0] + served[1], 64);
  EXPECT_GT(served[0], 0);
  EXPECT_GT(served[1], 0);
}

// A second server on a port that one already listens on fails to start,
// and the first one keeps serving.
TEST_F(HttpServerTest, APortInUseIsRefused) {
  StartServer({});
  HttpServerOptions options;
  options.port = server_->port();
  options.tls_cert_file = TestDir() + "/server.pem";
  options.tls_key_file = TestDir() + "/server.key";
  options.access_log = false;
  Metrics metrics(2);
  auto second = HttpServer::Create(
      options, [](const HttpRequest&) { return HttpResponse(); }, &metrics);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("cannot listen on"));
  // The first server still answers.
  auto stream = Connect();
  EXPECT_THAT(Exchange(*stream, kGet), HasSubstr("200"));
}

TEST_F(HttpServerTest, ShutdownClosesIdleConnectionsAndReturns) {
  StartServer({});
  auto stream = Connect();
  EXPECT_THAT(Exchange(*stream, kGet), HasSubstr("200"));
  server_->Shutdown();
  thread_.join();
  server_.reset();
  EXPECT_TRUE(ClosedByPeer(*stream));
}

TEST_F(HttpServerTest, ShutdownWhileManyConnectionsComeAndGo) {
  HttpServerOptions options;
  options.threads = 4;
  StartServer(options);
  std::vector<std::unique_ptr<ssl::stream<tcp::socket>>> idle;
  for (int i = 0; i < 24; ++i) idle.push_back(Connect());
  // Clients drop connections while the server shuts down, so sessions end
  // on every thread during the shutdown's walk over them.
  std::thread dropper([&idle] {
    for (auto& stream : idle) {
      boost::system::error_code ignored;
      stream->next_layer().close(ignored);
    }
  });
  server_->Shutdown();
  thread_.join();
  dropper.join();
  server_.reset();
  EXPECT_THAT(metrics_.Render({}), HasSubstr("chaintrust_open_connections 0"));
}

}  // namespace
}  // namespace chaintrust::serve
