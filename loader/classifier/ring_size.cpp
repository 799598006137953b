#include "classifier/ring_size.h"

#include <unistd.h>

namespace ew {

std::string ring_size_problem(uint64_t bytes, uint64_t page_size) {
  const bool power_of_two = bytes != 0 && (bytes & (bytes - 1)) == 0;
  // A power of two at least as large as a (power-of-two) page is a multiple of it.
  if (power_of_two && bytes >= page_size) return "";
  return std::to_string(bytes) + " is not a power of two of at least the page size (" +
         std::to_string(page_size) + " bytes here)";
}

uint64_t kernel_page_size() {
  const long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<uint64_t>(page) : 4096;
}

}  // namespace ew
