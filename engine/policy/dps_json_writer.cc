// Writing chaintrust.v1.EnrollmentSet as DPS service JSON (see dps_json.h).
#include <algorithm>
#include <string>
#include <vector>

#include "engine/internal/json.h"
#include "engine/policy/dps_json.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"

namespace chaintrust::policy {
namespace {

using ::chaintrust::internal::JsonWriter;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;

// DPS's spelling of an enum value: "enabled", "x509", "symmetricKey".
std::string DpsSpelling(const std::string& proto_name) {
  if (proto_name == "SYMMETRICKEY") return "symmetricKey";
  std::string out = proto_name;
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void WriteProtoValue(const google::protobuf::Value& value, JsonWriter* out);

void WriteProtoStruct(const google::protobuf::Struct& value, JsonWriter* out) {
  out->BeginObject();
  // Map order is unspecified: write the keys sorted, for stable output.
  std::vector<const std::string*> keys;
  for (const auto& [key, unused] : value.fields()) keys.push_back(&key);
  std::sort(keys.begin(), keys.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* key : keys) {
    out->Key(*key);
    WriteProtoValue(value.fields().at(*key), out);
  }
  out->EndObject();
}

void WriteProtoValue(const google::protobuf::Value& value, JsonWriter* out) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kBoolValue:
      out->Bool(value.bool_value());
      return;
    case google::protobuf::Value::kNumberValue:
      out->Number(value.number_value());
      return;
    case google::protobuf::Value::kStringValue:
      out->String(value.string_value());
      return;
    case google::protobuf::Value::kListValue:
      out->BeginArray();
      for (const auto& item : value.list_value().values()) {
        WriteProtoValue(item, out);
      }
      out->EndArray();
      return;
    case google::protobuf::Value::kStructValue:
      WriteProtoStruct(value.struct_value(), out);
      return;
    default:
      out->Null();
      return;
  }
}

void WriteMessage(const Message& message, JsonWriter* out);

// One value of `field` (index `i` when repeated).
void WriteField(const Message& message, const FieldDescriptor* field, int i,
                JsonWriter* out) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      out->String(repeated ? r->GetRepeatedString(message, field, i)
                           : r->GetString(message, field));
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->Bool(repeated ? r->GetRepeatedBool(message, field, i)
                         : r->GetBool(message, field));
      return;
    case FieldDescriptor::CPPTYPE_INT32:
      out->Int(repeated ? r->GetRepeatedInt32(message, field, i)
                        : r->GetInt32(message, field));
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      out->String(DpsSpelling((repeated ? r->GetRepeatedEnum(message, field, i)
                                        : r->GetEnum(message, field))
                                  ->name()));
      return;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& child = repeated ? r->GetRepeatedMessage(message, field, i)
                                      : r->GetMessage(message, field);
      if (field->message_type()->full_name() == "google.protobuf.Struct") {
        WriteProtoStruct(static_cast<const google::protobuf::Struct&>(child),
                         out);
      } else {
        WriteMessage(child, out);
      }
      return;
    }
    default:
      out->Null();
      return;
  }
}

// The fields that are set (proto3: not at their defaults), in field order.
void WriteMessage(const Message& message, JsonWriter* out) {
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  out->BeginObject();
  for (const FieldDescriptor* field : fields) {
    out->Key(field->json_name());
    if (field->is_repeated()) {
      out->BeginArray();
      for (int i = 0; i < r->FieldSize(message, field); ++i) {
        WriteField(message, field, i, out);
      }
      out->EndArray();
    } else {
      WriteField(message, field, 0, out);
    }
  }
  out->EndObject();
}

}  // namespace

std::string EnrollmentSetToDpsJson(const v1::EnrollmentSet& set) {
  std::string json;
  JsonWriter writer(&json, /*indent=*/2);
  WriteMessage(set, &writer);
  json.push_back('\n');
  return json;
}

}  // namespace chaintrust::policy
