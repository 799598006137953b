#include "records/record_source.h"

#include <cstring>

namespace ew {

bool decode_record(std::span<const uint8_t> bytes, ew_record& out) {
  if (bytes.size() != sizeof(ew_record)) return false;
  std::memcpy(&out, bytes.data(), sizeof(out));
  return true;
}

bool decode_perf_sample(std::span<const uint8_t> bytes, ew_record& out) {
  return bytes.size() >= sizeof(ew_record) && decode_record(bytes.first(sizeof(ew_record)), out);
}

}  // namespace ew
