// The scenario families, one function per scenario folder. Internal to
// //testdata:scenario_corpus.
#ifndef CHAINTRUST_TESTDATA_SCENARIO_FAMILIES_H_
#define CHAINTRUST_TESTDATA_SCENARIO_FAMILIES_H_

#include "testdata/scenario_builders.h"
#include "testdata/scenario_pki.h"

namespace chaintrust {
namespace testdata {
namespace corpus {

// scenarios_fleet.cc: the README demo.
Scenario Fleet(const Pki& pki);

// scenarios_individual.cc: registration IDs and individual enrollments.
Scenario RegistrationIdSyntax(const Pki& pki);
Scenario RegistrationIdCase(const Pki& pki);
Scenario IndividualX509(const Pki& pki);
Scenario IndividualTpm(const Pki& pki);
Scenario IndividualDisabled(const Pki& pki);
Scenario IndividualDeleted(const Pki& pki);
Scenario IndividualSymmetricKey(const Pki& pki);

// scenarios_group.cc: enrollment groups.
Scenario GroupRootOnly(const Pki& pki);
Scenario GroupIntermediateOnly(const Pki& pki);
Scenario GroupNearestDecides(const Pki& pki);
Scenario GroupDisabledIntermediate(const Pki& pki);
Scenario GroupDeletedIntermediate(const Pki& pki);
Scenario GroupDisabledRoot(const Pki& pki);
Scenario GroupDeletedAll(const Pki& pki);
Scenario GroupThumbprintOnly(const Pki& pki);
Scenario GroupUnsentAnchor(const Pki& pki);
Scenario GroupCertificateRollover(const Pki& pki);
Scenario GroupRenewedIntermediate(const Pki& pki);
Scenario GroupSymmetricKey(const Pki& pki);

// scenarios_chain.cc: the chain and certificate checks.
Scenario ChainValidity(const Pki& pki);
Scenario VerificationScope(const Pki& pki);
Scenario ChainSignature(const Pki& pki);
Scenario ChainCaConstraints(const Pki& pki);
Scenario ChainCriticalExtensions(const Pki& pki);
Scenario ChainPathBuilding(const Pki& pki);
Scenario ChainAlgorithms(const Pki& pki);
Scenario ChainMalformed(const Pki& pki);

}  // namespace corpus
}  // namespace testdata
}  // namespace chaintrust

#endif  // CHAINTRUST_TESTDATA_SCENARIO_FAMILIES_H_
