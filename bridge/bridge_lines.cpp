#include "bridge/bridge_lines.h"

#include "bridge/port_event_line.h"
#include "bridge/stats_line.h"
#include "core/wall_clock.h"

namespace ew::bridge {
namespace {

class JsonBridgeLines : public BridgeLines {
 public:
  void stats(const BridgeStats& stats, int64_t wall_ns, bool final, std::string& out) override {
    append_stats_line(stats, wall_ns, final, out);
  }
  void port_event(const std::string& port, PortEvent event, int64_t wall_ns,
                  std::string& out) override {
    append_port_event_line(port, event, wall_ns, out);
  }
};

// Lines start with the time column as TextLineFormatter's do.
class TextBridgeLines : public BridgeLines {
 public:
  void stats(const BridgeStats& stats, int64_t wall_ns, bool final, std::string& out) override {
    time_column(wall_ns, out);
    auto n = [](uint64_t v) { return std::to_string(v); };
    out.append(final ? "bridge stats (final):" : "bridge stats:");
    for (const PortStats& port : stats.ports) {
      const PortCounters& c = port.counters;
      out.append("  " + port.name + ": received " + n(c.received) + "  sent " + n(c.sent) +
                 "  dropped " + n(c.kernel_drops) + "  send failed " + n(c.send_failed) +
                 "  not forwarded: same side " + n(c.same_side) + ", link-local " +
                 n(c.link_local) + ", truncated " + n(c.truncated) + ", runt " + n(c.runt));
    }
    out.append("  mac table " + n(stats.mac_table) + "\n");
  }
  void port_event(const std::string& port, PortEvent event, int64_t wall_ns,
                  std::string& out) override {
    time_column(wall_ns, out);
    out.append("port ").append(port).append(" ").append(port_event_name(event)).append("\n");
  }

 private:
  void time_column(int64_t wall_ns, std::string& out) {
    ts_format_.format(wall_ns, ts_);
    out.append(ts_);
    out.push_back(' ');
  }

  LocalTimeFormatter ts_format_;
  std::string ts_;
};

}  // namespace

std::unique_ptr<BridgeLines> make_json_bridge_lines() {
  return std::make_unique<JsonBridgeLines>();
}

std::unique_ptr<BridgeLines> make_text_bridge_lines() {
  return std::make_unique<TextBridgeLines>();
}

}  // namespace ew::bridge
