#include "tools/device_corpus.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/engine.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tools/cli.h"

namespace chaintrust::cli {
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
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += "\"";
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
    std::sort(corpus->files_.begin(), corpus->files_.end());
    return corpus;
  }
  corpus->jsonl_.open(path, std::ios::binary);
  if (!corpus->jsonl_) {
    return absl::NotFoundError(absl::StrCat(
        path,
        ": cannot open (neither a directory of PEM files nor a JSONL "
        "file)"));
  }
  return corpus;
}

absl::Status DeviceCorpus::NextBatch(size_t max,
                                     std::vector<CorpusDevice>* batch) {
  batch->clear();
  if (is_directory_) {
    while (batch->size() < max && next_file_ < files_.size()) {
      const std::string& name = files_[next_file_++];
      const std::string file = absl::StrCat(path_, "/", name);
      auto pem = ReadFile(file);
      if (!pem.ok()) return pem.status();
      CorpusDevice device;
      device.id = StripExtension(name);
      device.input.chain_pem = *std::move(pem);
      batch->push_back(std::move(device));
    }
    return absl::OkStatus();
  }
  std::string line;
  while (batch->size() < max && std::getline(jsonl_, line)) {
    ++line_;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    google::protobuf::Struct record;
    const auto status =
        google::protobuf::util::JsonStringToMessage(line, &record);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":", line_,
                       ": not a JSON object: ", status.message().as_string()));
    }
    CorpusDevice device;
    const auto& fields = record.fields();
    auto get = [&](const char* name, std::string* out) -> absl::Status {
      auto it = fields.find(name);
      if (it == fields.end()) return absl::OkStatus();
      if (it->second.kind_case() != google::protobuf::Value::kStringValue) {
        return absl::InvalidArgumentError(absl::StrCat(
            path_, ":", line_, ": \"", name, "\" must be a string"));
      }
      *out = it->second.string_value();
      return absl::OkStatus();
    };
    absl::Status s = get("id", &device.id);
    if (s.ok()) s = get("chain", &device.input.chain_pem);
    if (s.ok()) s = get("registrationId", &device.input.registration_id);
    if (s.ok()) s = get("sasToken", &device.input.sas_token);
    if (!s.ok()) return s;
    if (device.id.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ":", line_, ": \"id\" is missing or empty"));
    }
    batch->push_back(std::move(device));
  }
  if (jsonl_.bad()) {
    return absl::DataLossError(absl::StrCat(path_, ": read error"));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> DecideCorpus(const std::string& path,
                                    const std::vector<SnapshotPtr>& snapshots,
                                    const DecideOptions& options,
                                    const DeviceSink& sink) {
  auto corpus = DeviceCorpus::Open(path);
  if (!corpus.ok()) return corpus.status();
  const int threads = std::max(1, options.threads);
  const size_t n_snap = snapshots.size();
  std::vector<std::unique_ptr<Engine>> engines;
  for (const auto& snapshot : snapshots) {
    engines.push_back(std::make_unique<Engine>());
    engines.back()->SetSnapshot(snapshot);
  }
  // evaluators[thread][snapshot]
  std::vector<std::vector<std::unique_ptr<Evaluator>>> evaluators(threads);
  for (auto& row : evaluators) {
    for (const auto& engine : engines) row.push_back(engine->NewEvaluator());
  }
  const bool progress = options.progress && isatty(STDERR_FILENO);
  std::vector<CorpusDevice> batch;
  std::vector<Decision> decisions;  // [device * n_snap + snapshot]
  size_t total = 0;
  for (;;) {
    const absl::Status status =
        (*corpus)->NextBatch(std::max<size_t>(1, options.batch_size), &batch);
    if (!status.ok()) return status;
    if (batch.empty()) break;
    for (auto& device : batch) device.input.at = options.at;
    if (decisions.size() < batch.size() * n_snap) {
      decisions.resize(batch.size() * n_snap);
    }
    auto work = [&](int t) {
      const size_t begin = batch.size() * t / threads;
      const size_t end = batch.size() * (t + 1) / threads;
      for (size_t i = begin; i < end; ++i) {
        for (size_t s = 0; s < n_snap; ++s) {
          DecideDevice(*evaluators[t][s], batch[i].input,
                       &decisions[i * n_snap + s]);
        }
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    for (size_t i = 0; i < batch.size(); ++i) {
      sink(batch[i], absl::MakeConstSpan(&decisions[i * n_snap], n_snap));
    }
    total += batch.size();
    if (progress)
      std::cerr << "\rdecided " << total << " devices" << std::flush;
  }
  if (progress) std::cerr << "\n";
  return total;
}

}  // namespace chaintrust::cli
