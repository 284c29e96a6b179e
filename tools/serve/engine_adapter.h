// The one place where `chaintrust serve` calls into the engine: policy
// (de)serialisation and snapshot swaps, per-thread evaluation and
// provisioning, the registration store, and the mapping of a decision to
// DPS's HTTP answer. Everything else in tools/serve/ sees only the plain
// types below, so that engine API changes are absorbed here.
#ifndef CHAINTRUST_TOOLS_SERVE_ENGINE_ADAPTER_H_
#define CHAINTRUST_TOOLS_SERVE_ENGINE_ADAPTER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/registration_store.h"

namespace chaintrust::serve {

struct AdapterOptions {
  // The registration store: a SQLite file (created when missing) or a
  // postgresql:// URI (its tables created when missing).
  std::string store_path;
  // The registration quota.
  int64_t max_registrations = kDefaultMaxRegistrations;
  // Per-registration-ID backoff after denies (the engine's Throttle).
  bool throttle = true;
  // CRL files and DPS CA certificate lists (docs/contract.md's --crl and
  // --certificates). The lists' certificates are what groups' caReferences
  // name; one whose isVerified is false denies the devices under it.
  std::vector<std::string> crl_files;
  std::vector<std::string> certificate_files;
};

// What a device presented.
struct DeviceCredentials {
  std::vector<std::string> chain_der;  // leaf first; empty for a SAS token
  std::string registration_id;         // from the request path
  std::string sas_token;               // the Authorization header's value
};

// A decision as the HTTP layer needs it.
struct DecisionView {
  bool allowed = false;
  std::string reason;           // docs/contract.md's reason code
  std::string cause;            // a stable cause id, when the engine has one
  std::string detail;           // the failed explanation step, for people
  std::string registration_id;  // as decided (an X.509 leaf's CN)
  bool group = false;           // deciding enrollment is a group
  std::string enrollment_id;    // empty when none decided
  absl::Duration retry_after = absl::ZeroDuration();
  bool store_error = false;  // the registration store failed (fail closed)
};

// How a DENY is answered (docs/serve.md has the table).
struct DenyAnswer {
  // True: the register call is accepted (202) and the operation reports
  // status "disabled", as DPS does for a disabled enrollment. False: the
  // register call fails with http_status at once.
  bool operation_disabled = false;
  int http_status = 401;
  int error_code = 401002;
  int retry_after_seconds = 0;  // 0: no Retry-After header
  std::string message;
};
DenyAnswer MapDeny(const DecisionView& decision);

// Proof-cache counters of one worker.
struct CacheCounters {
  uint64_t certificate_hits = 0, certificate_misses = 0;
  uint64_t signature_hits = 0, signature_misses = 0;
};

class EngineAdapter {
 public:
  // Opens the store, the throttle and an engine with no enrollments.
  static absl::StatusOr<std::unique_ptr<EngineAdapter>> Create(
      const AdapterOptions& options);
  ~EngineAdapter();

  // A policy file of any supported format as DPS service JSON text,
  // validated as Compile would. CA certificates the file lists (a bundle's
  // "certificates") are added to those of options.certificate_files, for
  // every later Compile. Not thread-safe: call before serving.
  absl::StatusOr<std::string> ReadPolicyAsDpsJson(const std::string& path);

  // A validated, compiled enrollment set that is not active yet.
  using CompiledPolicy = std::shared_ptr<const void>;
  // Validates a DPS JSON bundle as the policy loader does; errors name the
  // entry and field, prefixed with `source_name`. Nothing changes on error.
  // The CA certificates of options.certificate_files are added to the
  // bundle's, so groups' caReferences resolve against them.
  absl::StatusOr<CompiledPolicy> Compile(absl::string_view dps_json,
                                         absl::string_view source_name) const;
  // Makes `policy` the active enrollment set (atomic for evaluations).
  void Activate(CompiledPolicy policy);

  // Completes the record of an ALLOW before it is stored: its hub and
  // substatus, given the record the device had before (null for a first
  // registration). `record` names the deciding enrollment.
  using Assign = std::function<void(const RegistrationRecord* previous,
                                    RegistrationRecord* record)>;

  // The outcome of ProvisionAsync: the decision and, on ALLOW, the stored
  // record.
  using ProvisionDone =
      absl::AnyInvocable<void(DecisionView, RegistrationRecord) &&>;

  // One per worker thread; not thread-safe.
  class Worker {
   public:
    virtual ~Worker() = default;
    // Evaluates, throttles, checks the quota and records an ALLOW in the
    // store, as completed by `assign` (may be empty). On ALLOW, *record is
    // the stored record.
    virtual DecisionView Provision(const DeviceCredentials& credentials,
                                   absl::Time at, const Assign& assign,
                                   RegistrationRecord* record) = 0;
    // Provision without waiting for the store's commit: evaluates, throttles
    // and hands the record of an ALLOW to the store's asynchronous group
    // commit, then returns. `done` gets what Provision returns (the decision,
    // and on ALLOW the stored record) once the record is durable, on the
    // store's committer thread; or at once, on the calling thread, when
    // nothing is stored (a DENY) or the store has no asynchronous write
    // (Provision then runs as is). The Worker must outlive the call of
    // `done`; the Worker itself is free again when this returns.
    virtual void ProvisionAsync(const DeviceCredentials& credentials,
                                absl::Time at, const Assign& assign,
                                ProvisionDone done) = 0;
    // Evaluates only (no throttle, no store write): for status lookups.
    virtual DecisionView Authenticate(const DeviceCredentials& credentials,
                                      absl::Time at) = 0;
    virtual CacheCounters cache_counters() const = 0;
  };
  std::unique_ptr<Worker> NewWorker();

  // Registration records (thread-safe).
  RegistrationStore& store();
  int64_t max_registrations() const;

 private:
  struct State;
  explicit EngineAdapter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace chaintrust::serve

#endif  // CHAINTRUST_TOOLS_SERVE_ENGINE_ADAPTER_H_
