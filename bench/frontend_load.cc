// Load on `chaintrust serve` over loopback, next to the TLS-handshake floor.
//
//   bazel build -c opt //bench:frontend_load //tools/cli:chaintrust
//   bazel-bin/bench/frontend_load --chaintrust=bazel-bin/tools/cli/chaintrust \
//       [--baseline=OTHER_CHAINTRUST] [--port=18443] [--seconds=10]
//       [--slices=5] [--clients=4] [--lookup_connections=16]
//       [--devices=2000] [--server_threads=2] [--soak_seconds=0]
//       [--soak_rate=0] [--soak_sample_seconds=10]
//
// It mints a PKI (a root CA enrolled as a group, device leaves, the server's
// TLS certificate), writes the policy, starts the server (on --port; the
// baseline, when given, on --port + 2) and the floor (on --port + 1), all
// three running for the whole measurement, then measures:
//   1. the handshake floor: new TLS connections with a device certificate
//      to an in-process OpenSSL server with the same certificate and
//      settings (asks for a client certificate, accepts any), no HTTP, no
//      engine; against each server, TLS connections alone (handshake, no
//      request); and registrations, one new TLS connection each (as
//      devices connect), alternating known devices (registered before) and
//      new ones;
//   2. these interleaved, in --slices rounds of --seconds / --slices each:
//      the floor, then for each server connections alone and
//      registrations (the order reversed every other round), so that each
//      round's ratio compares minutes of the same box; every round's
//      ratio is printed, then the pooled totals and the median of the
//      rounds, the server's CPU beyond the floor's, and the load
//      generator's own CPU per operation;
//   3. status lookups (POST /{scope}/registrations/{id}) on
//      --lookup_connections kept-alive connections, one request in flight
//      on each, driven by --clients threads;
//   4. optionally a soak: lookups at --soak_rate per second for
//      --soak_seconds, sampling the server's resident memory every
//      --soak_sample_seconds.
// Each prints operations per second, p50/p99 latency, errors and the
// server's CPU time per operation (from /proc/PID/stat, and for the floor
// its threads' CPU clocks: on a shared box the rate depends on the CPU the
// server is given, its cost per request much less). With --baseline, steps
// 1-3 run against that binary too, in the same run, so before/after ratios
// share the box's load.
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/frontend_load_proc.h"
#include "bench/frontend_load_tls.h"
#include "engine/x509/test_certs.h"

namespace chaintrust::bench {
namespace {

using internal::TestCert;

constexpr char kScope[] = "0ne00BE7C4";

struct Options {
  std::string chaintrust;
  int port = 18443;
  int seconds = 10;
  int slices = 5;
  int clients = 4;
  int devices = 2000;
  int server_threads = 2;
  int soak_seconds = 0;
  int soak_rate = 0;
  int soak_sample_seconds = 10;
  int lookup_connections = 16;
  std::string baseline;
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

// Reports `stats`; `cpu_us` and `client_cpu_us`, when not negative, are
// the server's and the load generator's CPU time
// over the phase, printed per operation.
double Report(const std::string& name, Stats stats, absl::Duration duration,
              double cpu_us = -1, double client_cpu_us = -1) {
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
  if (client_cpu_us >= 0 && n > 0) {
    std::cout << absl::StrFormat("  client cpu %.1f us/op", client_cpu_us / n);
  }
  std::cout << "\n" << std::flush;
  return rate;
}

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
          value("seconds", &o.seconds) || value("slices", &o.slices) ||
          value("clients", &o.clients) || value("devices", &o.devices) ||
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
  if (o.slices < 1 || o.seconds < 1 || o.clients < 1 || o.devices < 2) {
    std::cerr << "frontend_load: --slices, --seconds and --clients must be "
                 "at least 1, --devices at least 2\n";
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
pid_t StartServer(const Options& o, const std::string& binary, int port,
                  const std::string& dir, const std::string& store_name,
                  SSL_CTX* client, const Device& probe_device) {
  // Else the probe below could reach whatever already listens there.
  if (!PortFree(port)) {
    std::cerr << "frontend_load: port " << port << " is in use\n";
    std::exit(2);
  }
  std::cout << std::flush;  // the server writes to the same stdout
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string threads = absl::StrCat("--threads=", o.server_threads);
    const std::string listen = absl::StrCat("--listen=127.0.0.1:", port);
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
    if (probe.Open(client, port, probe_device)) return pid;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) break;  // it exited
    absl::SleepFor(absl::Milliseconds(100));
  }
  std::cerr << "frontend_load: " << binary << " does not accept connections on "
            << port << "\n";
  kill(pid, SIGTERM);
  std::exit(2);
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

// Status lookups on `connections` kept-alive connections, spread over
// o.clients threads, for `d`, at `rate` per second in all (0: as fast as
// they answer). Each thread sends one request on each of its connections,
// then reads the answers: as many devices asking at once, with no thread
// of the load generator asleep per device.
Stats Lookups(const Options& o, int port, SSL_CTX* client,
              const std::vector<Device>& devices, int known, int connections,
              absl::Duration d, double rate) {
  const int threads = std::max(1, std::min(o.clients, connections));
  std::vector<std::vector<std::unique_ptr<Connection>>> open(threads);
  std::vector<std::vector<std::string>> requests(threads);
  for (int c = 0; c < connections; ++c) {
    auto connection = std::make_unique<Connection>();
    connection->Open(client, port, devices[c % known]);
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

// What one kind of load did against one server, pooled over its slices.
struct Phase {
  Stats stats;
  double cpu_us = 0;         // the server's
  double client_cpu_us = 0;  // this process's
  std::map<std::string, ThreadUse> threads;
  double PerOp(double total) const {
    return stats.latencies_us.empty() ? 0 : total / stats.latencies_us.size();
  }
};

// A server under test: started once, then measured phase by phase.
struct Server {
  std::string label;
  int port = 0;
  pid_t pid = -1;
  int known = 0;                 // devices 0..known-1 are registered
  std::atomic<int> next_new{0};  // the next new device to register
  Phase handshake_only;          // TLS connections without a request
  Phase registrations;
  std::vector<double> ratios;  // each round's registrations ÷ its floor
  double lookups = 0;
};

// The floor's server, measured slice by slice.
struct Floor {
  std::unique_ptr<HandshakeServer> server;
  int port = 0;
  Stats handshakes;
  double cpu_us = 0;
  double client_cpu_us = 0;  // this process's, less the floor's threads
};

// Starts `binary` as `label` on `port` and registers the known half of the
// fleet with it.
std::unique_ptr<Server> Launch(const Options& o, const std::string& binary,
                               const std::string& label, int port,
                               const std::string& dir, SSL_CTX* client,
                               const std::vector<Device>& devices) {
  auto server = std::make_unique<Server>();
  server->label = label;
  server->port = port;
  server->pid =
      StartServer(o, binary, port, dir, label + ".db", client, devices[0]);
  server->known = o.devices / 2;
  server->next_new = server->known;
  for (int i = 0; i < server->known; ++i) {
    Connection c;
    if (!c.Open(client, port, devices[i]) ||
        c.Exchange(RegisterRequest(devices[i].leaf.common_name)) != 202) {
      std::cerr << "frontend_load: " << label << ": warm-up registration " << i
                << " failed\n";
    }
  }
  return server;
}

// Appends `stats` to *pooled.
void Pool(Stats stats, Stats* pooled) {
  pooled->latencies_us.insert(pooled->latencies_us.end(),
                              stats.latencies_us.begin(),
                              stats.latencies_us.end());
  pooled->errors += stats.errors;
}

// One slice of the floor; returns its rate and sets *cpu_per_op.
double FloorSlice(const Options& o, Floor& floor, SSL_CTX* client,
                  const std::vector<Device>& devices, absl::Duration d,
                  double* cpu_per_op) {
  const double cpu = floor.server->CpuMicros();
  const double self = SelfCpuMicros();
  Stats stats = RunLoad(o.clients, d, [&](int t, int64_t i) {
    Connection c;
    return c.Open(client, floor.port, devices[(t * 7919 + i) % o.devices]);
  });
  // The server side finishes a connection once the client closed it.
  absl::SleepFor(absl::Milliseconds(20));
  const double used = floor.server->CpuMicros() - cpu;
  floor.cpu_us += used;
  floor.client_cpu_us += SelfCpuMicros() - self - used;
  const size_t n = stats.latencies_us.size();
  *cpu_per_op = n == 0 ? 0 : used / n;
  Pool(std::move(stats), &floor.handshakes);
  return n / absl::ToDoubleSeconds(d);
}

// One slice of `op` against `server`, pooled into *phase; returns its rate
// and sets *cpu_per_op.
double ServerSlice(const Options& o, const Server& server, Phase* phase,
                   absl::Duration d,
                   const std::function<bool(int, int64_t)>& op,
                   double* cpu_per_op) {
  const double cpu = CpuMicros(server.pid);
  const double self = SelfCpuMicros();
  const auto threads = ThreadUses(server.pid);
  Stats stats = RunLoad(o.clients, d, op);
  const double used = CpuMicros(server.pid) - cpu;
  phase->cpu_us += used;
  phase->client_cpu_us += SelfCpuMicros() - self;
  AddThreadUse(ThreadDelta(threads, ThreadUses(server.pid)), &phase->threads);
  const size_t n = stats.latencies_us.size();
  *cpu_per_op = n == 0 ? 0 : used / n;
  Pool(std::move(stats), &phase->stats);
  return n / absl::ToDoubleSeconds(d);
}

// Prints `phase` of `server` pooled over `total`.
void ReportPhase(const Server& server, const std::string& name,
                 const Phase& phase, absl::Duration total) {
  Report(absl::StrCat(server.label, ": ", name), phase.stats, total,
         phase.cpu_us, phase.client_cpu_us);
  PrintThreads(phase.threads, phase.stats.latencies_us.size());
}

// Registrations interleaved with the floor: o.slices rounds, each a slice
// of the floor, then of every server TLS connections alone and
// registrations, the order reversed every other round. Prints each round,
// then the pooled totals; returns the pooled floor rate.
double Interleaved(const Options& o, Floor& floor,
                   const std::vector<Server*>& servers, SSL_CTX* client,
                   const std::vector<Device>& devices) {
  const absl::Duration slice = absl::Seconds(o.seconds) / o.slices;
  std::cout
      << absl::StrFormat(
             "floor, tls handshake only and registrations interleaved: %d "
             "rounds of %.1f s per measure\n",
             o.slices, absl::ToDoubleSeconds(slice))
      << std::flush;
  auto handshake = [&](const Server& server) {
    return [&](int t, int64_t i) {
      Connection c;
      return c.Open(client, server.port, devices[(t * 7919 + i) % o.devices]);
    };
  };
  // Known and new devices in turn (new ones once each, then again as known).
  auto registration = [&](Server& server) {
    return [&](int t, int64_t i) {
      const int index = i % 2 == 0 ? (t * 104729 + i) % server.known
                                   : server.next_new.fetch_add(1) % o.devices;
      Connection c;
      return c.Open(client, server.port, devices[index]) &&
             c.Exchange(RegisterRequest(devices[index].leaf.common_name)) ==
                 202;
    };
  };
  for (int round = 0; round < o.slices; ++round) {
    // -1 is the floor; 2i and 2i+1 are server i alone and registering.
    std::vector<int> order = {-1};
    for (int i = 0; i < int(servers.size()); ++i) {
      order.push_back(2 * i);
      order.push_back(2 * i + 1);
    }
    if (round % 2 == 1) std::reverse(order.begin(), order.end());
    double floor_rate = 0, floor_cpu = 0, unused = 0;
    std::vector<double> rates(servers.size()), cpus(servers.size());
    for (int which : order) {
      if (which < 0) {
        floor_rate = FloorSlice(o, floor, client, devices, slice, &floor_cpu);
        continue;
      }
      Server& server = *servers[which / 2];
      if (which % 2 == 0) {
        ServerSlice(o, server, &server.handshake_only, slice, handshake(server),
                    &unused);
      } else {
        rates[which / 2] = ServerSlice(o, server, &server.registrations, slice,
                                       registration(server), &cpus[which / 2]);
      }
    }
    std::cout << absl::StrFormat("round %d: floor %.0f/s %.0f us", round + 1,
                                 floor_rate, floor_cpu);
    for (size_t i = 0; i < servers.size(); ++i) {
      const double ratio = floor_rate > 0 ? rates[i] / floor_rate : 0;
      servers[i]->ratios.push_back(ratio);
      std::cout << absl::StrFormat("; %s %.0f/s %.0f us = %.2f",
                                   servers[i]->label, rates[i], cpus[i], ratio);
    }
    std::cout << "\n" << std::flush;
  }
  const absl::Duration total = slice * o.slices;
  const double floor_rate = Report("tls handshake floor", floor.handshakes,
                                   total, floor.cpu_us, floor.client_cpu_us);
  const size_t floor_n = floor.handshakes.latencies_us.size();
  const double floor_server = floor_n == 0 ? 0 : floor.cpu_us / floor_n;
  const double floor_both =
      floor_n == 0 ? 0 : (floor.cpu_us + floor.client_cpu_us) / floor_n;
  for (Server* server : servers) {
    ReportPhase(*server, "tls handshake only", server->handshake_only, total);
    ReportPhase(*server, "register, new TLS connection", server->registrations,
                total);
    const Phase& alone = server->handshake_only;
    const Phase& registering = server->registrations;
    if (registering.stats.latencies_us.empty() || floor_n == 0) continue;
    std::cout << absl::StrFormat(
        "    server cpu beyond the floor's handshake: %.0f us for a TLS "
        "connection alone, %.0f us more for a registration\n",
        alone.PerOp(alone.cpu_us) - floor_server,
        registering.PerOp(registering.cpu_us) - alone.PerOp(alone.cpu_us));
    // Were the box all theirs and busy, rates would go as these inverses.
    const double both =
        registering.PerOp(registering.cpu_us + registering.client_cpu_us);
    std::cout << absl::StrFormat(
        "    server + client cpu %.0f us/op, the floor's %.0f: %.2f of the "
        "floor if CPU-bound\n",
        both, floor_both, floor_both / both);
  }
  return floor_rate;
}

// Status lookups on kept-alive connections.
void LookupPhase(const Options& o, Server& server, SSL_CTX* client,
                 const std::vector<Device>& devices, absl::Duration d) {
  const double cpu = CpuMicros(server.pid);
  const auto threads = ThreadUses(server.pid);
  Stats lookups = Lookups(o, server.port, client, devices, server.known,
                          o.lookup_connections, d, 0);
  const size_t n = lookups.latencies_us.size();
  server.lookups = Report(absl::StrCat(server.label, ": lookup, ",
                                       o.lookup_connections, " kept-alive"),
                          std::move(lookups), d, CpuMicros(server.pid) - cpu);
  ReportThreads(server.pid, threads, n);
}

// Lookups at o.soak_rate for o.soak_seconds, sampling the server's memory.
void Soak(const Options& o, Server& server, SSL_CTX* client,
          const std::vector<Device>& devices) {
  std::cout << "soak: load average before " << LoadAverage() << "\n";
  std::atomic<bool> done{false};
  std::vector<int64_t> samples = {ResidentKb(server.pid)};
  std::thread sampler([&] {
    absl::Time next = absl::Now();
    while (!done.load()) {
      absl::SleepFor(absl::Milliseconds(200));
      if (absl::Now() < next + absl::Seconds(o.soak_sample_seconds)) continue;
      next += absl::Seconds(o.soak_sample_seconds);
      samples.push_back(ResidentKb(server.pid));
    }
  });
  const absl::Duration soak_duration = absl::Seconds(o.soak_seconds);
  const double cpu = CpuMicros(server.pid);
  Stats soaked = Lookups(o, server.port, client, devices, server.known,
                         o.lookup_connections, soak_duration, o.soak_rate);
  Report(absl::StrCat(server.label, ": soak, lookups at ", o.soak_rate, "/s"),
         std::move(soaked), soak_duration, CpuMicros(server.pid) - cpu);
  done.store(true);
  sampler.join();
  samples.push_back(ResidentKb(server.pid));
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

void Stop(const Server& server) {
  kill(server.pid, SIGTERM);
  int status = 0;
  waitpid(server.pid, &status, 0);
  std::cout << server.label << ": server exit status " << WEXITSTATUS(status)
            << "\n";
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// "0.64 pooled, median of 5 rounds 0.63 (0.55-0.70)".
std::string RatioSummary(const Server& server, double floor_rate,
                         double seconds) {
  const std::vector<double>& r = server.ratios;
  const double rate = server.registrations.stats.latencies_us.size() / seconds;
  return absl::StrFormat("%.2f pooled, median of %d rounds %.2f (%.2f-%.2f)",
                         rate / floor_rate, r.size(), Median(r),
                         *std::min_element(r.begin(), r.end()),
                         *std::max_element(r.begin(), r.end()));
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
  const absl::Duration duration = absl::Seconds(o.seconds);

  // The floor and the servers run side by side for the whole measurement.
  SSL_CTX* floor_ctx = ServerContext(dir + "/tls.pem", dir + "/tls.key");
  Floor floor;
  floor.port = o.port + 1;
  floor.server = std::make_unique<HandshakeServer>(floor_ctx, floor.port,
                                                   o.server_threads);
  std::vector<std::unique_ptr<Server>> owned;
  if (!o.baseline.empty()) {
    owned.push_back(
        Launch(o, o.baseline, "baseline", o.port + 2, dir, client, devices));
  }
  owned.push_back(
      Launch(o, o.chaintrust, "serve", o.port, dir, client, devices));
  std::vector<Server*> servers;
  for (auto& server : owned) servers.push_back(server.get());
  Server& serve = *servers.back();

  const double floor_rate = Interleaved(o, floor, servers, client, devices);
  floor.server->Stop();
  SSL_CTX_free(floor_ctx);
  for (Server* server : servers) {
    LookupPhase(o, *server, client, devices, duration);
  }
  if (o.soak_seconds > 0 && o.soak_rate > 0) Soak(o, serve, client, devices);
  for (Server* server : servers) Stop(*server);

  const double seconds =
      absl::ToDoubleSeconds(absl::Seconds(o.seconds) / o.slices * o.slices);
  if (servers.size() > 1) {
    const Server& baseline = *servers.front();
    std::vector<double> per_round;
    for (size_t i = 0; i < serve.ratios.size(); ++i) {
      per_round.push_back(serve.ratios[i] / baseline.ratios[i]);
    }
    std::cout << "baseline: register / floor = "
              << RatioSummary(baseline, floor_rate, seconds)
              << absl::StrFormat("; lookups %.0f/s\n", baseline.lookups);
    std::cout << absl::StrFormat(
        "serve / baseline: register %.2fx (median of rounds %.2fx), lookups "
        "%.2fx\n",
        double(serve.registrations.stats.latencies_us.size()) /
            baseline.registrations.stats.latencies_us.size(),
        Median(per_round), serve.lookups / baseline.lookups);
  }
  std::cout << "serve: register / floor = "
            << RatioSummary(serve, floor_rate, seconds)
            << absl::StrFormat(
                   " (target >= 0.7); lookups %.0f/s (target >= 30000)\n",
                   serve.lookups);
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
