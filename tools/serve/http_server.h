// An HTTP/1.1-over-TLS server on Boost.Beast/Asio with OpenSSL: a fixed pool
// of worker threads, each running the I/O loop and the handler for the
// connections it serves, keep-alive, and limits on everything a client
// controls (header and body sizes, handshake, request and idle timeouts,
// concurrent connections). The server asks for a client certificate and
// accepts any chain at the TLS layer: the handshake proves the client holds
// the leaf's key, and the handler gets the chain to decide trust.
#ifndef CHAINTRUST_TOOLS_SERVE_HTTP_SERVER_H_
#define CHAINTRUST_TOOLS_SERVE_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/serve/http_types.h"
#include "tools/serve/metrics.h"

namespace chaintrust::serve {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 443;             // 0 picks a free port (see HttpServer::port)
  std::string tls_cert_file;  // PEM: certificate, then its chain
  std::string tls_key_file;   // PEM private key
  // Worker threads, each with its own I/O context; connections are spread
  // over them in turn and stay on theirs.
  int threads = 2;
  // Connections beyond this are closed as soon as they are accepted.
  int max_connections = 4096;
  // Request line and headers, and body, in bytes.
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 256 * 1024;
  // The TLS handshake; a request once its first byte arrived; the wait for
  // the next request on a kept-alive connection.
  absl::Duration handshake_timeout = absl::Seconds(10);
  absl::Duration request_timeout = absl::Seconds(30);
  absl::Duration idle_timeout = absl::Seconds(60);
  // How long Shutdown waits for requests in flight.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Write one JSON line per request to stdout (in blocks, at least every
  // 50 ms).
  bool access_log = true;
};

class HttpServer {
 public:
  // Loads the TLS certificate and key and binds the listening socket.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(
      const HttpServerOptions& options, AsyncHttpHandler handler,
      Metrics* metrics);
  // The same with a handler that answers on the worker thread.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(
      const HttpServerOptions& options, HttpHandler handler, Metrics* metrics);
  ~HttpServer();

  // The bound port.
  int port() const;
  // Serves until Shutdown() or SIGTERM/SIGINT (when handle_signals), then
  // stops accepting, lets requests in flight finish (up to shutdown_grace),
  // closes idle connections and returns.
  void Run(bool handle_signals);
  // Thread-safe; returns at once.
  void Shutdown();

  struct Core;

 private:
  explicit HttpServer(std::unique_ptr<Core> core);
  std::unique_ptr<Core> core_;
};

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_HTTP_SERVER_H_
