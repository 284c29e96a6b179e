#include "bench/frontend_load_proc.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace chaintrust::bench {

double CpuMicros(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses: state is the
  // 3rd field, utime the 14th, stime the 15th.
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields = absl::StrSplit(
      absl::string_view(text).substr(close + 2), ' ', absl::SkipEmpty());
  if (fields.size() < 13) return 0;
  double utime = 0, stime = 0;
  if (!absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return 0;
  }
  return (utime + stime) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double SelfCpuMicros() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto micros = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

std::map<std::string, ThreadUse> ThreadUses(pid_t pid) {
  std::map<std::string, ThreadUse> uses;
  const std::string dir = absl::StrCat("/proc/", pid, "/task");
  DIR* tasks = opendir(dir.c_str());
  if (tasks == nullptr) return uses;
  while (dirent* entry = readdir(tasks)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream status(absl::StrCat(dir, "/", entry->d_name, "/status"));
    std::string line, name;
    ThreadUse use;
    while (std::getline(status, line)) {
      if (line.rfind("Name:", 0) == 0) {
        name = std::string(absl::StripAsciiWhitespace(line.substr(5)));
        name = name.substr(0, name.find_first_of("0123456789"));
      } else if (line.find("ctxt_switches:") != std::string::npos) {
        use.switches += std::atoll(line.c_str() + line.find(':') + 1);
      }
    }
    std::ifstream stat(absl::StrCat(dir, "/", entry->d_name, "/stat"));
    std::string text((std::istreambuf_iterator<char>(stat)),
                     std::istreambuf_iterator<char>());
    const size_t close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields = absl::StrSplit(
        absl::string_view(text).substr(close + 2), ' ', absl::SkipEmpty());
    double utime = 0, stime = 0;
    if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
        !absl::SimpleAtod(fields[12], &stime)) {
      continue;
    }
    use.cpu_us =
        (utime + stime) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
    uses[name].cpu_us += use.cpu_us;
    uses[name].switches += use.switches;
  }
  closedir(tasks);
  return uses;
}

std::map<std::string, ThreadUse> ThreadDelta(
    const std::map<std::string, ThreadUse>& before,
    const std::map<std::string, ThreadUse>& after) {
  std::map<std::string, ThreadUse> delta;
  for (const auto& [name, use] : after) {
    auto it = before.find(name);
    const ThreadUse start = it == before.end() ? ThreadUse() : it->second;
    delta[name] =
        ThreadUse{use.cpu_us - start.cpu_us, use.switches - start.switches};
  }
  return delta;
}

void AddThreadUse(const std::map<std::string, ThreadUse>& delta,
                  std::map<std::string, ThreadUse>* total) {
  for (const auto& [name, use] : delta) {
    ThreadUse& sum = (*total)[name];
    sum.cpu_us += use.cpu_us;
    sum.switches += use.switches;
  }
}

void PrintThreads(const std::map<std::string, ThreadUse>& used, size_t ops) {
  if (ops == 0) return;
  std::cout << "    server threads:";
  for (const auto& [name, use] : used) {
    std::cout << absl::StrFormat(" %s %.0f us %.1f sw;", name, use.cpu_us / ops,
                                 double(use.switches) / ops);
  }
  std::cout << " per op\n";
}

void ReportThreads(pid_t pid, const std::map<std::string, ThreadUse>& before,
                   size_t ops) {
  PrintThreads(ThreadDelta(before, ThreadUses(pid)), ops);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

int64_t ResidentKb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

}  // namespace chaintrust::bench
