#include "tools/serve/http_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/internal/json.h"
#include "tools/serve/json_util.h"

namespace chaintrust::serve {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

thread_local int tls_worker_index = 0;

// The access log is written when this much is waiting, else every 50 ms.
constexpr size_t kLogBlockBytes = 64 * 1024;

// What the access log needs of a request, kept while its handler runs.
struct LogFields {
  std::string method;
  std::string target;
  std::string request_id;
};

using Clock = std::chrono::steady_clock;

Clock::duration ToChrono(absl::Duration d) {
  return std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

std::string Der(X509* cert) {
  int length = i2d_X509(cert, nullptr);
  if (length <= 0) return "";
  std::string der(static_cast<size_t>(length), '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_X509(cert, &out);
  return der;
}

// The certificates the peer presented, leaf first (on a server, OpenSSL's
// peer chain leaves the leaf out).
std::vector<std::string> PeerChain(SSL* ssl) {
  std::vector<std::string> chain;
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) return chain;
  chain.push_back(Der(leaf));
  STACK_OF(X509)* rest = SSL_get_peer_cert_chain(ssl);
  for (int i = 0; rest != nullptr && i < sk_X509_num(rest); ++i) {
    std::string der = Der(sk_X509_value(rest, i));
    if (der != chain.front()) chain.push_back(std::move(der));
  }
  return chain;
}

// The access log's JSON line for one request.
std::string LogLine(const std::string& remote, const LogFields& request,
                    const HttpResponse& response, absl::Duration latency) {
  std::string line = "{\"time\":";
  internal::AppendJsonString(&line, FormatUtc(absl::Now()));
  line += ",\"remote\":";
  internal::AppendJsonString(&line, remote);
  line += ",\"method\":";
  internal::AppendJsonString(&line, request.method);
  line += ",\"path\":";
  internal::AppendJsonString(
      &line, request.target.substr(0, request.target.find('?')));
  absl::StrAppend(&line, ",\"status\":", response.status,
                  ",\"durationMs\":", absl::ToDoubleMilliseconds(latency),
                  ",\"route\":");
  internal::AppendJsonString(&line, response.route);
  if (!response.registration_id.empty()) {
    line += ",\"registrationId\":";
    internal::AppendJsonString(&line, response.registration_id);
  }
  if (!response.reason.empty()) {
    line += ",\"reason\":";
    internal::AppendJsonString(&line, response.reason);
  }
  if (!request.request_id.empty()) {
    line += ",\"requestId\":";
    internal::AppendJsonString(&line, request.request_id);
  }
  line += "}\n";
  return line;
}

// The bytes of `response` on the wire, into *out: what Beast's serializer
// wrote for it (status line, Server, Content-Type when there is a body or
// an error, the handler's headers (the last of a repeated name),
// Content-Length unless the status has no body, Connection: close when the
// connection ends), without building a Beast message per answer.
void WriteResponse(const HttpResponse& response, bool keep_alive,
                   std::string* out) {
  const int status = response.status;
  out->clear();
  const beast::string_view reason =
      http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  absl::StrAppend(out, "HTTP/1.1 ", status, " ",
                  absl::string_view(reason.data(), reason.size()),
                  "\r\nServer: chaintrust\r\n");
  if (!response.body.empty() || status >= 300) {
    absl::StrAppend(out, "Content-Type: ", response.content_type, "\r\n");
  }
  const auto& headers = response.headers;
  for (size_t i = 0; i < headers.size(); ++i) {
    bool repeated = false;
    for (size_t j = i + 1; j < headers.size() && !repeated; ++j) {
      repeated = absl::EqualsIgnoreCase(headers[i].first, headers[j].first);
    }
    if (!repeated) {
      absl::StrAppend(out, headers[i].first, ": ", headers[i].second, "\r\n");
    }
  }
  if (status >= 200 && status != 204 && status != 304) {
    absl::StrAppend(out, "Content-Length: ", response.body.size(), "\r\n");
  }
  if (!keep_alive) *out += "Connection: close\r\n";
  *out += "\r\n";
  *out += response.body;
}

}  // namespace

class Session;

struct HttpServer::Core {
  HttpServerOptions options;
  AsyncHttpHandler handler;
  Metrics* metrics;
  std::atomic<bool> stopping{false};
  // The live sessions of one worker thread, for its timeout sweep and for
  // shutdown.
  struct SessionList {
    std::mutex mu;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  };
  std::vector<std::unique_ptr<SessionList>> session_lists;
  // Access-log lines gather in log_buffer and are written in blocks: by Run's
  // thread every 50 ms, or by the request that fills the buffer.
  std::mutex log_mu;  // guards log_buffer
  std::string log_buffer;
  std::mutex log_write_mu;  // orders the blocks on stdout
  // Destroyed before the members above: sessions still queued in an
  // io_context unregister themselves when it destroys them.
  ssl::context ssl_ctx{ssl::context::tls_server};
  // One I/O context per worker thread. A connection lives on one context,
  // so its handlers need no strand and the threads share no scheduler lock.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::atomic<size_t> next_context{0};
  tcp::acceptor acceptor;
  net::signal_set signals;
  // One per context: closes its connections that are past their deadline
  // (see Session::SetDeadline).
  std::vector<std::unique_ptr<net::steady_timer>> sweeps;
  Clock::duration sweep_period{};

  explicit Core(int threads)
      : contexts(MakeContexts(threads)),
        acceptor(*contexts[0]),
        signals(*contexts[0]) {
    for (auto& context : contexts) {
      session_lists.push_back(std::make_unique<SessionList>());
      sweeps.push_back(std::make_unique<net::steady_timer>(*context));
    }
  }
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(
      int threads) {
    std::vector<std::unique_ptr<net::io_context>> contexts;
    for (int i = 0; i < std::max(threads, 1); ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
    }
    return contexts;
  }
  void Accept();
  void Sweep(size_t index);
  void BeginShutdown();
  void Log(const std::string& line);
  void FlushLog();
};

// A connection. Its timeouts are deadlines that its worker's sweep checks
// (HttpServer::Core::Sweep) rather than a timer armed for every read and
// write: setting one is a store, not a timer queue operation.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& connection, HttpServer::Core* core, size_t worker)
      : stream_(std::move(connection), core->ssl_ctx),
        core_(core),
        worker_(worker) {
    beast::error_code ec;
    // A response goes out as soon as it is written, not when the previous
    // segment was acknowledged (Nagle): kept-alive clients wait for it.
    socket().set_option(tcp::no_delay(true), ec);
    // Asio asks OpenSSL to free a connection's record buffers whenever they
    // are empty, so a kept-alive connection allocated and freed them for
    // every request; keep them for the connection's life instead.
    SSL_clear_mode(stream_.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // The peer's address is for the access log only: without it, no
    // getpeername per connection.
    if (core->options.access_log) {
      auto endpoint = socket().remote_endpoint(ec);
      if (!ec) {
        remote_ =
            absl::StrCat(endpoint.address().to_string(), ":", endpoint.port());
      }
    }
  }
  ~Session() {
    core_->metrics->ConnectionClosed();
    HttpServer::Core::SessionList& list = *core_->session_lists[worker_];
    std::lock_guard<std::mutex> lock(list.mu);
    list.sessions.erase(this);
  }

  void Start() {
    {
      HttpServer::Core::SessionList& list = *core_->session_lists[worker_];
      std::lock_guard<std::mutex> lock(list.mu);
      list.sessions[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->Handshake(); });
  }

  // Closes the connection if it is waiting for a request (shutdown).
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      if (self->idle_) self->socket().cancel(ignored);
    });
  }

  // Whether the deadline passed (on the worker's thread, under its session
  // list's lock).
  bool Expired(Clock::time_point now) const { return deadline_ < now; }
  // Closes the socket: the operation waiting on it fails and the session
  // ends (on the worker's thread).
  void Expire() {
    deadline_ = Clock::time_point::max();
    beast::error_code ignored;
    socket().close(ignored);
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_); }
  // The socket is closed if the current step has not finished by then.
  void SetDeadline(absl::Duration timeout) {
    deadline_ = Clock::now() + ToChrono(timeout);
  }

  void Handshake() {
    SetDeadline(core_->options.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            [self = shared_from_this()](beast::error_code ec) {
                              if (ec)
                                return;  // the socket closes with the session
                              self->chain_ =
                                  PeerChain(self->stream_.native_handle());
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    if (core_->stopping.load()) return Close();
    parser_.emplace();
    parser_->header_limit(
        static_cast<std::uint32_t>(core_->options.max_header_bytes));
    parser_->body_limit(core_->options.max_body_bytes);
    idle_ = true;
    SetDeadline(core_->options.idle_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) {
          self->idle_ = false;
          if (ec) return self->OnReadError(ec);
          self->started_ = absl::Now();
          self->SetDeadline(self->core_->options.request_timeout);
          http::async_read(self->stream_, self->buffer_, *self->parser_,
                           [self](beast::error_code ec, size_t) {
                             if (ec) return self->OnReadError(ec);
                             self->Handle();
                           });
        });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::eof ||
        ec == ssl::error::stream_truncated ||
        ec.category() == net::error::get_ssl_category() ||
        ec.category() == net::error::get_system_category() ||
        ec.category() == net::error::get_misc_category()) {
      return Close();
    }
    // The bytes are not an HTTP/1.1 request within the limits: answer 400
    // and close, since the stream position is unknown.
    log_ = LogFields();
    HttpResponse response;
    response.status = 400;
    response.route = "malformed";
    response.body =
        ErrorBody(400, absl::StrCat("malformed request: ", ec.message()),
                  RandomId(), absl::Now());
    Send(std::move(response), /*keep_alive=*/false);
  }

  void Handle() {
    // No deadline while the handler has the request.
    deadline_ = Clock::time_point::max();
    const auto& message = parser_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
          std::string(field.value());
    }
    request.body = std::move(parser_->get().body());
    request.peer_chain_der = chain_;
    request.remote = remote_;
    request.worker = tls_worker_index;
    log_.method = request.method;
    log_.target = request.target;
    log_.request_id = request.Header("request-id");
    const bool keep_alive = message.keep_alive();
    // The handler may answer at once or later from another thread; Send
    // runs on this connection's thread either way.
    core_->handler(std::move(request), [self = shared_from_this(),
                                        keep_alive](HttpResponse response) {
      net::dispatch(
          self->stream_.get_executor(),
          [self, keep_alive, response = std::move(response)]() mutable {
            self->Send(std::move(response), keep_alive);
          });
    });
  }

  void Send(HttpResponse response, bool keep_alive) {
    const absl::Duration latency = absl::Now() - started_;
    core_->metrics->RecordRequest(response.route, response.status, latency);
    if (core_->options.access_log) {
      core_->Log(LogLine(remote_, log_, response, latency));
    }
    keep_alive = keep_alive && !core_->stopping.load();
    WriteResponse(response, keep_alive, &out_);
    SetDeadline(core_->options.request_timeout);
    net::async_write(
        stream_, net::buffer(out_),
        [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
          if (ec) return;
          if (keep_alive) return self->ReadHeader();
          self->Close();
        });
  }

  void Close() {
    SetDeadline(absl::Seconds(2));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {
      beast::error_code ignored;
      self->socket().close(ignored);
    });
  }

  beast::ssl_stream<tcp::socket> stream_;
  HttpServer::Core* core_;
  const size_t worker_;  // the index of its context and session list
  Clock::time_point deadline_ = Clock::time_point::max();
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;  // the response being written
  std::vector<std::string> chain_;
  std::string remote_;
  LogFields log_;
  bool idle_ = false;
  absl::Time started_ = absl::Now();
};

void HttpServer::Core::Accept() {
  // Connections go to the worker threads' contexts in turn.
  const size_t worker = next_context++ % contexts.size();
  acceptor.async_accept(*contexts[worker], [this, worker](beast::error_code ec,
                                                          tcp::socket socket) {
    if (ec || stopping.load()) {
      if (!stopping.load() && acceptor.is_open()) Accept();
      return;
    }
    if (metrics->open_connections() >= options.max_connections) {
      metrics->ConnectionRefused();
      beast::error_code ignored;
      socket.close(ignored);
    } else {
      metrics->ConnectionOpened();
      std::make_shared<Session>(std::move(socket), this, worker)->Start();
    }
    Accept();
  });
}

void HttpServer::Core::Sweep(size_t index) {
  sweeps[index]->expires_after(sweep_period);
  sweeps[index]->async_wait([this, index](beast::error_code ec) {
    if (ec) return;
    // Collected under the lock, closed outside it (see BeginShutdown).
    std::vector<std::shared_ptr<Session>> expired;
    const Clock::time_point now = Clock::now();
    {
      SessionList& list = *session_lists[index];
      std::lock_guard<std::mutex> lock(list.mu);
      for (auto& [raw, weak] : list.sessions) {
        if (!raw->Expired(now)) continue;
        if (auto session = weak.lock()) expired.push_back(std::move(session));
      }
    }
    for (auto& session : expired) session->Expire();
    Sweep(index);
  });
}

void HttpServer::Core::BeginShutdown() {
  if (stopping.exchange(true)) return;
  net::post(*contexts[0], [this] {
    beast::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    // Collected under the lock, closed outside it: the last reference to a
    // session may be one of these, and its destructor takes the lock.
    std::vector<std::shared_ptr<Session>> live;
    for (auto& list : session_lists) {
      std::lock_guard<std::mutex> lock(list->mu);
      for (auto& [raw, weak] : list->sessions) {
        if (auto session = weak.lock()) live.push_back(std::move(session));
      }
    }
    for (auto& session : live) session->CloseIfIdle();
  });
}

void HttpServer::Core::Log(const std::string& line) {
  bool full;
  {
    std::lock_guard<std::mutex> lock(log_mu);
    log_buffer += line;
    full = log_buffer.size() >= kLogBlockBytes;
  }
  if (full) FlushLog();
}

void HttpServer::Core::FlushLog() {
  std::lock_guard<std::mutex> write_lock(log_write_mu);
  std::string block;
  {
    std::lock_guard<std::mutex> lock(log_mu);
    block.swap(log_buffer);
  }
  if (block.empty()) return;
  std::fwrite(block.data(), 1, block.size(), stdout);
  std::fflush(stdout);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(
    const HttpServerOptions& options, HttpHandler handler, Metrics* metrics) {
  return Create(
      options,
      [handler = std::move(handler)](HttpRequest request, HttpRespond respond) {
        respond(handler(request));
      },
      metrics);
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(
    const HttpServerOptions& options, AsyncHttpHandler handler,
    Metrics* metrics) {
  auto core = std::make_unique<Core>(options.threads);
  core->options = options;
  core->handler = std::move(handler);
  core->metrics = metrics;
  beast::error_code ec;
  core->ssl_ctx.set_options(ssl::context::default_workarounds |
                            ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX* ctx = core->ssl_ctx.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Every connection presents its certificate: no session resumption.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  core->ssl_ctx.use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_cert=", options.tls_cert_file, ": ", ec.message()));
  }
  core->ssl_ctx.use_private_key_file(options.tls_key_file, ssl::context::pem,
                                     ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key=", options.tls_key_file, ": ", ec.message()));
  }
  // Ask for a client certificate, accept any chain: trust is the engine's.
  // OpenSSL's own chain building and verification are skipped, not just
  // overruled (the handshake still proves the client holds the leaf's key:
  // CertificateVerify is checked apart from the chain).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(
      ctx, [](X509_STORE_CTX*, void*) { return 1; }, nullptr);

  auto address = net::ip::make_address(options.host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: bad address ", options.host));
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
  core->acceptor.open(endpoint.protocol(), ec);
  if (!ec) core->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) core->acceptor.bind(endpoint, ec);
  if (!ec) core->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ",
                                               options.host, ":", options.port,
                                               ": ", ec.message()));
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(core)));
}

HttpServer::HttpServer(std::unique_ptr<Core> core) : core_(std::move(core)) {}
HttpServer::~HttpServer() = default;

int HttpServer::port() const {
  beast::error_code ec;
  return core_->acceptor.local_endpoint(ec).port();
}

void HttpServer::Shutdown() { core_->BeginShutdown(); }

void HttpServer::Run(bool handle_signals) {
  Core* core = core_.get();
  if (handle_signals) {
    core->signals.add(SIGTERM);
    core->signals.add(SIGINT);
    core->signals.async_wait([core](beast::error_code ec, int) {
      if (!ec) core->BeginShutdown();
    });
  }
  // The sweep runs a few times per shortest timeout, at least every 250 ms.
  const absl::Duration shortest =
      std::min({core->options.handshake_timeout, core->options.request_timeout,
                core->options.idle_timeout});
  core->sweep_period = ToChrono(std::clamp(shortest / 4, absl::Milliseconds(10),
                                           absl::Milliseconds(250)));
  for (size_t i = 0; i < core->contexts.size(); ++i) core->Sweep(i);
  core->Accept();
  // The contexts run until stopped, with or without connections.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  for (auto& context : core->contexts) {
    work.push_back(net::make_work_guard(*context));
  }
  std::vector<std::thread> threads;
  for (size_t i = 0; i < core->contexts.size(); ++i) {
    threads.emplace_back([core, i] {
      pthread_setname_np(pthread_self(), absl::StrCat("ct-io-", i).c_str());
      tls_worker_index = static_cast<int>(i);
      core->contexts[i]->run();
    });
  }
  // Wait for shutdown, then for the connections to drain, then stop.
  while (!core->stopping.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    core->FlushLog();
  }
  const absl::Time deadline = absl::Now() + core->options.shutdown_grace;
  while (core->metrics->open_connections() > 0 && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    core->FlushLog();
  }
  for (auto& context : core->contexts) context->stop();
  for (auto& thread : threads) thread.join();
  core->FlushLog();
}

}  // namespace chaintrust::serve
