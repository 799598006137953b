#include "bridge/stats_line.h"

#include <nlohmann/json.hpp>

#include "core/wall_clock.h"

namespace ew::bridge {

void append_stats_line(const BridgeStats& stats, int64_t wall_ns, bool final, std::string& out) {
  using nlohmann::ordered_json;
  std::string ts;
  Rfc3339Formatter().format(wall_ns, ts);
  ordered_json ports = ordered_json::array();
  for (const PortStats& port : stats.ports) {
    const PortCounters& c = port.counters;
    ports.push_back(ordered_json{
        {"name", port.name},
        {"received", c.received},
        {"sent", c.sent},
        {"dropped", c.kernel_drops},
        {"send_failed", c.send_failed},
        {"not_forwarded",
         {{"same_side", c.same_side},
          {"link_local", c.link_local},
          {"truncated", c.truncated},
          {"runt", c.runt}}},
    });
  }
  const ordered_json line{
      {"type", "bridge_stats"},       {"ts", ts},       {"ports", std::move(ports)},
      {"mac_table", stats.mac_table}, {"final", final},
  };
  out += line.dump();
  out += '\n';
}

}  // namespace ew::bridge
