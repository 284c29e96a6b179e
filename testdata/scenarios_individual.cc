// Scenarios of registration IDs (rule 1) and individual enrollments (rule 2).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testdata/scenario_builders.h"
#include "testdata/scenario_families.h"
#include "testdata/scenario_pki.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

Scenario RegistrationIdSyntax(const Pki& pki) {
  const std::string id128 = Padded("sas-128-", 128);
  const std::string id129 = Padded("sas-129-", 129);
  const std::string invalid =
      "the leaf CN is the registration ID and rule 1 rejects it before any "
      "enrollment is looked at, although an enabled root group covers the "
      "chain";
  return {
      "registration-id-syntax",
      {1},
      "Registration ID syntax (rule 1): CNs with forbidden characters, a bad "
      "last character, over 64 characters, empty or missing are denied "
      "INVALID_REGISTRATION_ID before any lookup; the boundary cases (64 "
      "characters, every allowed character, a trailing '-') are allowed "
      "through the enabled root group. SAS registration IDs may have up to "
      "128 characters.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .SymmetricIndividual(id128, true)
          .ToJson(),
      {
          X509("cn-space", UnderInt1("cn-space"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso device 01' contains a space; " + invalid)),
          X509("cn-slash", UnderInt1("cn-slash"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso/device-01' contains '/'; " + invalid)),
          X509("cn-trailing-dot", UnderInt1("cn-trailing-dot"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso-device-01.' ends with '.', and an ID must "
                    "end with a letter, digit or '-'; " +
                        invalid)),
          X509("cn-trailing-underscore", UnderInt1("cn-trailing-underscore"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso_device_01_' ends with '_' (allowed inside "
                    "an ID, not at its end); " +
                        invalid)),
          X509("cn-non-ascii", UnderInt1("cn-non-ascii"),
               Deny("INVALID_REGISTRATION_ID",
                    "CN 'contoso-\xc3\xa9-01' contains a non-ASCII letter; " +
                        invalid)),
          X509("cn-65-chars", UnderInt1("cn-65-chars"),
               Deny("INVALID_REGISTRATION_ID",
                    "the CN has 65 characters, one over the X.509 limit of "
                    "64; " +
                        invalid)),
          X509("cn-empty", UnderInt1("cn-empty"),
               Deny("INVALID_REGISTRATION_ID",
                    "the CN is present but empty, and an empty ID has no "
                    "valid last character; " +
                        invalid)),
          X509("cn-missing", UnderInt1("cn-missing"),
               Deny("INVALID_REGISTRATION_ID",
                    "the leaf subject has no CN at all (C and O only), so "
                    "there is no registration ID")),
          X509("cn-64-chars", UnderInt1("cn-64-chars"),
               AllowGroup("contoso-root",
                          "a 64-character CN is exactly at the X.509 limit; "
                          "no individual enrollment, and the enabled "
                          "contoso-root group is the first group on the "
                          "chain")),
          X509("cn-all-allowed-characters",
               UnderInt1("cn-all-allowed-characters"),
               AllowGroup("contoso-root",
                          "'Contoso_Line-7:Robot.Arm-02' uses letters of "
                          "both cases, digits and each of - . _ : and ends "
                          "with a digit: valid; allowed through the root "
                          "group")),
          X509("cn-trailing-hyphen", UnderInt1("cn-trailing-hyphen"),
               AllowGroup("contoso-root",
                          "'contoso-sensor-' ends with '-', which rule 1 "
                          "allows as a last character; allowed through the "
                          "root group")),
          Sas("sas-id-128-chars", id128, Token(id128, IndividualKey(id128)),
              AllowIndividual(id128,
                              "a 128-character ID is at the limit for "
                              "symmetric-key attestation and the token "
                              "verifies with the enrollment's primary key")),
          Sas("sas-id-129-chars", id129, Token(id129, IndividualKey(id129)),
              Deny("INVALID_REGISTRATION_ID",
                   "129 characters is one over the limit of 128")),
          Sas("sas-id-with-space", "sas device 01",
              Token("sas device 01", IndividualKey("sas device 01")),
              Deny("INVALID_REGISTRATION_ID",
                   "'sas device 01' contains spaces")),
      }};
}

Scenario RegistrationIdCase(const Pki& pki) {
  return {
      "registration-id-case",
      {1, 2},
      "Registration IDs compare case-insensitively (rule 1): individual "
      "enrollments whose registrationId differs from the leaf CN or the SAS "
      "registration ID only in case still decide, whether enabled or "
      "disabled. The enrollment is reported with the registrationId as the "
      "policy spells it.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .X509Individual("Contoso-Mixed-Case-01", true,
                          Body("contoso-mixed-case-01"))
          .X509Individual("contoso-upper-01", true, Body("contoso-upper-01"))
          .SymmetricIndividual("Sas-Mixed-Case-01", true)
          .SymmetricIndividual("CONTOSO-A-002", false)
          .ToJson(),
      {
          X509("contoso-mixed-case-01", UnderInt1("contoso-mixed-case-01"),
               AllowIndividual("Contoso-Mixed-Case-01",
                               "CN 'contoso-mixed-case-01' matches the "
                               "enrollment 'Contoso-Mixed-Case-01' ignoring "
                               "case, and the leaf is its primary "
                               "certificate")),
          X509("contoso-upper-01", UnderInt1("contoso-upper-01"),
               AllowIndividual("contoso-upper-01",
                               "CN 'CONTOSO-UPPER-01' matches the enrollment "
                               "'contoso-upper-01' ignoring case, and the "
                               "leaf is its primary certificate")),
          Sas("sas-mixed-case-01", "sas-mixed-case-01",
              Token("sas-mixed-case-01", IndividualKey("Sas-Mixed-Case-01")),
              AllowIndividual("Sas-Mixed-Case-01",
                              "'sas-mixed-case-01' finds the enrollment "
                              "'Sas-Mixed-Case-01' ignoring case and the "
                              "token verifies with its primary key")),
          X509("contoso-a-002", A2(),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "CONTOSO-A-002",
                              "CN 'contoso-a-002' finds the disabled "
                              "enrollment 'CONTOSO-A-002' ignoring case; it "
                              "decides although the root group is enabled")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root",
                          "control: no individual enrollment, so the "
                          "enabled root group decides")),
      }};
}

Scenario IndividualX509(const Pki& pki) {
  return {
      "individual-x509",
      {2},
      "Individual X.509 enrollments (rule 2): the leaf must be the "
      "enrollment's primary or secondary certificate (by SHA-256, body or "
      "thumbprint only) and valid at the validation time; otherwise the "
      "enrollment still decides (ATTESTATION_MISMATCH, or the validity "
      "reason) and the enabled root group covering every chain is never "
      "consulted. The leaf's chain is not verified for individual "
      "enrollments: a self-signed leaf is fine.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .X509Individual("ind-primary-01", true, Body("ind-primary-01"))
          .X509Individual("ind-secondary-01", true,
                          Body("ind-secondary-01-previous"),
                          Body("ind-secondary-01"))
          .X509Individual("ind-mismatch-01", true,
                          Body("ind-mismatch-01-enrolled"))
          .X509Individual("ind-thumbprint-01", true, Thumb("ind-thumbprint-01"))
          .X509Individual("ind-expired-01", true, Body("ind-expired-01"))
          .X509Individual("ind-not-yet-valid-01", true,
                          Body("ind-not-yet-valid-01"))
          .X509Individual("ind-self-signed-01", true,
                          Body("ind-self-signed-01"))
          .SymmetricIndividual("ind-symmetric-key-01", true)
          .ToJson(),
      {
          X509("ind-primary-01", UnderInt1("ind-primary-01"),
               AllowIndividual("ind-primary-01",
                               "the leaf is the enrollment's primary "
                               "certificate and is valid")),
          X509("ind-secondary-01", UnderInt1("ind-secondary-01"),
               AllowIndividual("ind-secondary-01",
                               "the leaf is the enrollment's secondary "
                               "certificate")),
          X509("ind-secondary-01-previous",
               UnderInt1("ind-secondary-01-previous"),
               AllowIndividual("ind-secondary-01",
                               "the same registration ID presenting the "
                               "enrollment's primary (previous) certificate, "
                               "still valid until 2026")),
          X509("ind-mismatch-01", UnderInt1("ind-mismatch-01"),
               DenyIndividual("ATTESTATION_MISMATCH", "ind-mismatch-01",
                              "the enrollment names another certificate "
                              "with the same CN; no fall-through to the "
                              "enabled root group that covers this chain")),
          X509("ind-thumbprint-01", UnderInt1("ind-thumbprint-01"),
               AllowIndividual("ind-thumbprint-01",
                               "the enrollment knows the certificate only by "
                               "info.sha256Thumbprint, which matches the "
                               "leaf")),
          X509("ind-expired-01", UnderInt1("ind-expired-01"),
               WithCause(
                   "EXPIRED",
                   DenyIndividual("CERTIFICATE_EXPIRED", "ind-expired-01",
                                  "the leaf is the enrolled certificate but "
                                  "expired on 2025-01-01; rule 2 requires the "
                                  "leaf to be valid, reported with rule 4's "
                                  "validity code at index 0",
                                  0))),
          X509("ind-not-yet-valid-01", UnderInt1("ind-not-yet-valid-01"),
               WithCause("NOT_YET_VALID",
                         DenyIndividual("CERTIFICATE_NOT_YET_VALID",
                                        "ind-not-yet-valid-01",
                                        "the enrolled leaf is valid only from "
                                        "2025-09-01",
                                        0))),
          X509("ind-self-signed-01", {"ind-self-signed-01"},
               AllowIndividual("ind-self-signed-01",
                               "a self-signed leaf, individually enrolled: "
                               "rule 2 checks the thumbprint and the leaf's "
                               "validity, not a chain")),
          X509("ind-symmetric-key-01", UnderInt1("ind-symmetric-key-01"),
               DenyIndividual("ATTESTATION_MISMATCH", "ind-symmetric-key-01",
                              "an enabled symmetric-key enrollment cannot be "
                              "satisfied by a certificate; it still decides "
                              "(no fall-through to the root group)")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root",
                          "control: no individual enrollment for this ID")),
      }};
}

Scenario IndividualTpm(const Pki& pki) {
  return {
      "individual-tpm",
      {2},
      "An individual enrollment decides whatever its attestation type "
      "(rule 2): a TPM enrollment for an X.509 device's registration ID "
      "denies it, disabled or enabled, although an enabled group covers the "
      "chain.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .TpmIndividual("ind-tpm-01", true)
          .TpmIndividual("contoso-a-002", false)
          .ToJson(),
      {
          X509("ind-tpm-01", UnderInt1("ind-tpm-01"),
               DenyIndividual("ATTESTATION_MISMATCH", "ind-tpm-01",
                              "an enabled TPM enrollment cannot be satisfied "
                              "by a certificate chain, and it alone "
                              "decides")),
          X509("contoso-a-002", A2(),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "contoso-a-002",
                              "a disabled enrollment denies whatever its "
                              "type")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-root",
                          "control: no individual "
                          "enrollment")),
      }};
}

namespace {

// The groups shared by individual-disabled and individual-deleted.
Policy& DisabledGroups(Policy& policy) {
  return policy.Group("contoso-int-1", true, Body("contoso-int-1"))
      .Group("contoso-root", true, Body("contoso-root"))
      .SymmetricGroup("contoso-sas-fleet", true);
}

}  // namespace

Scenario IndividualDisabled(const Pki& pki) {
  Policy policy(pki);
  DisabledGroups(policy)
      .SymmetricIndividual("dis-sym-01", false)
      .X509Individual("dis-x509-own-01", false, Body("dis-x509-own-01"))
      .X509Individual("dis-x509-other-01", false,
                      Body("dis-x509-other-01-enrolled"))
      .SymmetricIndividual("dis-expired-01", false)
      .SymmetricIndividual("dis-sas-01", false);
  return {
      "individual-disabled",
      {2},
      "Disallowing single devices inside enabled groups (rule 2): a disabled "
      "individual enrollment denies INDIVIDUAL_ENROLLMENT_DISABLED whatever "
      "its type and whatever the device presents, before any group or "
      "validity check. Compare individual-deleted: the same devices once the "
      "individual enrollments are deleted.",
      policy.ToJson(),
      {
          X509("dis-sym-01", UnderInt1("dis-sym-01"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "dis-sym-01",
                              "a disabled symmetric-key enrollment (keys "
                              "irrelevant) blocks this X.509 device although "
                              "the enabled contoso-int-1 group covers it")),
          X509("dis-x509-own-01", UnderInt1("dis-x509-own-01"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED",
                              "dis-x509-own-01",
                              "a disabled X.509 enrollment carrying the "
                              "device's own certificate")),
          X509("dis-x509-other-01", UnderInt1("dis-x509-other-01"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED",
                              "dis-x509-other-01",
                              "disabled wins before attestation is looked "
                              "at, so the enrolled certificate being another "
                              "one does not change the reason")),
          X509(
              "dis-expired-01", UnderInt1("dis-expired-01"),
              DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "dis-expired-01",
                             "the leaf is expired too, but a disabled "
                             "enrollment decides before any validity "
                             "check")),
          Sas("dis-sas-01", "dis-sas-01",
              Token("dis-sas-01",
                    DerivedKey("contoso-sas-fleet", "dis-sas-01")),
              DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "dis-sas-01",
                             "the token verifies with the enabled "
                             "contoso-sas-fleet group's derived key, but the "
                             "disabled individual enrollment decides first")),
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-int-1",
                          "control: a sibling without an individual "
                          "enrollment is allowed by the nearest group")),
      }};
}

Scenario IndividualDeleted(const Pki& pki) {
  Policy policy(pki);
  DisabledGroups(policy);
  return {
      "individual-deleted",
      {2, 3},
      "The policy of individual-disabled after deleting every individual "
      "enrollment: the same devices now fall to their enrollment groups "
      "(rule 3), nearest first.",
      policy.ToJson(),
      {
          X509("dis-sym-01", UnderInt1("dis-sym-01"),
               AllowGroup("contoso-int-1",
                          "no individual enrollment any more; contoso-int-1 "
                          "is the nearest group and is enabled")),
          X509("dis-x509-own-01", UnderInt1("dis-x509-own-01"),
               AllowGroup("contoso-int-1", "falls to the nearest group")),
          X509("dis-x509-other-01", UnderInt1("dis-x509-other-01"),
               AllowGroup("contoso-int-1", "falls to the nearest group")),
          X509("dis-expired-01", UnderInt1("dis-expired-01"),
               WithCause(
                   "EXPIRED",
                   DenyGroup("CERTIFICATE_EXPIRED", "contoso-int-1",
                             "falls to contoso-int-1, whose chain check finds "
                             "the leaf expired (2025-01-01)",
                             0))),
          Sas("dis-sas-01", "dis-sas-01",
              Token("dis-sas-01",
                    DerivedKey("contoso-sas-fleet", "dis-sas-01")),
              AllowGroup("contoso-sas-fleet",
                         "the token verifies with the key derived from "
                         "contoso-sas-fleet's primary key")),
          X509("contoso-a-001", A1(), AllowGroup("contoso-int-1", "unchanged")),
      }};
}

Scenario IndividualSymmetricKey(const Pki& pki) {
  const std::string id = "sas-ind-01";
  const std::string mismatch =
      "the individual enrollment sas-ind-01 alone decides (rule 2)";
  return {
      "individual-symmetric-key",
      {2},
      "Individual symmetric-key enrollments with SAS tokens (rule 2): the "
      "token must verify with the enrollment's primary or secondary key, "
      "name the attesting registration ID and not be expired; otherwise "
      "ATTESTATION_MISMATCH, with no fall-through to the enabled "
      "symmetric-key group.",
      Policy(pki)
          .SymmetricIndividual(id, true)
          .SymmetricIndividual("sas-ind-02", true)
          .X509Individual("sas-ind-x509-01", true, Body("sas-ind-x509-01"))
          .SymmetricGroup("contoso-sas-fleet", true)
          .ToJson(),
      {
          Sas("sas-ind-01-primary", id, Token(id, IndividualKey(id)),
              AllowIndividual(id,
                              "signed with the enrollment's primary "
                              "key, not expired")),
          Sas("sas-ind-01-secondary", id, Token(id, IndividualKey(id, true)),
              AllowIndividual(id,
                              "signed with the enrollment's secondary "
                              "key")),
          Sas("sas-ind-01-uppercase", "SAS-IND-01",
              Token("SAS-IND-01", IndividualKey(id)),
              AllowIndividual(id,
                              "'SAS-IND-01' finds 'sas-ind-01' ignoring "
                              "case; the token (over the resource as "
                              "sent) verifies with the primary key")),
          Sas("sas-ind-01-wrong-key", id, Token(id, WrongKey(id)),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "signed with a key that is neither of the "
                             "enrollment's; " +
                                 mismatch)),
          Sas("sas-ind-01-group-key", id,
              Token(id, DerivedKey("contoso-sas-fleet", id)),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "the token would satisfy the enabled "
                             "contoso-sas-fleet group, but " +
                                 mismatch + " and there is no fall-through")),
          Sas("sas-ind-01-expired", id,
              Token(id, IndividualKey(id), kExpiredTokenExpiry),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "right key, but the token expired at "
                             "2025-05-31T23:00:00Z, before the validation "
                             "time; an expired token is a mismatch")),
          Sas("sas-ind-01-other-resource", id,
              Token("sas-ind-02", IndividualKey("sas-ind-02")),
              DenyIndividual("ATTESTATION_MISMATCH", id,
                             "a valid token of sas-ind-02 replayed as "
                             "sas-ind-01: the resource must name the "
                             "attesting registration ID")),
          Sas("sas-ind-x509-01", "sas-ind-x509-01",
              Token("sas-ind-x509-01", WrongKey("sas-ind-x509-01")),
              DenyIndividual("ATTESTATION_MISMATCH", "sas-ind-x509-01",
                             "an enabled X.509 enrollment cannot be "
                             "satisfied by a SAS token")),
          Sas("sas-unenrolled-01", "sas-unenrolled-01",
              Token("sas-unenrolled-01", WrongKey("sas-unenrolled-01")),
              Deny("NO_ENROLLMENT",
                   "no individual enrollment, and the token verifies with "
                   "no symmetric-key group's derived key")),
      }};
}

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust
