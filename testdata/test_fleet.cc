#include "testdata/test_fleet.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/x509/certificate.h"
#include "engine/x509/test_certs.h"

namespace chaintrust {
namespace {

using internal::MintCertificate;
using internal::MintIntermediate;
using internal::MintLeaf;
using internal::MintRoot;
using internal::TestCert;
using internal::TestCertOptions;
using internal::TestKey;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "fleet: %s\n", message.c_str());
  std::abort();
}

void AppendDerLength(size_t length, std::string* out) {
  if (length < 0x80) {
    out->push_back(static_cast<char>(length));
  } else if (length < 0x100) {
    out->push_back(static_cast<char>(0x81));
    out->push_back(static_cast<char>(length));
  } else {
    out->push_back(static_cast<char>(0x82));
    out->push_back(static_cast<char>(length >> 8));
    out->push_back(static_cast<char>(length & 0xff));
  }
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

LeafFactory::LeafFactory(const TestCert& issuer, const TestKey& leaf_key,
                         absl::string_view cn_template, absl::Time not_after) {
  TestCertOptions options;
  options.common_name = std::string(cn_template);
  options.serial = 0x0102030405060708;
  options.key = leaf_key;
  options.not_after = not_after;
  const TestCert tmpl = MintCertificate(options, &issuer);
  auto parsed = Certificate::Create(tmpl.der);
  if (!parsed.ok()) Die("template leaf does not parse");
  const Certificate& c = **parsed;
  tbs_ = std::string(c.tbs_der());
  const char* tbs_start = c.tbs_der().data();
  // signatureAlgorithm TLV: between the TBS and the signature BIT STRING.
  const char* after_tbs = tbs_start + tbs_.size();
  const char* sig_bits = c.signature().data() - 1;  // unused-bits octet
  // The BIT STRING header before sig_bits: tag + length (1 or 2 bytes).
  const char* bit_string = sig_bits - 2;
  if (static_cast<uint8_t>(*bit_string) != 0x03) --bit_string;
  if (static_cast<uint8_t>(*bit_string) != 0x03) Die("unexpected DER");
  signature_algorithm_ = std::string(after_tbs, bit_string - after_tbs);
  serial_offset_ = c.serial_number().data() - tbs_start;
  if (c.serial_number().size() != 8) Die("unexpected serial size");
  // The CN is the last occurrence (the issuer's name comes first).
  const size_t cn = tbs_.rfind(std::string(cn_template));
  if (cn == std::string::npos) Die("CN not found in template");
  cn_offset_ = cn;
  cn_size_ = cn_template.size();
  prepared_ = EVP_MD_CTX_new();
  if (EVP_DigestSignInit(prepared_, nullptr, EVP_sha256(), nullptr,
                         issuer.key.get()) != 1) {
    Die("EVP_DigestSignInit");
  }
}

LeafFactory::~LeafFactory() { EVP_MD_CTX_free(prepared_); }

std::string LeafFactory::Make(absl::string_view cn, uint32_t serial,
                              EVP_MD_CTX* ctx) const {
  if (cn.size() != cn_size_) Die("CN of another length than the template");
  std::string tbs = tbs_;
  std::memcpy(&tbs[cn_offset_], cn.data(), cn.size());
  for (int b = 0; b < 4; ++b) {
    tbs[serial_offset_ + 7 - b] = static_cast<char>((serial >> (8 * b)) & 0xff);
  }
  unsigned char sig[600];
  size_t sig_len = sizeof(sig);
  if (EVP_MD_CTX_copy_ex(ctx, prepared_) != 1 ||
      EVP_DigestSign(ctx, sig, &sig_len,
                     reinterpret_cast<const unsigned char*>(tbs.data()),
                     tbs.size()) != 1) {
    Die("EVP_DigestSign");
  }
  std::string bits;
  bits.push_back(0x03);
  AppendDerLength(sig_len + 1, &bits);
  bits.push_back(0);
  bits.append(reinterpret_cast<const char*>(sig), sig_len);
  std::string der;
  der.reserve(tbs.size() + signature_algorithm_.size() + bits.size() + 4);
  der.push_back(0x30);
  AppendDerLength(tbs.size() + signature_algorithm_.size() + bits.size(), &der);
  der.append(tbs).append(signature_algorithm_).append(bits);
  return der;
}

}  // namespace chaintrust
