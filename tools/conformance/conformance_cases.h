// The pieces of `chaintrust conformance` (test only in spirit: it runs
// external suites): reading a suite's cases into ChainCases, deciding one
// through the engine and through stock OpenSSL, and the three suite
// readers. conformance_command.cc reports and totals.
#ifndef CHAINTRUST_TOOLS_CONFORMANCE_CONFORMANCE_CASES_H_
#define CHAINTRUST_TOOLS_CONFORMANCE_CONFORMANCE_CASES_H_

#include <openssl/x509_vfy.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/internal/json.h"
#include "engine/types.h"
#include "engine/x509/crl.h"

namespace chaintrust::cli::conformance {

using internal::JsonValue;

inline constexpr absl::string_view kSuccess = "SUCCESS";
inline constexpr absl::string_view kFailure = "FAILURE";

// ---- Reading a case. ----
const JsonValue* Field(const JsonValue& s, const std::string& name);
std::string StringField(const JsonValue& s, const std::string& name);
std::vector<std::string> StringList(const JsonValue& s,
                                    const std::string& name);

// case-index.csv rows: column name -> value, by case id.
using CaseIndex = std::map<std::string, std::map<std::string, std::string>>;
absl::StatusOr<CaseIndex> ReadCaseIndex(const std::string& path);

// limbo's EKU names (and dotted OIDs) -> dotted OIDs; empty if unknown.
std::string EkuOid(absl::string_view name);
// limbo's keyUsage names -> the KeyUsageBit; 0 if unknown.
uint16_t KeyUsageBitOf(absl::string_view name);
// The profile a limbo case is written for (case-index.csv's profile
// column, else the id's prefix): webpki (CA/B Forum) cases run under
// Profile::kWebPki, rfc5280 and mixed ones under Profile::kStrict.
ResolverOptions::Profile LimboProfile(const std::string& id,
                                      const CaseIndex& index);

struct CaseResult {
  std::string id;
  std::string expected;
  std::string actual;   // SUCCESS / FAILURE, empty when skipped
  std::string outcome;  // pass / fail / skip
  std::string reason;   // skip reason, or the engine's reason
  std::string openssl;  // SUCCESS / FAILURE / ERROR, empty when skipped
  bool device_relevant = false;
};

// Why a case is not run, or empty.
std::string SkipReason(const JsonValue& c, const CaseIndex& index,
                       bool device_relevant_only);
absl::StatusOr<absl::Time> CaseTime(const JsonValue& c);
int MaxDepth(const JsonValue& c);

// One path-validation case, whatever suite it came from. Each PEM text may
// hold several certificates.
struct ChainCase {
  std::vector<std::string> trusted;
  std::string leaf;
  std::vector<std::string> untrusted;
  absl::Time at;
  int max_depth = -1;   // intermediates, as OpenSSL's depth; -1: none
  std::string eku_oid;  // required EKU, dotted; empty: none
  bool allow_ca_leaf = true;
  ResolverOptions::Profile profile = ResolverOptions::Profile::kDefault;
  uint16_t leaf_key_usage = 0;  // required_leaf_key_usage
  bool anchor_aki = false;      // require_anchor_authority_key_id
  int min_rsa_bits = 2048;
  bool allow_sha1_signatures = false;
  ResolverOptions::EkuPolicy eku_policy =
      ResolverOptions::EkuPolicy::kPermissive;
  bool check_group_certificate_eku = true;
  // The OpenSSL reference column's settings.
  unsigned long openssl_flags = X509_V_FLAG_PARTIAL_CHAIN;  // NOLINT
  int openssl_auth_level = 1;
  bool openssl_aux_trust = false;  // read trusted PEMs as TRUSTED CERTIFICATE
  // The case's CRLs, PEM texts (limbo's "crls"). A CRL the engine refuses
  // to load fails the case (fail closed).
  std::vector<std::string> crls;
};

// CRLs (from `conformance --crl`) checked in every case, beside the case's
// own. Set before running the suites.
void SetAdditionalCrls(std::vector<std::string> pem_or_der_texts);

// What the command line sets for every case of every suite: --profile
// replaces the profile each suite selects per case (limbo's by its
// profile, the others' kDefault), --legacy_crypto the key and digest
// floors.
struct RunOptions {
  bool force_profile = false;
  ResolverOptions::Profile profile = ResolverOptions::Profile::kDefault;
  int min_rsa_bits = 2048;
  bool allow_sha1_signatures = false;
};
void ApplyRunOptions(const RunOptions& options, ChainCase* c);

ChainCase FromLimbo(const JsonValue& c, absl::Time at,
                    ResolverOptions::Profile profile);

// The engine's answer: "SUCCESS" or "FAILURE", and why.
std::string RunEngine(const ChainCase& c, std::string* why);
// Stock OpenSSL's answer: "SUCCESS", "FAILURE" or "ERROR".
std::string RunOpenSsl(const ChainCase& c);
// Runs both and fills r->actual, outcome, reason and openssl.
void RunCase(const ChainCase& chain_case, CaseResult* r);
// One case as a JSON line.
std::string JsonLine(const CaseResult& r);

// The directory part of `path` ("." when none).
std::string DirName(const std::string& path);
absl::StatusOr<JsonValue> ReadJsonFile(const std::string& path);

// The suites: x509-limbo (limbo.json, with case-index.csv), BoringSSL's
// verify_certificate_chain corpus (a directory), OpenSSL's verify recipes
// (cases.json).
absl::StatusOr<std::vector<CaseResult>> RunLimbo(const std::string& path,
                                                 const std::string& index_path,
                                                 bool device_relevant_only,
                                                 const RunOptions& options);
absl::StatusOr<std::vector<CaseResult>> RunBoringSsl(const std::string& dir,
                                                     const RunOptions& options);
absl::StatusOr<std::vector<CaseResult>> RunOpenSslSuite(
    const std::string& path, const RunOptions& options);

}  // namespace chaintrust::cli::conformance

#endif  // CHAINTRUST_TOOLS_CONFORMANCE_CONFORMANCE_CASES_H_
