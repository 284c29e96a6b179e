// The file-backed enrollment set: versions, compare-and-set, restarts.
#include "engine/registry/file_enrollment_set_store.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace chaintrust {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);

std::string TestPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path =
      absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name, ".json");
  std::remove(path.c_str());
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(FileEnrollmentSetStoreTest, NothingStoredYet) {
  FileEnrollmentSetStore store(TestPath("empty"));
  EXPECT_EQ(*store.EnrollmentSetVersion(), 0);
  EXPECT_EQ(store.GetEnrollmentSet().status().code(),
            absl::StatusCode::kNotFound);
}

TEST(FileEnrollmentSetStoreTest, PutsCountVersionsAndWriteTheFile) {
  const std::string path = TestPath("puts");
  FileEnrollmentSetStore store(path);
  const std::string binary("a\0\xff", 3);
  ASSERT_EQ(*store.PutEnrollmentSet(binary, kT0, 0), 1);
  EXPECT_EQ(ReadFile(path), binary);
  ASSERT_EQ(*store.PutEnrollmentSet("second", kT0), 2);
  EXPECT_EQ(*store.EnrollmentSetVersion(), 2);
  auto set = store.GetEnrollmentSet();
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->version, 2);
  EXPECT_EQ(set->body, "second");
  EXPECT_EQ(ReadFile(path), "second");
}

TEST(FileEnrollmentSetStoreTest, StaleExpectedVersionWritesNothing) {
  const std::string path = TestPath("stale");
  FileEnrollmentSetStore store(path);
  ASSERT_EQ(*store.PutEnrollmentSet("one", kT0, 0), 1);
  auto stale = store.PutEnrollmentSet("two", kT0, 0);
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(stale.status().message(), HasSubstr("version 1, not 0"));
  EXPECT_EQ(ReadFile(path), "one");
  EXPECT_EQ(*store.EnrollmentSetVersion(), 1);
}

TEST(FileEnrollmentSetStoreTest, AnExistingFileIsVersionOne) {
  const std::string path = TestPath("restart");
  { std::ofstream(path) << "persisted"; }
  FileEnrollmentSetStore store(path);
  EXPECT_EQ(*store.EnrollmentSetVersion(), 1);
  EXPECT_EQ(store.GetEnrollmentSet()->body, "persisted");
  EXPECT_EQ(store.PutEnrollmentSet("x", kT0, 0).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(FileEnrollmentSetStoreTest, UnwritableDirectoryIsAnError) {
  FileEnrollmentSetStore store("/nonexistent-dir/enrollments.json");
  auto put = store.PutEnrollmentSet("x", kT0);
  EXPECT_EQ(put.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(put.status().message(), HasSubstr("/nonexistent-dir"));
  EXPECT_EQ(*store.EnrollmentSetVersion(), 0);
}

}  // namespace
}  // namespace chaintrust
