// The bridge's own lines (stats, port events) in the chosen format: JSON
// Lines for programs, or text for a person at a terminal, matching the
// classifier's TextLineFormatter that shares the stream with --watch.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "bridge/bridge.h"

namespace ew::bridge {

class BridgeLines {
 public:
  virtual ~BridgeLines() = default;
  // Each appends one line to `out`.
  virtual void stats(const BridgeStats& stats, int64_t wall_ns, bool final, std::string& out) = 0;
  virtual void port_event(const std::string& port, PortEvent event, int64_t wall_ns,
                          std::string& out) = 0;
};

std::unique_ptr<BridgeLines> make_json_bridge_lines();
std::unique_ptr<BridgeLines> make_text_bridge_lines();

}  // namespace ew::bridge
