// Running the built chaintrust binary from a test (test only): its exit
// status, stdout and stderr apart, under a time limit so that a hang fails
// the test instead of stalling it.
#ifndef CHAINTRUST_TOOLS_CLI_CLI_TESTING_H_
#define CHAINTRUST_TOOLS_CLI_CLI_TESTING_H_

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace chaintrust::cli {

struct CliRun {
  int status = -1;  // exit status; 124 when the time limit killed it
  std::string out;
  std::string err;
  std::string output() const { return out + err; }
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `tools/cli/chaintrust ARGS` (ARGS as shell words).
inline CliRun Chaintrust(const std::string& args, int timeout_s = 60) {
  const std::string err_path =
      absl::StrCat(::testing::TempDir(), "/chaintrust.stderr");
  CliRun run;
  FILE* pipe =
      popen(absl::StrCat("timeout ", timeout_s, " tools/cli/chaintrust ", args,
                         " 2>", err_path)
                .c_str(),
            "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    run.out.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadAll(err_path);
  return run;
}

}  // namespace chaintrust::cli

#endif  // CHAINTRUST_TOOLS_CLI_CLI_TESTING_H_
