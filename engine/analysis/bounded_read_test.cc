// ReadFileBounded and LineReader: caps, refusals of what is not a regular
// file, and lines split the same whatever the buffer boundaries.
#include "engine/analysis/bounded_read.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace chaintrust::analysis {
namespace {

std::string Write(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name);
  FILE* f = fopen(path.c_str(), "wb");
  fwrite(contents.data(), 1, contents.size(), f);
  fclose(f);
  return path;
}

TEST(BoundedReadTest, ReadsUpToTheCapAndRefusesMore) {
  const std::string path = Write("ten", "0123456789");
  auto text = ReadFileBounded(path, 10);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(*text, "0123456789");
  text = ReadFileBounded(path, 9);
  ASSERT_FALSE(text.ok());
  EXPECT_TRUE(absl::StrContains(text.status().message(), "limit of 9 bytes"))
      << text.status();
  auto empty = ReadFileBounded(Write("empty", ""), 10);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(BoundedReadTest, RefusesWhatIsNotARegularFile) {
  auto dir = ReadFileBounded(::testing::TempDir(), 100);
  ASSERT_FALSE(dir.ok());
  EXPECT_TRUE(absl::StrContains(dir.status().message(), "is a directory"))
      << dir.status();
  // /dev/zero never ends: refused before reading, not read forever.
  auto zero = ReadFileBounded("/dev/zero", 100);
  ASSERT_FALSE(zero.ok());
  EXPECT_TRUE(absl::StrContains(zero.status().message(), "a character device"))
      << zero.status();
  const std::string fifo = absl::StrCat(::testing::TempDir(), "/fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto from_fifo = ReadFileBounded(fifo, 100);  // no writer: must not block
  ASSERT_FALSE(from_fifo.ok());
  EXPECT_TRUE(absl::StrContains(from_fifo.status().message(), "a FIFO"))
      << from_fifo.status();
  auto missing = ReadFileBounded("/no/such/file", 100);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(absl::StrContains(missing.status().message(), "/no/such/file"));
}

TEST(BoundedReadTest, LinesAcrossBufferBoundaries) {
  // Lines of every length around the reader's 64 KiB chunk.
  std::vector<std::string> lines;
  std::string text;
  for (size_t n : {0, 1, 65535, 65536, 65537, 3, 131072}) {
    lines.push_back(std::string(n, 'x'));
    absl::StrAppend(&text, lines.back(), n == 3 ? "\r\n" : "\n");
  }
  text += "last";  // no final newline
  lines.push_back("last");
  auto reader = LineReader::Open(Write("lines", text));
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::string line;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto more = (*reader)->Next(1 << 20, &line);
    ASSERT_TRUE(more.ok()) << more.status();
    ASSERT_TRUE(*more) << i;
    EXPECT_EQ(line.size(), lines[i].size()) << i;
    EXPECT_EQ((*reader)->line_number(), i + 1);
  }
  auto more = (*reader)->Next(1 << 20, &line);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_DOUBLE_EQ((*reader)->Fraction(), 1.0);
}

TEST(BoundedReadTest, LongLineIsAnErrorNamingTheLine) {
  auto reader = LineReader::Open(
      Write("long", absl::StrCat("ok\n", std::string(300000, 'y'), "\n")));
  ASSERT_TRUE(reader.ok());
  std::string line;
  ASSERT_TRUE(*(*reader)->Next(1000, &line));
  auto more = (*reader)->Next(1000, &line);
  ASSERT_FALSE(more.ok());
  EXPECT_TRUE(absl::StrContains(more.status().message(),
                                "long:2: a line longer than the limit of 1000"))
      << more.status();
  // The same line without a newline at the end of the file.
  reader = LineReader::Open(Write("long-last", std::string(5000, 'y')));
  ASSERT_TRUE(reader.ok());
  EXPECT_FALSE((*reader)->Next(1000, &line).ok());
}

}  // namespace
}  // namespace chaintrust::analysis
