// The TLS pieces of frontend_load: the client connection a device opens,
// and the handshake floor's server (an OpenSSL server doing handshakes only).
#ifndef CHAINTRUST_BENCH_FRONTEND_LOAD_TLS_H_
#define CHAINTRUST_BENCH_FRONTEND_LOAD_TLS_H_

#include <openssl/ssl.h>
#include <pthread.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engine/x509/test_certs.h"

namespace chaintrust::bench {

struct Device {
  internal::TestCert leaf;
  X509* x509 = nullptr;
};

// A client TLS connection presenting a device's certificate; closed (with a
// close_notify) when destroyed.
struct Connection {
  SSL* ssl = nullptr;
  int fd = -1;
  ~Connection();
  // Connects to 127.0.0.1:`port` and completes the handshake.
  bool Open(SSL_CTX* ctx, int port, const Device& device);
  // Sends `request`, reads one response; returns its status or -1.
  int Exchange(const std::string& request) {
    return Send(request) ? Receive() : -1;
  }
  bool Send(const std::string& request);
  // Reads one response; returns its status or -1.
  int Receive();
};

// Whether a TCP socket can bind 127.0.0.1:`port` (nothing listens there).
bool PortFree(int port);

// The settings of `chaintrust serve`'s TLS context: TLS 1.2 or 1.3, no
// session cache and no tickets, a client certificate asked for and any
// chain taken without OpenSSL verifying it.
SSL_CTX* ServerContext(const std::string& cert, const std::string& key);

// The floor: an OpenSSL server doing handshakes only (blocking, one
// connection at a time per thread, read until the client closes), on
// `threads` threads named "ct-floor-N".
class HandshakeServer {
 public:
  HandshakeServer(SSL_CTX* ctx, int port, int threads);
  ~HandshakeServer() { Stop(); }
  HandshakeServer(const HandshakeServer&) = delete;
  HandshakeServer& operator=(const HandshakeServer&) = delete;

  // The CPU time its threads have used so far, in microseconds.
  double CpuMicros() const;
  // Stops the threads.
  void Stop();

 private:
  SSL_CTX* ctx_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::vector<clockid_t> clocks_;
};

}  // namespace chaintrust::bench

#endif  // CHAINTRUST_BENCH_FRONTEND_LOAD_TLS_H_
