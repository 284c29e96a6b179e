#include "engine/internal/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace chaintrust {
namespace internal {
namespace {

[[noreturn]] void OutOfMemory(size_t bytes) {
  std::fprintf(stderr, "chaintrust: cannot map %zu bytes\n", bytes);
  std::abort();
}

uintptr_t RoundUp(uintptr_t n, uintptr_t to) { return (n + to - 1) / to * to; }

}  // namespace

HugePageMemory::HugePageMemory(size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  if (RoundUp(bytes, kPage) < kHugePage) {
    // No whole huge page fits: from the heap, like any small table.
    data_ = std::calloc(bytes, 1);
    if (data_ == nullptr) OutOfMemory(bytes);
    return;
  }
  mapped_ = RoundUp(bytes, kPage);
  // Map a huge page more than needed, keep the part that starts on a 2 MiB
  // boundary, and give the head and the tail back.
  const size_t reserved = mapped_ + kHugePage;
  void* p = mmap(nullptr, reserved, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) OutOfMemory(reserved);
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  const uintptr_t start = RoundUp(begin, kHugePage);
  const uintptr_t end = start + mapped_;
  if (start > begin) munmap(p, start - begin);
  if (begin + reserved > end) {
    munmap(reinterpret_cast<void*>(end), begin + reserved - end);
  }
  data_ = reinterpret_cast<void*>(start);
  huge_ = mapped_ / kHugePage * kHugePage;
#ifdef MADV_HUGEPAGE
  // Advice only: where the kernel refuses, the pages are ordinary ones.
  if (madvise(data_, huge_, MADV_HUGEPAGE) != 0) huge_ = 0;
#else
  huge_ = 0;
#endif
}

HugePageMemory::~HugePageMemory() { Release(); }

HugePageMemory::HugePageMemory(HugePageMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)),
      huge_(std::exchange(other.huge_, 0)) {}

HugePageMemory& HugePageMemory::operator=(HugePageMemory&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
    huge_ = std::exchange(other.huge_, 0);
  }
  return *this;
}

void HugePageMemory::Release() {
  if (mapped_ != 0) {
    munmap(data_, mapped_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  size_ = mapped_ = huge_ = 0;
}

}  // namespace internal
}  // namespace chaintrust
