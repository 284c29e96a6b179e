// RFC 5280 §4.2.1.10 name constraints, applied to one certificate below a
// CA: part of chain verification (engine/x509/path_verification.h).
#ifndef CHAINTRUST_ENGINE_X509_NAME_CONSTRAINTS_H_
#define CHAINTRUST_ENGINE_X509_NAME_CONSTRAINTS_H_

#include "absl/strings/string_view.h"
#include "engine/types.h"
#include "engine/x509/certificate.h"

namespace chaintrust {

// Whether `cert`'s names (subject, when not empty, and subjectAltName)
// satisfy the nameConstraints extension value `name_constraints` (a DER
// NameConstraints) of a certificate above it (RFC 5280 §4.2.1.10,
// §6.1.3 (b)-(c)). Supported forms: directoryName (RDN-sequence prefix,
// byte-exact RDNs), dNSName, rfc822Name and iPAddress. A constraint of any
// other form that restricts a name the certificate has, a constraint with a
// minimum or maximum, or a malformed extension fails closed
// (kNameConstraintUnsupported). A name outside the permitted subtrees or
// inside an excluded one is kNameConstraintViolated, with the name (a view
// into `cert`) and its form. The failure's certificate indexes are left
// for the caller to set.
CheckFailure CheckNameConstraints(absl::string_view name_constraints,
                                  const Certificate& cert);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_NAME_CONSTRAINTS_H_
