#include "bridge/port_event_line.h"

#include <nlohmann/json.hpp>

#include "core/wall_clock.h"

namespace ew::bridge {

void append_port_event_line(const std::string& port, PortEvent event, int64_t wall_ns,
                            std::string& out) {
  std::string ts;
  Rfc3339Formatter().format(wall_ns, ts);
  const nlohmann::ordered_json line{
      {"type", "port"}, {"event", port_event_name(event)}, {"ts", ts}, {"iface", port}};
  out += line.dump();
  out += '\n';
}

}  // namespace ew::bridge
