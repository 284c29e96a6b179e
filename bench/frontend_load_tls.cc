#include "bench/frontend_load_tls.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace chaintrust::bench {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// A TCP socket bound to 127.0.0.1:`port` (SO_REUSEADDR), or -1.
int BoundSocket(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr = Loopback(port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = Loopback(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

bool PortFree(int port) {
  const int fd = BoundSocket(port);
  if (fd < 0) return false;
  close(fd);
  return true;
}

Connection::~Connection() {
  if (ssl != nullptr) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  if (fd >= 0) close(fd);
}

bool Connection::Open(SSL_CTX* ctx, int port, const Device& device) {
  fd = Connect(port);
  if (fd < 0) return false;
  ssl = SSL_new(ctx);
  SSL_use_certificate(ssl, device.x509);
  SSL_use_PrivateKey(ssl, device.leaf.key.get());
  SSL_set_fd(ssl, fd);
  return SSL_connect(ssl) == 1;
}

bool Connection::Send(const std::string& request) {
  return ssl != nullptr &&
         SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0;
}

int Connection::Receive() {
  if (ssl == nullptr) return -1;
  std::string in;
  char buffer[4096];
  size_t header_end = std::string::npos;
  size_t content_length = 0;
  while (true) {
    int n = SSL_read(ssl, buffer, sizeof(buffer));
    if (n <= 0) return -1;
    in.append(buffer, static_cast<size_t>(n));
    if (header_end == std::string::npos) {
      header_end = in.find("\r\n\r\n");
      if (header_end == std::string::npos) continue;
      size_t at = in.find("Content-Length: ");
      if (at != std::string::npos && at < header_end) {
        content_length = std::strtoul(in.c_str() + at + 16, nullptr, 10);
      }
    }
    if (in.size() >= header_end + 4 + content_length) break;
  }
  int status = 0;
  if (in.size() < 12 || !absl::SimpleAtoi(in.substr(9, 3), &status)) return -1;
  return status;
}

SSL_CTX* ServerContext(const std::string& cert, const std::string& key) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_use_certificate_chain_file(ctx, cert.c_str());
  SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(
      ctx, [](X509_STORE_CTX*, void*) { return 1; }, nullptr);
  return ctx;
}

HandshakeServer::HandshakeServer(SSL_CTX* ctx, int port, int threads)
    : ctx_(ctx) {
  listen_fd_ = BoundSocket(port);
  if (listen_fd_ < 0 || listen(listen_fd_, 1024) != 0) {
    std::cerr << "frontend_load: cannot listen on " << port << "\n";
    std::exit(2);
  }
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      pthread_setname_np(pthread_self(), absl::StrCat("ct-floor-", i).c_str());
      while (!stop_.load()) {
        int fd = accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) continue;
        SSL* ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
          char byte;
          SSL_read(ssl, &byte, 1);  // until the client closes
        }
        SSL_free(ssl);
        close(fd);
      }
    });
    clockid_t clock;
    if (pthread_getcpuclockid(threads_.back().native_handle(), &clock) == 0) {
      clocks_.push_back(clock);
    }
  }
}

double HandshakeServer::CpuMicros() const {
  double total = 0;
  for (clockid_t clock : clocks_) {
    timespec now{};
    if (clock_gettime(clock, &now) == 0) {
      total += now.tv_sec * 1e6 + now.tv_nsec / 1e3;
    }
  }
  return total;
}

void HandshakeServer::Stop() {
  if (stop_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  for (auto& thread : threads_) thread.join();
  clocks_.clear();
}

}  // namespace chaintrust::bench
