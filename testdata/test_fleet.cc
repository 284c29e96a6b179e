#include "testdata/test_fleet.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "engine/x509/test_certs.h"

namespace chaintrust {
namespace {

using internal::MintIntermediate;
using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;

void WriteOrDie(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    std::abort();
  }
}

std::string JsonString(const std::string& s) {
  return absl::StrCat(
      "\"",
      absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}}),
      "\"");
}

std::string Group(const std::string& id, bool enabled, const TestCert& ca) {
  return absl::StrCat(
      "{\"enrollmentGroupId\": ", JsonString(id),
      ", \"provisioningStatus\": \"", enabled ? "enabled" : "disabled",
      "\", \"attestation\": {\"type\": \"x509\", \"x509\": "
      "{\"signingCertificates\": {\"primary\": {\"certificate\": ",
      JsonString(ca.Pem()), "}}}}}");
}

}  // namespace

std::string TestPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir ? dir : "/tmp", "/", name);
}

TestFleet WriteTestFleet(const std::string& root) {
  TestFleet fleet;
  fleet.dir = absl::StrCat(root, "/devices");
  fleet.policy = absl::StrCat(root, "/policy.json");
  fleet.jsonl = absl::StrCat(root, "/devices.jsonl");
  fleet.registrations = absl::StrCat(root, "/registrations.json");
  std::filesystem::create_directories(fleet.dir);

  const TestCert ca_root = MintRoot("Fleet Root CA");
  const TestCert int_a = MintIntermediate("Fleet Intermediate A", ca_root);
  const TestCert int_b = MintIntermediate("Fleet Intermediate B", ca_root);
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
  std::string jsonl;
  std::string individual;
  std::string sub_b1_pem_group;
  for (const Sub& sub : subs) {
    const TestCert ca = MintIntermediate(sub.name, *sub.parent);
    if (sub.prefix == std::string("dev-b1")) {
      sub_b1_pem_group = Group("fleet-sub-b1", true, ca);
    }
    for (int i = 0; i < sub.devices; ++i) {
      const std::string id = absl::StrFormat("%s-%03d", sub.prefix, i);
      const TestCert leaf = MintLeaf(id, ca);
      const std::string chain =
          absl::StrCat(leaf.Pem(), ca.Pem(), sub.parent->Pem());
      WriteOrDie(absl::StrCat(fleet.dir, "/", id, ".pem"), chain);
      absl::StrAppend(&jsonl, "{\"id\": ", JsonString(id),
                      ", \"chain\": ", JsonString(chain), "}\n");
      if (id == "dev-a1-000") {
        individual = absl::StrCat(
            "{\"registrationId\": \"dev-a1-000\", \"provisioningStatus\": "
            "\"disabled\", \"attestation\": {\"type\": \"x509\", \"x509\": "
            "{\"clientCertificates\": {\"primary\": {\"certificate\": ",
            JsonString(leaf.Pem()), "}}}}}");
      }
    }
  }
  WriteOrDie(fleet.jsonl, jsonl);
  WriteOrDie(fleet.policy,
             absl::StrCat("{\"individualEnrollments\": [", individual,
                          "],\n \"enrollmentGroups\": [",
                          Group("fleet-root", true, ca_root), ",\n ",
                          Group("fleet-int-a", true, int_a), ",\n ",
                          Group("fleet-int-b", false, int_b), ",\n ",
                          sub_b1_pem_group, "]}\n"));
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
