#include "tools/serve/engine_adapter.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "engine/provisioner.h"
#include "engine/registry/async_registration_store.h"
#include "engine/throttle.h"
#include "engine/x509/crl.h"

namespace chaintrust::serve {
namespace {

DecisionView ViewOf(const Decision& decision, bool store_error) {
  DecisionView view;
  view.allowed = decision.allowed();
  view.reason = std::string(ReasonName(decision.reason()));
  // The cause, where it says more than the reason (THROTTLED's is
  // THROTTLED).
  if (!decision.allowed() && CauseName(decision.cause()) != view.reason) {
    view.cause = std::string(CauseName(decision.cause()));
  }
  view.registration_id = decision.registration_id();
  view.group = decision.enrollment_kind() == EnrollmentKind::kGroup;
  view.enrollment_id = decision.enrollment_id();
  view.retry_after = decision.retry_after();
  view.store_error = store_error;
  for (const ExplanationStep& step : decision.explanation()) {
    if (step.outcome == Outcome::kFailed) view.detail = DescribeStep(step);
  }
  return view;
}

Attestation AttestationOf(const DeviceCredentials& credentials, absl::Time at) {
  Attestation attestation;
  attestation.at = at;
  attestation.registration_id = credentials.registration_id;
  if (!credentials.sas_token.empty()) {
    attestation.sas_token = credentials.sas_token;
  } else {
    for (const std::string& der : credentials.chain_der) {
      attestation.chain.push_back(der);
    }
  }
  return attestation;
}

}  // namespace

DenyAnswer MapDeny(const DecisionView& decision) {
  DenyAnswer answer;
  answer.message = decision.reason;
  if (!decision.cause.empty())
    absl::StrAppend(&answer.message, " (", decision.cause, ")");
  if (!decision.enrollment_id.empty()) {
    absl::StrAppend(
        &answer.message,
        decision.group ? " enrollment group " : " individual enrollment ",
        decision.enrollment_id);
  }
  if (!decision.detail.empty())
    absl::StrAppend(&answer.message, ": ", decision.detail);
  const int retry_after_seconds = static_cast<int>(
      absl::ToInt64Seconds(absl::Ceil(decision.retry_after, absl::Seconds(1))));
  if (decision.store_error) {
    answer.http_status = 503;
    answer.error_code = 503;
    answer.retry_after_seconds = std::max(1, retry_after_seconds);
  } else if (decision.reason == "INDIVIDUAL_ENROLLMENT_DISABLED" ||
             decision.reason == "ENROLLMENT_GROUP_DISABLED") {
    answer.operation_disabled = true;
    answer.http_status = 200;
    answer.error_code = 401002;
  } else if (decision.reason == "THROTTLED") {
    answer.http_status = 429;
    answer.error_code = 429;
    answer.retry_after_seconds = std::max(1, retry_after_seconds);
  } else if (decision.reason == "QUOTA_EXCEEDED") {
    answer.http_status = 403;
    answer.error_code = 403;
  } else if (decision.reason == "INVALID_REGISTRATION_ID") {
    answer.http_status = 400;
    answer.error_code = 400;
  } else {
    // NO_ENROLLMENT, ATTESTATION_MISMATCH and every chain or certificate
    // reason: the device could not be authenticated against an enrollment.
    answer.http_status = 401;
    answer.error_code = 401002;
  }
  return answer;
}

struct EngineAdapter::State {
  AdapterOptions options;
  Engine engine;
  std::unique_ptr<RegistrationStore> store;
  std::unique_ptr<Throttle> throttle;
  ProvisionerOptions provisioner_options;
  // The CA certificates of options.certificate_files, in order.
  v1::DpsCertificateList certificates;

  // Adds `certificates` to the set's own.
  void AddCertificates(v1::EnrollmentSet* set) const {
    for (const v1::DpsCertificate& certificate : certificates.value()) {
      *set->add_certificates() = certificate;
    }
  }
};

namespace {

// The store as a worker's Provisioner sees it: the record an ALLOW is about
// to write first goes through the worker's Assign (hub and substatus, from
// the device's previous record), and what was stored is kept for the answer.
class AssigningStore final : public RegistrationStore {
 public:
  explicit AssigningStore(RegistrationStore* store) : store_(store) {}

  RegistrationStore* inner() const { return store_; }

  // Around one Provision call: stored() is what it stored, if anything.
  void Begin(const EngineAdapter::Assign* assign) {
    assign_ = assign;
    stored_.reset();
  }
  void End() { assign_ = nullptr; }
  const std::optional<RegistrationRecord>& stored() const { return stored_; }

  absl::StatusOr<RegisterResult> Register(const RegistrationRecord& record,
                                          int64_t max_registrations) override {
    RegistrationRecord complete = record;
    if (assign_ != nullptr && *assign_) {
      absl::StatusOr<RegistrationRecord> previous =
          store_->Get(record.registration_id);
      if (!previous.ok() && !absl::IsNotFound(previous.status())) {
        return previous.status();
      }
      (*assign_)(previous.ok() ? &*previous : nullptr, &complete);
    }
    absl::StatusOr<RegisterResult> result =
        store_->Register(complete, max_registrations);
    if (result.ok() && result->outcome != RegisterOutcome::kQuotaExceeded) {
      stored_ = result->record;
    }
    return result;
  }
  absl::StatusOr<RegistrationRecord> Get(
      absl::string_view registration_id) override {
    return store_->Get(registration_id);
  }
  absl::StatusOr<std::vector<RegistrationRecord>> List(
      const RegistrationFilter& filter) override {
    return store_->List(filter);
  }
  absl::StatusOr<int64_t> Delete(const RegistrationFilter& filter) override {
    return store_->Delete(filter);
  }
  absl::StatusOr<int64_t> Count() override { return store_->Count(); }

 private:
  RegistrationStore* const store_;
  const EngineAdapter::Assign* assign_ = nullptr;
  std::optional<RegistrationRecord> stored_;
};

class WorkerImpl final : public EngineAdapter::Worker {
 public:
  WorkerImpl(const Engine& engine, Throttle* throttle,
             const ProvisionerOptions& options, RegistrationStore* store)
      : evaluator_(engine.NewEvaluator()),
        store_(store),
        async_store_(dynamic_cast<AsyncRegistrationStore*>(store)),
        provisioner_(&store_, throttle, options) {}

  DecisionView Provision(const DeviceCredentials& credentials, absl::Time at,
                         const EngineAdapter::Assign& assign,
                         RegistrationRecord* record) override {
    store_.Begin(&assign);
    const absl::Status status = provisioner_.Provision(
        *evaluator_, AttestationOf(credentials, at), &decision_);
    store_.End();
    DecisionView view = ViewOf(decision_, !status.ok());
    if (!status.ok()) view.detail = std::string(status.message());
    if (view.allowed) {
      if (store_.stored().has_value()) {
        *record = *store_.stored();
      } else {
        view = DecisionView();
        view.reason = "THROTTLED";
        view.store_error = true;
        view.detail = "the registration was not stored";
      }
    }
    return view;
  }

  void ProvisionAsync(const DeviceCredentials& credentials, absl::Time at,
                      const EngineAdapter::Assign& assign,
                      EngineAdapter::ProvisionDone done) override {
    if (async_store_ == nullptr) {
      RegistrationRecord record;
      DecisionView view = Provision(credentials, at, assign, &record);
      std::move(done)(std::move(view), std::move(record));
      return;
    }
    // The decision goes with the write: the Evaluator serves the next
    // request meanwhile.
    auto decision = std::make_unique<Decision>();
    RegistrationRecord record;
    if (!provisioner_.Begin(*evaluator_, AttestationOf(credentials, at),
                            decision.get(), &record)) {
      std::move(done)(ViewOf(*decision, false), RegistrationRecord());
      return;
    }
    const absl::Time recorded_at = record.last_updated;
    AsyncRegistrationStore::RegisterCallback finish =
        [this, recorded_at, decision = std::move(decision),
         done =
             std::move(done)](absl::StatusOr<RegisterResult> result) mutable {
          DecisionView view = Finish(recorded_at, result, decision.get());
          RegistrationRecord stored;
          if (view.allowed) stored = std::move(result->record);
          std::move(done)(std::move(view), std::move(stored));
        };
    if (!assign) {
      async_store_->RegisterAsync(std::move(record),
                                  provisioner_.options().max_registrations,
                                  std::move(finish));
      return;
    }
    // The hub and substatus follow the previous record, which the store
    // reads in the write's own transaction.
    async_store_->RegisterAsync(
        std::move(record), provisioner_.options().max_registrations,
        [assign](const RegistrationRecord* previous, RegistrationRecord* next) {
          assign(previous, next);
        },
        std::move(finish));
  }

  DecisionView Authenticate(const DeviceCredentials& credentials,
                            absl::Time at) override {
    evaluator_->Evaluate(AttestationOf(credentials, at), &decision_);
    return ViewOf(decision_, false);
  }

  CacheCounters cache_counters() const override {
    CacheCounters counters;
    const CacheStats certificates = evaluator_->certificate_cache_stats();
    const CacheStats signatures = evaluator_->signature_cache_stats();
    counters.certificate_hits = certificates.hits;
    counters.certificate_misses = certificates.misses;
    counters.signature_hits = signatures.hits;
    counters.signature_misses = signatures.misses;
    return counters;
  }

 private:
  // The second half of ProvisionAsync (thread-safe: the Provisioner's
  // Finish touches only the store's result, the throttle and `decision`).
  DecisionView Finish(absl::Time at,
                      const absl::StatusOr<RegisterResult>& result,
                      Decision* decision) const {
    const absl::Status status = provisioner_.Finish(at, result, decision);
    DecisionView view = ViewOf(*decision, !status.ok());
    if (!status.ok()) view.detail = std::string(status.message());
    return view;
  }

  std::unique_ptr<Evaluator> evaluator_;
  AssigningStore store_;
  AsyncRegistrationStore* const async_store_;  // null: no asynchronous write
  Provisioner provisioner_;
  Decision decision_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<EngineAdapter>> EngineAdapter::Create(
    const AdapterOptions& options) {
  auto state = std::make_unique<State>();
  state->options = options;
  // Read once at start: a list that cannot be read or parsed stops the
  // server, naming the file.
  for (const std::string& path : options.certificate_files) {
    auto list = LoadCertificateListFile(path);
    if (!list.ok()) {
      return absl::Status(
          list.status().code(),
          absl::StrCat("--certificates=", path, ": ", list.status().message()));
    }
    for (v1::DpsCertificate& certificate : *list->mutable_value()) {
      *state->certificates.add_value() = std::move(certificate);
    }
  }
  // CRLs are checked at start like the policy: one that cannot be read or
  // is refused stops the server (a server that went on without it would
  // admit revoked devices).
  if (!options.crl_files.empty()) {
    auto crls = LoadCrlFiles(options.crl_files);
    if (!crls.ok()) {
      return absl::Status(crls.status().code(),
                          absl::StrCat("--crl: ", crls.status().message()));
    }
    state->engine.SetCrls(*std::move(crls));
  }
  // The enrollment set is kept in the PostgreSQL store or in a file beside
  // a SQLite store file, so an in-memory store has nowhere to keep it.
  if (options.store_path == ":memory:") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store=", options.store_path,
        ": serve keeps its enrollments in the store's database or beside a "
        "SQLite store file; give a postgresql:// URI or a file path"));
  }
  RegistrationStoreOpenOptions store_options;
  store_options.create_if_missing = true;
  auto store = OpenRegistrationStore(options.store_path, store_options);
  if (!store.ok()) return store.status();
  state->store = *std::move(store);
  ThrottleOptions throttle_options;
  throttle_options.per_id_enabled = options.throttle;
  auto throttle = Throttle::Create(throttle_options);
  if (!throttle.ok()) return throttle.status();
  state->throttle = *std::move(throttle);
  state->provisioner_options.max_registrations = options.max_registrations;
  return std::unique_ptr<EngineAdapter>(new EngineAdapter(std::move(state)));
}

EngineAdapter::EngineAdapter(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
EngineAdapter::~EngineAdapter() = default;

absl::StatusOr<std::string> EngineAdapter::ReadPolicyAsDpsJson(
    const std::string& path) {
  auto set = LoadEnrollmentSetFile(path);
  if (!set.ok()) return set.status();
  // The policy's own CA certificates join the --certificates lists: the
  // enrollment set kept by the repository holds enrollments only.
  v1::EnrollmentSet checked = *set;
  state_->AddCertificates(&checked);
  // Validate now, so that a bad policy file stops the server at start.
  auto snapshot = BuildSnapshot(checked, path);
  if (!snapshot.ok()) return snapshot.status();
  for (v1::DpsCertificate& certificate : *set->mutable_certificates()) {
    *state_->certificates.add_value() = std::move(certificate);
  }
  set->clear_certificates();
  // DPS JSON is kept as written: fields the proto does not model (iotHubs,
  // allocationPolicy, ...) matter to allocation.
  if (absl::EndsWith(path, ".json")) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
    }
    return text.str();
  }
  return EnrollmentSetToDpsJson(*set);
}

absl::StatusOr<EngineAdapter::CompiledPolicy> EngineAdapter::Compile(
    absl::string_view dps_json, absl::string_view source_name) const {
  auto set = ParseDpsJson(dps_json, source_name);
  if (!set.ok()) return set.status();
  state_->AddCertificates(&*set);
  auto snapshot = BuildSnapshot(*set, source_name);
  if (!snapshot.ok()) return snapshot.status();
  return CompiledPolicy(std::make_shared<SnapshotPtr>(*std::move(snapshot)));
}

void EngineAdapter::Activate(CompiledPolicy policy) {
  state_->engine.SetSnapshot(*static_cast<const SnapshotPtr*>(policy.get()));
}

std::unique_ptr<EngineAdapter::Worker> EngineAdapter::NewWorker() {
  return std::make_unique<WorkerImpl>(state_->engine, state_->throttle.get(),
                                      state_->provisioner_options,
                                      state_->store.get());
}

RegistrationStore& EngineAdapter::store() { return *state_->store; }

int64_t EngineAdapter::max_registrations() const {
  return state_->options.max_registrations;
}

}  // namespace chaintrust::serve
