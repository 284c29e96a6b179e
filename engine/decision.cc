#include "engine/decision.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "engine/internal/json.h"
#include "engine/x509/certificate.h"

namespace chaintrust {
namespace {

// One table per enum: the stable strings live here and nowhere else.
constexpr absl::string_view kReasonNames[] = {
    "INDIVIDUAL_ENROLLMENT_ENABLED",
    "ENROLLMENT_GROUP_ENABLED",
    "INDIVIDUAL_ENROLLMENT_DISABLED",
    "ENROLLMENT_GROUP_DISABLED",
    "NO_ENROLLMENT",
    "ATTESTATION_MISMATCH",
    "CHAIN_UNVERIFIED",
    "CERTIFICATE_EXPIRED",
    "CERTIFICATE_NOT_YET_VALID",
    "CERTIFICATE_REVOKED",
    "INVALID_REGISTRATION_ID",
    "MALFORMED_CHAIN",
    "QUOTA_EXCEEDED",
    "THROTTLED",
};

constexpr absl::string_view kStepNames[] = {
    "PARSE_CHAIN",
    "PARSE_SAS_TOKEN",
    "REGISTRATION_ID",
    "LOOKUP_INDIVIDUAL",
    "MATCH_CLIENT_CERTIFICATE",
    "VERIFY_SAS_TOKEN",
    "CHECK_VALIDITY",
    "BUILD_PATH",
    "LOOKUP_GROUP",
    "MATCH_GROUP_KEY",
    "VERIFY_SIGNATURE",
    "CHECK_ISSUER",
    "CHECK_PATH_LENGTH",
    "CHECK_EXTENSIONS",
    "CHECK_CHAIN_LIMITS",
    "CHECK_QUOTA",
    "CHECK_THROTTLE",
    "CHECK_KEY_STRENGTH",
    "CHECK_PROFILE",
    "CHECK_NAME_CONSTRAINTS",
    "CHECK_EKU",
    "DECIDE",
    "CHECK_REVOCATION",
};
static_assert(sizeof(kStepNames) / sizeof(kStepNames[0]) ==
                  static_cast<size_t>(StepId::kCheckRevocation) + 1,
              "one name per StepId");

// Indexed by Cause; kNone is "".
constexpr absl::string_view kCauseNames[] = {
    "",
    "TOO_MANY_CERTIFICATES",
    "CERTIFICATE_TOO_LARGE",
    "CHAIN_TOO_LARGE",
    "MALFORMED_CERTIFICATE",
    "MALFORMED_PEM",
    "ISSUER_NOT_FOUND",
    "NO_GROUP_WITHIN_DEPTH",
    "TOO_MANY_ISSUER_CANDIDATES",
    "CHAIN_TOO_LONG",
    "SIGNATURE_INVALID",
    "ISSUER_NOT_CA",
    "KEY_CERT_SIGN_MISSING",
    "PATH_LENGTH_EXCEEDED",
    "CA_NOT_VERIFIED",
    "WEAK_KEY",
    "KEY_ALGORITHM_NOT_ACCEPTED",
    "WEAK_SIGNATURE_ALGORITHM",
    "SIGNATURE_ALGORITHM_NOT_SUPPORTED",
    "CERTIFICATE_NOT_V3",
    "AUTHORITY_KEY_ID_CRITICAL",
    "AUTHORITY_KEY_ID_WITHOUT_KEY_ID",
    "AUTHORITY_KEY_ID_MISSING",
    "SUBJECT_KEY_ID_MISSING",
    "AUTHORITY_KEY_ID_MISMATCH",
    "ISSUER_SUBJECT_EMPTY",
    "KEY_CERT_SIGN_WITHOUT_CA",
    "NAME_CONSTRAINTS_ON_END_ENTITY",
    "BASIC_CONSTRAINTS_NOT_CRITICAL",
    "CA_LEAF",
    "AUTHORITY_KEY_ID_ISSUER_FIELDS",
    "EKU_CRITICAL",
    "EKU_ON_ANCHOR",
    "LEAF_KEY_USAGE_MISSING",
    "PATH_LEN_WITHOUT_CA",
    "SUBJECT_ALT_NAME_NOT_CRITICAL",
    "NAME_CONSTRAINT_VIOLATED",
    "NAME_CONSTRAINT_UNSUPPORTED",
    "UNHANDLED_CRITICAL_EXTENSION",
    "EKU_MISSING",
    "EKU_FORBIDDEN",
    "EXPIRED",
    "NOT_YET_VALID",
    "REGISTRATION_ID_INVALID",
    "REGISTRATION_ID_MISMATCH",
    "NO_ATTESTATION",
    "ATTESTATION_TYPE_MISMATCH",
    "CLIENT_CERTIFICATE_MISMATCH",
    "SAS_TOKEN_MALFORMED",
    "SAS_TOKEN_WRONG_REGISTRATION",
    "SAS_TOKEN_EXPIRED",
    "SAS_SIGNATURE_INVALID",
    "THROTTLED",
    "QUOTA_EXCEEDED",
    "STORE_ERROR",
    "CERTIFICATE_REVOKED",
    "CRL_STALE",
    "CRL_NOT_YET_VALID",
    "CRL_SIGNATURE_INVALID",
    "CRL_ISSUER_NOT_CRL_SIGNER",
};
static_assert(sizeof(kCauseNames) / sizeof(kCauseNames[0]) ==
                  static_cast<size_t>(Cause::kCrlIssuerNotCrlSigner) + 1,
              "one name per Cause");

constexpr absl::string_view kOutcomeNames[] = {"OK", "FOUND", "NOT_FOUND",
                                               "FAILED"};

void AppendEnrollmentJson(std::string* out, EnrollmentKind kind,
                          absl::string_view id) {
  absl::StrAppend(out, "{\"kind\":\"", EnrollmentKindName(kind), "\",\"id\":");
  internal::AppendJsonString(out, id);
  out->push_back('}');
}

std::string EnrollmentText(const ExplanationStep& step) {
  return absl::StrCat(step.enrollment_kind == EnrollmentKind::kGroup
                          ? "enrollment group \""
                          : "individual enrollment \"",
                      step.enrollment_id, "\" (",
                      step.enrollment_enabled ? "enabled" : "disabled", ")");
}

std::string CertText(int index) {
  if (index < 0) return "";
  if (index == 0) return "the leaf (certificate 0)";
  return absl::StrCat("certificate ", index);
}

}  // namespace

absl::string_view ReasonName(Reason reason) {
  return kReasonNames[static_cast<int>(reason)];
}

bool ParseReason(absl::string_view name, Reason* reason) {
  for (size_t i = 0; i < sizeof(kReasonNames) / sizeof(kReasonNames[0]); ++i) {
    if (kReasonNames[i] == name) {
      *reason = static_cast<Reason>(i);
      return true;
    }
  }
  return false;
}

absl::string_view VerdictName(Verdict verdict) {
  return verdict == Verdict::kAllow ? "ALLOW" : "DENY";
}

absl::string_view EnrollmentKindName(EnrollmentKind kind) {
  switch (kind) {
    case EnrollmentKind::kIndividual:
      return "INDIVIDUAL";
    case EnrollmentKind::kGroup:
      return "GROUP";
    case EnrollmentKind::kNone:
      break;
  }
  return "NONE";
}

absl::string_view StepName(StepId step) {
  return kStepNames[static_cast<int>(step)];
}

absl::string_view OutcomeName(Outcome outcome) {
  return kOutcomeNames[static_cast<int>(outcome)];
}

absl::string_view CauseName(Cause cause) {
  return kCauseNames[static_cast<int>(cause)];
}

bool ParseCause(absl::string_view name, Cause* cause) {
  if (name.empty()) return false;
  for (size_t i = 0; i < sizeof(kCauseNames) / sizeof(kCauseNames[0]); ++i) {
    if (kCauseNames[i] == name) {
      *cause = static_cast<Cause>(i);
      return true;
    }
  }
  return false;
}

bool IsChainReason(Reason reason) {
  switch (reason) {
    case Reason::kChainUnverified:
    case Reason::kCertificateExpired:
    case Reason::kCertificateNotYetValid:
    case Reason::kCertificateRevoked:
    case Reason::kMalformedChain:
      return true;
    default:
      return false;
  }
}

bool IsAllowReason(Reason reason) {
  return reason == Reason::kIndividualEnrollmentEnabled ||
         reason == Reason::kEnrollmentGroupEnabled;
}

void Decision::Clear() {
  verdict_ = Verdict::kDeny;
  reason_ = Reason::kNoEnrollment;
  registration_id_.clear();
  enrollment_kind_ = EnrollmentKind::kNone;
  enrollment_id_.clear();
  certificate_index_ = -1;
  retry_after_ = absl::ZeroDuration();
  cause_ = Cause::kNone;
  num_steps_ = 0;
}

void Decision::DropDecideStep() {
  if (num_steps_ > 0 && steps_[num_steps_ - 1].step == StepId::kDecide) {
    --num_steps_;
  }
}

ExplanationStep& Decision::AddStep(StepId step, Outcome outcome,
                                   int certificate_index) {
  if (num_steps_ == steps_.size()) steps_.emplace_back();
  ExplanationStep& s = steps_[num_steps_++];
  s.step = step;
  s.outcome = outcome;
  s.certificate_index = certificate_index;
  s.enrollment_kind = EnrollmentKind::kNone;
  s.enrollment_id.clear();
  s.enrollment_enabled = false;
  s.has_slot = false;
  s.slot = Slot::kPrimary;
  s.has_thumbprint = false;
  s.from_enrollment_set = false;
  if (s.cause != Cause::kNone) {
    // Parameters are set only with a cause (DecisionBuilder::SetCause).
    s.cause = Cause::kNone;
    s.params.value = 0;
    s.params.limit = 0;
    s.params.other_index = -1;
    s.params.name_form = NameForm::kText;
    s.params.name.clear();
  }
  s.detail.clear();
  return s;
}

void Decision::Decide(Reason reason, EnrollmentKind kind,
                      absl::string_view enrollment_id, int certificate_index,
                      absl::string_view detail, Cause cause) {
  reason_ = reason;
  cause_ = cause;
  verdict_ = IsAllowReason(reason) ? Verdict::kAllow : Verdict::kDeny;
  enrollment_kind_ = kind;
  if (enrollment_id.empty()) {
    enrollment_id_.clear();
  } else {
    enrollment_id_.assign(enrollment_id.data(), enrollment_id.size());
  }
  certificate_index_ = certificate_index;
  ExplanationStep& step =
      AddStep(StepId::kDecide,
              verdict_ == Verdict::kAllow ? Outcome::kOk : Outcome::kFailed,
              certificate_index);
  step.enrollment_kind = kind;
  // AddStep left both empty.
  if (!enrollment_id.empty()) {
    step.enrollment_id.assign(enrollment_id.data(), enrollment_id.size());
  }
  if (!detail.empty()) step.detail.assign(detail.data(), detail.size());
}

std::string DescribeStep(const ExplanationStep& s) {
  const std::string cert = CertText(s.certificate_index);
  std::string text;
  switch (s.step) {
    case StepId::kParseChain:
      text = s.outcome == Outcome::kOk ? "parsed the presented certificates"
                                       : "could not parse " + cert;
      break;
    case StepId::kParseSasToken:
      text = s.outcome == Outcome::kOk ? "parsed the SAS token"
                                       : "could not parse the SAS token";
      break;
    case StepId::kRegistrationId:
      text = s.outcome == Outcome::kOk ? "registration ID is valid"
                                       : "registration ID is not valid";
      break;
    case StepId::kLookupIndividual:
      text = s.outcome == Outcome::kFound
                 ? "found " + EnrollmentText(s)
                 : "no individual enrollment for this registration ID";
      break;
    case StepId::kMatchClientCertificate:
      text =
          s.outcome == Outcome::kOk
              ? absl::StrCat("the leaf is the enrollment's ",
                             s.slot == Slot::kPrimary ? "primary" : "secondary",
                             " client certificate")
              : "the leaf is neither of the enrollment's client "
                "certificates";
      break;
    case StepId::kVerifySasToken:
      text =
          s.outcome == Outcome::kOk
              ? absl::StrCat("the SAS token verifies with the ",
                             s.slot == Slot::kPrimary ? "primary" : "secondary",
                             " key")
              : "the SAS token does not verify";
      break;
    case StepId::kCheckValidity:
      if (s.certificate_index < 0) {
        text = "every certificate of the path is within its validity period";
      } else {
        text = s.outcome == Outcome::kOk ? cert + " is within its validity"
                                         : cert + " is outside its validity";
      }
      break;
    case StepId::kBuildPath:
      text = s.outcome == Outcome::kFound
                 ? absl::StrCat("found the issuer of ", cert,
                                s.from_enrollment_set
                                    ? " among the enrollment set's certificates"
                                    : " among the presented certificates")
                 : absl::StrCat("no issuer of ", cert, " was found");
      break;
    case StepId::kLookupGroup:
      text =
          s.outcome == Outcome::kFound
              ? absl::StrCat(cert, " is the ",
                             s.slot == Slot::kPrimary ? "primary" : "secondary",
                             " signing certificate of ", EnrollmentText(s))
              : absl::StrCat("no enrollment group for ", cert);
      break;
    case StepId::kMatchGroupKey:
      text = s.outcome == Outcome::kFound
                 ? absl::StrCat(
                       "the SAS token verifies with a key derived "
                       "from the ",
                       s.slot == Slot::kPrimary ? "primary" : "secondary",
                       " key of ", EnrollmentText(s))
                 : "the SAS token verifies with no symmetric-key group";
      break;
    case StepId::kVerifySignature:
      if (s.certificate_index < 0) {
        text =
            "every signature of the path verifies, every issuer is a CA "
            "and path length constraints hold";
      } else {
        text = s.outcome == Outcome::kOk
                   ? "the signature of " + cert + " verifies"
                   : "the signature of " + cert + " does not verify";
      }
      break;
    case StepId::kCheckIssuer:
      text = s.outcome == Outcome::kOk ? cert + " may issue certificates"
                                       : cert + " may not issue certificates";
      break;
    case StepId::kCheckPathLength:
      text = s.outcome == Outcome::kOk
                 ? "path length constraints hold"
                 : "a path length constraint fails at " + cert;
      break;
    case StepId::kCheckExtensions:
      text = s.outcome == Outcome::kOk
                 ? "no unhandled critical extensions"
                 : cert + " has an unhandled critical extension";
      break;
    case StepId::kCheckKeyStrength:
      text = s.outcome == Outcome::kOk
                 ? "keys and signature algorithms are strong enough"
                 : cert + " has a weak key or signature algorithm";
      break;
    case StepId::kCheckProfile:
      text = s.outcome == Outcome::kOk
                 ? "every certificate fits the profile"
                 : cert + " does not fit the certificate profile";
      break;
    case StepId::kCheckNameConstraints:
      text = s.outcome == Outcome::kOk ? "name constraints hold"
                                       : cert + " violates a name constraint";
      break;
    case StepId::kCheckEku:
      text = s.outcome == Outcome::kOk
                 ? "extended key usages allow the purpose"
                 : cert + " lacks the required extended key usage";
      break;
    case StepId::kCheckChainLimits:
      text = s.outcome == Outcome::kOk ? "the chain is within limits"
                                       : "the chain exceeds a limit";
      break;
    case StepId::kCheckQuota:
      text = s.outcome == Outcome::kOk ? "within the registration quota"
                                       : "the registration quota is used up";
      break;
    case StepId::kCheckThrottle:
      text = s.outcome == Outcome::kOk ? "not throttled" : "throttled";
      break;
    case StepId::kDecide:
      text = s.outcome == Outcome::kOk ? "allowed" : "denied";
      if (s.enrollment_kind != EnrollmentKind::kNone) {
        absl::StrAppend(&text, " by ",
                        s.enrollment_kind == EnrollmentKind::kGroup
                            ? "enrollment group \""
                            : "individual enrollment \"",
                        s.enrollment_id, "\"");
      }
      break;
  }
  if (!s.detail.empty()) absl::StrAppend(&text, ": ", s.detail);
  return text;
}

std::string RenderJson(const Decision& d) {
  std::string out;
  out.reserve(256 + 160 * d.explanation().size());
  absl::StrAppend(&out, "{\"verdict\":\"", VerdictName(d.verdict()),
                  "\",\"reason\":\"", ReasonName(d.reason()), "\"");
  if (!d.allowed() && d.cause() != Cause::kNone && IsChainReason(d.reason())) {
    absl::StrAppend(&out, ",\"cause\":\"", CauseName(d.cause()), "\"");
  }
  out.append(",\"registrationId\":");
  internal::AppendJsonString(&out, d.registration_id());
  if (d.enrollment_kind() != EnrollmentKind::kNone) {
    out.append(",\"enrollment\":");
    AppendEnrollmentJson(&out, d.enrollment_kind(), d.enrollment_id());
  }
  if (d.certificate_index() >= 0) {
    absl::StrAppend(&out, ",\"certificateIndex\":", d.certificate_index());
  }
  if (d.retry_after() > absl::ZeroDuration()) {
    absl::StrAppend(
        &out, ",\"retryAfterSeconds\":", absl::ToInt64Seconds(d.retry_after()));
  }
  out.append(",\"explanation\":[");
  bool first = true;
  for (const ExplanationStep& s : d.explanation()) {
    if (!first) out.push_back(',');
    first = false;
    absl::StrAppend(&out, "{\"step\":\"", StepName(s.step), "\",\"outcome\":\"",
                    OutcomeName(s.outcome), "\"");
    if (s.certificate_index >= 0) {
      absl::StrAppend(&out, ",\"certificateIndex\":", s.certificate_index);
    }
    if (s.enrollment_kind != EnrollmentKind::kNone) {
      out.append(",\"enrollment\":");
      AppendEnrollmentJson(&out, s.enrollment_kind, s.enrollment_id);
      if (s.step != StepId::kDecide) {
        absl::StrAppend(&out, ",\"enrollmentEnabled\":",
                        s.enrollment_enabled ? "true" : "false");
      }
    }
    if (s.has_slot) {
      absl::StrAppend(&out, ",\"slot\":\"",
                      s.slot == Slot::kPrimary ? "primary" : "secondary", "\"");
    }
    if (s.has_thumbprint) {
      absl::StrAppend(&out, ",\"sha256Thumbprint\":\"", ToHex(s.thumbprint),
                      "\"");
    }
    if (s.step == StepId::kBuildPath && s.outcome == Outcome::kFound) {
      absl::StrAppend(&out, ",\"issuerSource\":\"",
                      s.from_enrollment_set ? "enrollmentSet" : "presented",
                      "\"");
    }
    if (s.cause != Cause::kNone) {
      absl::StrAppend(&out, ",\"cause\":\"", CauseName(s.cause), "\"");
    }
    if (!s.detail.empty()) {
      out.append(",\"detail\":");
      internal::AppendJsonString(&out, s.detail);
    }
    out.append(",\"message\":");
    internal::AppendJsonString(&out, DescribeStep(s));
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string RenderText(const Decision& d) {
  std::string out =
      absl::StrCat(VerdictName(d.verdict()), " ", ReasonName(d.reason()));
  if (!d.allowed() && d.cause() != Cause::kNone) {
    absl::StrAppend(&out, " (", CauseName(d.cause()), ")");
  }
  if (!d.registration_id().empty()) {
    absl::StrAppend(&out, "  registrationId=", d.registration_id());
  }
  if (d.enrollment_kind() != EnrollmentKind::kNone) {
    absl::StrAppend(&out, "  enrollment=",
                    d.enrollment_kind() == EnrollmentKind::kGroup
                        ? "group:"
                        : "individual:",
                    d.enrollment_id());
  }
  if (d.retry_after() > absl::ZeroDuration()) {
    absl::StrAppend(&out,
                    "  retryAfter=", absl::FormatDuration(d.retry_after()));
  }
  out.push_back('\n');
  int n = 0;
  for (const ExplanationStep& s : d.explanation()) {
    absl::StrAppend(&out, "  ", ++n, ". [", StepName(s.step), "] ",
                    DescribeStep(s), "\n");
  }
  return out;
}

}  // namespace chaintrust
