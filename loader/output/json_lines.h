// JSON Lines (schema in README.md).
//
// Packet and flow records are the hot path. Each record layout (kind and
// which optional keys it has) is built once as an nlohmann object and dumped
// once; the text between its changing values (keys, punctuation, constant
// values) is kept, so a record costs only its values: numbers with
// std::to_chars, addresses and timestamps by hand, and strings that could
// need escaping (interface names, reasons) through nlohmann's serializer when
// they hold a byte that needs it. The lines are byte for byte what dump() of
// the object would write (tests/unit/json_lines_test.cpp compares the two on
// random records). Why it is worth it: bench/README.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/wall_clock.h"
#include "output/line_formatter.h"

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
  // kind (2 bits), a community id (1 bit), a reason (1 bit), the flags shown (8 bits).
  static constexpr size_t kLayoutKeys = 4096;

  const Layout& layout_for(unsigned key);
  void write_line(const Layout& layout, const ew_record& record, std::string_view iface,
                  int64_t wall_ns, const FlowEvent* flow);
  void append_string(std::string_view text);
  void append_timestamp(int64_t wall_ns);
  void append_number(uint64_t value);
  void write(const nlohmann::ordered_json& value);

  std::string& out_;
  nlohmann::detail::serializer<nlohmann::ordered_json> serializer_;
  nlohmann::ordered_json scratch_;  // a string that needs escaping
  std::array<std::unique_ptr<Layout>, kLayoutKeys> layouts_;
  Rfc3339Formatter ts_format_;
  char ts_[Rfc3339Formatter::kMaxSize] = {};
  size_t ts_size_ = 0;
  int64_t ts_ns_ = INT64_MIN;  // what ts_ holds
  std::string clean_iface_;    // the last interface name that needed no escaping
};

}  // namespace ew
