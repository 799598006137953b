#include "records/flow_tracker.h"

#include <bpf/bpf.h>

#include <netinet/in.h>

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <string_view>

#include "core/error.h"
#include "records/community_id.h"
#include "records/flow_table_walk.h"

namespace ew {
namespace {

ew_flow_key flow_key(const ew_record& record) {
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
std::string community_id_of(const ew_record& id) {
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
const char* tcp_close_reason(const ew_flow_key& key, const ew_flow_stats& stats) {
  if (key.proto != IPPROTO_TCP) return nullptr;
  if ((stats.tcp_flags | stats.in_tcp_flags) & EW_TCP_RST) return "rst";
  if (stats.tcp_flags & stats.in_tcp_flags & EW_TCP_FIN) return "fin";
  return nullptr;
}

FlowTracker::Key to_key(const ew_flow_key& key) {
  FlowTracker::Key bytes;
  std::memcpy(bytes.data(), &key, sizeof(key));
  return bytes;
}

}  // namespace

size_t FlowTracker::KeyHash::operator()(const Key& key) const {
  return std::hash<std::string_view>()(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

FlowTracker::Key FlowTracker::key_of(const ew_record& record) {
  return to_key(flow_key(record));
}

FlowTracker::FlowTracker(int flows_map_fd, uint64_t idle_timeout_ns, LineFormatter& out,
                         const WallClock& clock, InterfaceName iface_name)
    : map_fd_(flows_map_fd),
      idle_timeout_ns_(idle_timeout_ns),
      out_(out),
      clock_(clock),
      iface_name_(std::move(iface_name)) {}

void FlowTracker::emit(FlowEvent::Kind kind, const char* reason, Known& flow,
                       const ew_flow_stats& stats, uint64_t line_ns) {
  FlowEvent event;
  event.kind = kind;
  event.reason = reason;
  event.wall_ns = clock_.to_wall_ns(line_ns);
  event.iface = iface_name_(flow.identity.ifindex);
  event.identity = flow.identity;
  // A conversation's times all hang off its first packet's wall time, so
  // resyncing the clock between lines can never put last_ts before first_ts.
  event.first_wall_ns = flow.first_wall_ns;
  event.last_wall_ns = flow.first_wall_ns + static_cast<int64_t>(stats.last_ns - stats.first_ns);
  const ew_flow_stats& before = flow.reported;
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
  event.community_id = flow.community_id;
  out_.flow(event);
  flow.reported = stats;
  flow.latest = stats;
}

void FlowTracker::end_evicted(Known& flow) {
  // What happened to it after the last scan is gone with the map entry.
  emit(FlowEvent::Kind::kEnd, "evicted", flow, flow.latest, flow.latest.last_ns);
  evicted_++;
}

void FlowTracker::end_and_delete(const ew_flow_key& key, const char* reason, Known& flow,
                                 uint64_t now) {
  // Take the final counts with the delete, so no packet slips between.
  ew_flow_stats final_stats;
  if (bpf_map_lookup_and_delete_elem(map_fd_, &key, &final_stats) == 0) {
    // Another conversation in the key's place (this one evicted since the
    // scan) keeps none of its counts here: this one ends with its last seen.
    if (final_stats.first_ns == flow.latest.first_ns) flow.latest = final_stats;
  } else {
    // Kernels before 5.14 cannot look up and delete in a hash map at once.
    bpf_map_delete_elem(map_fd_, &key);
  }
  emit(FlowEvent::Kind::kEnd, reason, flow, flow.latest, now);
}

void FlowTracker::on_new(const ew_record& record) {
  const Key key = key_of(record);
  auto it = flows_.find(key);
  if (it != flows_.end()) {
    // Announced late by a scan that ran before this record was read.
    if (it->second.latest.first_ns == record.ts_ns) return;
    // The conversation we knew was evicted and has just started again.
    end_evicted(it->second);
    flows_.erase(it);
  }
  Known flow;
  flow.identity = record;
  flow.first_wall_ns = clock_.to_wall_ns(record.ts_ns);
  flow.community_id = community_id_of(record);
  emit(FlowEvent::Kind::kNew, nullptr, flow, first_packet_stats(record), record.ts_ns);
  flows_.emplace(key, flow);
}

std::vector<FlowTracker::Entry> FlowTracker::read_table() {
  std::vector<Entry> entries;
  if (batch_works_) {
    constexpr uint32_t kBatch = 4096;
    std::vector<ew_flow_key> keys(kBatch);
    std::vector<ew_flow_stats> values(kBatch);
    uint64_t cursor = 0;
    bool first = true;
    for (;;) {
      uint32_t count = kBatch;
      int err = bpf_map_lookup_batch(map_fd_, first ? nullptr : &cursor, &cursor, keys.data(),
                                     values.data(), &count, nullptr);
      const int error = err < 0 ? errno : 0;
      for (uint32_t i = 0; i < count; i++)
        entries.push_back({keys[i], values[i]});
      first = false;
      if (err == 0) continue;
      if (error == ENOENT) return entries;  // the end of the table
      if (entries.empty() && (error == EINVAL || error == ENOTSUP || error == EOPNOTSUPP)) {
        batch_works_ = false;  // an old kernel: walk key by key below
        break;
      }
      throw_errno("reading the flow table", -error);
    }
  }
  for (const FlowTableEntry& entry : walk_flow_table(map_fd_))
    entries.push_back({entry.key, entry.stats});
  return entries;
}

void FlowTracker::scan(uint64_t now, bool emit_updates) {
  for (auto& [key, flow] : flows_)
    flow.seen = false;

  const uint64_t linger = std::min(kTcpCloseLingerNs, idle_timeout_ns_);
  for (const Entry& entry : read_table()) {
    const Key key = to_key(entry.key);
    const ew_flow_stats& stats = entry.stats;
    auto it = flows_.find(key);
    if (it != flows_.end() && it->second.latest.first_ns != stats.first_ns) {
      // Evicted and started again since the last scan.
      end_evicted(it->second);
      flows_.erase(it);
      it = flows_.end();
    }
    if (it == flows_.end()) {
      Known flow;
      flow.identity = identity_of(entry.key, stats);
      flow.first_wall_ns = clock_.to_wall_ns(stats.first_ns);
      flow.community_id = community_id_of(flow.identity);
      emit(FlowEvent::Kind::kNew, "late", flow, stats, stats.first_ns);
      it = flows_.emplace(key, flow).first;
    }
    Known& flow = it->second;
    flow.seen = true;
    flow.latest = stats;

    const uint64_t quiet = now > stats.last_ns ? now - stats.last_ns : 0;
    const char* closed = tcp_close_reason(entry.key, stats);
    if ((closed && quiet >= linger) || quiet >= idle_timeout_ns_) {
      end_and_delete(entry.key, closed ? closed : "idle", flow, now);
      flows_.erase(it);
      continue;
    }
    if (emit_updates &&
        (stats.packets != flow.reported.packets || stats.in_packets != flow.reported.in_packets)) {
      emit(FlowEvent::Kind::kUpdate, nullptr, flow, stats, now);
    }
  }

  for (auto it = flows_.begin(); it != flows_.end();) {
    if (it->second.seen) {
      ++it;
      continue;
    }
    end_evicted(it->second);
    it = flows_.erase(it);
  }
}

void FlowTracker::end_interface(uint32_t ifindex, uint64_t now) {
  for (auto it = flows_.begin(); it != flows_.end();) {
    Known& flow = it->second;
    if (flow.identity.ifindex != ifindex) {
      ++it;
      continue;
    }
    ew_flow_key key;
    std::memcpy(&key, it->first.data(), sizeof(key));
    // A later conversation in its place (it was evicted) is left for the
    // next scan to announce: this one ends with the counts last seen.
    ew_flow_stats stats;
    if (bpf_map_lookup_elem(map_fd_, &key, &stats) == 0 && stats.first_ns == flow.latest.first_ns) {
      end_and_delete(key, "removed", flow, now);
    } else {
      emit(FlowEvent::Kind::kEnd, "removed", flow, flow.latest, now);
    }
    it = flows_.erase(it);
  }
}

void FlowTracker::finish(uint64_t now) {
  // The classifier is detached: the table no longer changes, so this last
  // scan reads what every conversation still followed ends with (or the
  // counts last seen of one that is gone from it).
  scan(now, false);
  for (auto& [key, flow] : flows_)
    emit(FlowEvent::Kind::kEnd, "stopped", flow, flow.latest, now);
  flows_.clear();
}

}  // namespace ew
