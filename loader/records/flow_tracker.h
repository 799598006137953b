// Flow mode in userspace. The kernel keeps counters per conversation (both
// directions, keyed local end first) in an LRU map and sends a record when
// one starts and when a TCP one closes (FIN both ways, or a reset); this
// follows every conversation it was told of. A closed one ends a moment after
// its close ("fin", "rst") with one lookup-and-delete of its key. Each scan
// of the map writes "update" lines for those that moved, "end" lines for
// those idle past the timeout ("idle"), deleting them from the map, and
// "end" lines with reason "evicted" for those the full map pushed out. One
// found in the map but never announced (its record lost to a full ring, or
// held back by --rate-limit) is announced late, so none goes unseen; a close
// whose record was lost is found by the scan.
//
// Why the closes come through the ring: without them, ending a closed
// conversation within seconds meant reading the whole map every second,
// which with a million conversations cost most of a CPU.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <queue>
#include <string_view>
#include <vector>

#include "core/wall_clock.h"
#include "egresswatch_abi.h"
#include "output/line_formatter.h"
#include "records/community_id.h"
#include "records/conversation_table.h"

namespace ew {

class FlowTracker {
 public:
  using InterfaceName = std::function<std::string_view(uint32_t ifindex)>;

  // table_entries: the kernel map's size, which bounds how many of the
  // conversations followed here can still be in it.
  FlowTracker(int flows_map_fd, uint32_t table_entries, uint64_t idle_timeout_ns,
              LineFormatter& out, const WallClock& clock, InterfaceName iface_name);

  // How long a closed TCP conversation (FIN both ways, or a reset) stays
  // before its end: the last ACK of the close and a reset's echo still count
  // in it rather than start a conversation of their own.
  static constexpr uint64_t kTcpCloseLingerNs = 2'000'000'000;

  // A record from the ring: a conversation started, or a TCP one closed.
  void on_record(const ew_record& record);

  // Ends the closed conversations whose linger is over. Cheap when none is:
  // the session calls it on its drain timer.
  void end_closed(uint64_t now_monotonic_ns);

  // True when more conversations are followed than the map can hold: some
  // were evicted, and only a scan tells which. The session scans then rather
  // than let them pile up until the next scheduled scan.
  bool needs_scan() const { return flows_.size() > 2 * static_cast<uint64_t>(table_entries_); }

  // Reads the kernel's table. With emit_updates, flows that moved since their
  // last line get an "update". Idle flows end; vanished ones were evicted.
  // Throws ew::Error if the map cannot be read.
  void scan(uint64_t now_monotonic_ns, bool emit_updates) {
    scan(now_monotonic_ns, emit_updates, false);
  }

  // How long a conversation found in the map but not followed may still
  // have its record waiting in the ring: a scan announces it "late" only
  // once it is older than this (the loop drains the ring every 25 ms; this
  // leaves room for a consumer running behind). Announcing one whose record
  // was merely unread gave it reason "late" though nothing was lost, and
  // made the count of records and of "new" lines disagree.
  static constexpr uint64_t kRecordLagNs = 1'000'000'000;

  // At exit: a last scan, then an "end" (reason "stopped") for every flow.
  void finish(uint64_t now_monotonic_ns);

  // The interface went away: its flows end now (reason "removed"), with
  // their last counts taken out of the kernel's table, rather than at exit.
  void end_interface(uint32_t ifindex, uint64_t now_monotonic_ns);

  // Called after every line written: a scan or the exit writes a line for
  // each of up to millions of conversations, which must not pile up in the
  // output buffer (it grew to hundreds of megabytes, copied as it grew).
  void set_after_line(std::function<void()> after_line) { after_line_ = std::move(after_line); }

  uint64_t active() const { return flows_.size(); }
  uint64_t evicted() const { return evicted_; }

  using Key = ConversationKey;
  static Key key_of(const ew_record& record);

 private:
  // The counts a conversation's last line showed: lines give what is new.
  struct Reported {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    uint64_t in_packets = 0;
    uint64_t in_bytes = 0;
  };
  // What is kept per conversation, beside its key (which names the
  // interface, the ends, the protocol and the VLANs).
  struct Known {
    ew_flow_stats latest{};  // as the last scan (or the first record) found it
    Reported reported;
    int64_t first_wall_ns = 0;  // fixed once, so every line of a conversation agrees
    CommunityId community_id;   // empty where it cannot be known
    // What lines show beyond the key: the announcing record's flags (a late
    // one's rebuilt from the key) and its first packet's ICMP type and code.
    uint8_t flags = 0;
    uint8_t icmp_type = 0;
    uint8_t icmp_code = 0;
    bool close_pending = false;  // in closes_, waiting for its linger
    uint32_t seen_in_scan = 0;   // the scan that last found it in the map
  };
  struct Close {
    uint64_t due_ns;
    Key key;
    bool operator>(const Close& other) const { return due_ns > other.due_ns; }
  };

  // all_unknown: announce every conversation not followed, however recent
  // (at exit, once the ring has been read to its end).
  void scan(uint64_t now_monotonic_ns, bool emit_updates, bool all_unknown);
  void on_new(const ew_record& record);
  void on_closed(const ew_record& record);
  // Its end comes a linger after last_packet_ns, from end_closed().
  void queue_close(const Key& key, Known& flow, uint64_t last_packet_ns);
  Known& follow(const Key& key, const ew_record& identity, const ew_flow_stats& first,
                const char* reason);
  // Writes a line with `stats` and makes them the reported ones.
  void emit(FlowEvent::Kind kind, const char* reason, const Key& key, Known& flow,
            const ew_flow_stats& stats, uint64_t line_ns);
  void end_evicted(const Key& key, Known& flow);
  // Ends the conversation now with the counts the delete takes out of the map.
  void end_and_delete(const Key& key, const char* reason, Known& flow, uint64_t now);
  // One scan's work on an entry of the kernel's table.
  void scan_entry(const ew_flow_key& kernel_key, const ew_flow_stats& stats, uint64_t now,
                  bool emit_updates, bool all_unknown);
  // Calls f(key, stats) for every entry of the kernel's table, a batch at a
  // time: f may delete the entry it was given.
  template <typename F>
  void read_table(F&& f);

  int map_fd_;
  uint32_t table_entries_;
  uint64_t idle_timeout_ns_;
  uint64_t linger_ns_;  // kTcpCloseLingerNs, or the idle timeout if that is shorter
  LineFormatter& out_;
  const WallClock& clock_;
  InterfaceName iface_name_;
  std::function<void()> after_line_;
  ConversationTable<Known> flows_;
  std::priority_queue<Close, std::vector<Close>, std::greater<>> closes_;
  uint32_t scans_ = 0;
  uint64_t evicted_ = 0;
  bool batch_works_ = true;
  std::vector<ew_flow_key> batch_keys_;
  std::vector<ew_flow_stats> batch_values_;
};

}  // namespace ew
