// Checks that the committed corpus (testdata/scenarios/) is exactly what the
// generator writes, file by file and byte for byte, and that the generator
// is deterministic.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "testdata/scenario_corpus.h"

namespace chaintrust {
namespace testdata {
namespace {

namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

// Every regular file under `root`: relative path -> contents.
std::map<std::string, std::string> ReadTree(const fs::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(
           root, fs::directory_options::follow_directory_symlink)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    files[entry.path().lexically_relative(root).generic_string()] =
        contents.str();
  }
  return files;
}

TEST(CorpusTest, GeneratorIsDeterministic) {
  EXPECT_TRUE(GenerateScenarioCorpus() == GenerateScenarioCorpus())
      << "two runs of the generator in one process differ";
}

TEST(CorpusTest, CommittedCorpusIsUpToDate) {
  const fs::path generated = fs::path(Env("TEST_TMPDIR")) / "scenarios";
  ASSERT_TRUE(WriteScenarioCorpus(generated.string()).ok());
  const fs::path committed = fs::path(Env("TEST_SRCDIR")) /
                             Env("TEST_WORKSPACE") / "testdata" / "scenarios";
  ASSERT_TRUE(fs::is_directory(committed)) << committed;

  const auto want = ReadTree(generated);
  const auto have = ReadTree(committed);
  ASSERT_FALSE(want.empty());
  const std::string fix =
      std::string("; regenerate with: ") + kRegenerateCommand;
  for (const auto& [path, contents] : want) {
    auto it = have.find(path);
    if (it == have.end()) {
      ADD_FAILURE() << "testdata/scenarios/" << path
                    << " is missing from the committed corpus" << fix;
    } else if (it->second != contents) {
      ADD_FAILURE() << "testdata/scenarios/" << path
                    << " differs from the generator's output" << fix;
    }
  }
  for (const auto& [path, contents] : have) {
    if (want.count(path) == 0) {
      ADD_FAILURE() << "testdata/scenarios/" << path
                    << " is not generated any more (stale)" << fix;
    }
  }
}

}  // namespace
}  // namespace testdata
}  // namespace chaintrust
