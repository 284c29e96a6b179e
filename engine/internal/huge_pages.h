// Memory for large flat tables, backed by transparent huge pages where the
// kernel gives them.
//
// A table read at random (a hash table's slots) costs a TLB miss per
// lookup on 4 KiB pages once it is larger than the TLB's reach; on 2 MiB
// pages it costs none up to several hundred MiB. HugePageMemory maps the
// table's size rounded up to whole 4 KiB pages, placed so that it starts on
// a 2 MiB boundary, and asks for huge pages (madvise MADV_HUGEPAGE) on the
// whole 2 MiB pages inside it only: the tail past the last whole huge page
// stays on 4 KiB pages, so what is mapped, and resident once touched, is
// the table's size (to 4 KiB), never rounded up to a huge page. A table
// under 2 MiB gets no huge page (it comes from the heap). Where the kernel has
// no transparent huge pages (or they are off), the memory is ordinary pages.
#ifndef CHAINTRUST_ENGINE_INTERNAL_HUGE_PAGES_H_
#define CHAINTRUST_ENGINE_INTERNAL_HUGE_PAGES_H_

#include <cstddef>

namespace chaintrust {
namespace internal {

class HugePageMemory {
 public:
  static constexpr size_t kPage = size_t{4} << 10;
  static constexpr size_t kHugePage = size_t{2} << 20;

  HugePageMemory() = default;
  // `bytes` of zeroed memory (none for 0). Aborts when the system has no
  // memory to map, as operator new does in this project (no exceptions).
  explicit HugePageMemory(size_t bytes);
  ~HugePageMemory();
  HugePageMemory(HugePageMemory&& other) noexcept;
  HugePageMemory& operator=(HugePageMemory&& other) noexcept;
  HugePageMemory(const HugePageMemory&) = delete;
  HugePageMemory& operator=(const HugePageMemory&) = delete;

  void* data() const { return data_; }
  // The size asked for.
  size_t size() const { return size_; }
  // What is mapped for it: the size rounded up to 4 KiB; 0 for a table
  // under a huge page (from the heap).
  size_t mapped_bytes() const { return mapped_; }
  // The part asked to be on huge pages: the whole 2 MiB pages inside.
  size_t huge_page_bytes() const { return huge_; }

 private:
  void Release();

  void* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;
  size_t huge_ = 0;
};

}  // namespace internal
}  // namespace chaintrust

#endif  // CHAINTRUST_ENGINE_INTERNAL_HUGE_PAGES_H_
