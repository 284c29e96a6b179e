// The README demo: a Contoso fleet under one policy.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "testdata/scenario_builders.h"
#include "testdata/scenario_families.h"
#include "testdata/scenario_pki.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

Scenario Fleet(const Pki& pki) {
  Policy policy(pki);
  policy.Group("contoso-factory-a", true, Thumb("contoso-int-1"))
      .With("etag", Json::Str("\"0b00f9a2-0000-0800-0000-65f1c0de0000\""))
      .With("createdDateTimeUtc", Json::Str("2024-11-04T09:12:44.1234567Z"))
      .With("lastUpdatedDateTimeUtc", Json::Str("2025-02-17T16:40:03.7654321Z"))
      .Group("contoso-factory-b", false, Body("contoso-int-2"))
      .With("etag", Json::Str("\"0b00faa7-0000-0800-0000-67b36b930000\""))
      .Group("contoso-root", true, Body("contoso-root"))
      .With("allocationPolicy", Json::Str("hashed"))
      .With("reprovisionPolicy",
            Json::Object()
                .Set("updateHubAssignment", Json::Bool(true))
                .Set("migrateDeviceData", Json::Bool(true)))
      .SymmetricGroup("contoso-sas-sensors", true)
      .SymmetricIndividual("fleet-dev-004", false)
      .With("deviceId", Json::Str("fleet-dev-004"))
      .X509Individual("fleet-dev-007", true, Body("fleet-dev-007"))
      .With("deviceId", Json::Str("fleet-dev-007"))
      .With("iotHubHostName", Json::Str("contoso-hub-b.azure-devices.net"))
      .With(
          "initialTwin",
          Json::Object()
              .Set("tags", Json::Object().Set("site", Json::Str("factory-b")))
              .Set("properties", Json::Object().Set("desired", Json::Object())))
      .With("capabilities", Json::Object().Set("iotEdge", Json::Bool(false)))
      .SymmetricIndividual("fleet-sas-001", true)
      .With("deviceId", Json::Str("fleet-sas-001"));
  const auto under = [](std::string leaf, std::string intermediate) {
    return std::vector<std::string>{std::move(leaf), std::move(intermediate),
                                    "contoso-root"};
  };
  return {
      "fleet",
      {1, 2, 3, 4},
      "The README demo: a Contoso fleet of 13 devices across factory A "
      "(contoso-int-1, group known by thumbprint as DPS lists it), factory B "
      "(contoso-int-2, group disabled) and the root (group enabled), with "
      "one device disallowed by a disabled symmetric-key individual "
      "enrollment, one individually enrolled device, one expired device, "
      "a stranger from another vendor and three SAS devices.",
      policy.ToJson(),
      {
          X509("fleet-dev-001", under("fleet-dev-001", "contoso-int-1"),
               AllowGroup("contoso-factory-a",
                          "factory A's group is the nearest and enabled")),
          X509("fleet-dev-002", {"fleet-dev-002", "contoso-int-1"},
               AllowGroup("contoso-factory-a",
                          "sent without the root, which is not needed")),
          X509("fleet-dev-003",
               {"fleet-dev-003", "contoso-int-1-sub", "contoso-int-1",
                "contoso-root"},
               AllowGroup("contoso-factory-a",
                          "under line 7's sub-CA, which has no group; "
                          "factory A's group above it decides")),
          X509("fleet-dev-004", under("fleet-dev-004", "contoso-int-1"),
               DenyIndividual("INDIVIDUAL_ENROLLMENT_DISABLED", "fleet-dev-004",
                              "disallowed by a disabled symmetric-key "
                              "individual enrollment inside an enabled "
                              "group")),
          X509("fleet-dev-005", under("fleet-dev-005", "contoso-int-2"),
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-factory-b",
                         "factory B's group is disabled, which blocks it "
                         "although the root group is enabled")),
          X509("fleet-dev-006", {"fleet-dev-006", "contoso-int-2"},
               DenyGroup("ENROLLMENT_GROUP_DISABLED", "contoso-factory-b",
                         "factory B's group is disabled")),
          X509("fleet-dev-007", under("fleet-dev-007", "contoso-int-2"),
               AllowIndividual("fleet-dev-007",
                               "individually enrolled with this certificate; "
                               "the individual enrollment decides before "
                               "factory B's disabled group")),
          X509("fleet-dev-008", under("fleet-dev-008", "contoso-int-1"),
               WithCause(
                   "EXPIRED",
                   DenyGroup("CERTIFICATE_EXPIRED", "contoso-factory-a",
                             "factory A's group decides, but the leaf expired "
                             "on 2025-01-01",
                             0))),
          X509("fleet-dev-009", under("fleet-dev-009", "contoso-int-rsa"),
               AllowGroup("contoso-root",
                          "the RSA issuing CA has no group; the root's "
                          "group decides")),
          X509("fleet-dev-010",
               {"fleet-dev-010", "fabrikam-int-ec", "fabrikam-root"},
               Deny("NO_ENROLLMENT",
                    "a Fabrikam device: no enrollment on its chain")),
          Sas("fleet-sas-001", "fleet-sas-001",
              Token("fleet-sas-001", IndividualKey("fleet-sas-001")),
              AllowIndividual("fleet-sas-001",
                              "individual symmetric-key enrollment, primary "
                              "key")),
          Sas("fleet-sensor-001", "fleet-sensor-001",
              Token("fleet-sensor-001",
                    DerivedKey("contoso-sas-sensors", "fleet-sensor-001")),
              AllowGroup("contoso-sas-sensors",
                         "key derived from the sensors group's primary "
                         "key")),
          Sas("fleet-sensor-intruder", "fleet-sensor-intruder",
              Token("fleet-sensor-intruder", WrongKey("fleet-sensor-intruder")),
              Deny("NO_ENROLLMENT",
                   "the token verifies with no group's derived key, so no "
                   "enrollment is identified")),
      }};
}

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust
