// Load on `chaintrust serve` over loopback, next to the TLS-handshake floor.
//
//   bazel build -c opt //bench:frontend_load //tools/cli:chaintrust
//   bazel-bin/bench/frontend_load --chaintrust=bazel-bin/tools/cli/chaintrust \
//       [--baseline=OTHER_CHAINTRUST] [--port=18443] [--seconds=10]
//       [--clients=4] [--lookup_connections=16] [--devices=2000]
//       [--server_threads=2] [--soak_seconds=0] [--soak_rate=0]
//       [--soak_sample_seconds=10]
//
// It mints a PKI (a root CA enrolled as a group, device leaves, the server's
// TLS certificate), writes the policy, starts the server, then measures in
// one run:
//   1. handshake floor: new TLS connections with a device certificate to an
//      in-process OpenSSL server with the same certificate and settings
//      (asks for a client certificate, accepts any), no HTTP, no engine;
//   2. registrations, one new TLS connection each (as devices connect),
//      alternating known devices (registered before) and new ones;
//   3. status lookups (POST /{scope}/registrations/{id}) on
//      --lookup_connections kept-alive connections, one request in flight
//      on each, driven by --clients threads;
//   4. optionally a soak: lookups at --soak_rate per second for
//      --soak_seconds, sampling the server's resident memory every
//      --soak_sample_seconds.
// Each prints operations per second, p50/p99 latency, errors and the
// server's CPU time per operation (from /proc/PID/stat: on a shared box the
// rate depends on the CPU the server is given, its cost per request much
// less). With --baseline, steps 2 and 3 run against that binary first, in
// the same run, so before/after ratios share the box's load.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/frontend_load_proc.h"
#include "engine/x509/test_certs.h"

namespace chaintrust::bench {
namespace {

using internal::TestCert;

constexpr char kScope[] = "0ne00BE7C4";

struct Options {
  std::string chaintrust;
  int port = 18443;
  int seconds = 10;
  int clients = 4;
  int devices = 2000;
  int server_threads = 2;
  int soak_seconds = 0;
  int soak_rate = 0;
  int soak_sample_seconds = 10;
  int lookup_connections = 16;
  std::string baseline;
};

struct Device {
  TestCert leaf;
  X509* x509 = nullptr;
};

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// A client TLS connection presenting `device`'s certificate.
struct Connection {
  SSL* ssl = nullptr;
  int fd = -1;
  ~Connection() {
    if (ssl != nullptr) {
      SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    if (fd >= 0) close(fd);
  }
  bool Open(SSL_CTX* ctx, int port, const Device& device) {
    fd = Connect(port);
    if (fd < 0) return false;
    ssl = SSL_new(ctx);
    SSL_use_certificate(ssl, device.x509);
    SSL_use_PrivateKey(ssl, device.leaf.key.get());
    SSL_set_fd(ssl, fd);
    return SSL_connect(ssl) == 1;
  }
  // Sends `request`, reads one response; returns its status or -1.
  int Exchange(const std::string& request) {
    return Send(request) ? Receive() : -1;
  }
  bool Send(const std::string& request) {
    return SSL_write(ssl, request.data(), static_cast<int>(request.size())) > 0;
  }
  // Reads one response; returns its status or -1.
  int Receive() {
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
    if (in.size() < 12 || !absl::SimpleAtoi(in.substr(9, 3), &status))
      return -1;
    return status;
  }
};

struct Stats {
  std::vector<double> latencies_us;
  int64_t errors = 0;
};

// The threads' latencies and errors, together.
Stats Merge(const std::vector<Stats>& per_thread) {
  Stats all;
  for (const Stats& stats : per_thread) {
    all.latencies_us.insert(all.latencies_us.end(), stats.latencies_us.begin(),
                            stats.latencies_us.end());
    all.errors += stats.errors;
  }
  return all;
}

// Runs `op` on `clients` threads for `duration`; op(thread, i) returns
// whether it succeeded.
Stats RunLoad(int clients, absl::Duration duration,
              const std::function<bool(int, int64_t)>& op,
              double rate_per_thread = 0) {
  std::vector<Stats> per_thread(clients);
  std::vector<std::thread> threads;
  const absl::Time end = absl::Now() + duration;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      Stats& stats = per_thread[t];
      const absl::Time start = absl::Now();
      for (int64_t i = 0; absl::Now() < end; ++i) {
        if (rate_per_thread > 0) {
          const absl::Time due = start + absl::Seconds(i / rate_per_thread);
          const absl::Duration wait = due - absl::Now();
          if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
        }
        const absl::Time before = absl::Now();
        const bool ok = op(t, i);
        stats.latencies_us.push_back(
            absl::ToDoubleMicroseconds(absl::Now() - before));
        if (!ok) ++stats.errors;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return Merge(per_thread);
}

// Reports `stats`; `cpu_us`, when not negative, is the server's CPU time
// over the phase, printed per operation.
double Report(const std::string& name, Stats stats, absl::Duration duration,
              double cpu_us = -1) {
  std::sort(stats.latencies_us.begin(), stats.latencies_us.end());
  const size_t n = stats.latencies_us.size();
  const double rate = n / absl::ToDoubleSeconds(duration);
  auto pct = [&](double p) {
    return n == 0 ? 0.0 : stats.latencies_us[std::min(n - 1, size_t(p * n))];
  };
  std::cout << absl::StrFormat(
      "%-40s %9.0f ops/s  p50 %8.0f us  p99 %8.0f us  ops %8d  errors %d", name,
      rate, pct(0.50), pct(0.99), n, stats.errors);
  if (cpu_us >= 0 && n > 0) {
    std::cout << absl::StrFormat("  server cpu %.1f us/op", cpu_us / n);
  }
  std::cout << "\n" << std::flush;
  return rate;
}

SSL_CTX* ServerContext(const std::string& cert, const std::string& key) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_use_certificate_chain_file(ctx, cert.c_str());
  SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM);
  // As the server: a client certificate is asked for and any chain taken
  // without OpenSSL verifying it.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(
      ctx, [](X509_STORE_CTX*, void*) { return 1; }, nullptr);
  return ctx;
}

// The floor: an OpenSSL server doing handshakes only, on `threads` threads.
class HandshakeServer {
 public:
  HandshakeServer(SSL_CTX* ctx, int port, int threads) : ctx_(ctx) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) !=
            0 ||
        listen(listen_fd_, 1024) != 0) {
      std::cerr << "frontend_load: cannot listen on " << port << "\n";
      std::exit(2);
    }
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        timespec start{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
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
        timespec end{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &end);
        cpu_us_.fetch_add((end.tv_sec - start.tv_sec) * 1000000 +
                          (end.tv_nsec - start.tv_nsec) / 1000);
      });
    }
  }
  // Stops the threads; returns their CPU time in microseconds.
  int64_t Stop() {
    if (!stop_.exchange(true)) {
      shutdown(listen_fd_, SHUT_RDWR);
      close(listen_fd_);
      for (auto& thread : threads_) thread.join();
    }
    return cpu_us_.load();
  }
  ~HandshakeServer() { Stop(); }

 private:
  SSL_CTX* ctx_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> cpu_us_{0};
  std::vector<std::thread> threads_;
};

std::string JsonEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Exits with status 2 on a bad argument.
Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name, auto* out) {
      const std::string prefix = absl::StrCat("--", name, "=");
      if (arg.rfind(prefix, 0) != 0) return false;
      if constexpr (std::is_same_v<std::decay_t<decltype(*out)>, std::string>) {
        *out = arg.substr(prefix.size());
      } else {
        if (!absl::SimpleAtoi(arg.substr(prefix.size()), out)) std::exit(2);
      }
      return true;
    };
    if (!(value("chaintrust", &o.chaintrust) || value("port", &o.port) ||
          value("seconds", &o.seconds) || value("clients", &o.clients) ||
          value("devices", &o.devices) ||
          value("server_threads", &o.server_threads) ||
          value("soak_seconds", &o.soak_seconds) ||
          value("soak_rate", &o.soak_rate) ||
          value("soak_sample_seconds", &o.soak_sample_seconds) ||
          value("lookup_connections", &o.lookup_connections) ||
          value("baseline", &o.baseline))) {
      std::cerr << "frontend_load: unknown argument " << arg << "\n";
      std::exit(2);
    }
  }
  if (o.chaintrust.empty()) {
    std::cerr << "frontend_load: --chaintrust=PATH is required\n";
    std::exit(2);
  }
  return o;
}

// Mints the PKI and writes the files the server reads into `dir`.
std::vector<Device> MakeFixture(const std::string& dir, int count) {
  const TestCert root = internal::MintRoot("Load Root");
  const TestCert tls_ca = internal::MintRoot("Load TLS CA");
  internal::TestCertOptions server_options;
  server_options.common_name = "localhost";
  const TestCert server = internal::MintCertificate(server_options, &tls_ca);
  std::ofstream(dir + "/tls.pem") << server.Pem() << tls_ca.Pem();
  std::ofstream(dir + "/tls.key") << server.key.PrivateKeyPem();
  std::ofstream(dir + "/policy.json")
      << "{\"enrollmentGroups\":[{\"enrollmentGroupId\":\"load\","
         "\"attestation\":{\"type\":\"x509\",\"x509\":{\"signingCertificates\":"
         "{\"primary\":{\"certificate\":\""
      << JsonEscape(root.Pem()) << "\"}}}}}]}\n";
  std::vector<Device> devices;
  devices.reserve(count);
  for (int i = 0; i < count; ++i) {
    TestCert leaf = internal::MintLeaf(absl::StrCat("load-", i), root);
    const unsigned char* p =
        reinterpret_cast<const unsigned char*>(leaf.der.data());
    X509* x509 = d2i_X509(nullptr, &p, long(leaf.der.size()));
    devices.push_back(Device{std::move(leaf), x509});
  }
  return devices;
}

// Starts `chaintrust serve` on the fixture and waits until it accepts.
pid_t StartServer(const Options& o, const std::string& binary,
                  const std::string& dir, const std::string& store_name,
                  SSL_CTX* client, const Device& probe_device) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string threads = absl::StrCat("--threads=", o.server_threads);
    const std::string listen = absl::StrCat("--listen=127.0.0.1:", o.port);
    const std::string cert = absl::StrCat("--tls_cert=", dir, "/tls.pem");
    const std::string key = absl::StrCat("--tls_key=", dir, "/tls.key");
    const std::string policy = absl::StrCat("--policy=", dir, "/policy.json");
    const std::string store = absl::StrCat("--store=", dir, "/", store_name);
    execl(binary.c_str(), binary.c_str(), "serve", listen.c_str(), cert.c_str(),
          key.c_str(), "--id_scope=0ne00BE7C4", policy.c_str(), store.c_str(),
          "--service_key=AAAAAAAAAAAAAAAAAAAAAA==", "--access_log=false",
          "--throttle=false", threads.c_str(), nullptr);
    std::_Exit(127);
  }
  for (int i = 0; i < 100; ++i) {
    Connection probe;
    if (probe.Open(client, o.port, probe_device)) break;
    absl::SleepFor(absl::Milliseconds(100));
  }

  return pid;
}

std::string RegisterRequest(const std::string& id) {
  const std::string body = absl::StrCat("{\"registrationId\":\"", id, "\"}");
  return absl::StrCat("PUT /", kScope, "/registrations/", id,
                      "/register?api-version=2019-03-31 HTTP/1.1\r\n"
                      "Host: localhost\r\nContent-Type: application/json\r\n"
                      "Content-Length: ",
                      body.size(), "\r\n\r\n", body);
}

std::string LookupRequest(const std::string& id) {
  return absl::StrCat(
      "POST /", kScope, "/registrations/", id,
      "?api-version=2019-03-31 HTTP/1.1\r\nHost: localhost\r\n"
      "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
}

struct ServerResult {
  double registrations = 0;
  double lookups = 0;
};

// Status lookups on `connections` kept-alive connections, spread over
// o.clients threads, for `d`, at `rate` per second in all (0: as fast as
// they answer). Each thread sends one request on each of its connections,
// then reads the answers: as many devices asking at once, with no thread
// of the load generator asleep per device.
Stats Lookups(const Options& o, SSL_CTX* client,
              const std::vector<Device>& devices, int known, int connections,
              absl::Duration d, double rate) {
  const int threads = std::max(1, std::min(o.clients, connections));
  std::vector<std::vector<std::unique_ptr<Connection>>> open(threads);
  std::vector<std::vector<std::string>> requests(threads);
  for (int c = 0; c < connections; ++c) {
    auto connection = std::make_unique<Connection>();
    connection->Open(client, o.port, devices[c % known]);
    open[c % threads].push_back(std::move(connection));
    requests[c % threads].push_back(
        LookupRequest(devices[c % known].leaf.common_name));
  }
  std::vector<Stats> per_thread(threads);
  std::vector<std::thread> workers;
  const absl::Time start = absl::Now();
  const absl::Time end = start + d;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Stats& stats = per_thread[t];
      const size_t n = open[t].size();
      const double batch_rate = rate / threads / n;  // batches per second
      std::vector<bool> sent(n);
      for (int64_t i = 0; absl::Now() < end; ++i) {
        if (batch_rate > 0) {
          const absl::Duration wait =
              start + absl::Seconds(i / batch_rate) - absl::Now();
          if (wait > absl::ZeroDuration()) absl::SleepFor(wait);
        }
        const absl::Time before = absl::Now();
        for (size_t c = 0; c < n; ++c)
          sent[c] = open[t][c]->Send(requests[t][c]);
        for (size_t c = 0; c < n; ++c) {
          const bool ok = sent[c] && open[t][c]->Receive() == 200;
          stats.latencies_us.push_back(
              absl::ToDoubleMicroseconds(absl::Now() - before));
          if (!ok) ++stats.errors;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return Merge(per_thread);
}

// Steps 2-4 against the server binary `binary`; the soak only when `soak`.
ServerResult MeasureServer(const Options& o, const std::string& binary,
                           const std::string& label, const std::string& dir,
                           SSL_CTX* client, const std::vector<Device>& devices,
                           bool soak) {
  const pid_t pid =
      StartServer(o, binary, dir, label + ".db", client, devices[0]);
  const absl::Duration duration = absl::Seconds(o.seconds);
  // Half the fleet is known before the measurement.
  const int known = o.devices / 2;
  for (int i = 0; i < known; ++i) {
    Connection c;
    if (!c.Open(client, o.port, devices[i]) ||
        c.Exchange(RegisterRequest(devices[i].leaf.common_name)) != 202) {
      std::cerr << "frontend_load: warm-up registration " << i << " failed\n";
    }
  }
  ServerResult result;
  // The server's cost of a TLS connection alone (handshake, no request),
  // to set against the floor's.
  double cpu = CpuMicros(pid);
  auto threads = ThreadUses(pid);
  Stats handshakes = RunLoad(o.clients, duration, [&](int t, int64_t i) {
    Connection c;
    return c.Open(client, o.port, devices[(t * 7919 + i) % o.devices]);
  });
  const size_t handshaken = handshakes.latencies_us.size();
  Report(label + ": tls handshake only", std::move(handshakes), duration,
         CpuMicros(pid) - cpu);
  ReportThreads(pid, threads, handshaken);
  // 2. Registrations, a new connection each: known and new devices in turn
  // (new ones once each, then again as known).
  std::atomic<int> next_new{known};
  cpu = CpuMicros(pid);
  threads = ThreadUses(pid);
  Stats registrations = RunLoad(o.clients, duration, [&](int t, int64_t i) {
    int index;
    if (i % 2 == 0) {
      index = (t * 104729 + i) % known;
    } else {
      index = next_new.fetch_add(1);
      if (index >= o.devices) index = index % o.devices;
    }
    Connection c;
    return c.Open(client, o.port, devices[index]) &&
           c.Exchange(RegisterRequest(devices[index].leaf.common_name)) == 202;
  });
  const size_t registered = registrations.latencies_us.size();
  result.registrations =
      Report(label + ": register, new TLS connection", std::move(registrations),
             duration, CpuMicros(pid) - cpu);
  ReportThreads(pid, threads, registered);

  // 3. Status lookups on kept-alive connections.
  cpu = CpuMicros(pid);
  threads = ThreadUses(pid);
  Stats lookups =
      Lookups(o, client, devices, known, o.lookup_connections, duration, 0);
  const size_t looked_up = lookups.latencies_us.size();
  result.lookups = Report(
      absl::StrCat(label, ": lookup, ", o.lookup_connections, " kept-alive"),
      std::move(lookups), duration, CpuMicros(pid) - cpu);
  ReportThreads(pid, threads, looked_up);

  if (soak && o.soak_seconds > 0 && o.soak_rate > 0) {
    std::cout << "soak: load average before " << LoadAverage() << "\n";
    std::atomic<bool> done{false};
    std::vector<int64_t> samples = {ResidentKb(pid)};
    std::thread sampler([&] {
      absl::Time next = absl::Now();
      while (!done.load()) {
        absl::SleepFor(absl::Milliseconds(200));
        if (absl::Now() < next + absl::Seconds(o.soak_sample_seconds)) continue;
        next += absl::Seconds(o.soak_sample_seconds);
        samples.push_back(ResidentKb(pid));
      }
    });
    const absl::Duration soak_duration = absl::Seconds(o.soak_seconds);
    cpu = CpuMicros(pid);
    Stats soaked = Lookups(o, client, devices, known, o.lookup_connections,
                           soak_duration, o.soak_rate);
    Report(absl::StrCat(label, ": soak, lookups at ", o.soak_rate, "/s"),
           std::move(soaked), soak_duration, CpuMicros(pid) - cpu);
    done.store(true);
    sampler.join();
    samples.push_back(ResidentKb(pid));
    std::cout << absl::StrFormat(
        "soak: server RSS first %d kB, last %d kB, max %d kB (%d samples, "
        "every %d s)\n",
        samples.front(), samples.back(),
        *std::max_element(samples.begin(), samples.end()), samples.size(),
        o.soak_sample_seconds);
    std::cout << "soak: RSS samples kB:";
    for (int64_t kb : samples) std::cout << " " << kb;
    std::cout << "\nsoak: load average after " << LoadAverage() << "\n";
  }

  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::cout << label << ": server exit status " << WEXITSTATUS(status) << "\n";
  return result;
}

int Main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  std::cout << "load average at start " << LoadAverage() << "\n";
  char dir_template[] = "/tmp/frontend_load.XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  std::vector<Device> devices = MakeFixture(dir, o.devices);
  SSL_CTX* client = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_session_cache_mode(client, SSL_SESS_CACHE_OFF);

  // 1. The floor, on the port the server will use next.
  const absl::Duration duration = absl::Seconds(o.seconds);
  double floor;
  {
    SSL_CTX* ctx = ServerContext(dir + "/tls.pem", dir + "/tls.key");
    HandshakeServer handshakes(ctx, o.port, o.server_threads);
    Stats stats = RunLoad(o.clients, duration, [&](int t, int64_t i) {
      Connection c;
      return c.Open(client, o.port, devices[(t * 7919 + i) % o.devices]);
    });
    // The server side's CPU: its threads' time once the last client closed.
    absl::SleepFor(absl::Milliseconds(100));
    const double cpu = static_cast<double>(handshakes.Stop());
    floor = Report("tls handshake floor", std::move(stats), duration, cpu);
    SSL_CTX_free(ctx);
  }

  std::optional<ServerResult> baseline;
  if (!o.baseline.empty()) {
    baseline = MeasureServer(o, o.baseline, "baseline", dir, client, devices,
                             /*soak=*/false);
  }
  const ServerResult result = MeasureServer(o, o.chaintrust, "serve", dir,
                                            client, devices, /*soak=*/true);

  if (baseline.has_value()) {
    std::cout << absl::StrFormat(
        "baseline: register / floor = %.2f; lookups %.0f/s\n",
        baseline->registrations / floor, baseline->lookups);
    std::cout << absl::StrFormat(
        "serve / baseline: register %.2fx, lookups %.2fx\n",
        result.registrations / baseline->registrations,
        result.lookups / baseline->lookups);
  }
  std::cout << absl::StrFormat(
      "serve: register / floor = %.2f (target >= 0.7); lookups %.0f/s (target "
      ">= 30000)\n",
      result.registrations / floor, result.lookups);
  std::cout << "load average at end " << LoadAverage() << "\n";

  for (Device& device : devices) X509_free(device.x509);
  SSL_CTX_free(client);
  if (std::system(absl::StrCat("rm -rf ", dir).c_str()) != 0) {
    std::cerr << "frontend_load: could not remove " << dir << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace chaintrust::bench

int main(int argc, char** argv) { return chaintrust::bench::Main(argc, argv); }
