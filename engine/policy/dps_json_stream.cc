// StreamDpsJsonIntoBuilder (see dps_json_stream.h). The tables below spell
// out, for each object of the DPS service schema, the type of each key's
// value as dps_json.cc's converter reads it from the chaintrust.v1 proto
// (dps_json_stream_test.cc checks them against the proto and dps_schema),
// and which values a snapshot needs. A first pass keeps those values as
// places in the text (compact, no allocation per entry); a second adds
// the entries to the builder, reserved to their exact count, as
// set_snapshot.cc would.
#include "engine/policy/dps_json_stream.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/types/span.h"
#include "engine/internal/json_reader.h"
#include "engine/policy_load_options.h"

namespace chaintrust::policy {
namespace {

using ::chaintrust::internal::JsonReader;
using Kind = ::chaintrust::internal::JsonValue::Kind;

// A string of the input: a place in the text, or (kDecoded set) in the
// buffer of strings that held escapes.
struct Str {
  static constexpr uint32_t kDecoded = 0x80000000u;
  uint32_t offset = 0;
  uint32_t size = 0;
};

struct CertOut {
  Str text, sha256, sha1;
};

// What a snapshot needs of an individual enrollment or a group.
struct EntryOut {
  Str id;
  uint8_t status = 0;  // 0: absent, 1: enabled, 2: disabled
  uint8_t type = 0;    // 1: x509, 2: symmetricKey, 3: tpm
  CertOut client[2], signing[2];
  Str ca_ref[2], sym[2], tpm[2];
};

struct CaOut {
  Str name, text;
  bool verified = false;
};

enum class Type : uint8_t {
  kString,
  kBool,
  kInt32,
  kStatus,
  kAttestationType,
  kObject,
  kStringArray,
  kStruct,  // google.protobuf.Struct: any object (keys fixed by `object`)
  kAny,     // a key of the schema that the proto does not model
};

struct ObjectRule;

struct Field {
  absl::string_view key;
  Type type;
  const ObjectRule* object = nullptr;
  // Where the value goes, given the object's output; null: checked only.
  void* (*out)(void* parent) = nullptr;
  bool required = false;
};

struct ObjectRule {
  absl::string_view message;  // the chaintrust.v1 message it models
  absl::Span<const Field> fields;
};

#define OUT(T, member) \
  [](void* p) -> void* { return &static_cast<T*>(p)->member; }
#define SAME [](void* p) -> void* { return p; }

constexpr Field kInfoFields[] = {
    {"sha256Thumbprint", Type::kString, nullptr, OUT(CertOut, sha256)},
    {"sha1Thumbprint", Type::kString, nullptr, OUT(CertOut, sha1)},
    {"subjectName", Type::kString},
    {"issuerName", Type::kString},
    {"notBeforeUtc", Type::kString},
    {"notAfterUtc", Type::kString},
    {"serialNumber", Type::kString},
    {"version", Type::kInt32},
};
constexpr ObjectRule kInfo{"chaintrust.v1.X509CertificateInfo", kInfoFields};

constexpr Field kCertificateFields[] = {
    {"certificate", Type::kString, nullptr, OUT(CertOut, text)},
    {"info", Type::kObject, &kInfo, SAME},
};
constexpr ObjectRule kCertificate{"chaintrust.v1.X509CertificateWithInfo",
                                  kCertificateFields};

constexpr Field kPairFields[] = {
    {"primary", Type::kObject, &kCertificate,
     [](void* p) -> void* { return static_cast<CertOut*>(p); }},
    {"secondary", Type::kObject, &kCertificate,
     [](void* p) -> void* { return static_cast<CertOut*>(p) + 1; }},
};
constexpr ObjectRule kPair{"chaintrust.v1.X509Certificates", kPairFields};

constexpr Field kCaReferencesFields[] = {
    {"primary", Type::kString, nullptr,
     [](void* p) -> void* { return static_cast<Str*>(p); }},
    {"secondary", Type::kString, nullptr,
     [](void* p) -> void* { return static_cast<Str*>(p) + 1; }},
};
constexpr ObjectRule kCaReferences{"chaintrust.v1.X509CAReferences",
                                   kCaReferencesFields};

constexpr Field kX509Fields[] = {
    {"clientCertificates", Type::kObject, &kPair, OUT(EntryOut, client)},
    {"signingCertificates", Type::kObject, &kPair, OUT(EntryOut, signing)},
    {"caReferences", Type::kObject, &kCaReferences, OUT(EntryOut, ca_ref)},
};
constexpr ObjectRule kX509{"chaintrust.v1.X509Attestation", kX509Fields};

constexpr Field kKeyPairFields[] = {
    {"primaryKey", Type::kString, nullptr,
     [](void* p) -> void* { return static_cast<Str*>(p); }},
    {"secondaryKey", Type::kString, nullptr,
     [](void* p) -> void* { return static_cast<Str*>(p) + 1; }},
};
constexpr ObjectRule kSymmetricKey{"chaintrust.v1.SymmetricKeyAttestation",
                                   kKeyPairFields};

constexpr Field kTpmFields[] = {
    {"endorsementKey", Type::kString, nullptr,
     [](void* p) -> void* { return static_cast<Str*>(p); }},
    {"storageRootKey", Type::kString, nullptr,
     [](void* p) -> void* { return static_cast<Str*>(p) + 1; }},
};
constexpr ObjectRule kTpm{"chaintrust.v1.TpmAttestation", kTpmFields};

constexpr Field kAttestationFields[] = {
    {"type", Type::kAttestationType, nullptr, OUT(EntryOut, type), true},
    {"symmetricKey", Type::kObject, &kSymmetricKey, OUT(EntryOut, sym)},
    {"x509", Type::kObject, &kX509, SAME},
    {"tpm", Type::kObject, &kTpm, OUT(EntryOut, tpm)},
};
constexpr ObjectRule kAttestation{"chaintrust.v1.AttestationMechanism",
                                  kAttestationFields};

constexpr Field kCapabilitiesFields[] = {{"iotEdge", Type::kBool}};
constexpr ObjectRule kCapabilities{"chaintrust.v1.DeviceCapabilities",
                                   kCapabilitiesFields};

constexpr Field kReprovisionFields[] = {
    {"updateHubAssignment", Type::kBool},
    {"migrateDeviceData", Type::kBool},
};
constexpr ObjectRule kReprovision{"chaintrust.v1.ReprovisionPolicy",
                                  kReprovisionFields};

constexpr Field kCustomAllocationFields[] = {
    {"webhookUrl", Type::kString},
    {"apiVersion", Type::kString},
};
constexpr ObjectRule kCustomAllocation{
    "chaintrust.v1.CustomAllocationDefinition", kCustomAllocationFields};

constexpr Field kTwinPropertiesFields[] = {{"desired", Type::kAny}};
constexpr ObjectRule kTwinProperties{"chaintrust.v1.InitialTwin.properties",
                                     kTwinPropertiesFields};

constexpr Field kInitialTwinFields[] = {
    {"tags", Type::kStruct},
    {"properties", Type::kStruct, &kTwinProperties},
};
constexpr ObjectRule kInitialTwin{"chaintrust.v1.InitialTwin",
                                  kInitialTwinFields};

constexpr Field kRegistrationStateFields[] = {
    {"registrationId", Type::kString},
    {"createdDateTimeUtc", Type::kString},
    {"assignedHub", Type::kString},
    {"deviceId", Type::kString},
    {"status", Type::kString},
    {"substatus", Type::kString},
    {"errorCode", Type::kInt32},
    {"errorMessage", Type::kString},
    {"lastUpdatedDateTimeUtc", Type::kString},
    {"etag", Type::kString},
    {"payload", Type::kAny},
};
constexpr ObjectRule kRegistrationState{"chaintrust.v1.DeviceRegistrationState",
                                        kRegistrationStateFields};

// Individual enrollments and groups together: which one an entry is, and
// whether its keys fit that kind, is settled once it is read (EntryFits).
// The first four keys are the kind's ID and the keys of individual
// enrollments only.
constexpr Field kEntryFields[] = {
    {"registrationId", Type::kString, nullptr, OUT(EntryOut, id)},
    {"deviceId", Type::kString},
    {"registrationState", Type::kObject, &kRegistrationState},
    {"optionalDeviceInformation", Type::kAny},
    {"enrollmentGroupId", Type::kString, nullptr, OUT(EntryOut, id)},
    {"provisioningStatus", Type::kStatus, nullptr, OUT(EntryOut, status)},
    {"attestation", Type::kObject, &kAttestation, SAME, true},
    {"capabilities", Type::kObject, &kCapabilities},
    {"iotHubHostName", Type::kString},
    {"initialTwin", Type::kObject, &kInitialTwin},
    {"etag", Type::kString},
    {"reprovisionPolicy", Type::kObject, &kReprovision},
    {"createdDateTimeUtc", Type::kString},
    {"lastUpdatedDateTimeUtc", Type::kString},
    {"allocationPolicy", Type::kString},
    {"iotHubs", Type::kStringArray},
    {"customAllocationDefinition", Type::kObject, &kCustomAllocation},
    {"credentialPolicyName", Type::kAny},
};
constexpr ObjectRule kEntry{"", kEntryFields};
constexpr uint32_t kRegistrationIdBit = 1u << 0;
constexpr uint32_t kIndividualOnlyBits = 0xF;  // the first four keys
constexpr uint32_t kGroupIdBit = 1u << 4;

constexpr Field kSystemDataFields[] = {
    {"createdBy", Type::kString},          {"createdByType", Type::kString},
    {"createdAt", Type::kString},          {"lastModifiedBy", Type::kString},
    {"lastModifiedByType", Type::kString}, {"lastModifiedAt", Type::kString},
};
constexpr ObjectRule kSystemData{"chaintrust.v1.DpsCertificateSystemData",
                                 kSystemDataFields};

constexpr Field kCaPropertiesFields[] = {
    {"subject", Type::kString},
    {"expiry", Type::kString},
    {"thumbprint", Type::kString},
    {"isVerified", Type::kBool, nullptr, OUT(CaOut, verified)},
    {"created", Type::kString},
    {"updated", Type::kString},
    {"certificate", Type::kString, nullptr, OUT(CaOut, text)},
};
constexpr ObjectRule kCaProperties{"chaintrust.v1.DpsCertificateProperties",
                                   kCaPropertiesFields};

constexpr Field kCaFields[] = {
    {"name", Type::kString, nullptr, OUT(CaOut, name), true},
    {"etag", Type::kString},
    {"properties", Type::kObject, &kCaProperties, SAME},
    {"id", Type::kString},
    {"type", Type::kString},
    {"resourceGroup", Type::kString},
    {"systemData", Type::kObject, &kSystemData},
};
constexpr ObjectRule kCa{"chaintrust.v1.DpsCertificate", kCaFields};

#undef OUT
#undef SAME

// A growing list that never moves what it holds (a million entries are
// not copied as it grows), in chunks that grow from a few entries to a
// few hundred (a small file costs little; a chunk comes from the heap, not
// from fresh pages of its own).
template <typename T>
class Chunks {
 public:
  T& Add() {
    if (chunks_.empty() || chunks_.back().size == chunks_.back().capacity) {
      const size_t capacity =
          chunks_.empty()
              ? 8
              : std::min<size_t>(2 * chunks_.back().capacity, kMaxChunk);
      chunks_.push_back({std::make_unique<T[]>(capacity), 0, capacity});
    }
    Chunk& chunk = chunks_.back();
    ++size_;
    return chunk.items[chunk.size++];
  }
  size_t size() const { return size_; }
  // Calls `f` on each item in order while it returns true, freeing each
  // chunk once it is done: the list shrinks as what it feeds grows.
  template <typename F>
  bool Drain(const F& f) {
    for (Chunk& chunk : chunks_) {
      for (size_t i = 0; i < chunk.size; ++i) {
        if (!f(chunk.items[i])) return false;
      }
      chunk.items.reset();
    }
    chunks_.clear();
    size_ = 0;
    return true;
  }

 private:
  static constexpr size_t kMaxChunk = 256;  // about 40 KB
  struct Chunk {
    std::unique_ptr<T[]> items;
    size_t size;
    size_t capacity;
  };
  std::vector<Chunk> chunks_;
  size_t size_ = 0;
};

// Which keys of an object were there (null values included) and which
// had a value other than null.
struct Keys {
  uint32_t seen = 0;
  uint32_t valued = 0;
};

class Stream {
 public:
  explicit Stream(absl::string_view json)
      : text_(json), reader_(json, kMaxPolicyJsonNesting) {}

  bool Read() {
    Kind kind;
    if (!reader_.Peek(&kind)) return false;
    bool ok;
    if (kind == Kind::kObject) {
      ok = Bundle();
    } else if (kind == Kind::kArray) {
      ok = TopLevelArray();
    } else {
      return false;
    }
    return ok && reader_.Finish();
  }

  bool Fill(EnrollmentSnapshot::Builder* builder);

 private:
  Str Keep(absl::string_view s) {
    if (s.data() >= text_.data() && s.data() <= text_.data() + text_.size()) {
      return {static_cast<uint32_t>(s.data() - text_.data()),
              static_cast<uint32_t>(s.size())};
    }
    Str kept{static_cast<uint32_t>(decoded_.size()),
             static_cast<uint32_t>(s.size()) | Str::kDecoded};
    decoded_.append(s.data(), s.size());
    return kept;
  }

  std::string Get(Str s) const {
    if (s.size & Str::kDecoded) {
      return decoded_.substr(s.offset, s.size & ~Str::kDecoded);
    }
    return std::string(text_.substr(s.offset, s.size));
  }

  static int FindField(const ObjectRule& rule, absl::string_view key) {
    for (size_t i = 0; i < rule.fields.size(); ++i) {
      if (rule.fields[i].key == key) return static_cast<int>(i);
    }
    return -1;
  }

  bool Object(const ObjectRule& rule, void* out, Keys* keys);
  bool Value(const Field& field, Kind kind, void* out);
  bool Entry(bool group, EntryOut* out, Keys* keys);
  bool EntryList(bool group);
  bool Bundle();
  bool TopLevelArray();

  absl::string_view text_;
  JsonReader reader_;
  std::string decoded_;
  Chunks<EntryOut> individuals_;
  Chunks<EntryOut> groups_;
  Chunks<CaOut> certificates_;
};

bool Stream::Object(const ObjectRule& rule, void* out, Keys* keys) {
  if (!reader_.BeginObject()) return false;
  Keys k;
  absl::string_view key;
  while (reader_.NextKey(&key)) {
    const int i = FindField(rule, key);
    if (i < 0) return false;  // unknown, misspelt or misplaced
    const uint32_t bit = 1u << i;
    if (k.seen & bit) return false;  // duplicate
    k.seen |= bit;
    Kind kind;
    if (!reader_.Peek(&kind)) return false;
    if (kind == Kind::kNull) {  // reads as absent
      if (!reader_.ReadNull()) return false;
      continue;
    }
    k.valued |= bit;
    const Field& field = rule.fields[i];
    void* target =
        out != nullptr && field.out != nullptr ? field.out(out) : nullptr;
    if (!Value(field, kind, target)) return false;
  }
  if (!reader_.ok()) return false;
  for (size_t i = 0; i < rule.fields.size(); ++i) {
    if (rule.fields[i].required && !(k.valued & (1u << i))) return false;
  }
  if (keys != nullptr) *keys = k;
  return true;
}

bool Stream::Value(const Field& field, Kind kind, void* out) {
  switch (field.type) {
    case Type::kString: {
      absl::string_view s;
      if (kind != Kind::kString || !reader_.ReadString(&s)) return false;
      if (out != nullptr) *static_cast<Str*>(out) = Keep(s);
      return true;
    }
    case Type::kBool: {
      bool b;
      if (kind != Kind::kBool || !reader_.ReadBool(&b)) return false;
      if (out != nullptr) *static_cast<bool*>(out) = b;
      return true;
    }
    case Type::kInt32: {
      double n;
      if (kind != Kind::kNumber || !reader_.ReadNumber(&n)) return false;
      return std::trunc(n) == n && n >= std::numeric_limits<int32_t>::min() &&
             n <= std::numeric_limits<int32_t>::max();
    }
    case Type::kStatus:
    case Type::kAttestationType: {
      absl::string_view s;
      if (kind != Kind::kString || !reader_.ReadString(&s)) return false;
      static constexpr absl::string_view kStatuses[] = {"ENABLED", "DISABLED"};
      static constexpr absl::string_view kTypes[] = {"X509", "SYMMETRICKEY",
                                                     "TPM"};
      const absl::Span<const absl::string_view> names =
          field.type == Type::kStatus
              ? absl::Span<const absl::string_view>(kStatuses)
              : absl::Span<const absl::string_view>(kTypes);
      for (size_t i = 0; i < names.size(); ++i) {
        if (absl::EqualsIgnoreCase(names[i], s)) {
          if (out != nullptr) *static_cast<uint8_t*>(out) = i + 1;
          return true;
        }
      }
      return false;
    }
    case Type::kObject:
      return kind == Kind::kObject && Object(*field.object, out, nullptr);
    case Type::kStringArray: {
      if (kind != Kind::kArray || !reader_.BeginArray()) return false;
      while (reader_.NextElement()) {
        absl::string_view s;
        if (!reader_.Peek(&kind) || kind != Kind::kString ||
            !reader_.ReadString(&s)) {
          return false;
        }
      }
      return reader_.ok();
    }
    case Type::kStruct:
      if (kind != Kind::kObject) return false;
      return field.object != nullptr ? Object(*field.object, nullptr, nullptr)
                                     : reader_.SkipValue();
    case Type::kAny:
      return reader_.SkipValue();
  }
  return false;
}

// One entry of a list whose kind is `group`; false unless its keys are
// those of that kind, with its ID.
bool Stream::Entry(bool group, EntryOut* out, Keys* keys) {
  Kind kind;
  if (!reader_.Peek(&kind) || kind != Kind::kObject) return false;
  if (!Object(kEntry, out, keys)) return false;
  if (group) {
    return (keys->valued & kGroupIdBit) && !(keys->seen & kIndividualOnlyBits);
  }
  return (keys->valued & kRegistrationIdBit) && !(keys->seen & kGroupIdBit);
}

bool Stream::EntryList(bool group) {
  if (!reader_.BeginArray()) return false;
  Chunks<EntryOut>& list = group ? groups_ : individuals_;
  while (reader_.NextElement()) {
    Keys keys;
    if (!Entry(group, &list.Add(), &keys)) return false;
  }
  return reader_.ok();
}

bool Stream::Bundle() {
  static constexpr absl::string_view kLists[] = {
      "individualEnrollments", "enrollmentGroups", "certificates"};
  if (!reader_.BeginObject()) return false;
  uint32_t seen = 0;
  absl::string_view key;
  while (reader_.NextKey(&key)) {
    int i = 0;
    while (i < 3 && kLists[i] != key) ++i;
    if (i == 3 || (seen & (1u << i))) return false;
    seen |= 1u << i;
    Kind kind;
    if (!reader_.Peek(&kind)) return false;
    if (kind == Kind::kNull) {
      if (!reader_.ReadNull()) return false;
      continue;
    }
    if (kind != Kind::kArray) return false;
    if (i < 2) {
      if (!EntryList(/*group=*/i == 1)) return false;
      continue;
    }
    if (!reader_.BeginArray()) return false;
    while (reader_.NextElement()) {
      if (!reader_.Peek(&kind) || kind != Kind::kObject ||
          !Object(kCa, &certificates_.Add(), nullptr)) {
        return false;
      }
    }
    if (!reader_.ok()) return false;
  }
  return reader_.ok();
}

// `az iot dps enrollment list`: entries of one kind, told by their IDs.
bool Stream::TopLevelArray() {
  if (!reader_.BeginArray()) return false;
  int kind_of_list = -1;  // 0: individual enrollments, 1: groups
  while (reader_.NextElement()) {
    EntryOut entry;
    Keys keys;
    Kind kind;
    if (!reader_.Peek(&kind) || kind != Kind::kObject ||
        !Object(kEntry, &entry, &keys)) {
      return false;
    }
    const bool individual = keys.seen & kRegistrationIdBit;
    const bool group = keys.seen & kGroupIdBit;
    if (individual == group) return false;
    if (kind_of_list < 0) kind_of_list = group ? 1 : 0;
    if (kind_of_list != (group ? 1 : 0)) return false;
    const bool fits = group ? (keys.valued & kGroupIdBit) &&
                                  !(keys.seen & kIndividualOnlyBits)
                            : (keys.valued & kRegistrationIdBit);
    if (!fits) return false;
    (group ? groups_ : individuals_).Add() = entry;
  }
  return reader_.ok();
}

// The entries into the builder, as set_snapshot.cc's IndividualSpec,
// GroupSpec and ToSpec give them; false where those report a problem (a
// SHA-1 thumbprint alone).
bool Stream::Fill(EnrollmentSnapshot::Builder* builder) {
  auto certificate = [this](const CertOut& in, CertificateSpec* spec) {
    spec->text = Get(in.text);
    spec->sha256_thumbprint = Get(in.sha256);
    return !(spec->empty() && (in.sha1.size & ~Str::kDecoded) != 0);
  };
  builder->Reserve(individuals_.size(), groups_.size());
  const bool individuals_ok = individuals_.Drain([&](const EntryOut& e) {
    IndividualEnrollmentSpec spec;
    spec.registration_id = Get(e.id);
    spec.enabled = e.status != 2;
    switch (e.type) {
      case 1:
        spec.kind = AttestationKind::kX509;
        if (!certificate(e.client[0], &spec.primary_certificate) ||
            !certificate(e.client[1], &spec.secondary_certificate)) {
          return false;
        }
        break;
      case 2:
        spec.kind = AttestationKind::kSymmetricKey;
        spec.primary_key = Get(e.sym[0]);
        spec.secondary_key = Get(e.sym[1]);
        break;
      case 3:
        spec.kind = AttestationKind::kTpm;
        spec.tpm_endorsement_key = Get(e.tpm[0]);
        spec.tpm_storage_root_key = Get(e.tpm[1]);
        break;
      default:
        return false;
    }
    builder->AddIndividualEnrollment(std::move(spec));
    return true;
  });
  if (!individuals_ok) return false;
  const bool groups_ok = groups_.Drain([&](const EntryOut& g) {
    EnrollmentGroupSpec spec;
    spec.group_id = Get(g.id);
    spec.enabled = g.status != 2;
    switch (g.type) {
      case 1:
        spec.kind = AttestationKind::kX509;
        if (!certificate(g.signing[0], &spec.primary_certificate) ||
            !certificate(g.signing[1], &spec.secondary_certificate)) {
          return false;
        }
        spec.primary_ca_reference = Get(g.ca_ref[0]);
        spec.secondary_ca_reference = Get(g.ca_ref[1]);
        break;
      case 2:
        spec.kind = AttestationKind::kSymmetricKey;
        spec.primary_key = Get(g.sym[0]);
        spec.secondary_key = Get(g.sym[1]);
        break;
      case 3:
        spec.kind = AttestationKind::kTpm;  // the builder rejects it
        break;
      default:
        return false;
    }
    builder->AddEnrollmentGroup(std::move(spec));
    return true;
  });
  if (!groups_ok) return false;
  return certificates_.Drain([&](const CaOut& c) {
    CaCertificateSpec spec;
    spec.name = Get(c.name);
    spec.text = Get(c.text);
    spec.verified = c.verified;
    builder->AddCaCertificate(std::move(spec));
    return true;
  });
}

}  // namespace

bool StreamDpsJsonIntoBuilder(absl::string_view json,
                              EnrollmentSnapshot::Builder* builder) {
  if (json.size() > kMaxPolicyFileBytes) return false;
  Stream stream(json);
  return stream.Read() && stream.Fill(builder);
}

}  // namespace chaintrust::policy
