#include "engine/x509/name_constraints.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "engine/internal/status_macros.h"
#include "engine/x509/certificate_names.h"
#include "engine/x509/der.h"

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

struct GeneralName {
  uint8_t tag = 0;
  // The value; for a directoryName, the Name TLV.
  absl::string_view value;
  // For a certificate's subject, its name key, computed at parse time.
  const std::string* name_key = nullptr;
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

// RFC 5280 §4.2.1.10: a directoryName is within the subtree when its
// RDNs begin with the constraint's, names compared as §7.1 says.
bool DirectoryNameMatches(absl::string_view constraint,
                          const GeneralName& name) {
  absl::StatusOr<std::string> c = NameKey(constraint);
  if (!c.ok()) return false;
  if (name.name_key != nullptr) {
    return NameKeyWithinSubtree(*name.name_key, *c);
  }
  absl::StatusOr<std::string> n = NameKey(name.value);
  return n.ok() && NameKeyWithinSubtree(*n, *c);
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
      return DirectoryNameMatches(constraint.value, name);
    case kDnsName:
      return DnsNameMatches(constraint.value, name.value);
    case kRfc822Name:
      return Rfc822NameMatches(constraint.value, name.value);
    case kIpAddress:
      return IpAddressMatches(constraint.value, name.value);
  }
  return false;
}

NameForm FormOf(uint8_t tag) {
  switch (tag) {
    case kRfc822Name:
      return NameForm::kEmail;
    case kDnsName:
      return NameForm::kDns;
    case kDirectoryName:
      return NameForm::kDirectory;
    case kIpAddress:
      return NameForm::kIp;
  }
  return NameForm::kOther;
}

CheckFailure Unsupported(absl::string_view why) {
  CheckFailure f;
  f.cause = Cause::kNameConstraintUnsupported;
  f.name = why;
  return f;
}

absl::Status ReadConstraints(absl::string_view name_constraints,
                             std::vector<GeneralName>* permitted,
                             std::vector<GeneralName>* excluded) {
  constexpr absl::string_view kWhat = "nameConstraints";
  DerElement element;
  RETURN_IF_ERROR(
      internal::ParseSingleElement(name_constraints, kWhat, &element));
  ASSIGN_OR_RETURN(DerReader reader,
                   DerReader(name_constraints).Nested(element, kWhat));
  bool present = false;
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(0), kWhat,
                                      &element, &present));
  if (present) RETURN_IF_ERROR(ReadSubtrees(reader, element, permitted));
  RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(1), kWhat,
                                      &element, &present));
  if (present) RETURN_IF_ERROR(ReadSubtrees(reader, element, excluded));
  RETURN_IF_ERROR(reader.ExpectEnd(kWhat));
  if (permitted->empty() && excluded->empty()) {
    return DerError(kWhat,
                    "neither permitted nor excluded subtrees (RFC 5280 "
                    "§4.2.1.10)");
  }
  return absl::OkStatus();
}

absl::Status ReadNames(const Certificate& cert,
                       std::vector<GeneralName>* names) {
  if (cert.subject_der().size() > 2) {
    names->push_back(GeneralName{kDirectoryName, cert.subject_der(),
                                 &cert.subject_name_key()});
  }
  const absl::string_view san = cert.subject_alt_name_der();
  if (san.empty()) return absl::OkStatus();
  DerElement element;
  RETURN_IF_ERROR(
      internal::ParseSingleElement(san, "subjectAltName", &element));
  ASSIGN_OR_RETURN(DerReader reader,
                   DerReader(san).Nested(element, "subjectAltName"));
  while (!reader.empty()) {
    DerElement entry;
    RETURN_IF_ERROR(reader.Read("subjectAltName", &entry));
    ASSIGN_OR_RETURN(GeneralName name, ReadGeneralName(entry));
    names->push_back(name);
  }
  return absl::OkStatus();
}

}  // namespace

CheckFailure CheckNameConstraints(absl::string_view name_constraints,
                                  const Certificate& cert) {
  std::vector<GeneralName> permitted, excluded;
  if (!ReadConstraints(name_constraints, &permitted, &excluded).ok()) {
    return Unsupported(
        "a name constraint above it cannot be applied (malformed, or with a "
        "minimum or maximum)");
  }
  std::vector<GeneralName> names;
  if (!ReadNames(cert, &names).ok()) {
    return Unsupported("its subjectAltName is malformed");
  }
  for (const GeneralName& name : names) {
    if (!Supported(name.tag)) {
      for (const auto* list : {&permitted, &excluded}) {
        for (const GeneralName& c : *list) {
          if (c.tag != name.tag) continue;
          CheckFailure f = Unsupported(
              "its subjectAltName has a name of a form that a name "
              "constraint above it restricts and chaintrust cannot check");
          f.value = name.tag & 0x1f;
          return f;
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
    bool is_excluded = false;
    if (!constrained || allowed) {
      for (const GeneralName& c : excluded) {
        if (c.tag == name.tag && Matches(c, name)) {
          is_excluded = true;
          break;
        }
      }
    }
    if ((constrained && !allowed) || is_excluded) {
      CheckFailure f;
      f.cause = Cause::kNameConstraintViolated;
      f.value = is_excluded ? 1 : 0;
      f.name_form = FormOf(name.tag);
      f.name = name.value;
      return f;
    }
  }
  return CheckFailure();
}

}  // namespace chaintrust
