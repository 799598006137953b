// JSON Lines encoding of records and stats (schema in README.md).
//
// Records are the hot path: one object per record shape is built once and
// only its values are overwritten, and the serializer appends to the output
// buffer, so a record costs no allocation once the shapes are warm
// (a fresh nlohmann object per record costs three to four times as much).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "counters.h"
#include "egresswatch_abi.h"
#include "wall_clock.h"

namespace ew {

struct StatsLine {
  int64_t wall_ns = 0;
  Counters counters;
  uint64_t records = 0;    // record lines written so far
  uint64_t malformed = 0;  // records the loader could not decode
  bool final = false;
};

class JsonLineEncoder {
 public:
  // Lines are appended to `out`, which must outlive the encoder.
  explicit JsonLineEncoder(std::string& out);
  ~JsonLineEncoder();

  void append_record(const ew_record& record, std::string_view iface, int64_t wall_ns);
  void append_stats(const StatsLine& stats);

  // "tcp", "udp", "icmp", "icmpv6", or nullptr for a protocol shown by number.
  static const char* protocol_name(uint8_t proto);

 private:
  struct Shape;
  Shape& shape_for(const ew_record& record);
  void write(const nlohmann::ordered_json& value);

  std::string& out_;
  nlohmann::detail::serializer<nlohmann::ordered_json> serializer_;
  std::array<std::unique_ptr<Shape>, 8> shapes_;
  Rfc3339Formatter ts_format_;
  std::string ts_;
};

}  // namespace ew
