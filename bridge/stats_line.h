// The bridge's stats line: {"type":"bridge_stats","ts":...,"ports":[...],
// "mac_table":N,"final":bool}. A type of its own: with --watch the
// classifier's "stats" lines, with other fields, share the stream.
#pragma once

#include <cstdint>
#include <string>

#include "bridge/bridge.h"

namespace ew::bridge {

// Appends one JSON line to `out`.
void append_stats_line(const BridgeStats& stats, int64_t wall_ns, bool final, std::string& out);

}  // namespace ew::bridge
