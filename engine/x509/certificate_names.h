// Distinguished names compared as RFC 5280 §7.1 says, with the string
// preparation of RFC 4518: a certificate's issuer field need not repeat its
// issuer's subject byte for byte.
//
// A name key is a byte string computed once per name (Certificate computes
// the subject's and the issuer's at parse time); two names match exactly
// when their keys are equal. The key keeps the RDN structure and order and
// normalises each attribute value:
//  - Directory strings (PrintableString, UTF8String, BMPString,
//    UniversalString, TeletexString read as Latin-1) become UTF-8, whatever
//    their string type; whitespace (U+0009-000D, U+0085 and the Unicode
//    space separators) maps to a space, leading and trailing spaces are
//    removed and internal runs fold to one; case is folded: ASCII fully,
//    and the simple (one-to-one) Unicode case folding of Latin-1, Latin
//    Extended-A, Greek, Cyrillic and the fullwidth Latin letters. There is
//    no Unicode normalisation (NFKC) and nothing is mapped to nothing, so
//    names that differ only in those respects do not match (fail closed).
//  - Any other value (IA5String, NumericString, a malformed string, a
//    non-string type) is compared byte for byte, tag included.
//  - The attributes of a multi-valued RDN are compared as a set.
// The key is a sequence of self-delimiting RDN segments, so that one name
// is within the subtree of another (a directoryName name constraint)
// exactly when its key starts with the other's key.
#ifndef CHAINTRUST_ENGINE_X509_CERTIFICATE_NAMES_H_
#define CHAINTRUST_ENGINE_X509_CERTIFICATE_NAMES_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace chaintrust {

// The key of a DER Name (the SEQUENCE TLV). InvalidArgument when the Name
// is not structurally valid.
absl::StatusOr<std::string> NameKey(absl::string_view name_der);

// Whether the name whose key is `name_key` lies within the subtree named by
// `subtree_key` (its RDNs begin with the subtree's RDNs).
bool NameKeyWithinSubtree(absl::string_view name_key,
                          absl::string_view subtree_key);

// A directory string's text with RFC 4518's insignificant-space handling
// and the case folding above; exposed for tests.
std::string PrepareDirectoryString(absl::string_view utf8);

}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_X509_CERTIFICATE_NAMES_H_
