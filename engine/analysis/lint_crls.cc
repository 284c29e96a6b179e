// lint's findings about CRLs (engine/analysis/lint.h).
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/analysis/lint.h"
#include "engine/internal/rfc3339.h"
#include "engine/x509/certificate.h"
#include "engine/x509/crl.h"

namespace chaintrust::analysis {
namespace {

std::string Age(absl::Duration d) {
  const int64_t hours = absl::ToInt64Hours(d);
  if (hours >= 48) return absl::StrCat(hours / 24, " days");
  if (hours >= 1) return absl::StrCat(hours, " hours");
  return absl::StrCat(absl::ToInt64Minutes(d), " minutes");
}

// CRL_SIGNATURE_INVALID / CRL_ISSUER_NOT_CRL_SIGNER / CRL_ISSUER_NOT_IN_POLICY.
void CheckIssuer(const Crl& crl, const EnrollmentSnapshot& snapshot,
                 std::vector<Finding>* out) {
  const std::string entry = crl.source();
  const std::string issuer = crl.IssuerString();
  bool named = false;
  const Certificate* verifier = nullptr;
  for (const Certificate* c :
       snapshot.FindCertificatesBySubject(crl.issuer_name_key())) {
    named = true;
    if (crl.MayBeIssuedBy(*c) && crl.SignatureVerifiesWith(*c)) {
      verifier = c;
      break;
    }
  }
  if (!named) {
    out->push_back(
        {"warning", "CRL_ISSUER_NOT_IN_POLICY", entry,
         absl::StrCat("no group certificate is named \"", issuer,
                      "\": the CRL applies only to chains that present its "
                      "issuer")});
  } else if (verifier == nullptr) {
    out->push_back({"error", "CRL_SIGNATURE_INVALID", entry,
                    absl::StrCat("no group certificate named \"", issuer,
                                 "\" verifies its signature: the devices it "
                                 "covers are denied")});
  } else if (verifier->has_key_usage() &&
             (verifier->key_usage() & kCrlSign) == 0) {
    out->push_back({"error", "CRL_ISSUER_NOT_CRL_SIGNER", entry,
                    absl::StrCat("its issuer \"", issuer,
                                 "\" has a keyUsage without cRLSign: the "
                                 "devices it covers are denied")});
  }
}

}  // namespace

void LintCrls(const CrlSet& crls, const EnrollmentSnapshot& snapshot,
              const LintOptions& options, LintReport* report) {
  std::vector<Finding>* out = &report->findings;
  const absl::Time at = options.at;
  for (const CrlPtr& crl : crls.crls()) {
    const std::string& entry = crl->source();
    const std::string next = internal::FormatRfc3339(crl->next_update());
    if (crl->next_update() < at) {
      out->push_back(
          {"error", "CRL_STALE", entry,
           absl::StrCat("its nextUpdate ", next, " passed ",
                        Age(at - crl->next_update()),
                        " ago: the devices it covers are denied unless "
                        "stale CRLs are accepted")});
    } else if (crl->next_update() < at + options.crl_expiring_within) {
      out->push_back(
          {"warning", "CRL_EXPIRING", entry,
           absl::StrCat("its nextUpdate ", next, " is in ",
                        Age(crl->next_update() - at), ": fetch a newer CRL")});
    }
    if (crl->this_update() > at) {
      out->push_back(
          {"warning", "CRL_NOT_YET_VALID", entry,
           absl::StrCat("its thisUpdate ",
                        internal::FormatRfc3339(crl->this_update()),
                        " is after the validation time: it is not used")});
    }
    CheckIssuer(*crl, snapshot, out);
  }
}

}  // namespace chaintrust::analysis
