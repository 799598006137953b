#include "records/flow_tracker.h"

#include <bpf/bpf.h>

#include <netinet/in.h>

#include <cerrno>
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

#include "core/error.h"
#include "records/community_id.h"
#include "records/flow_table_walk.h"

namespace ew {
namespace {

// Used as it is on big-endian machines only: key_of() builds the same bytes
// faster where words are little-endian.
[[maybe_unused]] ew_flow_key flow_key(const ew_record& record) {
  ew_flow_key key{};
  key.ifindex = record.ifindex;
  key.family = record.family;
  key.proto = record.proto;
  key.vlan = record.vlan;
  key.vlan_inner = record.vlan_inner;
  key.vlan_flags = static_cast<uint16_t>(record.flags & (EW_FLAG_VLAN | EW_FLAG_VLAN_INNER));
  if (record.flags & EW_FLAG_PORTS) {
    key.sport = record.sport;
    key.dport = record.dport;
  }
  std::memcpy(key.src, record.src, 16);
  std::memcpy(key.dst, record.dst, 16);
  return key;
}

ew_record identity_of(const ew_flow_key& key, const ew_flow_stats& stats) {
  ew_record record{};
  record.ifindex = key.ifindex;
  record.family = key.family;
  record.proto = key.proto;
  record.vlan = key.vlan;
  record.vlan_inner = key.vlan_inner;
  record.sport = key.sport;
  record.dport = key.dport;
  record.initiator = stats.initiator;
  // From the key's own bits, not from non-zero IDs: VLAN 0 is a tag too.
  record.flags |= key.vlan_flags & (EW_FLAG_VLAN | EW_FLAG_VLAN_INNER);
  // Flows key ports only for protocols that have them, so non-zero ports say so.
  if (key.sport || key.dport) record.flags |= EW_FLAG_PORTS;
  std::memcpy(record.src, key.src, 16);
  std::memcpy(record.dst, key.dst, 16);
  return record;
}

// The counts of a conversation's first packet, as the kernel put them in the
// map when its record was sent.
ew_flow_stats first_packet_stats(const ew_record& record) {
  ew_flow_stats stats{};
  stats.first_ns = stats.last_ns = record.ts_ns;
  stats.initiator = record.initiator;
  const uint8_t flags = record.flags & EW_FLAG_TCP_FLAGS ? record.tcp_flags : 0;
  if (record.flags & EW_FLAG_INBOUND) {
    stats.in_packets = 1;
    stats.in_bytes = record.len;
    stats.in_tcp_flags = flags;
  } else {
    stats.packets = 1;
    stats.bytes = record.len;
    stats.tcp_flags = flags;
  }
  return stats;
}

// The conversation's Community ID, from its identity (local end first). An
// ICMP conversation is hashed from its first packet's type and code as that
// packet went, so only one announced through the ring (which knows them) has
// one: all ICMP between two hosts is one conversation here, and its ID is the
// one Zeek gives its first message.
CommunityId community_id_of(const ew_record& id) {
  const std::span<const uint8_t> local(id.src);
  const std::span<const uint8_t> remote(id.dst);
  if (id.proto == IPPROTO_ICMP || id.proto == IPPROTO_ICMPV6) {
    if (!(id.flags & EW_FLAG_ICMP)) return {};
    const bool inbound = id.flags & EW_FLAG_INBOUND;
    return community_id_icmp(id.family, inbound ? remote : local, inbound ? local : remote,
                             id.icmp_type, id.icmp_code);
  }
  return community_id(id.family, id.proto, local, id.sport, remote, id.dport);
}

// "fin" or "rst" for a TCP conversation that is over, else nullptr.
const char* tcp_close_reason(uint8_t proto, const ew_flow_stats& stats) {
  if (proto != IPPROTO_TCP) return nullptr;
  if ((stats.tcp_flags | stats.in_tcp_flags) & EW_TCP_RST) return "rst";
  if (stats.tcp_flags & stats.in_tcp_flags & EW_TCP_FIN) return "fin";
  return nullptr;
}

FlowTracker::Key to_key(const ew_flow_key& key) {
  FlowTracker::Key bytes;
  std::memcpy(bytes.data(), &key, sizeof(key));
  return bytes;
}

ew_flow_key from_key(const FlowTracker::Key& bytes) {
  ew_flow_key key;
  std::memcpy(&key, bytes.data(), sizeof(key));
  return key;
}

}  // namespace

FlowTracker::Key FlowTracker::key_of(const ew_record& record) {
  if constexpr (std::endian::native != std::endian::little) return to_key(flow_key(record));
  // The same bytes as flow_key(), the first sixteen put together in two
  // 64-bit words: the hash reads the key 8 bytes at a time right after, and
  // a wide load of what narrow stores just wrote cannot be forwarded from
  // them, which stalled every new record (a quarter of on_new here).
  static_assert(offsetof(ew_flow_key, family) == 4 && offsetof(ew_flow_key, proto) == 5 &&
                offsetof(ew_flow_key, vlan) == 6 && offsetof(ew_flow_key, vlan_inner) == 8 &&
                offsetof(ew_flow_key, sport) == 10 && offsetof(ew_flow_key, dport) == 12 &&
                offsetof(ew_flow_key, vlan_flags) == 14 && offsetof(ew_flow_key, src) == 16 &&
                offsetof(ew_flow_key, dst) == 32);
  const bool ports = record.flags & EW_FLAG_PORTS;
  const uint64_t head = uint64_t{record.ifindex} | uint64_t{record.family} << 32 |
                        uint64_t{record.proto} << 40 | uint64_t{record.vlan} << 48;
  const uint64_t tail = uint64_t{record.vlan_inner} | uint64_t{ports ? record.sport : 0u} << 16 |
                        uint64_t{ports ? record.dport : 0u} << 32 |
                        static_cast<uint64_t>(record.flags & (EW_FLAG_VLAN | EW_FLAG_VLAN_INNER))
                            << 48;
  Key key;
  std::memcpy(key.data(), &head, 8);
  std::memcpy(key.data() + 8, &tail, 8);
  std::memcpy(key.data() + 16, record.src, 16);
  std::memcpy(key.data() + 32, record.dst, 16);
  return key;
}

FlowTracker::FlowTracker(int flows_map_fd, uint32_t table_entries, uint64_t idle_timeout_ns,
                         LineFormatter& out, const WallClock& clock, InterfaceName iface_name)
    : map_fd_(flows_map_fd),
      table_entries_(table_entries),
      idle_timeout_ns_(idle_timeout_ns),
      linger_ns_(std::min(kTcpCloseLingerNs, idle_timeout_ns)),
      out_(out),
      clock_(clock),
      iface_name_(std::move(iface_name)),
      flows_(table_entries) {}

void FlowTracker::emit(FlowEvent::Kind kind, const char* reason, const Key& key, Known& flow,
                       const ew_flow_stats& stats, uint64_t line_ns) {
  FlowEvent event;
  event.kind = kind;
  event.reason = reason;
  event.wall_ns = clock_.to_wall_ns(line_ns);
  event.identity = identity_of(from_key(key), stats);
  event.identity.flags = flow.flags;
  event.identity.icmp_type = flow.icmp_type;
  event.identity.icmp_code = flow.icmp_code;
  event.identity.initiator = flow.latest.initiator;
  event.iface = iface_name_(event.identity.ifindex);
  // A conversation's times all hang off its first packet's wall time, so
  // resyncing the clock between lines can never put last_ts before first_ts.
  event.first_wall_ns = flow.first_wall_ns;
  event.last_wall_ns = flow.first_wall_ns + static_cast<int64_t>(stats.last_ns - stats.first_ns);
  const Reported& before = flow.reported;
  event.packets = stats.packets - before.packets;
  event.bytes = stats.bytes - before.bytes;
  event.in_packets = stats.in_packets - before.in_packets;
  event.in_bytes = stats.in_bytes - before.in_bytes;
  event.total_packets = stats.packets;
  event.total_bytes = stats.bytes;
  event.total_in_packets = stats.in_packets;
  event.total_in_bytes = stats.in_bytes;
  event.tcp_flags = stats.tcp_flags;
  event.in_tcp_flags = stats.in_tcp_flags;
  event.community_id = flow.community_id.view();
  out_.flow(event);
  flow.reported = {stats.packets, stats.bytes, stats.in_packets, stats.in_bytes};
  flow.latest = stats;
  if (after_line_) after_line_();
}

void FlowTracker::end_evicted(const Key& key, Known& flow) {
  // What happened to it after the last scan is gone with the map entry.
  emit(FlowEvent::Kind::kEnd, "evicted", key, flow, flow.latest, flow.latest.last_ns);
  evicted_++;
}

void FlowTracker::end_and_delete(const Key& key, const char* reason, Known& flow, uint64_t now) {
  // Take the final counts with the delete, so no packet slips between.
  const ew_flow_key kernel_key = from_key(key);
  ew_flow_stats final_stats;
  if (bpf_map_lookup_and_delete_elem(map_fd_, &kernel_key, &final_stats) == 0) {
    // Another conversation in the key's place (this one evicted since the
    // scan) keeps none of its counts here: this one ends with its last seen.
    if (final_stats.first_ns == flow.latest.first_ns) flow.latest = final_stats;
  } else if (errno != ENOENT) {
    // Kernels before 5.14 cannot look up and delete in a hash map at once.
    bpf_map_delete_elem(map_fd_, &kernel_key);
  }
  emit(FlowEvent::Kind::kEnd, reason, key, flow, flow.latest, now);
}

FlowTracker::Known& FlowTracker::follow(const Key& key, const ew_record& identity,
                                        const ew_flow_stats& first, const char* reason) {
  Known flow;
  flow.latest = first;
  flow.first_wall_ns = clock_.to_wall_ns(first.first_ns);
  flow.community_id = community_id_of(identity);
  flow.flags = identity.flags;
  flow.icmp_type = identity.icmp_type;
  flow.icmp_code = identity.icmp_code;
  // Found by this scan, or made since it began: not one it missed.
  flow.seen_in_scan = scans_;
  Known& followed = flows_.insert(key, flow);
  emit(FlowEvent::Kind::kNew, reason, key, followed, first, first.first_ns);
  return followed;
}

void FlowTracker::on_record(const ew_record& record) {
  if (record.kind == EW_RECORD_FLOW_CLOSED) {
    on_closed(record);
  } else {
    on_new(record);
  }
}

void FlowTracker::on_new(const ew_record& record) {
  const Key key = key_of(record);
  if (Known* known = flows_.find(key)) {
    // Announced late by a scan that ran before this record was read.
    if (known->latest.first_ns == record.ts_ns) return;
    // The conversation we knew was evicted and has just started again.
    end_evicted(key, *known);
    flows_.erase(key);
  }
  Known& flow = follow(key, record, first_packet_stats(record), nullptr);
  // A reset that is the first packet seen closes it at once.
  if (tcp_close_reason(record.proto, flow.latest)) queue_close(key, flow, record.ts_ns);
}

void FlowTracker::on_closed(const ew_record& record) {
  // One not followed (its new record lost) is announced by the next scan,
  // which ends it too once its linger is over.
  const Key key = key_of(record);
  Known* flow = flows_.find(key);
  if (flow && !flow->close_pending) queue_close(key, *flow, record.ts_ns);
}

void FlowTracker::queue_close(const Key& key, Known& flow, uint64_t last_packet_ns) {
  flow.close_pending = true;
  closes_.push({last_packet_ns + linger_ns_, key});
}

void FlowTracker::end_closed(uint64_t now) {
  while (!closes_.empty() && closes_.top().due_ns <= now) {
    const Key key = closes_.top().key;
    closes_.pop();
    Known* flow = flows_.find(key);
    if (!flow || !flow->close_pending) continue;  // ended meanwhile (a scan, its interface)
    flow->close_pending = false;
    const ew_flow_key kernel_key = from_key(key);
    ew_flow_stats stats;
    if (bpf_map_lookup_elem(map_fd_, &kernel_key, &stats) != 0 ||
        stats.first_ns != flow->latest.first_ns) {
      continue;  // evicted: the next scan ends it, and announces what took its place
    }
    flow->latest = stats;
    const char* reason = tcp_close_reason(kernel_key.proto, stats);
    if (!reason) continue;  // (cannot be: flags are only ever added)
    if (now - std::min<uint64_t>(now, stats.last_ns) < linger_ns_) {
      // Packets since the close (the last ACK, a retransmitted FIN): wait
      // for the linger after the last of them.
      queue_close(key, *flow, stats.last_ns);
      continue;
    }
    end_and_delete(key, reason, *flow, now);
    flows_.erase(key);
  }
}

template <typename F>
void FlowTracker::read_table(F&& f) {
  if (batch_works_) {
    constexpr uint32_t kBatch = 4096;
    batch_keys_.resize(kBatch);
    batch_values_.resize(kBatch);
    uint64_t cursor = 0;
    bool first = true;
    bool any = false;
    for (;;) {
      uint32_t count = kBatch;
      int err = bpf_map_lookup_batch(map_fd_, first ? nullptr : &cursor, &cursor,
                                     batch_keys_.data(), batch_values_.data(), &count, nullptr);
      const int error = err < 0 ? errno : 0;
      first = false;
      // Deleting what was just read is safe: the cursor is past its bucket.
      for (uint32_t i = 0; i < count; i++)
        f(batch_keys_[i], batch_values_[i]);
      any = any || count > 0;
      if (err == 0) continue;
      if (error == ENOENT) return;  // the end of the table
      if (!any && (error == EINVAL || error == ENOTSUP || error == EOPNOTSUPP)) {
        batch_works_ = false;  // an old kernel: walk key by key below
        break;
      }
      throw_errno("reading the flow table", -error);
    }
  }
  for (const FlowTableEntry& entry : walk_flow_table(map_fd_))
    f(entry.key, entry.stats);
}

void FlowTracker::scan_entry(const ew_flow_key& kernel_key, const ew_flow_stats& stats,
                             uint64_t now, bool emit_updates, bool all_unknown) {
  const Key key = to_key(kernel_key);
  Known* flow = flows_.find(key);
  if (flow && flow->latest.first_ns != stats.first_ns) {
    // Evicted and started again since the last scan.
    end_evicted(key, *flow);
    flows_.erase(key);
    flow = nullptr;
  }
  if (!flow) {
    // Its record may be in the ring still, unread: left for a later scan.
    if (!all_unknown && stats.first_ns + kRecordLagNs > now) return;
    flow = &follow(key, identity_of(kernel_key, stats), stats, "late");
  }
  flow->seen_in_scan = scans_;
  flow->latest = stats;

  const uint64_t quiet = now > stats.last_ns ? now - stats.last_ns : 0;
  const char* closed = tcp_close_reason(kernel_key.proto, stats);
  if ((closed && quiet >= linger_ns_) || quiet >= idle_timeout_ns_) {
    end_and_delete(key, closed ? closed : "idle", *flow, now);
    flows_.erase(key);
    return;
  }
  // Its close record was lost (a full ring): end it on time all the same.
  if (closed && !flow->close_pending) queue_close(key, *flow, stats.last_ns);
  if (emit_updates &&
      (stats.packets != flow->reported.packets || stats.in_packets != flow->reported.in_packets)) {
    emit(FlowEvent::Kind::kUpdate, nullptr, key, *flow, stats, now);
  }
}

void FlowTracker::scan(uint64_t now, bool emit_updates, bool all_unknown) {
  // Generation numbers rather than a flag to clear: a scan touches only what
  // the map holds, and what it did not find was evicted.
  scans_++;
  read_table([&](const ew_flow_key& key, const ew_flow_stats& stats) {
    scan_entry(key, stats, now, emit_updates, all_unknown);
  });

  std::vector<Key> gone;
  flows_.for_each([&](const Key& key, Known& flow) {
    if (flow.seen_in_scan != scans_) {
      end_evicted(key, flow);
      gone.push_back(key);
    }
  });
  for (const Key& key : gone)
    flows_.erase(key);
}

void FlowTracker::end_interface(uint32_t ifindex, uint64_t now) {
  std::vector<Key> ending;
  flows_.for_each([&](const Key& key, Known&) {
    if (from_key(key).ifindex == ifindex) ending.push_back(key);
  });
  for (const Key& key : ending) {
    Known& flow = *flows_.find(key);
    const ew_flow_key kernel_key = from_key(key);
    // A later conversation in its place (it was evicted) is left for the
    // next scan to announce: this one ends with the counts last seen.
    ew_flow_stats stats;
    if (bpf_map_lookup_elem(map_fd_, &kernel_key, &stats) == 0 &&
        stats.first_ns == flow.latest.first_ns) {
      end_and_delete(key, "removed", flow, now);
    } else {
      emit(FlowEvent::Kind::kEnd, "removed", key, flow, flow.latest, now);
    }
    flows_.erase(key);
  }
}

void FlowTracker::finish(uint64_t now) {
  // The classifier is detached: the table no longer changes, so this last
  // scan reads what every conversation still followed ends with (or the
  // counts last seen of one that is gone from it). The ring has been read to
  // its end: a conversation not followed by now was announced by none.
  scan(now, false, true);
  flows_.for_each([&](const Key& key, Known& flow) {
    emit(FlowEvent::Kind::kEnd, "stopped", key, flow, flow.latest, now);
  });
  flows_.clear();
}

}  // namespace ew
