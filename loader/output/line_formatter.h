// What the session writes, independent of the format: packet records, flow
// events, stats, loss and interface lines. JsonLineEncoder writes JSON Lines
// (the schema in README.md), TextLineFormatter aligned columns for a person.
#pragma once

#include <cstdint>
#include <string_view>

#include "classifier/counters.h"
#include "egresswatch_abi.h"

namespace ew {

// A conversation (both directions) as it appears in records. "Out" counts
// go from the local end (identity.src) to the remote one (identity.dst),
// "in" counts back.
struct FlowEvent {
  enum class Kind { kNew, kUpdate, kEnd };
  Kind kind = Kind::kNew;
  // end: "idle", "fin", "rst", "evicted", "removed", "stopped"; new: "late" or none
  const char* reason = nullptr;
  int64_t wall_ns = 0;  // when the line is written (new: the first packet)
  std::string_view iface;
  // The conversation's identity (src the local end), who started it
  // (identity.initiator) and, for a new one seen through the ring, its first
  // packet's ICMP type and code: the fields of ew_record, kind aside.
  ew_record identity{};
  int64_t first_wall_ns = 0;
  int64_t last_wall_ns = 0;
  uint64_t packets = 0;  // since this conversation's previous line
  uint64_t bytes = 0;
  uint64_t in_packets = 0;
  uint64_t in_bytes = 0;
  uint64_t total_packets = 0;
  uint64_t total_bytes = 0;
  uint64_t total_in_packets = 0;
  uint64_t total_in_bytes = 0;
  uint8_t tcp_flags = 0;  // TCP: the union of the flags seen each way
  uint8_t in_tcp_flags = 0;
  std::string_view community_id;  // "1:..." (Community ID v1), empty if not known
};

struct StatsLine {
  int64_t wall_ns = 0;
  Counters counters;
  uint64_t records = 0;    // record lines written so far
  uint64_t malformed = 0;  // records the loader could not decode
  bool final = false;
  uint64_t flows_active = 0;   // flow mode: flows the loader is following
  uint64_t flows_evicted = 0;  // flow mode: flows the full table pushed out
};

// Records that were not written, by reason; each line gives what is new
// since the previous loss line and the totals since start.
struct LossCounts {
  uint64_t ring_full = 0;     // the kernel could not queue a record
  uint64_t evicted = 0;       // flows pushed out of a full flow table before their end
  uint64_t sampled = 0;       // packets --sample skipped
  uint64_t rate_limited = 0;  // records --rate-limit held back
  bool any() const { return ring_full || evicted || sampled || rate_limited; }
};

struct LossLine {
  int64_t wall_ns = 0;
  LossCounts since_last;
  LossCounts total;
};

class LineFormatter {
 public:
  virtual ~LineFormatter() = default;
  virtual void packet(const ew_record& record, std::string_view iface, int64_t wall_ns) = 0;
  virtual void flow(const FlowEvent& event) = 0;
  virtual void stats(const StatsLine& stats) = 0;
  virtual void loss(const LossLine& loss) = 0;
  virtual void interface_removed(std::string_view iface, int64_t wall_ns) = 0;
};

// "tcp", "udp", "icmp", "icmpv6", or nullptr for a protocol shown by number.
const char* protocol_name(uint8_t proto);

// "local", "remote" or "unknown" (enum ew_initiator).
const char* initiator_name(uint8_t initiator);

// TCP flags as letters, in a fixed order: S SYN, A ACK, F FIN, R RST, P PSH,
// U URG, E ECE, C CWR ("SAF" for a SYN, ACKs and a FIN). Writes at most 8
// characters at `out` and returns how many.
size_t tcp_flag_letters(uint8_t flags, char* out);

}  // namespace ew
