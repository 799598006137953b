// Zeroed memory for the conversation table's arrays, straight from mmap.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace ew {

// Zeroed memory for one of the table's arrays, straight from mmap: the
// kernel zeroes a page when it is first touched, so a table sized for the
// kernel map's million conversations costs only the pages its entries have
// reached, and no pass over all of it up front. Zero bytes must be a valid T
// (checked below).
//
// The index, read at random, is asked for transparent huge pages and
// touched whole at once (8 bytes a slot: 16 MiB for a million-entry map):
// in 4 KiB pages nearly every lookup of a new conversation was a TLB miss
// besides a cache miss, a two-level page walk on a VM. The entries are not:
// they are written in order, and faulting huge pages in at random as
// lookups reach them stalled the loop long enough to overflow the ring.
template <typename T>
class ZeroedArray {
 public:
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  ZeroedArray() = default;
  enum class Pages { kOnTouch, kHugeNow };
  explicit ZeroedArray(size_t count, Pages pages = Pages::kOnTouch) : count_(count) {
    bytes_ = std::max<size_t>(count * sizeof(T), 1);
    void* at = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (at == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<T*>(at);
    constexpr size_t kHugePage = 2u << 20;
    if (pages == Pages::kHugeNow && bytes_ >= kHugePage) {
      (void)madvise(at, bytes_, MADV_HUGEPAGE);  // a hint: without THP, small pages
      auto* bytes = static_cast<volatile uint8_t*>(at);
      for (size_t i = 0; i < bytes_; i += 4096)
        bytes[i] = 0;
    }
  }
  ZeroedArray(ZeroedArray&& other) noexcept { swap(other); }
  ZeroedArray& operator=(ZeroedArray&& other) noexcept {
    ZeroedArray gone(std::move(*this));
    swap(other);
    return *this;
  }
  ~ZeroedArray() {
    if (data_) munmap(data_, bytes_);
  }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t size() const { return count_; }

 private:
  void swap(ZeroedArray& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(count_, other.count_);
    std::swap(bytes_, other.bytes_);
  }
  T* data_ = nullptr;
  size_t count_ = 0;
  size_t bytes_ = 0;
};

}  // namespace ew
