#include "testdata/scenario_corpus.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/internal/rfc3339.h"
#include "engine/x509/test_certs.h"
#include "testdata/scenario_builders.h"
#include "testdata/scenario_families.h"
#include "testdata/scenario_json.h"
#include "testdata/scenario_pki.h"

// The corpus is split over: scenario_pki.{h,cc} (the identities),
// scenario_builders.{h,cc} (keys, tokens, policies, devices, expectations),
// scenarios_*.cc (the scenario families, declared in scenario_families.h)
// and this file (the order of the scenarios and the output).
namespace chaintrust {
namespace testdata {
namespace {

using corpus::DeviceCase;
using corpus::Die;
using corpus::IsChainReason;
using corpus::kAt;
using corpus::kAtText;
using corpus::kIdScope;
using corpus::Pki;
using corpus::Scenario;

// Changing the seed changes every key and signature of the corpus.
constexpr char kSeed[] = "chaintrust/testdata/scenarios v1";

using ScenarioFn = Scenario (*)(const Pki&);
constexpr ScenarioFn kScenarios[] = {
    corpus::Fleet,
    corpus::RegistrationIdSyntax,
    corpus::RegistrationIdCase,
    corpus::IndividualX509,
    corpus::IndividualTpm,
    corpus::IndividualDisabled,
    corpus::IndividualDeleted,
    corpus::IndividualSymmetricKey,
    corpus::GroupRootOnly,
    corpus::GroupIntermediateOnly,
    corpus::GroupNearestDecides,
    corpus::GroupDisabledIntermediate,
    corpus::GroupDeletedIntermediate,
    corpus::GroupDisabledRoot,
    corpus::GroupDeletedAll,
    corpus::GroupThumbprintOnly,
    corpus::GroupUnsentAnchor,
    corpus::GroupCertificateRollover,
    corpus::GroupRenewedIntermediate,
    corpus::GroupSymmetricKey,
    corpus::ChainValidity,
    corpus::VerificationScope,
    corpus::ChainSignature,
    corpus::ChainCaConstraints,
    corpus::ChainCriticalExtensions,
    corpus::ChainPathBuilding,
    corpus::ChainAlgorithms,
    corpus::ChainMalformed,
};

bool IsAllow(const std::string& reason) {
  return reason == "INDIVIDUAL_ENROLLMENT_ENABLED" ||
         reason == "ENROLLMENT_GROUP_ENABLED";
}

Json ExpectedDevice(const DeviceCase& d) {
  Json j = Json::Object();
  j.Set("device", Json::Str(d.name));
  if (d.sas_token.empty()) {
    j.Set("chain", Json::Str(d.name + ".pem"));
  } else {
    j.Set("registrationId", Json::Str(d.registration_id));
    j.Set("sasToken", Json::Str(d.sas_token));
  }
  j.Set("at", Json::Str(kAtText));
  j.Set("verdict", Json::Str(IsAllow(d.expect.reason) ? "ALLOW" : "DENY"));
  j.Set("reason", Json::Str(d.expect.reason));
  if (!d.expect.enrollment_kind.empty()) {
    j.Set("enrollment", Json::Object()
                            .Set("kind", Json::Str(d.expect.enrollment_kind))
                            .Set("id", Json::Str(d.expect.enrollment_id)));
  }
  if (d.expect.certificate_index >= 0) {
    j.Set("certificateIndex", Json::Int(d.expect.certificate_index));
  }
  if (!d.expect.cause.empty()) j.Set("cause", Json::Str(d.expect.cause));
  j.Set("why", Json::Str(d.expect.why));
  return j;
}

Json RulesJson(const std::vector<int>& rules) {
  Json j = Json::Array();
  for (int r : rules) j.Push(Json::Int(r));
  return j;
}

}  // namespace

std::map<std::string, std::string> GenerateScenarioCorpus() {
  if (internal::FormatRfc3339(kAt) != kAtText) Die("kAt and kAtText disagree");
  internal::UseDeterministicRandom(kSeed);
  Pki pki;
  corpus::DefineIdentities(pki);

  std::map<std::string, std::string> files;
  Json index_list = Json::Array();
  std::set<std::string> names;
  for (ScenarioFn fn : kScenarios) {
    const Scenario s = fn(pki);
    if (!names.insert(s.name).second) Die("duplicate scenario " + s.name);
    const std::string dir = s.name + "/";
    files[dir + "policy.json"] = s.policy.Dump();
    Json devices = Json::Array();
    std::set<std::string> device_names;
    for (const DeviceCase& d : s.devices) {
      if (!device_names.insert(d.name).second) {
        Die(absl::StrCat("duplicate device ", d.name, " in ", s.name));
      }
      if (IsChainReason(d.expect.reason) != !d.expect.cause.empty()) {
        Die(absl::StrCat(s.name, "/", d.name,
                         ": a chain or certificate DENY names its cause, "
                         "and nothing else does"));
      }
      if (d.sas_token.empty()) {
        std::string pem = d.raw_chain;
        for (const std::string& c : d.chain) pem += pki.Get(c).pem;
        files[dir + d.name + ".pem"] = pem;
      }
      devices.Push(ExpectedDevice(d));
    }
    files[dir + "expected.json"] =
        Json::Object()
            .Set("scenario", Json::Str(s.name))
            .Set("description", Json::Str(s.description))
            .Set("rules", RulesJson(s.rules))
            .Set("policy", Json::Str("policy.json"))
            .Set("devices", std::move(devices))
            .Dump();
    index_list.Push(Json::Object()
                        .Set("name", Json::Str(s.name))
                        .Set("rules", RulesJson(s.rules))
                        .Set("devices", Json::Int(s.devices.size()))
                        .Set("description", Json::Str(s.description)));
  }
  files["index.json"] = Json::Object()
                            .Set("regenerate", Json::Str(kRegenerateCommand))
                            .Set("validationTime", Json::Str(kAtText))
                            .Set("idScope", Json::Str(kIdScope))
                            .Set("scenarios", std::move(index_list))
                            .Set("identities", pki.Describe())
                            .Dump();
  return files;
}

absl::Status WriteScenarioCorpus(const std::string& dir) {
  namespace fs = std::filesystem;
  const auto files = GenerateScenarioCorpus();
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", dir, ": ", error.message()));
  }
  // Remove the previous corpus's scenario folders (and nothing else).
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "expected.json")) {
      fs::remove_all(entry.path(), error);
      if (error) {
        return absl::InternalError(absl::StrCat(
            "cannot remove ", entry.path().string(), ": ", error.message()));
      }
    }
  }
  for (const auto& [path, contents] : files) {
    const fs::path full = fs::path(dir) / path;
    fs::create_directories(full.parent_path(), error);
    std::ofstream out(full, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), contents.size());
    out.close();
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", full.string()));
    }
  }
  return absl::OkStatus();
}

}  // namespace testdata
}  // namespace chaintrust
