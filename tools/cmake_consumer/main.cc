// A provisioning front-end built against an installed chaintrust
// (find_package(chaintrust), chaintrust::engine), using only the public
// API: loads an enrollment policy, reads a device's PEM chain, decides, and
// prints the decision.
//
//   chaintrust_consumer --policy=policy.json --chain=device.pem
//                       [--at=2025-06-01T00:00:00Z] [--format=text|json]
//
// Exit status: 0 the device is allowed, 1 denied, 2 bad arguments or input.
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "engine/decision.h"
#include "engine/engine.h"
#include "engine/policy_loader.h"
#include "engine/types.h"

namespace {

struct Flags {
  std::string policy;
  std::string chain;
  std::string at;
  std::string format = "text";
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    auto value = [&arg](absl::string_view name, std::string* out) {
      if (!absl::ConsumePrefix(&arg, name)) return false;
      *out = std::string(arg);
      return true;
    };
    if (!value("--policy=", &flags->policy) &&
        !value("--chain=", &flags->chain) && !value("--at=", &flags->at) &&
        !value("--format=", &flags->format)) {
      std::cerr << "unknown argument: " << arg << "\n";
      return false;
    }
  }
  if (flags->policy.empty() || flags->chain.empty()) {
    std::cerr << "usage: chaintrust_consumer --policy=FILE --chain=PEM "
                 "[--at=RFC3339] [--format=text|json]\n";
    return false;
  }
  return flags->format == "text" || flags->format == "json";
}

// The DER of every certificate in a PEM file, leaf first, as the TLS
// handshake would present them. Empty on error.
std::vector<std::string> ReadPemChain(const std::string& path) {
  std::vector<std::string> chain;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"),
                                                &BIO_free);
  if (bio == nullptr) return chain;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    unsigned char* der = nullptr;
    const int length = i2d_X509(cert, &der);
    if (length > 0) chain.emplace_back(reinterpret_cast<char*>(der), length);
    OPENSSL_free(der);
    X509_free(cert);
  }
  return chain;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) return 2;

  auto snapshot = chaintrust::LoadSnapshotFile(flags.policy);
  if (!snapshot.ok()) {
    std::cerr << flags.policy << ": " << snapshot.status() << "\n";
    return 2;
  }
  chaintrust::Engine engine;
  engine.SetSnapshot(*snapshot);

  const std::vector<std::string> chain_der = ReadPemChain(flags.chain);
  if (chain_der.empty()) {
    std::cerr << flags.chain << ": no PEM certificates\n";
    return 2;
  }
  chaintrust::Attestation attestation;
  attestation.chain.assign(chain_der.begin(), chain_der.end());
  attestation.at = absl::Now();
  if (!flags.at.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, flags.at, &attestation.at,
                         &error)) {
      std::cerr << "--at=" << flags.at << ": " << error << "\n";
      return 2;
    }
  }

  const chaintrust::Decision decision = engine.Evaluate(attestation);
  std::cout << (flags.format == "json" ? chaintrust::RenderJson(decision)
                                       : chaintrust::RenderText(decision))
            << "\n";
  return decision.allowed() ? 0 : 1;
}
