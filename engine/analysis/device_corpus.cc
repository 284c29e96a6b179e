#include "engine/analysis/device_corpus.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/engine.h"
#include "engine/internal/json.h"
#include "engine/internal/json_reader.h"

namespace chaintrust::analysis {
namespace {

bool IsChainFile(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  const std::string lower = absl::AsciiStrToLower(name);
  return absl::EndsWith(lower, ".pem") || absl::EndsWith(lower, ".crt") ||
         absl::EndsWith(lower, ".cer");
}

std::string StripExtension(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

}  // namespace

std::string JsonQuote(absl::string_view s) {
  std::string out;
  internal::AppendJsonString(&out, s);
  return out;
}

std::string RenderDeviceJson(absl::string_view device,
                             const Decision& decision) {
  std::string out;
  AppendDeviceJson(device, decision, &out);
  return out;
}

void AppendDeviceJson(absl::string_view device, const Decision& decision,
                      std::string* out) {
  const std::string json = RenderJson(decision);
  // RenderJson gives one object "{...}"; insert the device first.
  out->append("{\"device\":");
  internal::AppendJsonString(out, device);
  out->push_back(',');
  out->append(json, 1, std::string::npos);
}

DeviceCorpus::~DeviceCorpus() = default;

absl::StatusOr<std::unique_ptr<DeviceCorpus>> DeviceCorpus::Open(
    const std::string& path) {
  std::unique_ptr<DeviceCorpus> corpus(new DeviceCorpus());
  corpus->path_ = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    corpus->is_directory_ = true;
    for (std::filesystem::directory_iterator it(path, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      const std::string name = it->path().filename().string();
      if (IsChainFile(name)) corpus->files_.push_back(name);
    }
    if (ec) {
      return absl::NotFoundError(
          absl::StrCat(path, ": cannot list the directory: ", ec.message()));
    }
    if (corpus->files_.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path,
          ": the directory holds no device chain files (.pem, .crt, .cer)"));
    }
    std::sort(corpus->files_.begin(), corpus->files_.end());
    return corpus;
  }
  if (IsChainFile(std::filesystem::path(path).filename().string())) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": a single chain file is not a corpus; give the directory that "
        "holds it, or a JSONL file of {\"id\", \"chain\"} objects"));
  }
  auto reader = LineReader::Open(path);
  if (!reader.ok()) {
    return absl::Status(
        reader.status().code(),
        absl::StrCat(reader.status().message(),
                     " (a corpus is a directory of PEM files or a JSONL "
                     "file)"));
  }
  corpus->jsonl_ = *std::move(reader);
  return corpus;
}

absl::Status DeviceCorpus::NextBatch(size_t max,
                                     std::vector<CorpusDevice>* batch) {
  batch->resize(max);
  size_t n = 0;
  if (is_directory_) {
    while (n < max && next_file_ < files_.size()) {
      const std::string& name = files_[next_file_++];
      const std::string file = absl::StrCat(path_, "/", name);
      auto pem = ReadFileBounded(file, MaxChainPemBytes());
      if (!pem.ok()) return pem.status();
      CorpusDevice& device = (*batch)[n++];
      device.id = StripExtension(name);
      device.input = DeviceInput();
      device.input.chain_pem = *std::move(pem);
      device.raw.clear();
      device.line = 0;
    }
    batch->resize(n);
    return absl::OkStatus();
  }
  while (n < max) {
    CorpusDevice& device = (*batch)[n];
    auto more = jsonl_->Next(MaxCorpusRecordBytes(), &device.raw);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (absl::StripAsciiWhitespace(device.raw).empty()) continue;
    device.line = jsonl_->line_number();
    ++n;
  }
  batch->resize(n);
  return absl::OkStatus();
}

namespace {

// One JSONL record read with the pull reader, nothing built but the four
// strings kept. False when the line is not an object whose known fields
// are strings (or is not JSON at all): the caller then reads it again with
// ParseJson, which says what is wrong and where.
bool ReadRecord(absl::string_view line, CorpusDevice* device) {
  // One reader and key set per thread, reset per record: their buffers
  // are reused.
  thread_local internal::JsonReader reader{absl::string_view()};
  reader.Reset(line);
  thread_local internal::JsonKeySet keys;
  keys.Clear();
  if (!reader.BeginObject()) return false;
  absl::string_view key;
  while (reader.NextKey(&key)) {
    if (!keys.Insert(key, line)) return false;
    std::string* out = key == "id"      ? &device->id
                       : key == "chain" ? &device->input.chain_pem
                       : key == "registrationId"
                           ? &device->input.registration_id
                       : key == "sasToken" ? &device->input.sas_token
                                           : nullptr;
    if (out == nullptr) {
      if (!reader.SkipValue()) return false;
      continue;
    }
    absl::string_view value;
    internal::JsonValue::Kind kind;
    if (!reader.Peek(&kind) || kind != internal::JsonValue::Kind::kString ||
        !reader.ReadString(&value)) {
      return false;
    }
    out->assign(value.data(), value.size());
  }
  return reader.ok() && reader.Finish();
}

// The same record read into a JSON tree: slower, but its errors say what
// is wrong and where.
absl::Status ParseRecordStrictly(absl::string_view path, CorpusDevice* device) {
  auto record = internal::ParseJson(device->raw);
  if (!record.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", device->line,
                     ": not a JSON object: ", record.status().message()));
  }
  if (!record->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", device->line, ": not a JSON object"));
  }
  auto get = [&](const char* name, std::string* out) -> absl::Status {
    const internal::JsonValue* field = record->Find(name);
    if (field == nullptr) return absl::OkStatus();
    if (!field->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", device->line, ": \"", name, "\" must be a string"));
    }
    *out = field->string_value();
    return absl::OkStatus();
  };
  absl::Status s = get("id", &device->id);
  if (s.ok()) s = get("chain", &device->input.chain_pem);
  if (s.ok()) s = get("registrationId", &device->input.registration_id);
  if (s.ok()) s = get("sasToken", &device->input.sas_token);
  return s;
}

// Empties the fields a record fills, keeping their storage: a batch's
// devices are parsed again and again, and the chains are of like sizes.
void ClearRecord(CorpusDevice* device) {
  device->id.clear();
  device->input.chain_pem.clear();
  device->input.registration_id.clear();
  device->input.sas_token.clear();
  device->input.at = DeviceInput().at;
}

}  // namespace

absl::Status DeviceCorpus::Parse(CorpusDevice* device) const {
  if (is_directory_) return absl::OkStatus();
  ClearRecord(device);
  if (!absl::StartsWith(absl::StripLeadingAsciiWhitespace(device->raw), "{")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ":", device->line,
        ": not a JSON object (a JSONL corpus holds one {\"id\", \"chain\", "
        "...} object per line)"));
  }
  if (!ReadRecord(device->raw, device)) {
    ClearRecord(device);
    if (absl::Status s = ParseRecordStrictly(path_, device); !s.ok()) return s;
  }
  if (device->id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ":", device->line, ": \"id\" is missing or empty"));
  }
  return absl::OkStatus();
}

double DeviceCorpus::Fraction() {
  if (is_directory_) {
    return files_.empty() ? 1.0
                          : static_cast<double>(next_file_) / files_.size();
  }
  return jsonl_->Fraction();
}

}  // namespace chaintrust::analysis
