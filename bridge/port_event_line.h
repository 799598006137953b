// The line for a change of a port's link, in egresswatch's interface-line
// style: {"type":"port","event":"down"|"up"|"removed","ts":...,"iface":"eth0"}.
#pragma once

#include <cstdint>
#include <string>

#include "bridge/bridge.h"

namespace ew::bridge {

// Appends one JSON line to `out`.
void append_port_event_line(const std::string& port, PortEvent event, int64_t wall_ns,
                            std::string& out);

}  // namespace ew::bridge
