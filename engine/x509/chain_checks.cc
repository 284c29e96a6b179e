#include "engine/x509/chain_checks.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/x509/der.h"
#include "engine/internal/status_macros.h"

namespace chaintrust {
namespace {

using internal::DerElement;
using internal::DerError;
using internal::DerReader;

// GeneralName tags (RFC 5280 §4.2.1.6), IMPLICIT except directoryName.
constexpr uint8_t kRfc822Name = 0x81;
constexpr uint8_t kDnsName = 0x82;
constexpr uint8_t kDirectoryName = 0xa4;
constexpr uint8_t kIpAddress = 0x87;

absl::string_view FormName(uint8_t tag) {
  switch (tag) {
    case kRfc822Name:
      return "rfc822Name";
    case kDnsName:
      return "dNSName";
    case kDirectoryName:
      return "directoryName";
    case kIpAddress:
      return "iPAddress";
  }
  return "name";
}

struct GeneralName {
  uint8_t tag = 0;
  // The value; for a directoryName, the Name TLV.
  absl::string_view value;
};

absl::StatusOr<GeneralName> ReadGeneralName(const DerElement& element) {
  GeneralName name{element.tag, element.contents};
  if (element.tag == kDirectoryName) {
    DerElement inner;
    RETURN_IF_ERROR(internal::ParseSingleElement(element.contents,
                                                 "directoryName", &inner));
    if (inner.tag != internal::kDerSequence) {
      return DerError("directoryName", "not a Name");
    }
    name.value = inner.tlv;
  }
  return name;
}

absl::Status ReadSubtrees(const DerReader& parent, const DerElement& element,
                          std::vector<GeneralName>* out) {
  constexpr absl::string_view kWhat = "nameConstraints";
  ASSIGN_OR_RETURN(DerReader subtrees, parent.Nested(element, kWhat));
  if (subtrees.empty()) return DerError(kWhat, "empty GeneralSubtrees");
  while (!subtrees.empty()) {
    ASSIGN_OR_RETURN(DerReader subtree,
                     subtrees.ReadNested(internal::kDerSequence, kWhat));
    DerElement base;
    RETURN_IF_ERROR(subtree.Read(kWhat, &base));
    if (!subtree.empty()) {
      return DerError(kWhat, "a minimum or maximum is not supported");
    }
    // Other forms are kept and fail closed only for a certificate that
    // has a name of that form.
    ASSIGN_OR_RETURN(GeneralName name, ReadGeneralName(base));
    out->push_back(name);
  }
  return absl::OkStatus();
}

// The RDN TLVs of a Name TLV.
absl::StatusOr<std::vector<absl::string_view>> Rdns(absl::string_view name) {
  DerElement element;
  RETURN_IF_ERROR(internal::ParseSingleElement(name, "Name", &element));
  ASSIGN_OR_RETURN(DerReader reader, DerReader(name).Nested(element, "Name"));
  std::vector<absl::string_view> rdns;
  while (!reader.empty()) {
    DerElement rdn;
    RETURN_IF_ERROR(reader.ReadExpected(internal::kDerSet, "Name", &rdn));
    rdns.push_back(rdn.tlv);
  }
  return rdns;
}

bool DirectoryNameMatches(absl::string_view constraint,
                          absl::string_view name) {
  auto c = Rdns(constraint);
  auto n = Rdns(name);
  if (!c.ok() || !n.ok() || c->size() > n->size()) return false;
  for (size_t i = 0; i < c->size(); ++i) {
    if ((*c)[i] != (*n)[i]) return false;
  }
  return true;
}

bool EndsWithLabel(absl::string_view name, absl::string_view suffix) {
  // `suffix` without a leading dot: name == suffix or name ends ".suffix".
  if (absl::EqualsIgnoreCase(name, suffix)) return true;
  return name.size() > suffix.size() &&
         absl::EndsWithIgnoreCase(name, suffix) &&
         name[name.size() - suffix.size() - 1] == '.';
}

bool DnsNameMatches(absl::string_view constraint, absl::string_view name) {
  if (constraint.empty()) return true;
  if (constraint[0] == '.') {
    return name.size() > constraint.size() &&
           absl::EndsWithIgnoreCase(name, constraint);
  }
  return EndsWithLabel(name, constraint);
}

bool Rfc822NameMatches(absl::string_view constraint, absl::string_view name) {
  if (constraint.find('@') != absl::string_view::npos) {
    return absl::EqualsIgnoreCase(constraint, name);
  }
  const size_t at = name.rfind('@');
  const absl::string_view host =
      at == absl::string_view::npos ? name : name.substr(at + 1);
  if (constraint.empty()) return true;
  if (constraint[0] == '.') {
    return host.size() > constraint.size() &&
           absl::EndsWithIgnoreCase(host, constraint);
  }
  return absl::EqualsIgnoreCase(host, constraint);
}

bool IpAddressMatches(absl::string_view constraint, absl::string_view name) {
  if (constraint.size() != 2 * name.size()) return false;
  const absl::string_view address = constraint.substr(0, name.size());
  const absl::string_view mask = constraint.substr(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if ((name[i] & mask[i]) != (address[i] & mask[i])) return false;
  }
  return true;
}

bool Supported(uint8_t tag) {
  return tag == kRfc822Name || tag == kDnsName || tag == kDirectoryName ||
         tag == kIpAddress;
}

bool Matches(const GeneralName& constraint, const GeneralName& name) {
  switch (constraint.tag) {
    case kDirectoryName:
      return DirectoryNameMatches(constraint.value, name.value);
    case kDnsName:
      return DnsNameMatches(constraint.value, name.value);
    case kRfc822Name:
      return Rfc822NameMatches(constraint.value, name.value);
    case kIpAddress:
      return IpAddressMatches(constraint.value, name.value);
  }
  return false;
}

std::string RenderName(const GeneralName& name) {
  if (name.tag == kIpAddress) {
    std::string out;
    for (char c : name.value) {
      absl::StrAppend(&out, out.empty() ? "" : ".", static_cast<uint8_t>(c));
    }
    return out;
  }
  if (name.tag == kDirectoryName) return "(a directory name)";
  return std::string(name.value);
}

}  // namespace

std::string KeyStrengthProblem(const Certificate& cert) {
  switch (cert.key_type()) {
    case KeyType::kRsa:
      if (cert.key_bits() < 2048 || cert.key_bits() % 8 != 0) {
        return absl::StrCat("its RSA key has ", cert.key_bits(),
                            " bits; at least 2048, a multiple of 8, "
                            "are required");
      }
      return "";
    case KeyType::kEcP256:
    case KeyType::kEcP384:
    case KeyType::kEcP521:
    case KeyType::kEd25519:
      return "";
    case KeyType::kEcOther:
      return "its EC key is not on P-256, P-384 or P-521";
    case KeyType::kUnknown:
      break;
  }
  return "its public-key algorithm is not accepted (RSA, ECDSA P-256/384/521 "
         "and Ed25519 are)";
}

std::string SignatureAlgorithmProblem(const Certificate& cert) {
  switch (cert.signature_algorithm()) {
    case SignatureAlgorithm::kRsaPkcs1Sha1:
    case SignatureAlgorithm::kEcdsaSha1:
      return absl::StrCat("it is signed with ",
                          SignatureAlgorithmName(cert.signature_algorithm()),
                          "; SHA-1 signatures are not accepted");
    case SignatureAlgorithm::kUnknown:
      return "its signature algorithm is not supported";
    default:
      return "";
  }
}

std::string ProfileProblem(const Certificate& cert, PathPosition position,
                           const ProfileOptions& options,
                           absl::FunctionRef<bool()> self_signed) {
  if (cert.version() != 3) {
    return absl::StrCat("it is an X.509 v", cert.version(),
                        " certificate; only v3 is accepted");
  }
  if (cert.authority_key_identifier_critical()) {
    return "its authorityKeyIdentifier is critical (RFC 5280 §4.2.1.1)";
  }
  const absl::string_view akid = cert.authority_key_identifier();
  const absl::string_view skid = cert.subject_key_identifier();
  if (cert.has_authority_key_identifier_extension() && akid.empty()) {
    return "its authorityKeyIdentifier has no keyIdentifier "
           "(RFC 5280 §4.2.1.1)";
  }
  if (options.require_key_identifiers) {
    if (!position.top && akid.empty()) {
      return "it has no authorityKeyIdentifier (RFC 5280 §4.2.1.1)";
    }
    if (position.issuer && skid.empty()) {
      return "it is a CA without a subjectKeyIdentifier (RFC 5280 "
             "§4.2.1.2)";
    }
  }
  if (position.top && cert.self_issued() && !akid.empty() && !skid.empty() &&
      akid != skid && self_signed()) {
    return "it is self-signed but its authorityKeyIdentifier differs from "
           "its subjectKeyIdentifier";
  }
  if (position.issuer && cert.subject_der().size() <= 2) {
    return "it is a CA with an empty subject (RFC 5280 §4.1.2.6)";
  }
  if (cert.has_basic_constraints() && !cert.is_ca() && cert.has_key_usage() &&
      (cert.key_usage() & kKeyCertSign) != 0) {
    return "its keyUsage asserts keyCertSign but basicConstraints say it is "
           "not a CA (RFC 5280 §4.2.1.9)";
  }
  if (!position.issuer && !cert.name_constraints_der().empty()) {
    return "it is not an issuer but has nameConstraints, which only CA "
           "certificates may carry (RFC 5280 §4.2.1.10)";
  }
  if (position.top && position.issuer && cert.has_basic_constraints() &&
      !cert.basic_constraints_critical()) {
    return "it is the group's CA certificate and its basicConstraints are "
           "not critical (RFC 5280 §4.2.1.9)";
  }
  if (position.leaf && !options.allow_ca_leaf && cert.has_basic_constraints() &&
      cert.is_ca()) {
    return "the device certificate is a CA (basicConstraints cA=TRUE); a "
           "device certificate must be an end entity";
  }
  return "";
}

std::string NameConstraintsProblem(absl::string_view name_constraints,
                                   const Certificate& cert) {
  std::vector<GeneralName> permitted, excluded;
  {
    DerElement element;
    absl::Status status = internal::ParseSingleElement(
        name_constraints, "nameConstraints", &element);
    DerReader top(name_constraints);
    absl::StatusOr<DerReader> reader =
        status.ok() ? top.Nested(element, "nameConstraints")
                    : absl::StatusOr<DerReader>(status);
    if (reader.ok()) {
      bool present = false;
      status = reader->ReadOptional(internal::DerContextConstructed(0),
                                    "nameConstraints", &element, &present);
      if (status.ok() && present) {
        status = ReadSubtrees(*reader, element, &permitted);
      }
      if (status.ok()) {
        status = reader->ReadOptional(internal::DerContextConstructed(1),
                                      "nameConstraints", &element, &present);
      }
      if (status.ok() && present) {
        status = ReadSubtrees(*reader, element, &excluded);
      }
      if (status.ok()) status = reader->ExpectEnd("nameConstraints");
      if (status.ok() && permitted.empty() && excluded.empty()) {
        status = DerError("nameConstraints",
                          "neither permitted nor excluded "
                          "subtrees (RFC 5280 §4.2.1.10)");
      }
    } else {
      status = reader.status();
    }
    if (!status.ok()) {
      return absl::StrCat("a name constraint above it cannot be applied: ",
                          status.message());
    }
  }
  // The names to check.
  std::vector<GeneralName> names;
  if (cert.subject_der().size() > 2) {
    names.push_back(GeneralName{kDirectoryName, cert.subject_der()});
  }
  const absl::string_view san = cert.subject_alt_name_der();
  if (!san.empty()) {
    DerElement element;
    absl::Status status =
        internal::ParseSingleElement(san, "subjectAltName", &element);
    absl::StatusOr<DerReader> reader =
        status.ok() ? DerReader(san).Nested(element, "subjectAltName")
                    : absl::StatusOr<DerReader>(status);
    if (!reader.ok()) {
      return absl::StrCat("its subjectAltName is malformed: ",
                          reader.status().message());
    }
    while (!reader->empty()) {
      DerElement entry;
      status = reader->Read("subjectAltName", &entry);
      if (!status.ok()) {
        return absl::StrCat("its subjectAltName is malformed: ",
                            status.message());
      }
      auto name = ReadGeneralName(entry);
      if (!name.ok()) {
        return absl::StrCat("its subjectAltName is malformed: ",
                            name.status().message());
      }
      names.push_back(*name);
    }
  }
  for (const GeneralName& name : names) {
    if (!Supported(name.tag)) {
      for (const auto* list : {&permitted, &excluded}) {
        for (const GeneralName& c : *list) {
          if (c.tag == name.tag) {
            return absl::StrCat("its subjectAltName has a name of form [",
                                name.tag & 0x1f,
                                "], which a name constraint above it "
                                "restricts and chaintrust cannot check");
          }
        }
      }
      continue;
    }
    bool constrained = false, allowed = false;
    for (const GeneralName& c : permitted) {
      if (c.tag != name.tag) continue;
      constrained = true;
      if (Matches(c, name)) {
        allowed = true;
        break;
      }
    }
    if (constrained && !allowed) {
      return absl::StrCat("its ", FormName(name.tag), " ", RenderName(name),
                          " is outside the permitted name constraints");
    }
    for (const GeneralName& c : excluded) {
      if (c.tag == name.tag && Matches(c, name)) {
        return absl::StrCat("its ", FormName(name.tag), " ", RenderName(name),
                            " is within an excluded name constraint");
      }
    }
  }
  return "";
}

}  // namespace chaintrust
