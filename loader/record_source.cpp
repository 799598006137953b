#include "record_source.h"

#include <cstring>

namespace ew {

bool decode_record(std::span<const uint8_t> bytes, ew_record& out) {
  if (bytes.size() != sizeof(ew_record)) return false;
  std::memcpy(&out, bytes.data(), sizeof(out));
  return true;
}

}  // namespace ew
