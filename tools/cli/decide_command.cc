// `chaintrust decide`: one device's decision, with its explanation.
//
// The chain file is read up to analysis::MaxChainPemBytes() (the engine's
// chain limit plus PEM overhead); a chain that is not valid PEM is a DENY
// MALFORMED_CHAIN, a file that cannot be read (missing, a directory, a
// device, over the cap) an error. Exit status 0 = ALLOW, 1 = DENY,
// 2 = error.
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/analysis/device_input.h"
#include "engine/engine.h"
#include "tools/cli/commands.h"

namespace chaintrust::cli {

const CommandSpec kDecideCommand = {
    "decide",
    "  decide   --policy=FILE [--chain=FILE] [--registration_id=ID]\n"
    "           [--sas_token=TOKEN] [--at=RFC3339] [--format=text|json]\n"
    "           [--crl=FILE]... [--accept_stale_crls] "
    "[--allow_unknown_fields]\n"
    "           [--certificates=FILE]\n"
    "           [--profile=default|strict|webpki] [--legacy_crypto]\n"
    "      Decides one device. Exit status 0 = ALLOW, 1 = DENY, 2 = error.\n",
    {"policy", "chain", "registration_id", "sas_token", "at", "format",
     "allow_unknown_fields", "crl", "accept_stale_crls", "certificates",
     "profile", "legacy_crypto"},
    {"crl"}};

int RunDecide(const Args& args) {
  const auto fail = [](absl::string_view m) { return Fail("decide", m); };
  int exit_status = 0;
  auto flags = ParseArgs(kDecideCommand, args, &exit_status);
  if (!flags) return exit_status;
  auto format = FormatFlag(*flags);
  if (!format.ok()) return fail(format.status().message());
  if (!flags->Has("policy")) return fail("needs --policy=FILE");
  if (!flags->Has("chain") && !flags->Has("sas_token")) {
    return fail(
        "needs --chain=FILE, or --registration_id=ID with "
        "--sas_token=TOKEN");
  }
  if (flags->Has("chain") && flags->Has("sas_token")) {
    return fail(
        "--chain and --sas_token exclude each other: a device attests with "
        "an X.509 chain or with a symmetric-key token, not both");
  }
  analysis::DeviceInput input;
  auto at = AtFlag(*flags);
  if (!at.ok()) return fail(at.status().message());
  input.at = *at;
  if (flags->Has("chain")) {
    const std::string chain = flags->Get("chain");
    auto pem = ReadFile(chain, analysis::MaxChainPemBytes());
    if (!pem.ok())
      return fail(absl::StrCat("--chain: ", pem.status().message()));
    if (pem->empty()) {
      return fail(absl::StrCat("--chain: ", chain, ": the file is empty"));
    }
    input.chain_pem = *std::move(pem);
  }
  input.registration_id = flags->Get("registration_id");
  input.sas_token = flags->Get("sas_token");

  auto load_options = PolicyLoadFlags(*flags);
  if (!load_options.ok()) return fail(load_options.status().message());
  auto snapshot = LoadPolicy(flags->Get("policy"), *load_options);
  if (!snapshot.ok()) return fail(snapshot.status().message());
  auto crls = CrlFlags(*flags);
  if (!crls.ok()) return fail(crls.status().message());
  auto resolver = ResolverFlags(*flags);
  if (!resolver.ok()) return fail(resolver.status().message());
  EngineOptions engine_options;
  engine_options.resolver = *resolver;
  Engine engine(engine_options);
  engine.SetPolicy(*std::move(snapshot), *std::move(crls));
  auto evaluator = engine.NewEvaluator();
  Decision decision;
  analysis::DecideDevice(*evaluator, input, &decision);
  if (*format == "json") {
    std::cout << RenderJson(decision) << "\n";
  } else {
    std::cout << RenderText(decision);
  }
  return decision.allowed() ? kExitAllow : kExitDeny;
}

}  // namespace chaintrust::cli
