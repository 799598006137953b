// JSON Lines (schema in README.md).
//
// Packet and flow records are the hot path: one JSON object per record
// layout is built once and only its values are overwritten, and the
// serializer appends to the output buffer, so a record costs no allocation
// once the layouts are warm (a fresh nlohmann object per record costs three
// to four times as much).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "line_formatter.h"
#include "wall_clock.h"

namespace ew {

class JsonLineEncoder : public LineFormatter {
 public:
  // Lines are appended to `out`, which must outlive the encoder.
  explicit JsonLineEncoder(std::string& out);
  ~JsonLineEncoder() override;

  void packet(const ew_record& record, std::string_view iface, int64_t wall_ns) override;
  void flow(const FlowEvent& event) override;
  void stats(const StatsLine& stats) override;
  void loss(const LossLine& loss) override;
  void interface_removed(std::string_view iface, int64_t wall_ns) override;

  // Older names, kept for the tests that use them.
  void append_record(const ew_record& record, std::string_view iface, int64_t wall_ns) {
    packet(record, iface, wall_ns);
  }
  void append_stats(const StatsLine& line) { stats(line); }
  static const char* protocol_name(uint8_t proto) { return ew::protocol_name(proto); }

 private:
  struct Layout;
  Layout& layout_for(unsigned key);
  void fill_identity(Layout& layout, const ew_record& record, std::string_view iface,
                     int64_t wall_ns);
  void write(const nlohmann::ordered_json& value);

  std::string& out_;
  nlohmann::detail::serializer<nlohmann::ordered_json> serializer_;
  std::unordered_map<unsigned, std::unique_ptr<Layout>> layouts_;
  Rfc3339Formatter ts_format_;
  std::string ts_;
};

}  // namespace ew
