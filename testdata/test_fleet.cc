#include "testdata/test_fleet.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/x509/test_certs.h"

namespace chaintrust {
namespace {

using internal::MintIntermediate;
using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "fleet: %s\n", message.c_str());
  std::abort();
}

void MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    Die(absl::StrCat("cannot create ", path));
  }
}

void WriteOrDie(const std::string& path, absl::string_view text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr ||
      std::fwrite(text.data(), 1, text.size(), f) != text.size() ||
      std::fclose(f) != 0) {
    Die(absl::StrCat("cannot write ", path));
  }
}

}  // namespace

FleetWriter::FleetWriter(const std::string& out, int corpora)
    : out_(out), corpora_(corpora) {
  MakeDir(out_);
  if (corpora_ & kPem) MakeDir(pem_dir());
  if (corpora_ & kJsonl) {
    jsonl_ = std::fopen(jsonl_path().c_str(), "wb");
    if (jsonl_ == nullptr) Die(absl::StrCat("cannot write ", jsonl_path()));
  }
}

FleetWriter::~FleetWriter() {
  if (jsonl_ != nullptr) std::fclose(jsonl_);
}

std::string FleetWriter::JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out.append("\\n");
    } else {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
  }
  return out + "\"";
}

void FleetWriter::Flush() {
  if (jsonl_ != nullptr && !buffer_.empty() &&
      std::fwrite(buffer_.data(), 1, buffer_.size(), jsonl_) !=
          buffer_.size()) {
    Die(absl::StrCat("cannot write ", jsonl_path()));
  }
  buffer_.clear();
}

void FleetWriter::AddDevice(absl::string_view id, absl::string_view chain) {
  if (corpora_ & kJsonl) {
    absl::StrAppend(&buffer_, "{\"id\":", JsonString(id),
                    ",\"chain\":", JsonString(chain), "}\n");
    if (buffer_.size() > (1 << 20)) Flush();
  }
  if (corpora_ & kPem) {
    WriteOrDie(absl::StrCat(pem_dir(), "/", id, ".pem"), chain);
  }
}

void FleetWriter::AddGroup(absl::string_view id, bool enabled,
                           absl::string_view ca_pem) {
  if (group_count_++ > 0) groups_.append(",\n");
  absl::StrAppend(&groups_, "{\"enrollmentGroupId\":", JsonString(id),
                  ",\"provisioningStatus\":\"",
                  enabled ? "enabled" : "disabled",
                  "\",\"attestation\":{\"type\":\"x509\",\"x509\":{"
                  "\"signingCertificates\":{\"primary\":{\"certificate\":",
                  JsonString(ca_pem), "}}}}}");
}

void FleetWriter::AddIndividual(absl::string_view id, bool enabled,
                                absl::string_view attestation) {
  if (individual_count_++ > 0) individuals_.append(",\n");
  absl::StrAppend(&individuals_, "{\"registrationId\":", JsonString(id),
                  ",\"provisioningStatus\":\"",
                  enabled ? "enabled" : "disabled",
                  "\",\"attestation\":", attestation, "}");
}

void FleetWriter::AddIndividualCertificate(absl::string_view id, bool enabled,
                                           absl::string_view cert_pem) {
  AddIndividual(id, enabled,
                absl::StrCat("{\"type\":\"x509\",\"x509\":{"
                             "\"clientCertificates\":{\"primary\":{"
                             "\"certificate\":",
                             JsonString(cert_pem), "}}}}"));
}

void FleetWriter::AddIndividualThumbprint(absl::string_view id, bool enabled,
                                          absl::string_view sha256_hex) {
  AddIndividual(id, enabled,
                absl::StrCat("{\"type\":\"x509\",\"x509\":{"
                             "\"clientCertificates\":{\"primary\":{"
                             "\"info\":{\"sha256Thumbprint\":\"",
                             sha256_hex, "\"}}}}}"));
}

void FleetWriter::AddIndividualSymmetricKey(absl::string_view id, bool enabled,
                                            absl::string_view key_base64) {
  AddIndividual(id, enabled,
                absl::StrCat("{\"type\":\"symmetricKey\",\"symmetricKey\":{"
                             "\"primaryKey\":\"",
                             key_base64, "\"}}"));
}

size_t FleetWriter::Finish() {
  Flush();
  if (jsonl_ != nullptr) {
    if (std::fclose(jsonl_) != 0) {
      Die(absl::StrCat("cannot write ", jsonl_path()));
    }
    jsonl_ = nullptr;
  }
  const std::string policy =
      absl::StrCat("{\"individualEnrollments\":[\n", individuals_,
                   "\n],\n\"enrollmentGroups\":[\n", groups_, "\n]}\n");
  WriteOrDie(policy_path(), policy);
  return policy.size();
}

std::string TestPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

TestFleet WriteTestFleet(const std::string& root) {
  FleetWriter writer(root, FleetWriter::kJsonl | FleetWriter::kPem);
  TestFleet fleet;
  fleet.dir = writer.pem_dir();
  fleet.policy = writer.policy_path();
  fleet.jsonl = writer.jsonl_path();
  fleet.registrations = absl::StrCat(root, "/registrations.json");

  const TestCert ca_root = MintRoot("Fleet Root CA");
  const TestCert int_a = MintIntermediate("Fleet Intermediate A", ca_root);
  const TestCert int_b = MintIntermediate("Fleet Intermediate B", ca_root);
  writer.AddGroup("fleet-root", true, ca_root.Pem());
  writer.AddGroup("fleet-int-a", true, int_a.Pem());
  writer.AddGroup("fleet-int-b", false, int_b.Pem());
  struct Sub {
    const char* name;
    const char* prefix;
    int devices;
    const TestCert* parent;
  };
  const Sub subs[] = {{"Fleet Sub CA A1", "dev-a1", 15, &int_a},
                      {"Fleet Sub CA A2", "dev-a2", 15, &int_a},
                      {"Fleet Sub CA B1", "dev-b1", 10, &int_b},
                      {"Fleet Sub CA B2", "dev-b2", 10, &int_b}};
  for (const Sub& sub : subs) {
    const TestCert ca = MintIntermediate(sub.name, *sub.parent);
    if (sub.prefix == std::string("dev-b1")) {
      writer.AddGroup("fleet-sub-b1", true, ca.Pem());
    }
    for (int i = 0; i < sub.devices; ++i) {
      const std::string id = absl::StrFormat("%s-%03d", sub.prefix, i);
      const TestCert leaf = MintLeaf(id, ca);
      writer.AddDevice(id,
                       absl::StrCat(leaf.Pem(), ca.Pem(), sub.parent->Pem()));
      if (id == "dev-a1-000") {
        writer.AddIndividualCertificate(id, /*enabled=*/false, leaf.Pem());
      }
    }
  }
  writer.Finish();
  WriteOrDie(
      fleet.registrations,
      R"([{"registrationId": "dev-a1-001", "enrollmentGroupId": "fleet-int-a", "status": "assigned"},
 {"registrationId": "dev-b1-000", "enrollmentGroupId": "fleet-sub-b1", "status": "assigned"},
 {"registrationId": "dev-old-7", "enrollmentGroupId": "fleet-int-c", "status": "assigned"},
 {"registrationId": "dev-a1-000", "status": "disabled"},
 {"registrationId": "dev-gone", "status": "assigned"}]
)");
  return fleet;
}

}  // namespace chaintrust
