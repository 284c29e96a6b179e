#include "testdata/scenario_pki.h"

#include <cstdio>
#include <cstdlib>

#include "absl/time/civil_time.h"
#include "engine/internal/rfc3339.h"

namespace chaintrust {
namespace testdata {
namespace corpus {
namespace {

Opts ExpiredLeaf() { return Opts().Valid(Utc(2023, 1, 1), Utc(2025, 1, 1)); }
Opts FutureLeaf() { return Opts().Valid(Utc(2025, 9, 1), Utc(2027, 9, 1)); }

// The Contoso certificate authorities, and the gateway misused as one.
void DefineContosoCas(Pki& p) {
  p.StandaloneKey("rogue");

  // Contoso: the main ECDSA hierarchy (factory A under intermediate 1,
  // factory B under intermediate 2).
  p.Root("contoso-root", "Contoso Root CA");
  p.Ca("contoso-int-1", "Contoso Intermediate CA 1", "contoso-root",
       Opts().Note("factory A"));
  p.Ca("contoso-int-1-sub", "Contoso Line 7 Issuing CA", "contoso-int-1",
       Opts().Note("sub-intermediate under factory A"));
  p.Ca("contoso-int-1-sub-2", "Contoso Line 7 Cell 3 Issuing CA",
       "contoso-int-1-sub", Opts().Note("third level: depth-5 chains"));
  p.Ca("contoso-int-1-g2", "Contoso Intermediate CA 1 G2", "contoso-root",
       Opts().Note("successor of contoso-int-1 (certificate rollover)"));
  p.Ca("contoso-int-2", "Contoso Intermediate CA 2", "contoso-root",
       Opts().PathLen(0).Note("factory B; pathLenConstraint 0"));
  p.Ca("contoso-int-2-sub", "Contoso Intermediate CA 2 Sub", "contoso-int-2",
       Opts().Note("violates contoso-int-2's pathLenConstraint 0"));
  p.Ca("contoso-int-rsa", "Contoso RSA Issuing CA", "contoso-root",
       Opts().Rsa());
  p.Ca("contoso-int-expired", "Contoso Legacy CA", "contoso-root",
       Opts().Valid(Utc(2019, 1, 1), Utc(2025, 1, 1)).Note("expired"));
  p.Ca("contoso-int-future", "Contoso Future CA", "contoso-root",
       Opts().Valid(Utc(2026, 1, 1), Utc(2036, 1, 1)).Note("not yet valid"));
  p.Ca("contoso-int-no-keycertsign", "Contoso CA Without keyCertSign",
       "contoso-root",
       Opts().NoKeyCertSign().Note("CA:TRUE, keyUsage digitalSignature only"));
  p.Ca("contoso-int-no-key-usage", "Contoso CA Without Key Usage",
       "contoso-root", Opts().NoKeyUsage().Note("CA:TRUE, no keyUsage"));
  p.Ca("contoso-int-no-basic-constraints",
       "Contoso CA Without Basic Constraints", "contoso-root",
       Opts().NoBasicConstraints().Note(
           "keyUsage keyCertSign but no basicConstraints: not a CA"));
  p.Ca("contoso-int-critical-ext", "Contoso CA With Unknown Critical Extension",
       "contoso-root",
       Opts()
           .Extension(ExtraExtension::kUnknownCritical)
           .Note("critical extension 1.3.6.1.4.1.55555.7.1"));
  p.Ca("contoso-int-3-forged", "Contoso Intermediate CA 3", "contoso-root",
       Opts().ForgedWith("rogue").Note(
           "names contoso-root as issuer (and its AKID) but is signed by "
           "the rogue key"));
  p.Leaf("contoso-gateway-01", "contoso-int-1",
         Opts().Note("end-entity (CA:FALSE) misused as an issuer"));
}

// Contoso devices of the group, registration ID and individual scenarios.
void DefineContosoDevices(Pki& p) {
  // Contoso devices shared by the group scenarios.
  p.Leaf("contoso-a-001", "contoso-int-1");
  p.Leaf("contoso-a-002", "contoso-int-1");
  p.Leaf("contoso-a7-001", "contoso-int-1-sub");
  p.Leaf("contoso-a7c3-001", "contoso-int-1-sub-2");
  p.Leaf("contoso-a-g2-001", "contoso-int-1-g2");
  p.Leaf("contoso-b-001", "contoso-int-2");
  p.Leaf("contoso-b-002", "contoso-int-2");
  p.Leaf("contoso-b-sub-001", "contoso-int-2-sub");
  p.Leaf("contoso-r-001", "contoso-int-rsa", Opts().Rsa());
  p.Leaf("contoso-r-002", "contoso-int-rsa");

  // Rule 1: registration IDs from the leaf CN (all under contoso-int-1).
  p.LeafWithCn("cn-space", "contoso device 01", "contoso-int-1");
  p.LeafWithCn("cn-slash", "contoso/device-01", "contoso-int-1");
  p.LeafWithCn("cn-trailing-dot", "contoso-device-01.", "contoso-int-1");
  p.LeafWithCn("cn-trailing-underscore", "contoso_device_01_", "contoso-int-1");
  p.LeafWithCn("cn-non-ascii", "contoso-\xc3\xa9-01", "contoso-int-1");
  p.LeafWithCn("cn-65-chars", Padded("contoso-65-", 65), "contoso-int-1");
  p.LeafWithCn("cn-64-chars", Padded("contoso-64-", 64), "contoso-int-1");
  p.LeafWithCn("cn-empty", "", "contoso-int-1");
  p.LeafWithCn("cn-missing", "", "contoso-int-1", Opts().NoCommonName());
  p.LeafWithCn("cn-all-allowed-characters", "Contoso_Line-7:Robot.Arm-02",
               "contoso-int-1");
  p.LeafWithCn("cn-trailing-hyphen", "contoso-sensor-", "contoso-int-1");
  p.Leaf("contoso-mixed-case-01", "contoso-int-1");
  p.LeafWithCn("contoso-upper-01", "CONTOSO-UPPER-01", "contoso-int-1");

  // Rule 2: individually enrolled devices.
  p.Leaf("ind-primary-01", "contoso-int-1");
  p.LeafWithCn("ind-secondary-01-previous", "ind-secondary-01", "contoso-int-1",
               Opts().Valid(Utc(2024, 1, 1), Utc(2026, 1, 1)));
  p.Leaf("ind-secondary-01", "contoso-int-1");
  p.Leaf("ind-mismatch-01", "contoso-int-1");
  p.LeafWithCn("ind-mismatch-01-enrolled", "ind-mismatch-01", "contoso-int-1",
               Opts().Note("the certificate enrolled for ind-mismatch-01; "
                           "the device presents another"));
  p.Leaf("ind-thumbprint-01", "contoso-int-1");
  p.Leaf("ind-expired-01", "contoso-int-1", ExpiredLeaf());
  p.Leaf("ind-not-yet-valid-01", "contoso-int-1", FutureLeaf());
  p.Leaf("ind-self-signed-01", /*issuer=*/"");
  p.Leaf("ind-symmetric-key-01", "contoso-int-1");
  p.Leaf("ind-tpm-01", "contoso-int-1");
  p.Leaf("sas-ind-x509-01", "contoso-int-1");
  p.Leaf("dis-sym-01", "contoso-int-1");
  p.Leaf("dis-x509-own-01", "contoso-int-1");
  p.Leaf("dis-x509-other-01", "contoso-int-1");
  p.LeafWithCn("dis-x509-other-01-enrolled", "dis-x509-other-01",
               "contoso-int-1");
  p.Leaf("dis-expired-01", "contoso-int-1", ExpiredLeaf());
}

// Devices (and CAs) that fail or pass one chain check each.
void DefineChainCheckDevices(Pki& p) {
  // Rule 4: validity.
  p.Leaf("contoso-a-expired-001", "contoso-int-1", ExpiredLeaf());
  p.Leaf("contoso-a-future-001", "contoso-int-1", FutureLeaf());
  p.Leaf("contoso-a-edge-expiry-001", "contoso-int-1",
         Opts().Valid(Utc(2024, 6, 1), kAt).Note("notAfter = validation time"));
  p.Leaf(
      "contoso-a-edge-start-001", "contoso-int-1",
      Opts().Valid(kAt, Utc(2026, 6, 1)).Note("notBefore = validation time"));
  p.Leaf("contoso-legacy-001", "contoso-int-expired");
  p.Leaf("contoso-future-int-001", "contoso-int-future");

  // Rule 4: signatures, CA constraints, extensions.
  p.Leaf("contoso-a-forged-001", "contoso-int-1",
         Opts().ForgedWith("rogue").Note(
             "names contoso-int-1 as issuer (and its AKID) but is signed by "
             "the rogue key"));
  p.Leaf("contoso-c-001", "contoso-int-3-forged");
  p.Leaf("contoso-gw-child-001", "contoso-gateway-01");
  p.Leaf("contoso-nobc-001", "contoso-int-no-basic-constraints");
  p.Leaf("contoso-noks-001", "contoso-int-no-keycertsign");
  p.Leaf("contoso-noku-001", "contoso-int-no-key-usage");
  p.Leaf("contoso-crit-ext-001", "contoso-int-1",
         Opts().Extension(ExtraExtension::kUnknownCritical));
  p.Leaf("contoso-noncrit-ext-001", "contoso-int-1",
         Opts().Extension(ExtraExtension::kUnknownNonCritical));
  p.Leaf("contoso-crit-int-001", "contoso-int-critical-ext");

  // Constrained root: pathLenConstraint 0 with an intermediate below it.
  p.Root("constrained-root", "Contoso Constrained Root CA", Opts().PathLen(0));
  p.Ca("constrained-int", "Contoso Constrained Intermediate CA",
       "constrained-root", Opts().Note("violates its root's pathLen 0"));
  p.Leaf("constrained-001", "constrained-int");
}

// Northwind, Fabrikam and Tailspin: hierarchies outside Contoso.
void DefineOtherVendors(Pki& p) {
  // Northwind: an expired root above a valid issuing CA.
  const Opts northwind = Opts().Org("Northwind");
  p.Root(
      "northwind-root", "Northwind Root CA 2015",
      Opts(northwind).Valid(Utc(2015, 1, 1), Utc(2025, 1, 1)).Note("expired"));
  p.Ca("northwind-issuing", "Northwind Issuing CA", "northwind-root",
       Opts(northwind).Valid(Utc(2020, 1, 1), Utc(2030, 1, 1)));
  p.Leaf("northwind-001", "northwind-issuing", northwind);

  // Fabrikam: an RSA root with ECDSA and RSA intermediates.
  const Opts fabrikam = Opts().Org("Fabrikam");
  p.Root("fabrikam-root", "Fabrikam Root CA", Opts(fabrikam).Rsa());
  p.Ca("fabrikam-int-ec", "Fabrikam ECC Issuing CA", "fabrikam-root", fabrikam);
  p.Ca("fabrikam-int-rsa", "Fabrikam RSA Issuing CA", "fabrikam-root",
       Opts(fabrikam).Rsa());
  p.Leaf("fabrikam-ec-001", "fabrikam-int-ec", fabrikam);
  p.Leaf("fabrikam-rsa-ec-001", "fabrikam-int-rsa", fabrikam);
  p.Leaf("fabrikam-rsa-001", "fabrikam-int-rsa", Opts(fabrikam).Rsa());

  // Tailspin: a deep hierarchy for the depth limit.
  const Opts tailspin = Opts().Org("Tailspin");
  p.Root("tailspin-root", "Tailspin Deep Root CA", tailspin);
  std::string issuer = "tailspin-root";
  for (int level = 1; level <= 11; ++level) {
    const std::string name =
        absl::StrCat("tailspin-ca-", level < 10 ? "0" : "", level);
    p.Ca(name, absl::StrCat("Tailspin Level ", level, " CA"), issuer, tailspin);
    issuer = name;
  }
  p.Leaf("tailspin-depth-10", "tailspin-ca-08", tailspin);
  p.Leaf("tailspin-depth-13", "tailspin-ca-11", tailspin);
}

// The fleet demo's devices and a renewed intermediate.
void DefineFleetAndRenewal(Pki& p) {
  const Opts fabrikam = Opts().Org("Fabrikam");
  // The fleet demo.
  for (const char* name : {"fleet-dev-001", "fleet-dev-002", "fleet-dev-004"}) {
    p.Leaf(name, "contoso-int-1");
  }
  p.Leaf("fleet-dev-003", "contoso-int-1-sub");
  for (const char* name : {"fleet-dev-005", "fleet-dev-006", "fleet-dev-007"}) {
    p.Leaf(name, "contoso-int-2");
  }
  p.Leaf("fleet-dev-008", "contoso-int-1", ExpiredLeaf());
  p.Leaf("fleet-dev-009", "contoso-int-rsa");
  p.Leaf("fleet-dev-010", "fabrikam-int-ec", fabrikam);

  // An intermediate renewed with the same name and key.
  p.Ca("contoso-int-4", "Contoso Intermediate CA 4", "contoso-root");
  p.Ca("contoso-int-4-renewed", "Contoso Intermediate CA 4", "contoso-root",
       Opts()
           .RenewalOf("contoso-int-4")
           .Valid(Utc(2024, 1, 1), Utc(2038, 1, 1))
           .Note("contoso-int-4 renewed: same name and key"));
  p.Leaf("contoso-renewal-001", "contoso-int-4");
}

}  // namespace

absl::Time Utc(int year, int month, int day, int hour) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0),
                         absl::UTCTimeZone());
}

[[noreturn]] void Die(absl::string_view what) {
  std::fprintf(stderr, "scenario_corpus: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

std::string Padded(absl::string_view prefix, size_t length) {
  std::string out(prefix);
  for (size_t i = 0; out.size() < length; ++i) out.push_back('a' + i % 10);
  out.resize(length);
  return out;
}

namespace {

// The corpus's unknown extension: a private enterprise arc no real
// extension uses, holding the UTF8String "chaintrust-test".
internal::TestExtension UnknownExtension(bool critical) {
  return {"1.3.6.1.4.1.55555.7.1", critical,
          std::string("\x0c\x0f", 2) + "chaintrust-test"};
}

// keyUsage: keyCertSign|cRLSign (+digitalSignature) for CAs,
// digitalSignature (+keyEncipherment for RSA) for leaves.
uint16_t KeyUsage(bool is_ca, const Opts& opts) {
  if (is_ca) {
    return opts.key_cert_sign
               ? internal::kTestKuDigitalSignature |
                     internal::kTestKuKeyCertSign | internal::kTestKuCrlSign
               : internal::kTestKuDigitalSignature;
  }
  return opts.key == KeyType::kRsa2048 ? internal::kTestKuDigitalSignature |
                                             internal::kTestKuKeyEncipherment
                                       : internal::kTestKuDigitalSignature;
}

}  // namespace

const Credential& Pki::Add(const std::string& name, const std::string& cn,
                           const std::string& issuer, bool is_ca,
                           const Opts& opts) {
  if (certs_.count(name) != 0) Die(absl::StrCat("duplicate ", name));
  internal::TestCertOptions spec;
  spec.label = name;
  spec.country = "US";
  spec.organization = opts.organization;
  spec.common_name = opts.has_common_name ? cn : "";
  spec.keep_empty_common_name = opts.has_common_name;
  const std::string serial = internal::DeterministicBytes("serial|" + name, 8);
  spec.serial = 0;
  for (unsigned char c : serial) spec.serial = (spec.serial << 8) | c;
  spec.serial = (spec.serial >> 1) | 1;  // positive, non-zero
  const bool root = issuer.empty();
  spec.not_before = opts.not_before.value_or(
      is_ca ? (root ? Utc(2020, 1, 1) : Utc(2021, 1, 1)) : Utc(2025, 1, 1));
  spec.not_after = opts.not_after.value_or(
      is_ca ? (root ? Utc(2040, 1, 1) : Utc(2036, 1, 1)) : Utc(2027, 1, 1));
  spec.basic_constraints = opts.basic_constraints;
  spec.is_ca = is_ca;
  if (opts.path_len >= 0) spec.path_len = opts.path_len;
  spec.key_usage_present = opts.key_usage;
  spec.key_usage = KeyUsage(is_ca, opts);
  if (!is_ca) spec.extended_key_usages = {"clientAuth"};
  switch (opts.extra) {
    case ExtraExtension::kNone:
      break;
    case ExtraExtension::kUnknownCritical:
      spec.extensions.push_back(UnknownExtension(/*critical=*/true));
      break;
    case ExtraExtension::kUnknownNonCritical:
      spec.extensions.push_back(UnknownExtension(/*critical=*/false));
      break;
  }

  spec.key = opts.same_key_as.empty()
                 ? internal::TestKey::Derive(opts.key, name)
                 : keys_.at(opts.same_key_as);  // a renewal: the same key
  keys_.emplace(name, *spec.key);
  if (!opts.signer.empty()) spec.signing_key = keys_.at(opts.signer);
  internal::TestCert cert =
      internal::MintCertificate(spec, root ? nullptr : &Get(issuer).cert);
  const std::string der = cert.der;
  const std::string pem = cert.Pem();
  const std::string sha256_hex = cert.Sha256Hex();
  auto credential = std::make_unique<Credential>(
      Credential{name, std::move(cert), der, pem, sha256_hex});

  Json d = Json::Object();
  d.Set("name", Json::Str(name));
  std::string subject = absl::StrCat("C=US, O=", opts.organization);
  if (opts.has_common_name) absl::StrAppend(&subject, ", CN=", cn);
  d.Set("subject", Json::Str(subject));
  d.Set("issuer", Json::Str(root ? "(self-signed)" : issuer));
  if (!opts.signer.empty()) d.Set("signedBy", Json::Str(opts.signer));
  d.Set("key",
        Json::Str(opts.key == KeyType::kRsa2048 ? "RSA-2048" : "ECDSA P-256"));
  d.Set("ca", Json::Bool(is_ca));
  d.Set("notBefore", Json::Str(internal::FormatRfc3339(spec.not_before)));
  d.Set("notAfter", Json::Str(internal::FormatRfc3339(spec.not_after)));
  d.Set("sha256Thumbprint", Json::Str(credential->sha256_hex));
  if (!opts.note.empty()) d.Set("note", Json::Str(opts.note));
  described_.push_back(std::move(d));

  const Credential& result = *credential;
  certs_[name] = std::move(credential);
  return result;
}

void DefineIdentities(Pki& p) {
  DefineContosoCas(p);
  DefineContosoDevices(p);
  DefineChainCheckDevices(p);
  DefineOtherVendors(p);
  DefineFleetAndRenewal(p);
}

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust
