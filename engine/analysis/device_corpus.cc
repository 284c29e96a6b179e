#include "engine/analysis/device_corpus.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>
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
  const std::string json = RenderJson(decision);
  // RenderJson gives one object "{...}"; insert the device first.
  return absl::StrCat("{\"device\":", JsonQuote(device), ",",
                      absl::string_view(json).substr(1));
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
  internal::JsonReader reader(line);
  internal::JsonKeySet keys;
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

}  // namespace

absl::Status DeviceCorpus::Parse(CorpusDevice* device) const {
  if (is_directory_) return absl::OkStatus();
  device->id.clear();
  device->input = DeviceInput();
  if (!absl::StartsWith(absl::StripLeadingAsciiWhitespace(device->raw), "{")) {
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ":", device->line,
        ": not a JSON object (a JSONL corpus holds one {\"id\", \"chain\", "
        "...} object per line)"));
  }
  if (!ReadRecord(device->raw, device)) {
    device->id.clear();
    device->input = DeviceInput();
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

absl::StatusOr<size_t> DecideCorpus(const std::string& path,
                                    const std::vector<SnapshotPtr>& snapshots,
                                    const DecideOptions& options,
                                    const DeviceSink& sink) {
  auto opened = DeviceCorpus::Open(path);
  if (!opened.ok()) return opened.status();
  DeviceCorpus& corpus = **opened;
  const int threads = std::max(1, options.threads);
  const size_t n_snap = snapshots.size();
  std::vector<std::unique_ptr<Engine>> engines;
  EngineOptions engine_options;
  engine_options.resolver = options.resolver;
  for (size_t i = 0; i < n_snap; ++i) {
    engines.push_back(std::make_unique<Engine>(engine_options));
    engines.back()->SetPolicy(
        snapshots[i], i < options.crls.size() ? options.crls[i] : nullptr);
  }
  // evaluators[thread][snapshot]
  std::vector<std::vector<std::unique_ptr<Evaluator>>> evaluators(threads);
  for (auto& row : evaluators) {
    for (const auto& engine : engines) row.push_back(engine->NewEvaluator());
  }
  const bool progress = options.progress && isatty(STDERR_FILENO);
  const absl::Time start = absl::Now();
  absl::Time last_progress = start;
  bool progress_shown = false;
  std::vector<CorpusDevice> batch;
  std::vector<Decision> decisions;  // [device * n_snap + snapshot]
  std::vector<absl::Status> errors;
  size_t total = 0;
  for (;;) {
    const absl::Status status =
        corpus.NextBatch(std::max<size_t>(1, options.batch_size), &batch);
    if (!status.ok()) return status;
    if (batch.empty()) break;
    if (decisions.size() < batch.size() * n_snap) {
      decisions.resize(batch.size() * n_snap);
    }
    errors.assign(batch.size(), absl::OkStatus());
    // Devices are handed out in chunks so that both threads stay busy
    // whatever the mix of cheap and expensive chains.
    constexpr size_t kChunk = 64;
    std::atomic<size_t> next{0};
    auto work = [&](int t) {
      for (;;) {
        const size_t begin = next.fetch_add(kChunk);
        if (begin >= batch.size()) return;
        const size_t end = std::min(batch.size(), begin + kChunk);
        for (size_t i = begin; i < end; ++i) {
          CorpusDevice& device = batch[i];
          errors[i] = corpus.Parse(&device);
          if (!errors[i].ok()) continue;
          device.input.at = options.at;
          for (size_t s = 0; s < n_snap; ++s) {
            DecideDevice(*evaluators[t][s], device.input,
                         &decisions[i * n_snap + s]);
          }
          if (options.prepare) {
            device.annotation.clear();
            device.notes.clear();
            options.prepare(
                &device, absl::MakeConstSpan(&decisions[i * n_snap], n_snap));
          }
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (size_t i = 0; i < batch.size(); ++i) {
      if (!errors[i].ok()) return errors[i];
      sink(batch[i], absl::MakeConstSpan(&decisions[i * n_snap], n_snap));
    }
    total += batch.size();
    const absl::Time now = absl::Now();
    // Only a long run gets a progress bar, redrawn a few times a second.
    if (progress && now - start > absl::Seconds(1) &&
        now - last_progress > absl::Milliseconds(200)) {
      last_progress = now;
      progress_shown = true;
      const double f = corpus.Fraction();
      const int width = 30;
      const int filled = static_cast<int>(f * width);
      const double seconds = absl::ToDoubleSeconds(now - start);
      std::cerr << "\r[" << std::string(filled, '#')
                << std::string(width - filled, '.') << "] "
                << static_cast<int>(f * 100) << "%  " << total << " devices  "
                << static_cast<int64_t>(total / std::max(seconds, 1e-3))
                << "/s " << std::flush;
    }
  }
  if (progress_shown) std::cerr << "\n";
  return total;
}

}  // namespace chaintrust::analysis
