#include "engine/x509/crl.h"

#include <openssl/sha.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/base64.h"
#include "engine/internal/status_macros.h"
#include "engine/x509/certificate.h"
#include "engine/x509/certificate_names.h"
#include "engine/x509/certificate_parse.h"
#include "engine/x509/der.h"
#include "engine/x509/verification_key.h"

namespace chaintrust {

using internal::DerElement;
using internal::DerError;
using internal::DerReader;

namespace {

constexpr size_t kMaxCrlBytes = size_t{256} << 20;
constexpr size_t kMaxCrlFileBytes = size_t{1} << 30;
constexpr size_t kMaxCrlExtensions = 64;

// OBJECT IDENTIFIER contents of the CRL extensions chaintrust reads.
constexpr absl::string_view kOidCrlNumber = "\x55\x1d\x14";
constexpr absl::string_view kOidDeltaCrlIndicator = "\x55\x1d\x1b";
constexpr absl::string_view kOidIssuingDistributionPoint = "\x55\x1d\x1c";
constexpr absl::string_view kOidCertificateIssuer = "\x55\x1d\x1d";

// A CRL's extension: OID contents, criticality and extnValue contents.
struct Extension {
  absl::string_view oid;
  bool critical = false;
  absl::string_view value;
};

// Reads one Extension SEQUENCE.
absl::Status ReadExtension(const DerReader& parent, const DerElement& element,
                           absl::string_view what, Extension* out) {
  ASSIGN_OR_RETURN(DerReader reader, parent.Nested(element, what));
  DerElement oid, value;
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerOid, what, &oid));
  RETURN_IF_ERROR(internal::ValidateOid(oid.contents, what));
  bool present;
  DerElement critical;
  RETURN_IF_ERROR(
      reader.ReadOptional(internal::kDerBoolean, what, &critical, &present));
  out->critical = false;
  if (present) {
    ASSIGN_OR_RETURN(out->critical,
                     internal::ParseBoolean(critical.contents, what));
    // DER omits a DEFAULT value.
    if (!out->critical) return DerError(what, "explicit critical FALSE");
  }
  RETURN_IF_ERROR(reader.ReadExpected(internal::kDerOctetString, what, &value));
  RETURN_IF_ERROR(reader.ExpectEnd(what));
  out->oid = oid.contents;
  out->value = value.contents;
  return absl::OkStatus();
}

std::string OidText(absl::string_view contents) {
  auto text = internal::OidToString(contents);
  return text.ok() ? *text : "(bad OID)";
}

}  // namespace

// Parses a CRL into a Crl; a friend of Crl.
class CrlParser {
 public:
  explicit CrlParser(Crl* crl) : crl_(*crl) {}

  absl::Status Parse() {
    if (crl_.der_.size() > kMaxCrlBytes) {
      return DerError("CertificateList", "larger than 256 MiB");
    }
    SHA256(reinterpret_cast<const uint8_t*>(crl_.der_.data()), crl_.der_.size(),
           crl_.sha256_.data());
    DerElement outer;
    RETURN_IF_ERROR(
        internal::ParseSingleElement(crl_.der_, "CertificateList", &outer));
    if (outer.tag != internal::kDerSequence) {
      return DerError("CertificateList", "not a SEQUENCE");
    }
    ASSIGN_OR_RETURN(DerReader top,
                     DerReader(crl_.der_).Nested(outer, "CertificateList"));
    DerElement tbs, algorithm, signature;
    RETURN_IF_ERROR(
        top.ReadExpected(internal::kDerSequence, "tbsCertList", &tbs));
    RETURN_IF_ERROR(top.ReadExpected(internal::kDerSequence,
                                     "signatureAlgorithm", &algorithm));
    RETURN_IF_ERROR(top.ReadExpected(internal::kDerBitString, "signatureValue",
                                     &signature));
    RETURN_IF_ERROR(top.ExpectEnd("CertificateList"));
    crl_.tbs_ = tbs.tlv;
    ASSIGN_OR_RETURN(
        internal::DerBitString bits,
        internal::ParseBitString(signature.contents, "signatureValue"));
    if (bits.unused_bits != 0) {
      return DerError("signatureValue", "unused bits");
    }
    crl_.signature_ = bits.bytes;
    ASSIGN_OR_RETURN(crl_.algorithm_,
                     x509_parse::ParseSignatureAlgorithm(top, algorithm));
    RETURN_IF_ERROR(CheckAlgorithm());
    DerElement inner_algorithm;
    RETURN_IF_ERROR(ParseTbs(top, tbs, &inner_algorithm));
    if (inner_algorithm.tlv != algorithm.tlv) {
      return DerError("tbsCertList.signature",
                      "differs from signatureAlgorithm");
    }
    return absl::OkStatus();
  }

 private:
  absl::Status CheckAlgorithm() const {
    switch (crl_.algorithm_) {
      case SignatureAlgorithm::kUnknown:
        return DerError("signatureAlgorithm", "not supported");
      case SignatureAlgorithm::kRsaPkcs1Sha1:
      case SignatureAlgorithm::kEcdsaSha1:
        return DerError("signatureAlgorithm",
                        "SHA-1 based signatures are not accepted");
      default:
        return absl::OkStatus();
    }
  }

  absl::Status ParseTbs(const DerReader& parent, const DerElement& tbs,
                        DerElement* algorithm) {
    ASSIGN_OR_RETURN(DerReader reader, parent.Nested(tbs, "tbsCertList"));
    DerElement element;
    bool present;
    RETURN_IF_ERROR(reader.ReadOptional(internal::kDerInteger, "version",
                                        &element, &present));
    if (!present) {
      return DerError("version", "a v1 CRL; only v2 CRLs are accepted");
    }
    ASSIGN_OR_RETURN(uint64_t version,
                     internal::ParseUint64(element.contents, "version"));
    if (version != 1) {
      return DerError("version", absl::StrCat("v", version + 1,
                                              "; only v2 CRLs are accepted"));
    }
    RETURN_IF_ERROR(reader.ReadExpected(internal::kDerSequence,
                                        "tbsCertList.signature", algorithm));
    DerElement issuer;
    RETURN_IF_ERROR(
        reader.ReadExpected(internal::kDerSequence, "issuer", &issuer));
    RETURN_IF_ERROR(x509_parse::ParseName(reader, issuer, "issuer", nullptr));
    crl_.issuer_ = issuer.tlv;
    ASSIGN_OR_RETURN(crl_.issuer_key_, NameKey(issuer.tlv));
    RETURN_IF_ERROR(reader.Read("thisUpdate", &element));
    ASSIGN_OR_RETURN(
        crl_.this_update_,
        internal::ParseTime(element.tag, element.contents, "thisUpdate"));
    uint8_t tag = 0;
    if (!reader.PeekTag(&tag) || (tag != internal::kDerUtcTime &&
                                  tag != internal::kDerGeneralizedTime)) {
      return DerError("nextUpdate",
                      "absent; RFC 5280 §5.1.2.5 requires it and staleness "
                      "cannot be judged without it");
    }
    RETURN_IF_ERROR(reader.Read("nextUpdate", &element));
    ASSIGN_OR_RETURN(
        crl_.next_update_,
        internal::ParseTime(element.tag, element.contents, "nextUpdate"));
    if (crl_.next_update_ < crl_.this_update_) {
      return DerError("nextUpdate", "before thisUpdate");
    }
    RETURN_IF_ERROR(reader.ReadOptional(
        internal::kDerSequence, "revokedCertificates", &element, &present));
    if (present) RETURN_IF_ERROR(ParseRevoked(reader, element));
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextConstructed(0),
                                        "crlExtensions", &element, &present));
    bool has_crl_number = false;
    if (present)
      RETURN_IF_ERROR(ParseExtensions(reader, element, &has_crl_number));
    if (!has_crl_number) {
      return DerError("crlExtensions",
                      "no cRLNumber (RFC 5280 §5.2.3 requires it)");
    }
    return reader.ExpectEnd("tbsCertList");
  }

  absl::Status ParseRevoked(const DerReader& parent,
                            const DerElement& revoked) {
    ASSIGN_OR_RETURN(DerReader list,
                     parent.Nested(revoked, "revokedCertificates"));
    // RFC 5280: an empty list is omitted, not encoded.
    if (list.empty()) return DerError("revokedCertificates", "empty");
    std::vector<std::pair<absl::string_view, int64_t>> entries;
    entries.reserve(revoked.contents.size() / 24 + 1);
    DerElement entry, serial, date, extensions;
    while (!list.empty()) {
      RETURN_IF_ERROR(list.ReadExpected(internal::kDerSequence,
                                        "revokedCertificates entry", &entry));
      ASSIGN_OR_RETURN(DerReader reader,
                       list.Nested(entry, "revokedCertificates entry"));
      RETURN_IF_ERROR(reader.ReadExpected(internal::kDerInteger,
                                          "userCertificate", &serial));
      RETURN_IF_ERROR(
          internal::ValidateInteger(serial.contents, "userCertificate"));
      RETURN_IF_ERROR(reader.Read("revocationDate", &date));
      ASSIGN_OR_RETURN(
          absl::Time when,
          internal::ParseTime(date.tag, date.contents, "revocationDate"));
      bool present;
      RETURN_IF_ERROR(reader.ReadOptional(
          internal::kDerSequence, "crlEntryExtensions", &extensions, &present));
      if (present) RETURN_IF_ERROR(CheckEntryExtensions(reader, extensions));
      RETURN_IF_ERROR(reader.ExpectEnd("revokedCertificates entry"));
      entries.emplace_back(serial.contents, absl::ToUnixSeconds(when));
    }
    crl_.revoked_.reserve(entries.size());
    for (const auto& e : entries) {
      if (!crl_.revoked_.insert(e).second) {
        return DerError(
            "revokedCertificates",
            absl::StrCat("serial ",
                         ToHex(absl::MakeConstSpan(
                             reinterpret_cast<const uint8_t*>(e.first.data()),
                             e.first.size())),
                         " is listed twice"));
      }
    }
    return absl::OkStatus();
  }

  // Entry extensions (reasonCode, invalidityDate, ...) are informational;
  // any critical one, and certificateIssuer (of indirect CRLs), is not
  // understood.
  static absl::Status CheckEntryExtensions(const DerReader& parent,
                                           const DerElement& extensions) {
    constexpr absl::string_view kWhat = "crlEntryExtensions";
    ASSIGN_OR_RETURN(DerReader reader, parent.Nested(extensions, kWhat));
    if (reader.empty()) return DerError(kWhat, "empty");
    DerElement element;
    while (!reader.empty()) {
      RETURN_IF_ERROR(
          reader.ReadExpected(internal::kDerSequence, kWhat, &element));
      Extension e;
      RETURN_IF_ERROR(ReadExtension(reader, element, kWhat, &e));
      if (e.critical || e.oid == kOidCertificateIssuer) {
        return DerError(kWhat, absl::StrCat("entry extension ", OidText(e.oid),
                                            " is not supported"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status ParseExtensions(const DerReader& parent,
                               const DerElement& tagged, bool* has_number) {
    constexpr absl::string_view kWhat = "crlExtensions";
    ASSIGN_OR_RETURN(DerReader explicit_tag, parent.Nested(tagged, kWhat));
    ASSIGN_OR_RETURN(DerReader reader,
                     explicit_tag.ReadNested(internal::kDerSequence, kWhat));
    RETURN_IF_ERROR(explicit_tag.ExpectEnd(kWhat));
    if (reader.empty()) return DerError(kWhat, "empty");
    std::vector<absl::string_view> seen;
    DerElement element;
    while (!reader.empty()) {
      if (seen.size() >= kMaxCrlExtensions) {
        return DerError(kWhat, "too many extensions");
      }
      RETURN_IF_ERROR(
          reader.ReadExpected(internal::kDerSequence, kWhat, &element));
      Extension e;
      RETURN_IF_ERROR(ReadExtension(reader, element, kWhat, &e));
      if (std::find(seen.begin(), seen.end(), e.oid) != seen.end()) {
        return DerError(kWhat, absl::StrCat("extension ", OidText(e.oid),
                                            " appears twice"));
      }
      seen.push_back(e.oid);
      RETURN_IF_ERROR(ParseExtension(reader, e, has_number));
    }
    return absl::OkStatus();
  }

  absl::Status ParseExtension(const DerReader& parent, const Extension& e,
                              bool* has_number) {
    if (e.oid == kOidCrlNumber) {
      if (e.critical) {
        return DerError("cRLNumber",
                        "critical (RFC 5280 §5.2.3: MUST be non-critical)");
      }
      DerElement number;
      RETURN_IF_ERROR(
          internal::ParseSingleElement(e.value, "cRLNumber", &number));
      if (number.tag != internal::kDerInteger) {
        return DerError("cRLNumber", "not an INTEGER");
      }
      RETURN_IF_ERROR(internal::ValidateInteger(number.contents, "cRLNumber"));
      if ((number.contents[0] & 0x80) != 0 || number.contents.size() > 21) {
        return DerError("cRLNumber", "negative or longer than 20 octets");
      }
      uint64_t low = 0;
      for (char c : number.contents) {
        low = (low << 8) | static_cast<uint8_t>(c);
      }
      crl_.crl_number_ = low;
      *has_number = true;
    } else if (e.oid == x509_parse::kOidAuthorityKeyId) {
      RETURN_IF_ERROR(ParseAuthorityKeyId(parent, e));
    } else if (e.oid == kOidIssuingDistributionPoint) {
      RETURN_IF_ERROR(ParseIssuingDistributionPoint(parent, e.value));
    } else if (e.oid == kOidDeltaCrlIndicator) {
      return DerError("deltaCRLIndicator",
                      "delta CRLs are not supported; give the full CRL");
    } else if (e.critical) {
      return DerError("crlExtensions",
                      absl::StrCat("critical extension ", OidText(e.oid),
                                   " is not understood"));
    }
    return absl::OkStatus();
  }

  absl::Status ParseAuthorityKeyId(const DerReader& parent,
                                   const Extension& e) {
    constexpr absl::string_view kWhat = "authorityKeyIdentifier";
    if (e.critical) return DerError(kWhat, "critical");
    DerElement element;
    RETURN_IF_ERROR(internal::ParseSingleElement(e.value, kWhat, &element));
    if (element.tag != internal::kDerSequence) {
      return DerError(kWhat, "not a SEQUENCE");
    }
    ASSIGN_OR_RETURN(DerReader reader, parent.Nested(element, kWhat));
    bool present;
    DerElement key_id;
    RETURN_IF_ERROR(reader.ReadOptional(internal::DerContextPrimitive(0), kWhat,
                                        &key_id, &present));
    if (present) crl_.akid_ = key_id.contents;
    return absl::OkStatus();
  }

  // Honours onlyContainsUserCerts / onlyContainsCACerts; refuses what would
  // make the CRL cover less than every certificate of its issuer in a way
  // chaintrust does not track.
  absl::Status ParseIssuingDistributionPoint(const DerReader& parent,
                                             absl::string_view value) {
    constexpr absl::string_view kWhat = "issuingDistributionPoint";
    DerElement element;
    RETURN_IF_ERROR(internal::ParseSingleElement(value, kWhat, &element));
    if (element.tag != internal::kDerSequence) {
      return DerError(kWhat, "not a SEQUENCE");
    }
    ASSIGN_OR_RETURN(DerReader reader, parent.Nested(element, kWhat));
    bool user_only = false, ca_only = false;
    while (!reader.empty()) {
      DerElement field;
      RETURN_IF_ERROR(reader.Read(kWhat, &field));
      switch (field.tag) {
        case internal::DerContextConstructed(0):
          return DerError(kWhat,
                          "distributionPoint (a partitioned CRL) cannot be "
                          "honoured: certificates' CRL distribution points "
                          "are not tracked");
        case internal::DerContextPrimitive(1):
        case internal::DerContextPrimitive(2): {
          ASSIGN_OR_RETURN(bool on,
                           internal::ParseBoolean(field.contents, kWhat));
          if (!on) return DerError(kWhat, "explicit FALSE");
          (field.tag == internal::DerContextPrimitive(1) ? user_only
                                                         : ca_only) = true;
          break;
        }
        case internal::DerContextPrimitive(3):
          return DerError(kWhat,
                          "onlySomeReasons (a CRL for some reasons only) "
                          "cannot be honoured");
        case internal::DerContextPrimitive(4):
          return DerError(kWhat, "indirectCRL is not supported");
        case internal::DerContextPrimitive(5):
          return DerError(kWhat,
                          "onlyContainsAttributeCerts: not a CRL of "
                          "certificates");
        default:
          return DerError(kWhat, "unexpected field");
      }
    }
    if (user_only && ca_only) {
      return DerError(kWhat,
                      "onlyContainsUserCerts and onlyContainsCACerts both "
                      "set");
    }
    crl_.scope_ = user_only ? CrlScope::kEndEntityOnly
                  : ca_only ? CrlScope::kCaOnly
                            : CrlScope::kAll;
    return absl::OkStatus();
  }

  Crl& crl_;
};

absl::StatusOr<std::shared_ptr<const Crl>> Crl::Create(
    std::string der, absl::string_view source) {
  std::shared_ptr<Crl> crl(new Crl());
  crl->der_ = std::move(der);
  crl->source_ = std::string(source);
  absl::Status status = CrlParser(crl.get()).Parse();
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": CRL: ", status.message()));
  }
  return std::shared_ptr<const Crl>(std::move(crl));
}

std::string Crl::IssuerString() const {
  return x509_parse::NameToString(issuer_);
}

bool Crl::Covers(const Certificate& certificate) const {
  switch (scope_) {
    case CrlScope::kEndEntityOnly:
      return !certificate.is_ca();
    case CrlScope::kCaOnly:
      return certificate.is_ca();
    case CrlScope::kAll:
      break;
  }
  return true;
}

bool Crl::IsRevoked(absl::string_view serial, absl::Time* revoked_at) const {
  auto it = revoked_.find(serial);
  if (it == revoked_.end()) return false;
  if (revoked_at != nullptr) *revoked_at = absl::FromUnixSeconds(it->second);
  return true;
}

bool Crl::SignatureVerifiesWith(const Certificate& issuer) const {
  const internal::VerificationKey* key = issuer.verification_key();
  return key != nullptr && key->Verify(algorithm_, tbs_, signature_);
}

bool Crl::MayBeIssuedBy(const Certificate& issuer) const {
  if (issuer.subject_name_key() != issuer_key_) return false;
  const absl::string_view skid = issuer.subject_key_identifier();
  return akid_.empty() || skid.empty() || akid_ == skid;
}

CrlSet::CrlSet(std::vector<CrlPtr> crls) : crls_(std::move(crls)) {
  for (const CrlPtr& crl : crls_) {
    by_issuer_[crl->issuer_name_key()].push_back(crl.get());
  }
  for (auto& entry : by_issuer_) {
    std::sort(entry.second.begin(), entry.second.end(),
              [](const Crl* a, const Crl* b) {
                if (a->this_update() != b->this_update()) {
                  return a->this_update() > b->this_update();
                }
                if (a->crl_number_low64() != b->crl_number_low64()) {
                  return a->crl_number_low64() > b->crl_number_low64();
                }
                return a->sha256() < b->sha256();
              });
  }
}

absl::Span<const Crl* const> CrlSet::FindByIssuer(
    absl::string_view issuer_name_key) const {
  auto it = by_issuer_.find(issuer_name_key);
  if (it == by_issuer_.end()) return {};
  return absl::MakeConstSpan(it->second);
}

namespace {

constexpr absl::string_view kPemBegin = "-----BEGIN ";

// The DER of each "X509 CRL" block of `pem`.
absl::StatusOr<std::vector<std::string>> CrlPemBlocks(
    absl::string_view pem, absl::string_view source) {
  std::vector<std::string> ders;
  int number = 0;
  while (true) {
    const size_t begin = pem.find(kPemBegin);
    if (begin == absl::string_view::npos) break;
    ++number;
    pem.remove_prefix(begin + kPemBegin.size());
    const size_t label_end = pem.find("-----");
    if (label_end == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": PEM block ", number, ": malformed BEGIN line"));
    }
    const std::string label(pem.substr(0, label_end));
    pem.remove_prefix(label_end + 5);
    const std::string end_line = absl::StrCat("-----END ", label, "-----");
    const size_t end = pem.find(end_line);
    if (end == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": PEM block ", number, " (", label, "): no END line"));
    }
    const absl::string_view body = pem.substr(0, end);
    pem.remove_prefix(end + end_line.size());
    if (label != "X509 CRL") continue;
    std::string text;
    text.reserve(body.size());
    for (char c : body) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) text += c;
    }
    std::string der;
    if (const char* problem = internal::DecodeBase64Strict(text, &der)) {
      return absl::InvalidArgumentError(absl::StrCat(
          source, ": PEM block ", number, " (X509 CRL): ", problem));
    }
    ders.push_back(std::move(der));
  }
  if (ders.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": no X509 CRL PEM block"));
  }
  return ders;
}

}  // namespace

absl::StatusOr<std::vector<CrlPtr>> ParseCrls(absl::string_view data,
                                              absl::string_view source) {
  std::vector<CrlPtr> crls;
  if (data.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": empty"));
  }
  if (static_cast<uint8_t>(data[0]) == internal::kDerSequence) {
    ASSIGN_OR_RETURN(CrlPtr crl, Crl::Create(std::string(data), source));
    crls.push_back(std::move(crl));
    return crls;
  }
  ASSIGN_OR_RETURN(std::vector<std::string> ders, CrlPemBlocks(data, source));
  for (size_t i = 0; i < ders.size(); ++i) {
    const std::string name = ders.size() == 1
                                 ? std::string(source)
                                 : absl::StrCat(source, "#", i + 1);
    ASSIGN_OR_RETURN(CrlPtr crl, Crl::Create(std::move(ders[i]), name));
    crls.push_back(std::move(crl));
  }
  return crls;
}

absl::StatusOr<CrlSetPtr> LoadCrlFiles(const std::vector<std::string>& paths) {
  std::vector<CrlPtr> all;
  for (const std::string& path : paths) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
    }
    if (!S_ISREG(st.st_mode)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a regular file"));
    }
    if (static_cast<size_t>(st.st_size) > kMaxCrlFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": larger than 1 GiB"));
    }
    std::ifstream in(path, std::ios::binary);
    std::string data(static_cast<size_t>(st.st_size), '\0');
    if (!in ||
        !in.read(data.data(), static_cast<std::streamsize>(data.size()))) {
      return absl::NotFoundError(absl::StrCat(path, ": cannot read the file"));
    }
    ASSIGN_OR_RETURN(std::vector<CrlPtr> crls, ParseCrls(data, path));
    for (CrlPtr& crl : crls) all.push_back(std::move(crl));
  }
  return std::make_shared<const CrlSet>(std::move(all));
}

}  // namespace chaintrust
