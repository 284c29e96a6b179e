// Scenarios of the chain and certificate checks (rule 4).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/x509/test_certs.h"
#include "testdata/scenario_builders.h"
#include "testdata/scenario_families.h"
#include "testdata/scenario_pki.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

Scenario ChainValidity(const Pki& pki) {
  return {
      "chain-validity",
      {4},
      "Validity at the validation time (rule 4), for every certificate of "
      "the chain up to the deciding group's certificate: expired and "
      "not-yet-valid leaves, intermediates and roots are denied with "
      "CERTIFICATE_EXPIRED / CERTIFICATE_NOT_YET_VALID at their index; "
      "validity bounds are inclusive (RFC 5280 4.1.2.5).",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("northwind-root", true, Body("northwind-root"))
          .ToJson(),
      {
          X509("expired-leaf", UnderInt1("contoso-a-expired-001"),
               WithCause("EXPIRED",
                         DenyGroup("CERTIFICATE_EXPIRED", "contoso-root",
                                   "the leaf expired on 2025-01-01", 0))),
          X509("not-yet-valid-leaf", UnderInt1("contoso-a-future-001"),
               WithCause("NOT_YET_VALID",
                         DenyGroup("CERTIFICATE_NOT_YET_VALID", "contoso-root",
                                   "the leaf is valid from 2025-09-01", 0))),
          X509("expired-intermediate",
               {"contoso-legacy-001", "contoso-int-expired", "contoso-root"},
               WithCause(
                   "EXPIRED",
                   DenyGroup(
                       "CERTIFICATE_EXPIRED", "contoso-root",
                       "the enabled root group decides and the chain up to "
                       "it fails: contoso-int-expired expired on "
                       "2025-01-01; rule 4 names the validity codes, so "
                       "CERTIFICATE_EXPIRED rather than CHAIN_UNVERIFIED",
                       1))),
          X509(
              "not-yet-valid-intermediate",
              {"contoso-future-int-001", "contoso-int-future", "contoso-root"},
              WithCause(
                  "NOT_YET_VALID",
                  DenyGroup("CERTIFICATE_NOT_YET_VALID", "contoso-root",
                            "contoso-int-future is valid from 2026-01-01", 1))),
          X509("expired-root",
               {"northwind-001", "northwind-issuing", "northwind-root"},
               WithCause(
                   "EXPIRED",
                   DenyGroup("CERTIFICATE_EXPIRED", "northwind-root",
                             "the deciding group's own certificate, the root, "
                             "expired on 2025-01-01; rule 4 checks every "
                             "certificate up to and including the deciding one "
                             "(compare verification-scope)",
                             2))),
          X509("leaf-expires-at-validation-time",
               UnderInt1("contoso-a-edge-expiry-001"),
               AllowGroup("contoso-root",
                          "notAfter equals the validation time and the "
                          "bound is inclusive")),
          X509("leaf-valid-from-validation-time",
               UnderInt1("contoso-a-edge-start-001"),
               AllowGroup("contoso-root",
                          "notBefore equals the validation time and the "
                          "bound is inclusive")),
      }};
}

Scenario VerificationScope(const Pki& pki) {
  return {"verification-scope",
          {3, 4},
          "The chain is verified only up to the deciding group's certificate "
          "(rules 3 and 4): defects above it (an expired root, a root whose "
          "pathLenConstraint the group's intermediate violates) do not matter. "
          "Compare chain-validity and chain-ca-constraints, where groups on "
          "those roots decide.",
          Policy(pki)
              .Group("northwind-issuing", true, Body("northwind-issuing"))
              .Group("constrained-int", true, Body("constrained-int"))
              .ToJson(),
          {
              X509("northwind-001",
                   {"northwind-001", "northwind-issuing", "northwind-root"},
                   AllowGroup("northwind-issuing",
                              "the group is on the issuing CA; the expired "
                              "root above it is sent but outside the verified "
                              "path")),
              X509("constrained-001",
                   {"constrained-001", "constrained-int", "constrained-root"},
                   AllowGroup("constrained-int",
                              "the group is on the intermediate; the root's "
                              "pathLenConstraint 0 is outside the verified "
                              "path")),
          }};
}

Scenario ChainSignature(const Pki& pki) {
  return {
      "chain-signature",
      {4},
      "Forged signatures (rule 4): certificates that name a real issuer "
      "(subject and AKID) but were signed by another key fail chain "
      "verification with CHAIN_UNVERIFIED at their index.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          X509("forged-leaf", UnderInt1("contoso-a-forged-001"),
               WithCause(
                   "SIGNATURE_INVALID",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the leaf names contoso-int-1 as issuer but its "
                             "signature does not verify with contoso-int-1's "
                             "key",
                             0))),
          X509("forged-intermediate",
               {"contoso-c-001", "contoso-int-3-forged", "contoso-root"},
               WithCause(
                   "SIGNATURE_INVALID",
                   DenyGroup(
                       "CHAIN_UNVERIFIED", "contoso-root",
                       "the leaf verifies with contoso-int-3-forged's key, "
                       "but that intermediate's signature does not verify "
                       "with contoso-root's key",
                       1))),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root", "control: genuine chain")),
      }};
}

Scenario ChainCaConstraints(const Pki& pki) {
  return {
      "chain-ca-constraints",
      {4},
      "Issuers must be CAs (rule 4): basicConstraints CA:TRUE, keyCertSign "
      "when keyUsage is present, pathLenConstraint respected (it counts the "
      "intermediate CAs below the constrained CA, not the leaf). Violations "
      "are CHAIN_UNVERIFIED at the index of the certificate whose "
      "constraint fails (for pathLen: the CA carrying the constraint, as "
      "OpenSSL reports it).",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("constrained-root", true, Body("constrained-root"))
          .ToJson(),
      {
          X509("issuer-not-ca",
               {"contoso-gw-child-001", "contoso-gateway-01", "contoso-int-1",
                "contoso-root"},
               WithCause(
                   "ISSUER_NOT_CA",
                   DenyGroup(
                       "CHAIN_UNVERIFIED", "contoso-root",
                       "the leaf's issuer contoso-gateway-01 is an "
                       "end-entity certificate (basicConstraints CA:FALSE)",
                       1))),
          X509("issuer-without-basic-constraints",
               {"contoso-nobc-001", "contoso-int-no-basic-constraints",
                "contoso-root"},
               WithCause(
                   "ISSUER_NOT_CA",
                   DenyGroup(
                       "CHAIN_UNVERIFIED", "contoso-root",
                       "the issuer has keyCertSign but no basicConstraints, "
                       "so it is not a CA",
                       1))),
          X509("issuer-without-keycertsign",
               {"contoso-noks-001", "contoso-int-no-keycertsign",
                "contoso-root"},
               WithCause(
                   "KEY_CERT_SIGN_MISSING",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the issuer is CA:TRUE but its keyUsage lacks "
                             "keyCertSign",
                             1))),
          X509("issuer-without-key-usage",
               {"contoso-noku-001", "contoso-int-no-key-usage", "contoso-root"},
               AllowGroup("contoso-root",
                          "the issuer is CA:TRUE with no keyUsage "
                          "extension; keyCertSign is required only when "
                          "keyUsage is present")),
          X509("root-pathlen-0-with-intermediate",
               {"constrained-001", "constrained-int", "constrained-root"},
               WithCause(
                   "PATH_LENGTH_EXCEEDED",
                   DenyGroup("CHAIN_UNVERIFIED", "constrained-root",
                             "constrained-root has pathLenConstraint 0 and one "
                             "intermediate CA below it; reported at the root, "
                             "the certificate whose constraint is exceeded",
                             2))),
          X509("intermediate-pathlen-0-with-sub-ca",
               {"contoso-b-sub-001", "contoso-int-2-sub", "contoso-int-2",
                "contoso-root"},
               WithCause(
                   "PATH_LENGTH_EXCEEDED",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "contoso-int-2 has pathLenConstraint 0 and issued "
                             "the CA contoso-int-2-sub; reported at "
                             "contoso-int-2",
                             2))),
          X509("intermediate-pathlen-0-issues-leaf", B1(),
               AllowGroup("contoso-root",
                          "pathLenConstraint 0 still lets contoso-int-2 "
                          "issue end-entity certificates")),
      }};
}

Scenario ChainCriticalExtensions(const Pki& pki) {
  return {
      "chain-critical-extensions",
      {4},
      "Unknown critical extensions fail verification (rule 4); unknown "
      "non-critical ones are ignored. The unknown extension is OID "
      "1.3.6.1.4.1.55555.7.1.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          X509("unknown-critical-extension-leaf",
               UnderInt1("contoso-crit-ext-001"),
               WithCause(
                   "UNHANDLED_CRITICAL_EXTENSION",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the leaf carries an unknown critical extension",
                             0))),
          X509("unknown-critical-extension-intermediate",
               {"contoso-crit-int-001", "contoso-int-critical-ext",
                "contoso-root"},
               WithCause(
                   "UNHANDLED_CRITICAL_EXTENSION",
                   DenyGroup("CHAIN_UNVERIFIED", "contoso-root",
                             "the intermediate carries an unknown critical "
                             "extension",
                             1))),
          X509("unknown-noncritical-extension-leaf",
               UnderInt1("contoso-noncrit-ext-001"),
               AllowGroup("contoso-root",
                          "an unknown non-critical extension is ignored")),
      }};
}

Scenario ChainPathBuilding(const Pki& pki) {
  std::vector<std::string> depth10 = {"tailspin-depth-10"};
  for (int level = 8; level >= 1; --level) {
    depth10.push_back(absl::StrCat("tailspin-ca-0", level));
  }
  depth10.push_back("tailspin-root");
  std::vector<std::string> depth13 = {"tailspin-depth-13"};
  for (int level = 11; level >= 1; --level) {
    depth13.push_back(
        absl::StrCat("tailspin-ca-", level < 10 ? "0" : "", level));
  }
  depth13.push_back("tailspin-root");
  return {
      "chain-path-building",
      {4},
      "Path building and the depth limit (rule 4): certificates after the "
      "leaf may come in any order; chains of depth 5 and 10 verify; a chain "
      "of 13 certificates (11 intermediates) exceeds the default depth of "
      "10 however depth is counted.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("tailspin-root", true, Body("tailspin-root"))
          .ToJson(),
      {
          X509("depth-5-in-order",
               {"contoso-a7c3-001", "contoso-int-1-sub-2", "contoso-int-1-sub",
                "contoso-int-1", "contoso-root"},
               AllowGroup("contoso-root",
                          "leaf, three intermediates and the "
                          "root, in order")),
          X509("depth-4-reversed",
               {"contoso-a7-001", "contoso-root", "contoso-int-1",
                "contoso-int-1-sub"},
               AllowGroup("contoso-root",
                          "root, int, sub-int after the leaf: the engine "
                          "builds the path")),
          X509("depth-5-shuffled",
               {"contoso-a7c3-001", "contoso-int-1", "contoso-root",
                "contoso-int-1-sub-2", "contoso-int-1-sub"},
               AllowGroup("contoso-root", "any order after the leaf")),
          X509("depth-10", depth10,
               AllowGroup("tailspin-root",
                          "10 certificates (8 intermediates): within the "
                          "default limit of 10")),
          X509(
              "depth-13", depth13,
              WithCause(
                  "CHAIN_TOO_LONG",
                  DenyGroup("CHAIN_UNVERIFIED", "tailspin-root",
                            "the enabled root group decides but the path to it "
                            "has 13 certificates (11 intermediates), over the "
                            "default depth limit of 10; the limit is about the "
                            "whole path, so no certificate index"))),
      }};
}

Scenario ChainAlgorithms(const Pki& pki) {
  return {"chain-algorithms",
          {4},
          "ECDSA P-256 and RSA-2048 mixed in every position (rule 4).",
          Policy(pki)
              .Group("contoso-root", true, Body("contoso-root"))
              .Group("fabrikam-root", true, Body("fabrikam-root"))
              .ToJson(),
          {
              X509("rsa-root-ecdsa-int-ecdsa-leaf",
                   {"fabrikam-ec-001", "fabrikam-int-ec", "fabrikam-root"},
                   AllowGroup("fabrikam-root", "RSA root, ECDSA below")),
              X509("rsa-root-rsa-int-ecdsa-leaf",
                   {"fabrikam-rsa-ec-001", "fabrikam-int-rsa", "fabrikam-root"},
                   AllowGroup("fabrikam-root",
                              "RSA root and intermediate, ECDSA "
                              "leaf")),
              X509("rsa-root-rsa-int-rsa-leaf",
                   {"fabrikam-rsa-001", "fabrikam-int-rsa", "fabrikam-root"},
                   AllowGroup("fabrikam-root", "RSA throughout")),
              X509("ecdsa-root-rsa-int-rsa-leaf",
                   {"contoso-r-001", "contoso-int-rsa", "contoso-root"},
                   AllowGroup("contoso-root", "ECDSA root, RSA below")),
              X509("ecdsa-root-rsa-int-ecdsa-leaf",
                   {"contoso-r-002", "contoso-int-rsa", "contoso-root"},
                   AllowGroup("contoso-root",
                              "ECDSA root, RSA intermediate, "
                              "ECDSA leaf")),
              X509("ecdsa-throughout", A1(),
                   AllowGroup("contoso-root", "ECDSA throughout")),
          }};
}

Scenario ChainMalformed(const Pki& pki) {
  const Credential& leaf = pki.Get("contoso-a-001");
  const std::string int1 = pki.Get("contoso-int-1").pem;
  const std::string root = pki.Get("contoso-root").pem;
  const std::string not_der =
      internal::CertificatePem("this is not a DER certificate");
  const std::string truncated_leaf =
      internal::CertificatePem(leaf.der.substr(0, 120));
  const std::string bad_base64 =
      "-----BEGIN CERTIFICATE-----\n"
      "!!!! this is not base64 !!!!\n"
      "-----END CERTIFICATE-----\n";
  const std::string& int1_der = pki.Get("contoso-int-1").der;
  const std::string truncated_int =
      internal::CertificatePem(int1_der.substr(0, int1_der.size() / 2));
  return {
      "chain-malformed",
      {4},
      "Certificates that do not parse (rule 4): the device is denied "
      "MALFORMED_CHAIN at the index of the bad certificate, before any "
      "enrollment is looked at (an enabled root group would otherwise "
      "allow these devices).",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          RawChain(
              "leaf-not-der", not_der + int1 + root,
              WithCause("MALFORMED_CERTIFICATE",
                        Deny("MALFORMED_CHAIN",
                             "the first PEM block decodes to ASCII text, not a "
                             "DER certificate",
                             0))),
          RawChain(
              "leaf-truncated-der", truncated_leaf + int1 + root,
              WithCause(
                  "MALFORMED_CERTIFICATE",
                  Deny("MALFORMED_CHAIN",
                       "the leaf is contoso-a-001's DER cut after 120 bytes",
                       0))),
          RawChain(
              "leaf-bad-base64", bad_base64 + int1 + root,
              WithCause("MALFORMED_PEM",
                        Deny("MALFORMED_CHAIN",
                             "the first PEM block's body is not base64", 0))),
          RawChain(
              "intermediate-truncated-der", leaf.pem + truncated_int + root,
              WithCause("MALFORMED_CERTIFICATE",
                        Deny("MALFORMED_CHAIN",
                             "the leaf is fine but the second certificate is "
                             "contoso-int-1's DER cut in half",
                             1))),
      }};
}

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust
