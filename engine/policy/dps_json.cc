// Reading DPS service JSON into chaintrust.v1.EnrollmentSet (see
// dps_json.h); writing is in dps_json_writer.cc.
//
// Decisions where the service documentation is silent:
// - JSON `null` for an optional field reads as "absent"; for a required
//   field it is "required".
// - A top-level object that holds one enrollment (it has `registrationId` or
//   `enrollmentGroupId`, as `az iot dps enrollment show` prints) is
//   accepted. A top-level object with neither bundle key nor an ID, but
//   other keys, is rejected (likely a misspelt bundle); `{}` is an empty set.
// - In a top-level array, the kind is that of the first entry with an ID
//   key; an entry of the other kind is an error.
// - Enum values are matched ignoring case, as the service does ("Disabled"
//   is disabled); any other spelling is an error, never a default.
// - Problems of the file's shape are reported before (not together with)
//   problems of the policy itself (BuildSnapshot): the second step only
//   runs on a well-formed set.
#include "engine/policy/dps_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/json.h"
#include "engine/policy/dps_schema.h"
#include "engine/policy/problems.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace chaintrust::policy {
namespace {

using ::chaintrust::internal::JsonValue;
using ::chaintrust::internal::Problems;
using ::chaintrust::internal::QuoteForProblem;
using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

std::string EntryName(absl::string_view source, absl::string_view label,
                      absl::string_view id) {
  std::string name = absl::StrCat(source, ": ", label);
  if (!id.empty()) absl::StrAppend(&name, " (", QuoteForProblem(id), ")");
  return name;
}

// `path` extended by `key`: "a.b", or a["odd key"] for a key that is not
// a plain name.
std::string KeyPath(absl::string_view path, absl::string_view key) {
  bool plain = !key.empty() && key.size() <= 80;
  for (char c : key) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '-' && c != '$') {
      plain = false;
      break;
    }
  }
  if (!plain) return absl::StrCat(path, "[", QuoteForProblem(key), "]");
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

// DPS's spelling of the proto's enum value names.
absl::string_view DpsEnumSpelling(absl::string_view proto_name) {
  if (proto_name == "ENABLED") return "enabled";
  if (proto_name == "DISABLED") return "disabled";
  if (proto_name == "X509") return "x509";
  if (proto_name == "SYMMETRICKEY") return "symmetricKey";
  if (proto_name == "TPM") return "tpm";
  return proto_name;
}

bool IsRequired(const FieldDescriptor* field) {
  static constexpr absl::string_view kRequired[] = {
      "chaintrust.v1.IndividualEnrollment.registration_id",
      "chaintrust.v1.IndividualEnrollment.attestation",
      "chaintrust.v1.EnrollmentGroup.enrollment_group_id",
      "chaintrust.v1.EnrollmentGroup.attestation",
      "chaintrust.v1.AttestationMechanism.type",
      "chaintrust.v1.DpsCertificate.name",
  };
  for (absl::string_view name : kRequired) {
    if (field->full_name() == name) return true;
  }
  return false;
}

void ToProtoValue(const JsonValue& in, google::protobuf::Value* out);

void ToProtoStruct(const JsonValue& in, google::protobuf::Struct* out) {
  auto& fields = *out->mutable_fields();
  for (size_t i = 0; i < in.member_count(); ++i) {
    ToProtoValue(in.value(i), &fields[in.key(i)]);
  }
}

void ToProtoValue(const JsonValue& in, google::protobuf::Value* out) {
  switch (in.kind()) {
    case JsonValue::Kind::kNull:
      out->set_null_value(google::protobuf::NULL_VALUE);
      return;
    case JsonValue::Kind::kBool:
      out->set_bool_value(in.bool_value());
      return;
    case JsonValue::Kind::kNumber:
      out->set_number_value(in.number_value());
      return;
    case JsonValue::Kind::kString:
      out->set_string_value(in.string_value());
      return;
    case JsonValue::Kind::kArray: {
      auto* list = out->mutable_list_value();
      for (size_t i = 0; i < in.size(); ++i) {
        ToProtoValue(in.item(i), list->add_values());
      }
      return;
    }
    case JsonValue::Kind::kObject:
      ToProtoStruct(in, out->mutable_struct_value());
      return;
  }
}

// Reports and records what the keys of one object say.
class KeyChecker {
 public:
  KeyChecker(Problems* problems, const PolicyLoadOptions& options,
             PolicyLoadReport* report)
      : problems_(problems), options_(options), report_(report) {}

  // Checks every key of `object` against `schema`. `entry` names the entry
  // (or the file, at the top level); `path` is the object's path in it.
  void Check(const JsonValue& object, const dps::SchemaObject& schema,
             absl::string_view entry, absl::string_view path) {
    for (size_t i = 0; i < object.member_count(); ++i) {
      const std::string& key = object.key(i);
      const dps::KeyCheck check = dps::CheckKey(key, schema);
      if (check.known) continue;
      const std::string key_path = KeyPath(path, key);
      if (!check.near_miss() && options_.allow_unknown_fields) {
        Record(entry, key_path);
        continue;
      }
      std::string message;
      if (!check.nearest.empty()) {
        message =
            absl::StrCat("unknown key; did you mean \"", check.nearest, "\"?");
      } else if (!check.belongs_to.empty()) {
        message = absl::StrCat("unknown key: \"", key, "\" is a key of ",
                               check.belongs_to, ", not of ", schema.name);
      } else {
        message =
            "unknown key (not in the DPS service schema; the "
            "allow_unknown_fields option skips keys of newer service "
            "versions)";
      }
      problems_->Add(absl::StrCat(entry, ": ", key_path, ": ", message));
    }
  }

 private:
  void Record(absl::string_view entry, const std::string& path) {
    if (report_ == nullptr) return;
    if (report_->ignored_fields.size() < PolicyLoadReport::kMaxRecorded) {
      report_->ignored_fields.push_back({std::string(entry), path});
    }
    ++report_->ignored_field_count;
  }

  Problems* problems_;
  const PolicyLoadOptions& options_;
  PolicyLoadReport* report_;
};

// Converts one JSON object into a message by reflection, field by field,
// checking every key and every type; every problem is reported with the
// entry's name and the path.
class JsonToProto {
 public:
  JsonToProto(Problems* problems, KeyChecker* keys, std::string entry)
      : problems_(problems), keys_(keys), entry_(std::move(entry)) {}

  void Object(const JsonValue& object, Message* message,
              const std::string& path) {
    const Descriptor* descriptor = message->GetDescriptor();
    const dps::SchemaObject* schema =
        dps::FindSchemaObject(descriptor->full_name());
    if (schema == nullptr) {
      return Report(path, "no DPS schema for this object");
    }
    keys_->Check(object, *schema, entry_, path);
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      const JsonValue* value = object.Find(field->json_name());
      if (value == nullptr || value->is_null()) {
        // Most fields are absent: their path is built only for a report.
        if (IsRequired(field))
          Report(KeyPath(path, field->json_name()), "required");
        continue;
      }
      const std::string field_path = KeyPath(path, field->json_name());
      if (!field->is_repeated()) {
        Element(*value, message, field, field_path);
      } else if (!value->is_array()) {
        Mismatch(field_path, "an array", *value);
      } else {
        for (size_t j = 0; j < value->size(); ++j) {
          Element(value->item(j), message, field,
                  absl::StrCat(field_path, "[", j, "]"));
        }
      }
    }
  }

 private:
  void Report(const std::string& path, absl::string_view message) {
    problems_->Add(absl::StrCat(entry_, ": ", path, ": ", message));
  }

  void Mismatch(const std::string& path, absl::string_view expected,
                const JsonValue& value) {
    Report(path,
           absl::StrCat("expected ", expected, ", got ", value.KindName()));
  }

  void Enum(const JsonValue& value, Message* message,
            const FieldDescriptor* field, const std::string& path) {
    if (!value.is_string()) return Mismatch(path, "a string", value);
    const auto* type = field->enum_type();
    const EnumValueDescriptor* match = nullptr;
    std::string expected;
    for (int i = 0; i < type->value_count(); ++i) {
      const EnumValueDescriptor* candidate = type->value(i);
      if (candidate->number() == 0) continue;  // *_UNSPECIFIED
      absl::StrAppend(&expected, expected.empty() ? "" : ", ", "\"",
                      DpsEnumSpelling(candidate->name()), "\"");
      if (absl::EqualsIgnoreCase(candidate->name(), value.string_value())) {
        match = candidate;
      }
    }
    if (match == nullptr) {
      return Report(path, absl::StrCat("unknown value ",
                                       QuoteForProblem(value.string_value()),
                                       " (expected one of ", expected, ")"));
    }
    const Reflection* reflection = message->GetReflection();
    if (field->is_repeated()) {
      reflection->AddEnum(message, field, match);
    } else {
      reflection->SetEnum(message, field, match);
    }
  }

  void Child(const JsonValue& value, Message* message,
             const FieldDescriptor* field, const std::string& path) {
    if (!value.is_object()) return Mismatch(path, "an object", value);
    const Reflection* reflection = message->GetReflection();
    Message* child = field->is_repeated()
                         ? reflection->AddMessage(message, field)
                         : reflection->MutableMessage(message, field);
    if (field->message_type()->full_name() != "google.protobuf.Struct") {
      return Object(value, child, path);
    }
    // Free-form (initialTwin): kept as it is, but where the schema fixes
    // the keys (initialTwin.properties) they are checked.
    if (const dps::SchemaObject* keys = dps::StructSchema(field->full_name())) {
      keys_->Check(value, *keys, entry_, path);
    }
    ToProtoStruct(value, static_cast<google::protobuf::Struct*>(child));
  }

  // One value of `field` (the field itself, or one element when repeated).
  void Element(const JsonValue& value, Message* message,
               const FieldDescriptor* field, const std::string& path) {
    const Reflection* reflection = message->GetReflection();
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (!value.is_string()) return Mismatch(path, "a string", value);
        if (repeated) {
          reflection->AddString(message, field, value.string_value());
        } else {
          reflection->SetString(message, field, value.string_value());
        }
        return;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (!value.is_bool()) return Mismatch(path, "a boolean", value);
        if (repeated) {
          reflection->AddBool(message, field, value.bool_value());
        } else {
          reflection->SetBool(message, field, value.bool_value());
        }
        return;
      case FieldDescriptor::CPPTYPE_INT32: {
        if (!value.is_number()) return Mismatch(path, "an integer", value);
        const double number = value.number_value();
        if (std::trunc(number) != number ||
            number < std::numeric_limits<int32_t>::min() ||
            number > std::numeric_limits<int32_t>::max()) {
          return Report(path, "expected a 32-bit integer");
        }
        if (repeated) {
          reflection->AddInt32(message, field, static_cast<int32_t>(number));
        } else {
          reflection->SetInt32(message, field, static_cast<int32_t>(number));
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM:
        return Enum(value, message, field, path);
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Child(value, message, field, path);
      default:
        // The schema has no other field types; be loud if it grows one.
        return Report(path, "field type not supported by the JSON loader");
    }
  }

  Problems* problems_;
  KeyChecker* keys_;
  std::string entry_;
};

enum class EntryKind { kUnknown, kIndividual, kGroup };

EntryKind KindOf(const JsonValue& entry) {
  if (!entry.is_object()) return EntryKind::kUnknown;
  const bool individual = entry.Find(dps::IdField(false)) != nullptr;
  const bool group = entry.Find(dps::IdField(true)) != nullptr;
  if (individual == group) return EntryKind::kUnknown;
  return individual ? EntryKind::kIndividual : EntryKind::kGroup;
}

// Converts entries into a set, reporting into `problems`.
class SetReader {
 public:
  SetReader(absl::string_view source, const PolicyLoadOptions& options,
            PolicyLoadReport* report, v1::EnrollmentSet* set = nullptr)
      : source_(source), keys_(&problems_, options, report), set_(set) {}

  Problems& problems() { return problems_; }

  void Entry(const JsonValue& value, const std::string& label, bool group) {
    if (!value.is_object()) {
      problems_.Add(absl::StrCat(source_, ": ", label,
                                 ": expected an object, got ",
                                 value.KindName()));
      return;
    }
    absl::string_view id;
    if (const JsonValue* v = value.Find(dps::IdField(group));
        v != nullptr && v->is_string()) {
      id = v->string_value();
    }
    JsonToProto converter(&problems_, &keys_, EntryName(source_, label, id));
    if (group) {
      converter.Object(value, set_->add_enrollment_groups(), "");
    } else {
      converter.Object(value, set_->add_individual_enrollments(), "");
    }
  }

  // One DPS CA certificate (an entry of the bundle's "certificates", or of
  // a certificate list file), named by `label` and its name.
  void Certificate(const JsonValue& value, const std::string& label,
                   v1::DpsCertificate* out) {
    if (!value.is_object()) {
      problems_.Add(absl::StrCat(source_, ": ", label,
                                 ": expected an object, got ",
                                 value.KindName()));
      return;
    }
    absl::string_view name;
    if (const JsonValue* v = value.Find("name");
        v != nullptr && v->is_string()) {
      name = v->string_value();
    }
    JsonToProto converter(&problems_, &keys_, EntryName(source_, label, name));
    converter.Object(value, out, "");
  }

  // The certificates of `list` (an array) into `out`, labelled
  // "<list_name>[i]".
  template <typename AddCertificate>
  void Certificates(const JsonValue& list, absl::string_view list_name,
                    const AddCertificate& add) {
    if (!list.is_array()) {
      problems_.Add(absl::StrCat(source_, ": ", list_name,
                                 ": expected an array, got ", list.KindName()));
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      Certificate(list.item(i), absl::StrCat(list_name, "[", i, "]"), add());
    }
  }

  // A certificate list file: {"value": [...]} as `az iot dps certificate
  // list` prints it, a top-level array of certificates, or one certificate
  // (`az iot dps certificate show`).
  void CertificateList(const JsonValue& root, v1::DpsCertificateList* out) {
    const auto add = [out] { return out->add_value(); };
    if (root.is_array()) return Certificates(root, "", add);
    if (!root.is_object()) {
      problems_.Add(absl::StrCat(
          source_, ": expected an object or an array at the top level, got ",
          root.KindName()));
      return;
    }
    if (root.Find("name") != nullptr) {
      return Certificate(root, "certificate", out->add_value());
    }
    keys_.Check(root,
                *dps::FindSchemaObject("chaintrust.v1.DpsCertificateList"),
                source_, "");
    const JsonValue* list = root.Find("value");
    if (list == nullptr) {
      if (problems_.empty()) {
        problems_.Add(absl::StrCat(
            source_,
            ": no \"value\" array (expected the output of `az iot dps "
            "certificate list`)"));
      }
      return;
    }
    if (!list->is_null()) Certificates(*list, "value", add);
  }

  // A list of entries of one kind; `list_name` is empty for a top-level
  // array.
  void List(const JsonValue& list, absl::string_view list_name, bool group) {
    for (size_t i = 0; i < list.size(); ++i) {
      Entry(list.item(i), absl::StrCat(list_name, "[", i, "]"), group);
    }
  }

  void Bundle(const JsonValue& object) {
    const EntryKind single = KindOf(object);
    if (single != EntryKind::kUnknown) {
      const bool group = single == EntryKind::kGroup;
      return Entry(object, group ? "enrollmentGroup" : "individualEnrollment",
                   group);
    }
    keys_.Check(object, dps::ServiceSchema().front(), source_, "");
    bool any = false;
    for (const bool group : {false, true}) {
      const JsonValue* list = object.Find(dps::ListName(group));
      if (list == nullptr) continue;
      any = true;
      if (list->is_null()) continue;
      if (!list->is_array()) {
        problems_.Add(absl::StrCat(source_, ": ", dps::ListName(group),
                                   ": expected an array, got ",
                                   list->KindName()));
        continue;
      }
      List(*list, dps::ListName(group), group);
    }
    if (const JsonValue* certificates =
            object.Find(dps::CertificatesListName());
        certificates != nullptr) {
      any = true;
      if (!certificates->is_null()) {
        Certificates(*certificates, dps::CertificatesListName(),
                     [this] { return set_->add_certificates(); });
      }
    }
    if (!any && object.member_count() > 0 && problems_.empty()) {
      problems_.Add(absl::StrCat(
          source_,
          ": neither individualEnrollments nor enrollmentGroups found (and "
          "the object is not an enrollment: it has no registrationId or "
          "enrollmentGroupId)"));
    }
  }

  void TopLevelArray(const JsonValue& list) {
    EntryKind kind = EntryKind::kUnknown;
    size_t first = 0;
    for (size_t i = 0; i < list.size() && kind == EntryKind::kUnknown; ++i) {
      kind = KindOf(list.item(i));
      first = i;
    }
    if (list.size() == 0) return;
    if (kind == EntryKind::kUnknown) {
      problems_.Add(absl::StrCat(
          source_,
          ": cannot tell whether the array holds individual enrollments or "
          "enrollment groups: no entry has registrationId or "
          "enrollmentGroupId"));
      return;
    }
    for (size_t i = 0; i < list.size(); ++i) {
      const EntryKind other = KindOf(list.item(i));
      if (other != EntryKind::kUnknown && other != kind) {
        problems_.Add(absl::StrCat(
            source_, ": [", i, "]: ",
            other == EntryKind::kGroup ? "an enrollment group"
                                       : "an individual enrollment",
            " in an array of ",
            kind == EntryKind::kGroup ? "enrollment groups"
                                      : "individual enrollments",
            " (as entry [", first,
            "] shows); use a bundle object to mix them"));
      }
    }
    if (problems_.empty()) List(list, "", kind == EntryKind::kGroup);
  }

 private:
  absl::string_view source_;
  Problems problems_;
  KeyChecker keys_;
  v1::EnrollmentSet* set_;
};

// Checks the size, then parses JSON text into `root`.
absl::Status ParseRoot(absl::string_view json, absl::string_view source_name,
                       absl::string_view expected, JsonValue* root) {
  if (json.size() > kMaxPolicyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": larger than ", kMaxPolicyFileBytes >> 20,
                     " MiB, the limit for policy files"));
  }
  if (absl::StripAsciiWhitespace(json).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": empty file (expected ", expected, ")"));
  }
  internal::JsonParseOptions parse_options;
  parse_options.max_depth = kMaxPolicyJsonNesting;
  internal::JsonParseError error;
  if (!internal::ParseJson(json, parse_options, root, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": invalid JSON at ", error.ToString()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::DpsCertificateList> DpsJsonToCertificateList(
    absl::string_view json, absl::string_view source_name,
    const PolicyLoadOptions& options, PolicyLoadReport* report) {
  JsonValue root;
  if (absl::Status s =
          ParseRoot(json, source_name,
                    "the output of `az iot dps certificate list`", &root);
      !s.ok()) {
    return s;
  }
  v1::DpsCertificateList list;
  SetReader reader(source_name, options, report);
  reader.CertificateList(root, &list);
  if (!reader.problems().empty()) return reader.problems().ToStatus();
  return list;
}

absl::StatusOr<v1::EnrollmentSet> DpsJsonToEnrollmentSet(
    absl::string_view json, absl::string_view source_name,
    const PolicyLoadOptions& options, PolicyLoadReport* report) {
  JsonValue root;
  if (absl::Status s =
          ParseRoot(json, source_name, "DPS enrollment JSON", &root);
      !s.ok()) {
    return s;
  }
  v1::EnrollmentSet set;
  SetReader reader(source_name, options, report, &set);
  if (root.is_object()) {
    reader.Bundle(root);
  } else if (root.is_array()) {
    reader.TopLevelArray(root);
  } else {
    reader.problems().Add(absl::StrCat(
        source_name, ": expected an object or an array at the top level, got ",
        root.KindName()));
  }
  if (!reader.problems().empty()) return reader.problems().ToStatus();
  return set;
}

}  // namespace chaintrust::policy
