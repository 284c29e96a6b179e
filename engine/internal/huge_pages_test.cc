#include "engine/internal/huge_pages.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "gtest/gtest.h"

namespace chaintrust {
namespace internal {
namespace {

constexpr size_t kPage = HugePageMemory::kPage;
constexpr size_t kHuge = HugePageMemory::kHugePage;

// Whether the 4 KiB page at `p` is mapped (mincore fails with ENOMEM on an
// address outside every mapping).
bool Mapped(const void* p) {
  unsigned char resident = 0;
  errno = 0;
  const int rc = mincore(const_cast<void*>(p), kPage, &resident);
  return rc == 0 || errno != ENOMEM;
}

bool AllZero(const HugePageMemory& m) {
  const unsigned char* p = static_cast<const unsigned char*>(m.data());
  for (size_t i = 0; i < m.size(); ++i) {
    if (p[i] != 0) return false;
  }
  return true;
}

TEST(HugePageMemoryTest, EmptyHasNothing) {
  HugePageMemory none;
  EXPECT_EQ(none.data(), nullptr);
  HugePageMemory zero(0);
  EXPECT_EQ(zero.data(), nullptr);
  EXPECT_EQ(zero.mapped_bytes(), 0u);
}

TEST(HugePageMemoryTest, SmallTableComesFromTheHeap) {
  HugePageMemory m(10000);
  ASSERT_NE(m.data(), nullptr);
  EXPECT_EQ(m.size(), 10000u);
  EXPECT_EQ(m.mapped_bytes(), 0u);
  EXPECT_EQ(m.huge_page_bytes(), 0u);
  EXPECT_TRUE(AllZero(m));
  std::memset(m.data(), 0xab, m.size());
}

TEST(HugePageMemoryTest, LargeTableStartsOnAHugePageAndIsNotRoundedUp) {
  const size_t bytes = 2 * kHuge + 5 * kPage + 123;
  HugePageMemory m(bytes);
  ASSERT_NE(m.data(), nullptr);
  const uintptr_t start = reinterpret_cast<uintptr_t>(m.data());
  EXPECT_EQ(start % kHuge, 0u);
  EXPECT_EQ(m.mapped_bytes(), 2 * kHuge + 6 * kPage);
  // Only the whole huge pages are asked for (where the kernel has THP).
  EXPECT_TRUE(m.huge_page_bytes() == 2 * kHuge || m.huge_page_bytes() == 0);
  EXPECT_TRUE(AllZero(m));
  std::memset(m.data(), 0xcd, m.size());
  // The last page of the table is mapped; the reserve past it was given
  // back.
  const unsigned char* p = static_cast<const unsigned char*>(m.data());
  EXPECT_TRUE(Mapped(p + m.mapped_bytes() - kPage));
  EXPECT_FALSE(Mapped(p + m.mapped_bytes()));
}

TEST(HugePageMemoryTest, ExactlyOneHugePage) {
  HugePageMemory m(kHuge);
  ASSERT_NE(m.data(), nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.data()) % kHuge, 0u);
  EXPECT_EQ(m.mapped_bytes(), kHuge);
  const unsigned char* p = static_cast<const unsigned char*>(m.data());
  EXPECT_FALSE(Mapped(p + kHuge));
  // Just under a huge page: from the heap.
  HugePageMemory under(kHuge - kPage);
  EXPECT_EQ(under.mapped_bytes(), 0u);
  EXPECT_EQ(under.huge_page_bytes(), 0u);
  EXPECT_TRUE(AllZero(under));
}

TEST(HugePageMemoryTest, MovesAndUnmaps) {
  HugePageMemory a(3 * kHuge);
  void* const data = a.data();
  static_cast<char*>(data)[0] = 7;
  HugePageMemory b(std::move(a));
  EXPECT_EQ(a.data(), nullptr);
  EXPECT_EQ(b.data(), data);
  EXPECT_EQ(static_cast<char*>(b.data())[0], 7);
  HugePageMemory c;
  c = std::move(b);
  EXPECT_EQ(c.data(), data);
  EXPECT_EQ(c.mapped_bytes(), 3 * kHuge);
  c = HugePageMemory();
  EXPECT_EQ(c.data(), nullptr);
  EXPECT_FALSE(Mapped(data));
}

}  // namespace
}  // namespace internal
}  // namespace chaintrust
