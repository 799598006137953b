// What the kernel takes as a BPF ring buffer's size: a power of two that is a
// multiple of the page size. Pages are 4 KiB on x86, 16 KiB on a Raspberry Pi
// 5's kernel and 64 KiB on some arm64 ones, so no fixed minimum fits
// everywhere: the check asks the running kernel.
#pragma once

#include <cstdint>
#include <string>

namespace ew {

// Why `bytes` cannot be the ring's size with pages of `page_size` bytes, or
// "" when it can.
std::string ring_size_problem(uint64_t bytes, uint64_t page_size);

// The running kernel's page size.
uint64_t kernel_page_size();

}  // namespace ew
