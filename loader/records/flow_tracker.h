// Flow mode in userspace. The kernel keeps counters per conversation (both
// directions, keyed local end first) in an LRU map and sends a record when
// one starts; this follows every conversation it was told of, and on each
// scan of the map writes "update" lines for those that moved, "end" lines
// for TCP conversations closed a moment ago (FIN both ways: "fin"; a reset:
// "rst") and for those idle past the timeout ("idle"), deleting them from the
// map, and "end" lines with reason "evicted" for those the full map pushed
// out. One found in the map but never announced (its record lost to a full
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

  // How long a closed TCP conversation (FIN both ways, or a reset) stays
  // before its end: the last ACK of the close and a reset's echo still count
  // in it rather than start a conversation of their own. Scans must come at
  // least this often for ends to come this soon (the session's do).
  static constexpr uint64_t kTcpCloseLingerNs = 2'000'000'000;

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
    ew_record identity;         // what lines show for this conversation
    int64_t first_wall_ns = 0;  // fixed once, so every line of a conversation agrees
    ew_flow_stats latest{};     // as the last scan (or the first record) found it
    ew_flow_stats reported{};   // as its last line showed it: lines give what is new since
    std::string community_id;   // "" where it cannot be known
    bool seen = false;
  };
  struct Entry {
    ew_flow_key key;
    ew_flow_stats stats;
  };

  std::vector<Entry> read_table();
  // Writes a line with `stats` and makes them the reported ones.
  void emit(FlowEvent::Kind kind, const char* reason, Known& flow, const ew_flow_stats& stats,
            uint64_t line_ns);
  void end_evicted(Known& flow);
  // Ends the conversation now with the counts the delete takes out of the map.
  void end_and_delete(const ew_flow_key& key, const char* reason, Known& flow, uint64_t now);

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
