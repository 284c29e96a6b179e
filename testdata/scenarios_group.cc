// Scenarios of enrollment groups (rule 3).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testdata/scenario_builders.h"
#include "testdata/scenario_families.h"
#include "testdata/scenario_pki.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

Scenario GroupRootOnly(const Pki& pki) {
  const std::string why =
      "the only group is on contoso-root; the walk passes every "
      "intermediate and the chain up to the root verifies";
  return {
      "group-root-only",
      {3},
      "One enabled enrollment group on the Contoso root (rule 3) admits "
      "every valid device of the hierarchy, at every depth, ECDSA or "
      "RSA, whether or not the device sends the root.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      {
          X509("contoso-a-001", A1(), AllowGroup("contoso-root", why)),
          X509("contoso-a-002", A2(),
               AllowGroup("contoso-root",
                          why + " (the root is found among the group "
                                "certificates by issuer name and AKID)")),
          X509("contoso-a7-001", A7(), AllowGroup("contoso-root", why)),
          X509("contoso-a7c3-001",
               {"contoso-a7c3-001", "contoso-int-1-sub-2", "contoso-int-1-sub",
                "contoso-int-1", "contoso-root"},
               AllowGroup("contoso-root", why + " (depth 5)")),
          X509("contoso-b-001", B1(), AllowGroup("contoso-root", why)),
          X509("contoso-r-001",
               {"contoso-r-001", "contoso-int-rsa", "contoso-root"},
               AllowGroup("contoso-root", why + " (RSA below ECDSA)")),
      }};
}

namespace {

// The five shared Contoso devices, with expectations for the factory A
// devices (under contoso-int-1) and the factory B devices.
std::vector<DeviceCase> FactoryDevices(const Expectation& a,
                                       const Expectation& b) {
  return {X509("contoso-a-001", A1(), a), X509("contoso-a-002", A2(), a),
          X509("contoso-a7-001", A7(), a), X509("contoso-b-001", B1(), b),
          X509("contoso-b-002", B2(), b)};
}

}  // namespace

Scenario GroupIntermediateOnly(const Pki& pki) {
  return {
      "group-intermediate-only",
      {3},
      "An enabled group on contoso-int-1 only (rule 3): its devices, "
      "including those under its sub-intermediate, are allowed; devices of "
      "contoso-int-2 find no group on any certificate of their chain.",
      Policy(pki).Group("contoso-int-1", true, Body("contoso-int-1")).ToJson(),
      FactoryDevices(
          AllowGroup("contoso-int-1",
                     "contoso-int-1 is on the chain and its group is "
                     "enabled; the chain verifies up to it"),
          Deny("NO_ENROLLMENT",
               "neither contoso-int-2 nor contoso-root has a group"))};
}

Scenario GroupNearestDecides(const Pki& pki) {
  return {
      "group-nearest-decides",
      {3},
      "Baseline of the disable/delete-intermediate pair: enabled groups on "
      "contoso-int-1 and on contoso-root (rule 3). The nearest group "
      "decides: contoso-int-1 for factory A devices, the root for factory B. "
      "Compare group-disabled-intermediate and group-deleted-intermediate.",
      Policy(pki)
          .Group("contoso-int-1", true, Body("contoso-int-1"))
          .Group("contoso-root", true, Body("contoso-root"))
          .ToJson(),
      FactoryDevices(
          AllowGroup("contoso-int-1",
                     "contoso-int-1 is met before the root on the walk "
                     "upward, so its group decides"),
          AllowGroup("contoso-root",
                     "contoso-int-2 has no group; the walk goes on to the "
                     "root"))};
}

Scenario GroupDisabledIntermediate(const Pki& pki) {
  return {"group-disabled-intermediate",
          {3},
          "The baseline with contoso-int-1's group disabled (rule 3): every "
          "device below contoso-int-1 is denied although the root group is "
          "enabled; factory B devices are still allowed through the root.",
          Policy(pki)
              .Group("contoso-int-1", false, Body("contoso-int-1"))
              .Group("contoso-root", true, Body("contoso-root"))
              .ToJson(),
          FactoryDevices(
              DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-1",
                        "the first group on the walk is contoso-int-1's, "
                        "disabled; it blocks every device below it even though "
                        "a higher group is enabled"),
              AllowGroup("contoso-root",
                         "siblings under contoso-int-2 never meet the disabled "
                         "group"))};
}

Scenario GroupDeletedIntermediate(const Pki& pki) {
  return {
      "group-deleted-intermediate",
      {3},
      "The baseline with contoso-int-1's group deleted (rule 3): a deleted "
      "group is simply absent, the walk goes on to the enabled root group, "
      "and factory A devices stay enrolled.",
      Policy(pki).Group("contoso-root", true, Body("contoso-root")).ToJson(),
      FactoryDevices(
          AllowGroup("contoso-root",
                     "no group on contoso-int-1 any more; the walk reaches "
                     "the enabled root group"),
          AllowGroup("contoso-root", "unchanged"))};
}

Scenario GroupDisabledRoot(const Pki& pki) {
  return {"group-disabled-root",
          {3},
          "A disabled group on the root and an enabled group on contoso-int-2 "
          "(rule 3): factory A devices meet only the disabled root group; "
          "factory B devices are decided by the nearer, enabled group.",
          Policy(pki)
              .Group("contoso-root", false, Body("contoso-root"))
              .Group("contoso-int-2", true, Body("contoso-int-2"))
              .ToJson(),
          FactoryDevices(
              DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-root",
                        "no group below the root; the root's group is "
                        "disabled"),
              AllowGroup("contoso-int-2",
                         "contoso-int-2's enabled group is met first; the "
                         "disabled root group above it is never reached"))};
}

Scenario GroupDeletedAll(const Pki& pki) {
  return {"group-deleted-all",
          {3},
          "An empty enrollment set (every enrollment deleted): nothing "
          "decides, every device is denied NO_ENROLLMENT.",
          Policy(pki).ToJson(),
          {
              X509("contoso-a-001", A1(),
                   Deny("NO_ENROLLMENT", "no enrollment of any kind")),
              X509("contoso-b-002", B2(),
                   Deny("NO_ENROLLMENT", "no enrollment of any kind")),
              Sas("sas-fleet-01", "sas-fleet-01",
                  Token("sas-fleet-01",
                        DerivedKey("contoso-sas-fleet", "sas-fleet-01")),
                  Deny("NO_ENROLLMENT",
                       "no individual enrollment and no symmetric-key "
                       "group")),
          }};
}

Scenario GroupThumbprintOnly(const Pki& pki) {
  return {"group-thumbprint-only",
          {3},
          "Groups known only by info.sha256Thumbprint, as DPS lists them "
          "(rule 3, docs/contract.md): they match a certificate the device "
          "sends. A "
          "certificate the device does not send cannot be found for a group "
          "with no certificate body.",
          Policy(pki)
              .Group("contoso-int-1", true, Thumb("contoso-int-1"))
              .Group("contoso-root", true, Thumb("contoso-root"))
              .ToJson(),
          {
              X509("contoso-a-001", A1(),
                   AllowGroup("contoso-int-1",
                              "the presented contoso-int-1 matches the group's "
                              "thumbprint; nearest group")),
              X509("contoso-a-002", A2(),
                   AllowGroup("contoso-int-1",
                              "the presented contoso-int-1 matches the group's "
                              "thumbprint")),
              X509("contoso-b-001", B1(),
                   AllowGroup("contoso-root",
                              "the device sends the root, which matches the "
                              "root group's thumbprint")),
              X509("contoso-b-002", B2(),
                   Deny("NO_ENROLLMENT",
                        "the root is not sent and its group has no "
                        "certificate body, so no certificate above "
                        "contoso-int-2 can be found and no group matches")),
              X509("contoso-a-001-leaf-only", {"contoso-a-001"},
                   Deny("NO_ENROLLMENT",
                        "only the leaf is sent; its issuer contoso-int-1 is "
                        "known to the policy by thumbprint only, so the walk "
                        "cannot reach it")),
          }};
}

Scenario GroupUnsentAnchor(const Pki& pki) {
  return {
      "group-unsent-anchor",
      {3},
      "Group certificates the device does not send (rule 3): with the "
      "certificate body in the policy, the engine finds the issuer by name "
      "and authority key identifier among the group certificates and "
      "continues the walk there.",
      Policy(pki)
          .Group("contoso-root", true, Body("contoso-root"))
          .Group("fabrikam-int-ec", true, Body("fabrikam-int-ec"))
          .ToJson(),
      {
          X509("contoso-b-002", B2(),
               AllowGroup("contoso-root",
                          "contoso-int-2's issuer is not sent; it is found "
                          "among the group certificates (contoso-root) and "
                          "the chain verifies up to it")),
          X509("contoso-a7-001-no-root",
               {"contoso-a7-001", "contoso-int-1-sub", "contoso-int-1"},
               AllowGroup("contoso-root",
                          "depth 4 with the root left out: the walk ends on "
                          "the root found in the policy")),
          X509("fabrikam-ec-001-leaf-only", {"fabrikam-ec-001"},
               AllowGroup("fabrikam-int-ec",
                          "only the leaf is sent; its issuer is the "
                          "fabrikam-int-ec group's certificate, found by "
                          "name/AKID")),
          X509("contoso-a-001-leaf-only", {"contoso-a-001"},
               Deny("NO_ENROLLMENT",
                    "only the leaf is sent and its issuer contoso-int-1 is "
                    "neither sent nor a group certificate, so the walk "
                    "stops before the root")),
      }};
}

Scenario GroupCertificateRollover(const Pki& pki) {
  return {
      "group-certificate-rollover",
      {3},
      "A group whose CA moved to the secondary signing certificate (rule 3): "
      "the primary is the successor contoso-int-1-g2. Devices under either "
      "certificate are allowed by the same group.",
      Policy(pki)
          .Group("contoso-factory-a", true, Body("contoso-int-1-g2"),
                 Body("contoso-int-1"))
          .ToJson(),
      {
          X509("contoso-a-001", A1(),
               AllowGroup("contoso-factory-a",
                          "contoso-int-1 is the group's secondary signing "
                          "certificate")),
          X509("contoso-a7-001", A7(),
               AllowGroup("contoso-factory-a",
                          "the sub-intermediate has no group; contoso-int-1 "
                          "above it is the group's secondary")),
          X509("contoso-a-g2-001",
               {"contoso-a-g2-001", "contoso-int-1-g2", "contoso-root"},
               AllowGroup("contoso-factory-a",
                          "contoso-int-1-g2 is the group's primary signing "
                          "certificate")),
          X509("contoso-b-001", B1(),
               Deny("NO_ENROLLMENT",
                    "no group on contoso-int-2 or the "
                    "root")),
      }};
}

Scenario GroupRenewedIntermediate(const Pki& pki) {
  const std::string leaf = "contoso-renewal-001";
  const std::string why_disabled =
      "both contoso-int-4 and its renewal (same name and key) verify the "
      "leaf; the disabled group's certificate is on a candidate path at the "
      "level where a group is found, so it wins whatever the order";
  return {
      "group-renewed-intermediate",
      {3},
      "An intermediate CA renewed with the same name and key (rule 3): both "
      "certificates verify the leaf. The old certificate's group is "
      "disabled and the root's enabled. Every candidate that verifies is "
      "considered, so the verdict does not depend on the order of the "
      "presented certificates; a device that presents only the renewed "
      "certificate is decided by the renewed certificate's own enrollment "
      "(none: the root's group).",
      Policy(pki)
          .Group("contoso-int-4-old", false, Body("contoso-int-4"))
          .Group("contoso-root", true, Body("contoso-root"))
          .ToJson(),
      {
          X509("renewed-first",
               {leaf, "contoso-int-4-renewed", "contoso-int-4"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-4-old",
                         why_disabled, 1)),
          X509("old-first", {leaf, "contoso-int-4", "contoso-int-4-renewed"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-4-old",
                         why_disabled, 1)),
          X509("old-only", {leaf, "contoso-int-4"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-int-4-old",
                         "the presented contoso-int-4 is the disabled "
                         "group's certificate",
                         1)),
          X509("renewed-only", {leaf, "contoso-int-4-renewed"},
               AllowGroup("contoso-root",
                          "only the renewal is presented; it has no group, "
                          "and the root's enabled group (an anchor from the "
                          "enrollment set) decides")),
      }};
}

Scenario GroupSymmetricKey(const Pki& pki) {
  const std::string fleet = "contoso-sas-fleet";
  const std::string no_group =
      "; with no individual enrollment, a SAS device is tied to a group "
      "only by its token verifying with that group's derived key, so no "
      "group is identified: NO_ENROLLMENT rather than ATTESTATION_MISMATCH "
      "(which needs an enrollment that decided)";
  return {
      "group-symmetric-key",
      {2, 3},
      "Symmetric-key enrollment groups (rule 3): a device key is "
      "HMAC-SHA256(group key, registration ID) and the token must verify "
      "with a key derived from the group's primary or secondary key.",
      Policy(pki)
          .SymmetricGroup(fleet, true)
          .SymmetricGroup("contoso-sas-retired", false)
          .Group("contoso-root", true, Body("contoso-root"))
          .SymmetricIndividual("sas-fleet-blocked-01", false)
          .ToJson(),
      {
          Sas("sas-fleet-01-primary", "sas-fleet-01",
              Token("sas-fleet-01", DerivedKey(fleet, "sas-fleet-01")),
              AllowGroup(fleet,
                         "signed with HMAC-SHA256(primary group key, "
                         "'sas-fleet-01')")),
          Sas("sas-fleet-01-secondary", "sas-fleet-01",
              Token("sas-fleet-01", DerivedKey(fleet, "sas-fleet-01", true)),
              AllowGroup(fleet,
                         "signed with the key derived from the "
                         "secondary group key")),
          Sas("sas-fleet-02-group-key-itself", "sas-fleet-02",
              Token("sas-fleet-02", GroupKey(fleet)),
              Deny("NO_ENROLLMENT",
                   "signed with the group key itself instead of the "
                   "derived device key" +
                       no_group)),
          Sas("sas-fleet-03-wrong-key", "sas-fleet-03",
              Token("sas-fleet-03", WrongKey("sas-fleet-03")),
              Deny("NO_ENROLLMENT", "signed with an unrelated key" + no_group)),
          Sas("sas-fleet-04-other-device-key", "sas-fleet-04",
              Token("sas-fleet-04", DerivedKey(fleet, "sas-fleet-05")),
              Deny("NO_ENROLLMENT",
                   "signed with the key derived for sas-fleet-05: the "
                   "derivation binds the key to the registration ID" +
                       no_group)),
          Sas("sas-retired-01", "sas-retired-01",
              Token("sas-retired-01",
                    DerivedKey("contoso-sas-retired", "sas-retired-01")),
              DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-sas-retired",
                        "the token verifies with the disabled "
                        "contoso-sas-retired group's derived key")),
          Sas("sas-fleet-blocked-01", "sas-fleet-blocked-01",
              Token("sas-fleet-blocked-01",
                    DerivedKey(fleet, "sas-fleet-blocked-01")),
              DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED",
                             "sas-fleet-blocked-01",
                             "a valid group token, but a disabled "
                             "individual enrollment disallows this one "
                             "device (rule 2 comes first)")),
      }};
}

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust
