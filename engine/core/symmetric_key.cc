#include "engine/core/symmetric_key.h"

#include "absl/strings/match.h"
#include "engine/policy/registration_id.h"
#include "engine/policy/sas_token.h"

namespace chaintrust {
namespace internal {
namespace {

CheckFailure Failure(Cause cause) {
  CheckFailure f;
  f.cause = cause;
  return f;
}

class SymmetricKeyResolver {
 public:
  SymmetricKeyResolver(const EnrollmentSnapshot& snapshot,
                       const Attestation& attestation, absl::Time at,
                       DecisionBuilder& b)
      : snapshot_(snapshot), a_(attestation), at_(at), b_(b) {}

  void Run() { RunSymmetricKey(); }

 private:
  bool CheckRegistrationId(absl::string_view id, size_t max_length) {
    return CheckRegistrationIdStep(id, max_length, false, -1, b_);
  }
  void IndividualStep(const IndividualEnrollment& e) {
    AddIndividualStep(e, b_);
  }

  void RunSymmetricKey() {
    const absl::string_view id = a_.registration_id;
    b_.set_registration_id(id);
    auto token = ParseSasToken(a_.sas_token);
    absl::string_view claimed = id;
    if (claimed.empty() && token.ok()) {
      claimed = token->registration_id;
      b_.set_registration_id(claimed);
    }
    if (!CheckRegistrationId(claimed, kMaxRegistrationIdLength)) return;
    const IndividualEnrollment* e = snapshot_.FindIndividual(claimed);
    if (e != nullptr) {
      IndividualStep(*e);
      if (!e->enabled) {
        b_.Decide(Reason::kIndividualEnrollmentDisabled,
                  EnrollmentKind::kIndividual, e->registration_id);
        return;
      }
    } else {
      b_.AddStep(StepId::kLookupIndividual, Outcome::kNotFound);
    }
    if (!token.ok()) {
      CheckFailure f = Failure(Cause::kSasTokenMalformed);
      f.name = token.status().message();
      b_.Fail(f);
      if (e != nullptr) {
        b_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
                  e->registration_id, -1, {}, f.cause);
      } else {
        b_.Decide(Reason::kNoEnrollment);
      }
      return;
    }
    b_.AddStep(StepId::kParseSasToken, Outcome::kOk);
    if (e != nullptr) {
      DecideIndividualSas(*e, *token, claimed);
    } else {
      DecideGroupSas(*token, claimed);
    }
  }

  // Token checks that do not depend on the key: resource and expiry.
  bool TokenUsable(const SasToken& token, absl::string_view id,
                   EnrollmentKind kind, absl::string_view enrollment) {
    CheckFailure f;
    if (!absl::EqualsIgnoreCase(token.registration_id, id)) {
      f = Failure(Cause::kSasTokenWrongRegistration);
      f.name = token.registration_id;
    } else if (token.expiry < at_) {
      f = Failure(Cause::kSasTokenExpired);
      f.value = absl::ToUnixSeconds(token.expiry);
      f.limit = absl::ToUnixSeconds(at_);
    }
    if (!f.failed()) return true;
    b_.Deny(f, Reason::kAttestationMismatch, kind, enrollment);
    return false;
  }

  void DecideIndividualSas(const IndividualEnrollment& e, const SasToken& token,
                           absl::string_view id) {
    const absl::string_view enrollment = e.registration_id;
    if (e.kind != AttestationKind::kSymmetricKey) {
      CheckFailure f = Failure(Cause::kAttestationTypeMismatch);
      f.name = AttestationKindName(e.kind);
      b_.Fail(f).step = StepId::kVerifySasToken;
      b_.Decide(Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
                enrollment, -1, {}, f.cause);
      return;
    }
    if (!TokenUsable(token, id, EnrollmentKind::kIndividual, enrollment)) {
      return;
    }
    Slot slot;
    if (!e.primary_key.empty() && VerifySasSignature(token, e.primary_key)) {
      slot = Slot::kPrimary;
    } else if (!e.secondary_key.empty() &&
               VerifySasSignature(token, e.secondary_key)) {
      slot = Slot::kSecondary;
    } else {
      b_.Deny(Failure(Cause::kSasSignatureInvalid),
              Reason::kAttestationMismatch, EnrollmentKind::kIndividual,
              enrollment);
      return;
    }
    ExplanationStep& s = b_.AddStep(StepId::kVerifySasToken, Outcome::kOk);
    s.has_slot = true;
    s.slot = slot;
    b_.Decide(Reason::kIndividualEnrollmentEnabled, EnrollmentKind::kIndividual,
              enrollment);
  }

  void DecideGroupSas(const SasToken& token, absl::string_view id) {
    for (const EnrollmentGroup* g : snapshot_.symmetric_key_groups()) {
      Slot slot;
      if (!g->primary_key.empty() &&
          VerifySasSignature(token, DeriveDeviceKey(g->primary_key, id))) {
        slot = Slot::kPrimary;
      } else if (!g->secondary_key.empty() &&
                 VerifySasSignature(token,
                                    DeriveDeviceKey(g->secondary_key, id))) {
        slot = Slot::kSecondary;
      } else {
        continue;
      }
      ExplanationStep& s = b_.AddStep(StepId::kMatchGroupKey, Outcome::kFound);
      s.enrollment_kind = EnrollmentKind::kGroup;
      s.enrollment_id = g->group_id;
      s.enrollment_enabled = g->enabled;
      s.has_slot = true;
      s.slot = slot;
      if (!g->enabled) {
        b_.Decide(Reason::kEnrollmentGroupDisabled, EnrollmentKind::kGroup,
                  g->group_id);
        return;
      }
      if (!TokenUsable(token, id, EnrollmentKind::kGroup, g->group_id)) {
        return;
      }
      b_.Decide(Reason::kEnrollmentGroupEnabled, EnrollmentKind::kGroup,
                g->group_id);
      return;
    }
    b_.AddStep(StepId::kMatchGroupKey, Outcome::kNotFound);
    b_.Decide(Reason::kNoEnrollment);
  }

  const EnrollmentSnapshot& snapshot_;
  const Attestation& a_;
  const absl::Time at_;
  DecisionBuilder& b_;
};

}  // namespace

void ResolveSymmetricKey(const EnrollmentSnapshot& snapshot,
                         const Attestation& attestation, absl::Time at,
                         DecisionBuilder& b) {
  SymmetricKeyResolver(snapshot, attestation, at, b).Run();
}

bool CheckRegistrationIdStep(absl::string_view id, size_t max_length,
                             bool known_valid, int index, DecisionBuilder& b) {
  const absl::Status status =
      known_valid ? absl::OkStatus() : ValidateRegistrationId(id, max_length);
  if (status.ok()) {
    b.AddStep(StepId::kRegistrationId, Outcome::kOk, index);
    return true;
  }
  CheckFailure f = Failure(Cause::kRegistrationIdInvalid);
  f.certificate_index = index;
  f.name = status.message();
  b.Deny(f, Reason::kInvalidRegistrationId);
  return false;
}

void AddIndividualStep(const IndividualEnrollment& e, DecisionBuilder& b) {
  ExplanationStep& s = b.AddStep(StepId::kLookupIndividual, Outcome::kFound);
  s.enrollment_kind = EnrollmentKind::kIndividual;
  s.enrollment_id = e.registration_id;
  s.enrollment_enabled = e.enabled;
}

}  // namespace internal
}  // namespace chaintrust
