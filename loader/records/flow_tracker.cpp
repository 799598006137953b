#include "records/flow_tracker.h"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/error.h"
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

ew_record identity_of(const ew_flow_key& key) {
  ew_record record{};
  record.ifindex = key.ifindex;
  record.family = key.family;
  record.proto = key.proto;
  record.vlan = key.vlan;
  record.vlan_inner = key.vlan_inner;
  record.sport = key.sport;
  record.dport = key.dport;
  // From the key's own bits, not from non-zero IDs: VLAN 0 is a tag too.
  record.flags |= key.vlan_flags & (EW_FLAG_VLAN | EW_FLAG_VLAN_INNER);
  // Flows key ports only for protocols that have them, so non-zero ports say so.
  if (key.sport || key.dport) record.flags |= EW_FLAG_PORTS;
  std::memcpy(record.src, key.src, 16);
  std::memcpy(record.dst, key.dst, 16);
  return record;
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

void FlowTracker::emit(FlowEvent::Kind kind, const char* reason, const Known& flow,
                       const ew_flow_stats& stats, uint64_t line_ns) {
  FlowEvent event;
  event.kind = kind;
  event.reason = reason;
  event.wall_ns = clock_.to_wall_ns(line_ns);
  event.iface = iface_name_(flow.identity.ifindex);
  event.identity = flow.identity;
  // A flow's times all hang off its first packet's wall time, so resyncing
  // the clock between lines can never put last_ts before first_ts.
  event.first_wall_ns = flow.first_wall_ns;
  event.last_wall_ns = flow.first_wall_ns + static_cast<int64_t>(stats.last_ns - stats.first_ns);
  event.packets = stats.packets - flow.reported_packets;
  event.bytes = stats.bytes - flow.reported_bytes;
  event.total_packets = stats.packets;
  event.total_bytes = stats.bytes;
  out_.flow(event);
}

void FlowTracker::end_evicted(const Known& flow) {
  // What happened to it after its last line is gone with the map entry.
  ew_flow_stats last{flow.reported_packets, flow.reported_bytes, flow.first_ns, flow.last_ns};
  emit(FlowEvent::Kind::kEnd, "evicted", flow, last, flow.last_ns);
  evicted_++;
}

void FlowTracker::on_new(const ew_record& record) {
  const Key key = key_of(record);
  auto it = flows_.find(key);
  if (it != flows_.end()) {
    // Announced late by a scan that ran before this record was read.
    if (it->second.first_ns == record.ts_ns) return;
    // The flow we knew was evicted and has just started again.
    end_evicted(it->second);
    flows_.erase(it);
  }
  Known flow;
  flow.identity = record;
  flow.first_ns = flow.last_ns = record.ts_ns;
  flow.first_wall_ns = clock_.to_wall_ns(record.ts_ns);
  flow.reported_packets = 1;
  flow.reported_bytes = record.len;
  ew_flow_stats stats{1, record.len, record.ts_ns, record.ts_ns};
  Known announced = flow;
  announced.reported_packets = announced.reported_bytes = 0;
  emit(FlowEvent::Kind::kNew, nullptr, announced, stats, record.ts_ns);
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

  for (const Entry& entry : read_table()) {
    const Key key = to_key(entry.key);
    ew_flow_stats stats = entry.stats;
    auto it = flows_.find(key);
    if (it != flows_.end() && it->second.first_ns != stats.first_ns) {
      // Evicted and started again since the last scan.
      end_evicted(it->second);
      flows_.erase(it);
      it = flows_.end();
    }
    if (it == flows_.end()) {
      Known flow;
      flow.identity = identity_of(entry.key);
      flow.first_ns = stats.first_ns;
      flow.first_wall_ns = clock_.to_wall_ns(stats.first_ns);
      emit(FlowEvent::Kind::kNew, "late", flow, stats, stats.first_ns);
      flow.reported_packets = stats.packets;
      flow.reported_bytes = stats.bytes;
      flow.last_ns = stats.last_ns;
      it = flows_.emplace(key, flow).first;
    }
    Known& flow = it->second;
    flow.seen = true;

    if (now > stats.last_ns && now - stats.last_ns >= idle_timeout_ns_) {
      // Take the final counts with the delete, so no packet slips between.
      ew_flow_stats final_stats;
      if (bpf_map_lookup_and_delete_elem(map_fd_, &entry.key, &final_stats) == 0) {
        stats = final_stats;
      } else {
        bpf_map_delete_elem(map_fd_, &entry.key);
      }
      emit(FlowEvent::Kind::kEnd, "idle", flow, stats, now);
      flows_.erase(it);
      continue;
    }
    if (emit_updates && stats.packets != flow.reported_packets) {
      emit(FlowEvent::Kind::kUpdate, nullptr, flow, stats, now);
      flow.reported_packets = stats.packets;
      flow.reported_bytes = stats.bytes;
    }
    flow.last_ns = stats.last_ns;
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
    ew_flow_stats stats;
    if (bpf_map_lookup_elem(map_fd_, &key, &stats) == 0 && stats.first_ns == flow.first_ns) {
      // Take the final counts with the delete, so no packet slips between.
      if (bpf_map_lookup_and_delete_elem(map_fd_, &key, &stats) != 0)
        bpf_map_delete_elem(map_fd_, &key);
    } else {
      // Evicted (a later flow in its place is left for the next scan to
      // announce): the counts of its last line.
      stats =
          ew_flow_stats{flow.reported_packets, flow.reported_bytes, flow.first_ns, flow.last_ns};
    }
    emit(FlowEvent::Kind::kEnd, "removed", flow, stats, now);
    it = flows_.erase(it);
  }
}

void FlowTracker::finish(uint64_t now) {
  scan(now, false);
  // The classifier is detached: the table no longer changes, and every flow
  // still followed gets its end, from its last known counts if it is gone.
  std::unordered_map<Key, ew_flow_stats, KeyHash> last;
  for (const Entry& entry : read_table())
    last.emplace(to_key(entry.key), entry.stats);
  for (auto& [key, flow] : flows_) {
    auto it = last.find(key);
    const ew_flow_stats stats = it != last.end()
                                    ? it->second
                                    : ew_flow_stats{flow.reported_packets, flow.reported_bytes,
                                                    flow.first_ns, flow.last_ns};
    emit(FlowEvent::Kind::kEnd, "stopped", flow, stats, now);
  }
  flows_.clear();
}

}  // namespace ew
