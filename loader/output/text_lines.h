// --format text: aligned columns for a person at a terminal. Times are local
// (TZ) with the date, milliseconds and the zone's offset; addresses and ports
// as addr:port ([v6]:port).
#pragma once

#include <string>

#include "core/wall_clock.h"
#include "output/line_formatter.h"

namespace ew {

class TextLineFormatter : public LineFormatter {
 public:
  explicit TextLineFormatter(std::string& out) : out_(out) {}

  void packet(const ew_record& record, std::string_view iface, int64_t wall_ns) override;
  void flow(const FlowEvent& event) override;
  void stats(const StatsLine& stats) override;
  void loss(const LossLine& loss) override;
  void interface_removed(std::string_view iface, int64_t wall_ns) override;

 private:
  void row(int64_t wall_ns, std::string_view what, std::string_view iface,
           const ew_record& identity, const std::string& tail);
  void time_column(int64_t wall_ns);

  std::string& out_;
  // Columns widen to the longest value seen so far (interface names reach
  // 15 characters, [IPv6]:port 47) and never narrow again.
  size_t iface_width_ = 8;
  size_t src_width_ = 21;
  size_t dst_width_ = 21;
  LocalTimeFormatter ts_format_;
  std::string ts_;
};

}  // namespace ew
