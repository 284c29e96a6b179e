#include "tools/serve/serve_command.h"

#include <malloc.h>

#include <iostream>
#include <memory>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/registry/enrollment_set_store.h"
#include "tools/cli/cli.h"
#include "tools/serve/dps_service.h"
#include "tools/serve/engine_adapter.h"
#include "tools/serve/enrollment_repository.h"
#include "tools/serve/http_server.h"
#include "tools/serve/metrics.h"

namespace chaintrust::serve {

const cli::CommandSpec kServeCommand = {
    "serve",
    "  serve    --listen=HOST:PORT --tls_cert=PEM --tls_key=PEM\n"
    "           --id_scope=SCOPE --policy=FILE --store=PATH "
    "--service_key=BASE64\n"
    "           [--iot_hubs=h1,h2] [--max_registrations=N] [--crl=FILE]...\n"
    "           [--certificates=FILE]... [--threads=N] "
    "[--throttle=true|false]\n"
    "           [--operation_retry_after=SECONDS] [--access_log=true|false]\n"
    "      Serves DPS's device API and the service API subset over HTTPS.\n"
    "      Enrollment changes made through the service API are kept in\n"
    "      PATH.enrollments.json and win over --policy at the next start.\n"
    "      With --store=postgresql://..., replicas share the registrations\n"
    "      and the enrollment set in the database: the first to start on an\n"
    "      empty database seeds it from --policy, later ones serve the\n"
    "      database's set, and each polls it for changes every 250 ms.\n",
    {"listen", "tls_cert", "tls_key", "id_scope", "policy", "store",
     "service_key", "iot_hubs", "max_registrations", "crl", "certificates",
     "threads", "throttle", "operation_retry_after", "access_log"},
    {"crl", "certificates"}};

namespace {

int Fail(absl::string_view message) { return cli::Fail("serve", message); }

bool ParseBool(const cli::Flags& flags, const std::string& name, bool* out) {
  const std::string value = flags.Get(name, *out ? "true" : "false");
  if (value != "true" && value != "false") return false;
  *out = value == "true";
  return true;
}

// The enrollment set lives in the registration store's database when the
// store keeps one (PostgreSQL: shared by the replicas, polled), else in a
// file beside the store.
absl::StatusOr<std::unique_ptr<EnrollmentRepository>> OpenRepository(
    EngineAdapter* adapter, const std::string& store_path,
    const std::string& policy) {
  auto* shared = dynamic_cast<EnrollmentSetStore*>(&adapter->store());
  if (shared == nullptr) {
    return EnrollmentRepository::Open(adapter, store_path + ".enrollments.json",
                                      policy, absl::Now());
  }
  EnrollmentRepositoryOptions options;
  options.store_name = "the registration store's database";
  options.poll_interval = absl::Milliseconds(250);
  return EnrollmentRepository::Open(adapter, shared, policy, absl::Now(),
                                    std::move(options));
}

}  // namespace

int RunServe(const std::vector<std::string>& args) {
  int exit_status = 0;
  auto flags = cli::ParseArgs(kServeCommand, args, &exit_status);
  if (!flags) return exit_status;
  for (const char* required : {"listen", "tls_cert", "tls_key", "id_scope",
                               "policy", "store", "service_key"}) {
    if (flags->Get(required).empty()) {
      return Fail(absl::StrCat("needs --", required));
    }
  }
  HttpServerOptions http;
  const std::string listen = flags->Get("listen");
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &http.port) ||
      http.port < 0 || http.port > 65535) {
    return Fail(absl::StrCat("--listen=", listen, " is not HOST:PORT"));
  }
  http.host = listen.substr(0, colon);
  if (http.host.size() > 2 && http.host.front() == '[') {
    http.host = http.host.substr(1, http.host.size() - 2);
  }
  http.tls_cert_file = flags->Get("tls_cert");
  http.tls_key_file = flags->Get("tls_key");
  http.threads = static_cast<int>(
      std::max(1u, std::min(64u, std::thread::hardware_concurrency())));
  if (flags->Has("threads") &&
      (!absl::SimpleAtoi(flags->Get("threads"), &http.threads) ||
       http.threads < 1 || http.threads > 256)) {
    return Fail("--threads must be 1..256");
  }
  if (!ParseBool(*flags, "access_log", &http.access_log)) {
    return Fail("--access_log must be true or false");
  }

  AdapterOptions adapter_options;
  adapter_options.store_path = flags->Get("store");
  adapter_options.crl_files = flags->GetAll("crl");
  adapter_options.certificate_files = flags->GetAll("certificates");
  if (flags->Has("max_registrations") &&
      (!absl::SimpleAtoi(flags->Get("max_registrations"),
                         &adapter_options.max_registrations) ||
       adapter_options.max_registrations < 0)) {
    return Fail("--max_registrations must be a non-negative integer");
  }
  if (!ParseBool(*flags, "throttle", &adapter_options.throttle)) {
    return Fail("--throttle must be true or false");
  }

  DpsServiceOptions service_options;
  service_options.id_scope = flags->Get("id_scope");
  service_options.service_key = flags->Get("service_key");
  std::string decoded_key;
  if (!absl::Base64Unescape(service_options.service_key, &decoded_key) ||
      decoded_key.size() < 16) {
    return Fail("--service_key must be base64 of at least 16 bytes");
  }
  for (absl::string_view hub :
       absl::StrSplit(flags->Get("iot_hubs"), ',', absl::SkipEmpty())) {
    service_options.iot_hubs.emplace_back(hub);
  }
  if (flags->Has("operation_retry_after") &&
      (!absl::SimpleAtoi(flags->Get("operation_retry_after"),
                         &service_options.operation_retry_after_seconds) ||
       service_options.operation_retry_after_seconds < 0 ||
       service_options.operation_retry_after_seconds > 60)) {
    return Fail("--operation_retry_after must be 0..60 seconds");
  }

  // Each connection allocates and frees about 100 KiB of TLS and HTTP
  // buffers. glibc would give freed memory back to the kernel as it goes
  // (madvise), and each such call flushes the TLBs of every core; the
  // connection limit bounds what is kept instead. (Setting the trim
  // threshold also fixes the mmap threshold, so set that too.)
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  auto adapter = EngineAdapter::Create(adapter_options);
  if (!adapter.ok()) return Fail(adapter.status().message());
  auto policy = (*adapter)->ReadPolicyAsDpsJson(flags->Get("policy"));
  if (!policy.ok()) return Fail(policy.status().message());
  auto repository =
      OpenRepository(adapter->get(), adapter_options.store_path, *policy);
  if (!repository.ok()) return Fail(repository.status().message());
  Metrics metrics(http.threads);
  // The service's workers hold Evaluators, which must go before the
  // Engine inside the adapter: destroy in the reverse order of creation.
  auto service =
      std::make_unique<DpsService>(service_options, adapter->get(),
                                   repository->get(), &metrics, http.threads);
  auto server = HttpServer::Create(
      http,
      [service = service.get()](HttpRequest request, HttpRespond respond) {
        service->HandleAsync(std::move(request), std::move(respond));
      },
      &metrics);
  if (!server.ok()) return Fail(server.status().message());
  std::cerr << "chaintrust serve: listening on " << http.host << ":"
            << (*server)->port() << " (" << http.threads << " threads, "
            << "enrollment set version " << (*repository)->sync_stats().version
            << ", " << (*repository)->size(EntryKind::kIndividual)
            << " individual enrollments, "
            << (*repository)->size(EntryKind::kGroup) << " enrollment groups)"
            << std::endl;
  (*server)->Run(/*handle_signals=*/true);
  // The service waits for the registrations still in the store's queue;
  // their answers go to the stopped server, which discards those
  // connections.
  service.reset();
  server->reset();
  // The store flushes what it queued when the adapter goes; the
  // repository's poller stops before it.
  repository->reset();
  adapter->reset();
  std::cerr << "chaintrust serve: stopped" << std::endl;
  return 0;
}

}  // namespace chaintrust::serve
