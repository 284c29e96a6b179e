#include "engine/policy_loader.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/charconv.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/policy/problems.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

// Decisions where CONTRACT.md is silent:
// - JSON `null` for an optional field reads as "absent"; for a required
//   field it is "required". Duplicate object keys and invalid UTF-8 are
//   errors.
// - A top-level object that holds one enrollment (it has `registrationId` or
//   `enrollmentGroupId`, as `az iot dps enrollment show` prints) is
//   accepted. A top-level object with neither bundle key nor an ID, but
//   other keys, is rejected (likely a misspelt bundle); `{}` is an empty set.
// - In a top-level array, the kind is that of the first entry with an ID
//   key; an entry of the other kind is an error.
// - Problems of the file's shape are reported before (not together with)
//   problems of the policy itself (BuildSnapshot): the second step only
//   runs on a well-formed set.
// - A textproto must use the proto's field names and no unknown fields.

namespace chaintrust {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::EnumValueDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::ListValue;
using ::google::protobuf::Message;
using ::google::protobuf::Reflection;
using ::google::protobuf::Struct;
using ::google::protobuf::Value;

constexpr size_t kMaxQuotedLength = 80;

using internal::Problems;

std::string Quote(absl::string_view text) {
  if (text.size() > kMaxQuotedLength) {
    return absl::StrCat(
        "\"", absl::CHexEscape(text.substr(0, kMaxQuotedLength)), "...\"");
  }
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

std::string EntryName(absl::string_view source, absl::string_view label,
                      absl::string_view id) {
  std::string name = absl::StrCat(source, ": ", label);
  if (!id.empty()) absl::StrAppend(&name, " (", Quote(id), ")");
  return name;
}

absl::string_view KindName(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNullValue:
      return "null";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a boolean";
    case Value::kStructValue:
      return "an object";
    case Value::kListValue:
      return "an array";
    case Value::KIND_NOT_SET:
      break;
  }
  return "nothing";
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
  };
  for (absl::string_view name : kRequired) {
    if (field->full_name() == name) return true;
  }
  return false;
}

const Value* FindKey(const Struct& object, const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? nullptr : &it->second;
}

// Converts one JSON object (as a google.protobuf.Struct) into a message by
// reflection, field by field, checking every type. Unknown keys are
// ignored; every problem is reported with the entry's name and the path.
class JsonToProto {
 public:
  JsonToProto(Problems* problems, std::string entry)
      : problems_(problems), entry_(std::move(entry)) {}

  void Object(const Struct& object, Message* message, const std::string& path) {
    const Descriptor* descriptor = message->GetDescriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      const auto path_of = [&path, field] {
        return path.empty() ? field->json_name()
                            : absl::StrCat(path, ".", field->json_name());
      };
      const Value* value = FindKey(object, field->json_name());
      if (value == nullptr || value->kind_case() == Value::kNullValue) {
        // Most fields are absent: their path is built only for a report.
        if (IsRequired(field)) Report(path_of(), "required");
        continue;
      }
      const std::string field_path = path_of();
      if (field->is_repeated()) {
        if (value->kind_case() != Value::kListValue) {
          Report(field_path,
                 absl::StrCat("expected an array, got ", KindName(*value)));
          continue;
        }
        const ListValue& list = value->list_value();
        for (int j = 0; j < list.values_size(); ++j) {
          Element(list.values(j), message, field,
                  absl::StrCat(field_path, "[", j, "]"));
        }
      } else {
        Element(*value, message, field, field_path);
      }
    }
  }

 private:
  void Report(const std::string& path, absl::string_view message) {
    problems_->Add(absl::StrCat(entry_, ": ", path, ": ", message));
  }

  void Mismatch(const std::string& path, absl::string_view expected,
                const Value& value) {
    Report(path,
           absl::StrCat("expected ", expected, ", got ", KindName(value)));
  }

  // One value of `field` (the field itself, or one element when repeated).
  void Element(const Value& value, Message* message,
               const FieldDescriptor* field, const std::string& path) {
    const Reflection* reflection = message->GetReflection();
    const bool repeated = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (value.kind_case() != Value::kStringValue) {
          return Mismatch(path, "a string", value);
        }
        if (repeated) {
          reflection->AddString(message, field, value.string_value());
        } else {
          reflection->SetString(message, field, value.string_value());
        }
        return;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (value.kind_case() != Value::kBoolValue) {
          return Mismatch(path, "a boolean", value);
        }
        if (repeated) {
          reflection->AddBool(message, field, value.bool_value());
        } else {
          reflection->SetBool(message, field, value.bool_value());
        }
        return;
      case FieldDescriptor::CPPTYPE_INT32: {
        if (value.kind_case() != Value::kNumberValue) {
          return Mismatch(path, "an integer", value);
        }
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
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (value.kind_case() != Value::kStringValue) {
          return Mismatch(path, "a string", value);
        }
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
          return Report(
              path, absl::StrCat("unknown value ", Quote(value.string_value()),
                                 " (expected one of ", expected, ")"));
        }
        if (repeated) {
          reflection->AddEnum(message, field, match);
        } else {
          reflection->SetEnum(message, field, match);
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (value.kind_case() != Value::kStructValue) {
          return Mismatch(path, "an object", value);
        }
        Message* child = repeated ? reflection->AddMessage(message, field)
                                  : reflection->MutableMessage(message, field);
        if (field->message_type()->full_name() == "google.protobuf.Struct") {
          // Free-form (initialTwin): kept as it is.
          child->CopyFrom(value.struct_value());
        } else {
          Object(value.struct_value(), child, path);
        }
        return;
      }
      default:
        // The schema has no other field types; be loud if it grows one.
        return Report(path, "field type not supported by the JSON loader");
    }
  }

  Problems* problems_;
  std::string entry_;
};

// A strict JSON parser (RFC 8259) into google.protobuf.Value. protobuf's
// own JsonStringToMessage manages about 10 MB/s into Value and takes
// quadratic time on deep nesting; this one is linear, bounds the nesting,
// rejects duplicate keys and invalid UTF-8, and says where it stopped.
class JsonParser {
 public:
  explicit JsonParser(absl::string_view text) : text_(text) {}

  // On failure returns false and sets `error`.
  bool Parse(Value* out, std::string* error) {
    SkipWhitespace();
    if (!ParseValue(out, 0)) {
      *error = std::move(error_);
      return false;
    }
    SkipWhitespace();
    if (pos_ != text_.size()) {
      Fail("unexpected text after the JSON value");
      *error = std::move(error_);
      return false;
    }
    return true;
  }

 private:
  bool Fail(absl::string_view message) {
    if (error_.empty()) {
      size_t line = 1;
      size_t column = 1;
      const size_t end = std::min(pos_, text_.size());
      for (size_t i = 0; i < end; ++i) {
        if (text_[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      error_ = absl::StrCat("line ", line, ", column ", column, ": ", message);
    }
    return false;
  }

  void SkipWhitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool Consume(absl::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  bool ParseValue(Value* out, int depth) {
    if (pos_ >= text_.size()) return Fail("unexpected end of input");
    switch (text_[pos_]) {
      case '{':
        return ParseObject(out->mutable_struct_value(), depth + 1);
      case '[':
        return ParseArray(out->mutable_list_value(), depth + 1);
      case '"':
        return ParseString(out->mutable_string_value());
      case 't':
        if (!Consume("true")) return Fail("invalid literal");
        out->set_bool_value(true);
        return true;
      case 'f':
        if (!Consume("false")) return Fail("invalid literal");
        out->set_bool_value(false);
        return true;
      case 'n':
        if (!Consume("null")) return Fail("invalid literal");
        out->set_null_value(google::protobuf::NULL_VALUE);
        return true;
      default:
        return ParseNumber(out);
    }
  }

  bool CheckDepth(int depth) {
    if (depth > kMaxPolicyJsonNesting) {
      return Fail(absl::StrCat("nested more than ", kMaxPolicyJsonNesting,
                               " levels deep"));
    }
    return true;
  }

  bool ParseObject(Struct* out, int depth) {
    if (!CheckDepth(depth)) return false;
    ++pos_;  // '{'
    SkipWhitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    auto* fields = out->mutable_fields();
    std::string key;
    while (true) {
      SkipWhitespace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        return Fail("expected a string (an object key)");
      }
      const size_t key_pos = pos_;
      if (!ParseString(&key)) return false;
      SkipWhitespace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        return Fail("expected ':' after an object key");
      }
      ++pos_;
      SkipWhitespace();
      auto [it, inserted] = fields->insert({key, Value()});
      if (!inserted) {
        pos_ = key_pos;
        return Fail(absl::StrCat("duplicate key ", Quote(key)));
      }
      if (!ParseValue(&it->second, depth)) return false;
      SkipWhitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or '}' in an object");
    }
  }

  bool ParseArray(ListValue* out, int depth) {
    if (!CheckDepth(depth)) return false;
    ++pos_;  // '['
    SkipWhitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (!ParseValue(out->add_values(), depth)) return false;
      SkipWhitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      return Fail("expected ',' or ']' in an array");
    }
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
      out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
  }

  bool ParseHex4(uint32_t* out) {
    if (text_.size() - pos_ < 4) return Fail("truncated \\u escape");
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        value |= c - 'A' + 10;
      } else {
        return Fail("invalid \\u escape");
      }
    }
    pos_ += 4;
    *out = value;
    return true;
  }

  // Length of the valid UTF-8 sequence at text_[pos_], or 0.
  size_t Utf8Length() const {
    const auto byte = [this](size_t i) {
      return static_cast<unsigned char>(text_[pos_ + i]);
    };
    const size_t left = text_.size() - pos_;
    const unsigned char c = byte(0);
    size_t length;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (left < length) return 0;
    for (size_t i = 1; i < length; ++i) {
      if ((byte(i) & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (byte(i) & 0x3f);
    }
    if ((length == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (length == 4 && (cp < 0x10000 || cp > 0x10ffff))) {
      return 0;
    }
    return length;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // '"'
    out->clear();
    while (true) {
      // Copy the run of plain characters at once.
      size_t run = pos_;
      while (run < text_.size()) {
        const unsigned char c = text_[run];
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out->append(text_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= text_.size()) return Fail("unterminated string");
      const unsigned char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string");
      if (c >= 0x80) {
        const size_t length = Utf8Length();
        if (length == 0) return Fail("invalid UTF-8 in a string");
        out->append(text_.data() + pos_, length);
        pos_ += length;
        continue;
      }
      // A backslash escape.
      if (++pos_ >= text_.size()) return Fail("unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          if (!ParseHex4(&cp)) return false;
          if (cp >= 0xdc00 && cp <= 0xdfff) {
            return Fail("unpaired low surrogate in a \\u escape");
          }
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t low;
            if (!Consume("\\u") || !ParseHex4(&low) || low < 0xdc00 ||
                low > 0xdfff) {
              return Fail("unpaired high surrogate in a \\u escape");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          --pos_;
          return Fail("invalid escape in a string");
      }
    }
  }

  bool ParseNumber(Value* out) {
    const size_t start = pos_;
    auto digits = [this] {
      const size_t from = pos_;
      while (pos_ < text_.size() && absl::ascii_isdigit(text_[pos_])) ++pos_;
      return pos_ - from;
    };
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size() || !absl::ascii_isdigit(text_[pos_])) {
      pos_ = start;
      return Fail("expected a value");
    }
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      digits();
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return Fail("expected digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
        ++pos_;
      }
      if (digits() == 0) return Fail("expected digits in the exponent");
    }
    double value = 0;
    const auto result =
        absl::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (result.ec != std::errc() || !std::isfinite(value)) {
      pos_ = start;
      return Fail("number out of range");
    }
    out->set_number_value(value);
    return true;
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

enum class EntryKind { kUnknown, kIndividual, kGroup };

EntryKind KindOf(const Value& entry) {
  if (entry.kind_case() != Value::kStructValue) return EntryKind::kUnknown;
  const Struct& object = entry.struct_value();
  const bool individual = FindKey(object, "registrationId") != nullptr;
  const bool group = FindKey(object, "enrollmentGroupId") != nullptr;
  if (individual == group) return EntryKind::kUnknown;
  return individual ? EntryKind::kIndividual : EntryKind::kGroup;
}

template <typename Entry>
void ConvertEntry(const Value& value, absl::string_view source,
                  const std::string& label, const char* id_key, Entry* entry,
                  Problems* problems) {
  if (value.kind_case() != Value::kStructValue) {
    problems->Add(absl::StrCat(source, ": ", label,
                               ": expected an object, got ", KindName(value)));
    return;
  }
  const Struct& object = value.struct_value();
  absl::string_view id;
  if (const Value* v = FindKey(object, id_key);
      v != nullptr && v->kind_case() == Value::kStringValue) {
    id = v->string_value();
  }
  JsonToProto(problems, EntryName(source, label, id)).Object(object, entry, "");
}

void ConvertList(const ListValue& list, absl::string_view source,
                 absl::string_view label, EntryKind kind,
                 v1::EnrollmentSet* set, Problems* problems) {
  for (int i = 0; i < list.values_size(); ++i) {
    const std::string entry_label = absl::StrCat(label, "[", i, "]");
    if (kind == EntryKind::kIndividual) {
      ConvertEntry(list.values(i), source, entry_label, "registrationId",
                   set->add_individual_enrollments(), problems);
    } else {
      ConvertEntry(list.values(i), source, entry_label, "enrollmentGroupId",
                   set->add_enrollment_groups(), problems);
    }
  }
}

class TextErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  TextErrorCollector(absl::string_view source, Problems* problems)
      : source_(source), problems_(problems) {}
  void AddError(int line, int column, const std::string& message) override {
    problems_->Add(
        absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int, int, const std::string&) override {}

 private:
  std::string source_;
  Problems* problems_;
};

absl::StatusOr<std::string> ReadFile(absl::string_view path) {
  const std::string name(path);
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(name.c_str(), "rb"),
                                             &std::fclose);
  if (file == nullptr) {
    const int error = errno;
    const std::string message =
        absl::StrCat(name, ": cannot open: ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(message)
                           : absl::PermissionDeniedError(message);
  }
  // A regular file says its size: refuse an oversized one before reading
  // it. Pipes and the like are bounded while reading, below.
  struct stat info;
  if (fstat(fileno(file.get()), &info) == 0 && S_ISREG(info.st_mode) &&
      static_cast<uint64_t>(info.st_size) > kMaxPolicyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": larger than ", kMaxPolicyFileBytes >> 20,
                     " MiB, the limit for policy files"));
  }
  std::string contents;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    if (contents.size() + n > kMaxPolicyFileBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": larger than ", kMaxPolicyFileBytes >> 20,
                       " MiB, the limit for policy files"));
    }
    contents.append(buffer, n);
  }
  if (std::ferror(file.get())) {
    return absl::DataLossError(absl::StrCat(name, ": read error"));
  }
  return contents;
}

// An entry's name for problems ("policy.json: individualEnrollments[3]
// (\"dev-7\")"), built only when a problem is reported: most entries have
// none, and building it for each of a million entries costs more than
// converting them.
class EntryLabel {
 public:
  EntryLabel(absl::string_view source, absl::string_view list, int index,
             absl::string_view id)
      : source_(source), list_(list), index_(index), id_(id) {}
  const std::string& str() const {
    if (name_.empty()) {
      name_ = EntryName(source_, absl::StrCat(list_, "[", index_, "]"), id_);
    }
    return name_;
  }

 private:
  absl::string_view source_;
  absl::string_view list_;
  int index_;
  absl::string_view id_;
  mutable std::string name_;
};

// Certificate of an enrollment in the proto → the builder's spec.
CertificateSpec ToSpec(const v1::X509CertificateWithInfo& certificate,
                       const EntryLabel& entry, absl::string_view field,
                       Problems* problems) {
  CertificateSpec spec;
  spec.text = certificate.certificate();
  spec.sha256_thumbprint = certificate.info().sha256_thumbprint();
  if (spec.empty() && !certificate.info().sha1_thumbprint().empty()) {
    problems->Add(absl::StrCat(
        entry.str(), ": ", field,
        ".info.sha256Thumbprint: required (a SHA-1 thumbprint alone is not "
        "accepted; give the certificate or its SHA-256 thumbprint)"));
  }
  return spec;
}

bool ToEnabled(v1::ProvisioningStatus status, const EntryLabel& entry,
               Problems* problems) {
  switch (status) {
    case v1::PROVISIONING_STATUS_UNSPECIFIED:
    case v1::ENABLED:
      return true;
    case v1::DISABLED:
      return false;
    default:
      problems->Add(absl::StrCat(entry.str(),
                                 ": provisioningStatus: unknown value ",
                                 static_cast<int>(status)));
      return false;
  }
}

// Returns false (after reporting) when the type cannot be used.
bool ToKind(const v1::IndividualEnrollment& e, const EntryLabel& entry,
            AttestationKind* kind, Problems* problems) {
  if (!e.has_attestation()) {
    problems->Add(absl::StrCat(entry.str(), ": attestation: required"));
    return false;
  }
  switch (e.attestation().type()) {
    case v1::X509:
      *kind = AttestationKind::kX509;
      return true;
    case v1::SYMMETRICKEY:
      *kind = AttestationKind::kSymmetricKey;
      return true;
    case v1::TPM:
      *kind = AttestationKind::kTpm;
      return true;
    case v1::ATTESTATION_TYPE_UNSPECIFIED:
      problems->Add(absl::StrCat(entry.str(), ": attestation.type: required"));
      return false;
    default:
      problems->Add(absl::StrCat(entry.str(),
                                 ": attestation.type: unknown value ",
                                 static_cast<int>(e.attestation().type())));
      return false;
  }
}

}  // namespace

absl::StatusOr<v1::EnrollmentSet> ParseDpsJson(absl::string_view json,
                                               absl::string_view source_name) {
  if (json.size() > kMaxPolicyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": larger than ", kMaxPolicyFileBytes >> 20,
                     " MiB, the limit for policy files"));
  }
  if (absl::StripAsciiWhitespace(json).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": empty file (expected DPS enrollment JSON)"));
  }
  // The tree lives on an arena: allocating its nodes one by one costs more
  // than parsing.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 16 << 20;
  google::protobuf::Arena arena(arena_options);
  Value& root = *google::protobuf::Arena::CreateMessage<Value>(&arena);
  {
    std::string error;
    if (!JsonParser(json).Parse(&root, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": invalid JSON at ", error));
    }
  }

  v1::EnrollmentSet set;
  Problems problems;
  switch (root.kind_case()) {
    case Value::kStructValue: {
      const Struct& object = root.struct_value();
      const EntryKind single = KindOf(root);
      if (single == EntryKind::kIndividual) {
        ConvertEntry(root, source_name, "individualEnrollment",
                     "registrationId", set.add_individual_enrollments(),
                     &problems);
        break;
      }
      if (single == EntryKind::kGroup) {
        ConvertEntry(root, source_name, "enrollmentGroup", "enrollmentGroupId",
                     set.add_enrollment_groups(), &problems);
        break;
      }
      bool any = false;
      for (const auto& [key, kind] :
           {std::make_pair("individualEnrollments", EntryKind::kIndividual),
            std::make_pair("enrollmentGroups", EntryKind::kGroup)}) {
        const Value* list = FindKey(object, key);
        if (list == nullptr) continue;
        any = true;
        if (list->kind_case() == Value::kNullValue) continue;
        if (list->kind_case() != Value::kListValue) {
          problems.Add(absl::StrCat(source_name, ": ", key,
                                    ": expected an array, got ",
                                    KindName(*list)));
          continue;
        }
        ConvertList(list->list_value(), source_name, key, kind, &set,
                    &problems);
      }
      if (!any && !object.fields().empty()) {
        problems.Add(absl::StrCat(
            source_name,
            ": neither individualEnrollments nor enrollmentGroups found (and "
            "the object is not an enrollment: it has no registrationId or "
            "enrollmentGroupId)"));
      }
      break;
    }
    case Value::kListValue: {
      const ListValue& list = root.list_value();
      EntryKind kind = EntryKind::kUnknown;
      int first = -1;
      for (int i = 0; i < list.values_size() && kind == EntryKind::kUnknown;
           ++i) {
        kind = KindOf(list.values(i));
        first = i;
      }
      if (list.values_size() == 0) break;
      if (kind == EntryKind::kUnknown) {
        problems.Add(absl::StrCat(
            source_name,
            ": cannot tell whether the array holds individual enrollments or "
            "enrollment groups: no entry has registrationId or "
            "enrollmentGroupId"));
        break;
      }
      for (int i = 0; i < list.values_size(); ++i) {
        const EntryKind other = KindOf(list.values(i));
        if (other != EntryKind::kUnknown && other != kind) {
          problems.Add(absl::StrCat(
              source_name, ": [", i, "]: ",
              other == EntryKind::kGroup ? "an enrollment group"
                                         : "an individual enrollment",
              " in an array of ",
              kind == EntryKind::kGroup ? "enrollment groups"
                                        : "individual enrollments",
              " (as entry [", first,
              "] shows); use a bundle object to mix "
              "them"));
        }
      }
      if (problems.empty()) {
        ConvertList(list, source_name, "", kind, &set, &problems);
      }
      break;
    }
    default:
      problems.Add(absl::StrCat(
          source_name,
          ": expected an object or an array at the top level, got ",
          KindName(root)));
      break;
  }
  if (!problems.empty()) return problems.ToStatus();
  return set;
}

absl::StatusOr<v1::EnrollmentSet> ParseEnrollmentSetText(
    absl::string_view text, absl::string_view source_name) {
  if (text.size() > kMaxPolicyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": larger than ", kMaxPolicyFileBytes >> 20,
                     " MiB, the limit for policy files"));
  }
  Problems problems;
  TextErrorCollector collector(source_name, &problems);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  v1::EnrollmentSet set;
  google::protobuf::io::ArrayInputStream input(text.data(),
                                               static_cast<int>(text.size()));
  if (!parser.Parse(&input, &set)) {
    if (problems.empty()) {
      problems.Add(absl::StrCat(source_name,
                                ": not a valid chaintrust.v1.EnrollmentSet in "
                                "text format"));
    }
    return problems.ToStatus();
  }
  return set;
}

absl::StatusOr<v1::EnrollmentSet> ParseEnrollmentSetBinary(
    absl::string_view bytes, absl::string_view source_name) {
  if (bytes.size() > kMaxPolicyFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(source_name, ": larger than ", kMaxPolicyFileBytes >> 20,
                     " MiB, the limit for policy files"));
  }
  v1::EnrollmentSet set;
  if (!set.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ": not a valid binary chaintrust.v1.EnrollmentSet"));
  }
  return set;
}

absl::StatusOr<v1::EnrollmentSet> LoadEnrollmentSetFile(
    absl::string_view path) {
  enum class Format { kJson, kText, kBinary };
  Format format;
  if (absl::EndsWith(path, ".json")) {
    format = Format::kJson;
  } else if (absl::EndsWith(path, ".textproto") ||
             absl::EndsWith(path, ".txtpb")) {
    format = Format::kText;
  } else if (absl::EndsWith(path, ".binpb")) {
    format = Format::kBinary;
  } else {
    const size_t slash = path.rfind('/');
    const absl::string_view base =
        slash == absl::string_view::npos ? path : path.substr(slash + 1);
    const size_t dot = base.rfind('.');
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": unknown policy file extension ",
        dot == absl::string_view::npos ? "(none)" : Quote(base.substr(dot)),
        "; expected .json (DPS service JSON), .textproto or .txtpb (text "
        "format) or .binpb (binary)"));
  }
  auto contents = ReadFile(path);
  if (!contents.ok()) return contents.status();
  switch (format) {
    case Format::kJson:
      return ParseDpsJson(*contents, path);
    case Format::kText:
      return ParseEnrollmentSetText(*contents, path);
    case Format::kBinary:
      return ParseEnrollmentSetBinary(*contents, path);
  }
  return absl::InternalError("unreachable");
}

absl::StatusOr<SnapshotPtr> BuildSnapshot(const v1::EnrollmentSet& set,
                                          absl::string_view source_name) {
  EnrollmentSnapshot::Builder builder;
  builder.SetSourceName(std::string(source_name));
  builder.Reserve(set.individual_enrollments_size(),
                  set.enrollment_groups_size());
  Problems problems;

  for (int i = 0; i < set.individual_enrollments_size(); ++i) {
    const v1::IndividualEnrollment& e = set.individual_enrollments(i);
    const EntryLabel entry(source_name, "individualEnrollments", i,
                           e.registration_id());
    IndividualEnrollmentSpec spec;
    spec.registration_id = e.registration_id();
    spec.enabled = ToEnabled(e.provisioning_status(), entry, &problems);
    if (ToKind(e, entry, &spec.kind, &problems)) {
      const v1::AttestationMechanism& a = e.attestation();
      if (spec.kind == AttestationKind::kX509) {
        const auto& certs = a.x509().client_certificates();
        spec.primary_certificate =
            ToSpec(certs.primary(), entry,
                   "attestation.x509.clientCertificates.primary", &problems);
        spec.secondary_certificate =
            ToSpec(certs.secondary(), entry,
                   "attestation.x509.clientCertificates.secondary", &problems);
      } else if (spec.kind == AttestationKind::kSymmetricKey) {
        spec.primary_key = a.symmetric_key().primary_key();
        spec.secondary_key = a.symmetric_key().secondary_key();
      }
    }
    builder.AddIndividualEnrollment(std::move(spec));
  }

  for (int i = 0; i < set.enrollment_groups_size(); ++i) {
    const v1::EnrollmentGroup& g = set.enrollment_groups(i);
    const EntryLabel entry(source_name, "enrollmentGroups", i,
                           g.enrollment_group_id());
    EnrollmentGroupSpec spec;
    spec.group_id = g.enrollment_group_id();
    spec.enabled = ToEnabled(g.provisioning_status(), entry, &problems);
    const v1::AttestationMechanism& a = g.attestation();
    if (!g.has_attestation()) {
      problems.Add(absl::StrCat(entry.str(), ": attestation: required"));
    } else if (a.type() == v1::X509) {
      spec.kind = AttestationKind::kX509;
      const auto& certs = a.x509().signing_certificates();
      spec.primary_certificate =
          ToSpec(certs.primary(), entry,
                 "attestation.x509.signingCertificates.primary", &problems);
      spec.secondary_certificate =
          ToSpec(certs.secondary(), entry,
                 "attestation.x509.signingCertificates.secondary", &problems);
      const auto& refs = a.x509().ca_references();
      if (spec.primary_certificate.empty() &&
          spec.secondary_certificate.empty() &&
          (!refs.primary().empty() || !refs.secondary().empty())) {
        problems.Add(absl::StrCat(
            entry.str(),
            ": attestation.x509.signingCertificates: certificate bodies or "
            "thumbprints required (caReferences name certificates stored in "
            "a DPS instance, which this file does not contain)"));
      }
    } else if (a.type() == v1::SYMMETRICKEY) {
      spec.kind = AttestationKind::kSymmetricKey;
      spec.primary_key = a.symmetric_key().primary_key();
      spec.secondary_key = a.symmetric_key().secondary_key();
    } else if (a.type() == v1::TPM) {
      spec.kind = AttestationKind::kTpm;  // the builder rejects it
    } else if (a.type() == v1::ATTESTATION_TYPE_UNSPECIFIED) {
      problems.Add(absl::StrCat(entry.str(), ": attestation.type: required"));
    } else {
      problems.Add(absl::StrCat(entry.str(),
                                ": attestation.type: unknown value ",
                                static_cast<int>(a.type())));
    }
    builder.AddEnrollmentGroup(std::move(spec));
  }

  if (!problems.empty()) return problems.ToStatus();
  return std::move(builder).Build();
}

absl::StatusOr<SnapshotPtr> LoadSnapshotFile(absl::string_view path) {
  auto set = LoadEnrollmentSetFile(path);
  if (!set.ok()) return set.status();
  return BuildSnapshot(*set, path);
}

std::string EnrollmentSetToDpsJson(const v1::EnrollmentSet& set) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  if (!google::protobuf::util::MessageToJsonString(set, &json, options).ok()) {
    return "";
  }
  // Re-spell the enums as DPS does; protobuf prints the proto's names.
  Value root;
  std::string error;
  if (!JsonParser(json).Parse(&root, &error) ||
      root.kind_case() != Value::kStructValue) {
    return json;  // still loads here: enums are matched case-insensitively
  }
  auto respell = [](Struct* object, const char* key) {
    auto it = object->mutable_fields()->find(key);
    if (it != object->mutable_fields()->end() &&
        it->second.kind_case() == Value::kStringValue) {
      it->second.set_string_value(
          std::string(DpsEnumSpelling(it->second.string_value())));
    }
  };
  for (const char* list_key : {"individualEnrollments", "enrollmentGroups"}) {
    auto it = root.mutable_struct_value()->mutable_fields()->find(list_key);
    if (it == root.mutable_struct_value()->mutable_fields()->end()) continue;
    for (Value& entry : *it->second.mutable_list_value()->mutable_values()) {
      Struct* object = entry.mutable_struct_value();
      respell(object, "provisioningStatus");
      auto attestation = object->mutable_fields()->find("attestation");
      if (attestation != object->mutable_fields()->end()) {
        respell(attestation->second.mutable_struct_value(), "type");
      }
    }
  }
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(root, &out, options).ok()) {
    return json;
  }
  return out;
}

}  // namespace chaintrust
