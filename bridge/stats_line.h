// The bridge's stats line: {"type":"stats","ts":...,"ports":[...],
// "mac_table":N,"final":bool}, beside the classifier's own stats lines
// (which carry "seen" instead of "ports") in the same stream.
#pragma once

#include <cstdint>
#include <string>

#include "bridge/bridge.h"

namespace ew::bridge {

// Appends one JSON line to `out`.
void append_stats_line(const BridgeStats& stats, int64_t wall_ns, bool final, std::string& out);

}  // namespace ew::bridge
