// Flow mode in userspace. The kernel keeps counters per flow in an LRU map
// and sends a record when a flow starts; this follows every flow it was told
// of, and on each scan of the map writes "update" lines for flows that moved,
// "end" lines for flows idle past the timeout (deleting them from the map),
// and "end" lines with reason "evicted" for flows the full map pushed out.
// A flow found in the map but never announced (its record lost to a full
// ring, or held back by --rate-limit) is announced late, so none goes unseen.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/wall_clock.h"
#include "egresswatch_abi.h"
#include "output/line_formatter.h"

namespace ew {

class FlowTracker {
 public:
  using InterfaceName = std::function<std::string_view(uint32_t ifindex)>;

  FlowTracker(int flows_map_fd, uint64_t idle_timeout_ns, LineFormatter& out,
              const WallClock& clock, InterfaceName iface_name);

  // A new-flow record from the ring.
  void on_new(const ew_record& record);

  // Reads the kernel's table. With emit_updates, flows that moved since their
  // last line get an "update". Idle flows end; vanished ones were evicted.
  // Throws ew::Error if the map cannot be read.
  void scan(uint64_t now_monotonic_ns, bool emit_updates);

  // At exit: a last scan, then an "end" (reason "stopped") for every flow.
  void finish(uint64_t now_monotonic_ns);

  // The interface went away: its flows end now (reason "removed"), with
  // their last counts taken out of the kernel's table, rather than at exit.
  void end_interface(uint32_t ifindex, uint64_t now_monotonic_ns);

  uint64_t active() const { return flows_.size(); }
  uint64_t evicted() const { return evicted_; }

  using Key = std::array<uint8_t, sizeof(ew_flow_key)>;
  static Key key_of(const ew_record& record);

 private:
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Known {
    ew_record identity;  // what lines show for this flow
    uint64_t first_ns = 0;
    int64_t first_wall_ns = 0;  // fixed once, so every line of a flow agrees
    uint64_t last_ns = 0;
    uint64_t reported_packets = 0;
    uint64_t reported_bytes = 0;
    bool seen = false;
  };
  struct Entry {
    ew_flow_key key;
    ew_flow_stats stats;
  };

  std::vector<Entry> read_table();
  void emit(FlowEvent::Kind kind, const char* reason, const Known& flow, const ew_flow_stats& stats,
            uint64_t line_ns);
  void end_evicted(const Known& flow);

  int map_fd_;
  uint64_t idle_timeout_ns_;
  LineFormatter& out_;
  const WallClock& clock_;
  InterfaceName iface_name_;
  std::unordered_map<Key, Known, KeyHash> flows_;
  uint64_t evicted_ = 0;
  bool batch_works_ = true;
};

}  // namespace ew
