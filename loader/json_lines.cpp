#include "json_lines.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace ew {

using nlohmann::ordered_json;

const char* protocol_name(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return "tcp";
    case IPPROTO_UDP:
      return "udp";
    case IPPROTO_ICMP:
      return "icmp";
    case IPPROTO_ICMPV6:
      return "icmpv6";
    default:
      return nullptr;
  }
}

namespace {

// What a layout holds, besides the record's flag bits.
enum LayoutKind : unsigned {
  kPacketLayout = 0,
  kFlowNewLayout = 1,
  kFlowUpdateLayout = 2,
  kFlowEndLayout = 3,
};
constexpr unsigned kShownFlags =
    EW_FLAG_PORTS | EW_FLAG_ICMP | EW_FLAG_FRAGMENT | EW_FLAG_VLAN | EW_FLAG_VLAN_INNER;
constexpr unsigned kHasReason = 1u << 8;

unsigned layout_key(LayoutKind kind, uint8_t flags, bool reason) {
  return kind << 16 | (reason ? kHasReason : 0) | (flags & kShownFlags);
}

void set_string(ordered_json& value, std::string_view text) {
  if (value.is_string()) {
    value.get_ref<std::string&>().assign(text);  // reuses the string's capacity
  } else {
    value = text;
  }
}

void set_address(ordered_json& value, int family, const uint8_t* addr) {
  char buf[INET6_ADDRSTRLEN];
  if (family == 4) {
    // glibc's inet_ntop formats IPv4 with sprintf, a tenth of a record's cost.
    char* p = buf;
    for (int i = 0; i < 4; i++) {
      unsigned octet = addr[i];
      if (octet >= 100) *p++ = static_cast<char>('0' + octet / 100);
      if (octet >= 10) *p++ = static_cast<char>('0' + octet / 10 % 10);
      *p++ = static_cast<char>('0' + octet % 10);
      *p++ = '.';
    }
    set_string(value, std::string_view(buf, static_cast<size_t>(p - buf - 1)));
    return;
  }
  inet_ntop(AF_INET6, addr, buf, sizeof(buf));
  set_string(value, buf);
}

}  // namespace

// One record layout: the keys in schema order, with pointers to the values
// that change per line.
struct JsonLineEncoder::Layout {
  ordered_json object = ordered_json::object();
  ordered_json* ts = nullptr;
  ordered_json* iface = nullptr;
  ordered_json* family = nullptr;
  ordered_json* src = nullptr;
  ordered_json* dst = nullptr;
  ordered_json* proto = nullptr;
  ordered_json* sport = nullptr;
  ordered_json* dport = nullptr;
  ordered_json* icmp_type = nullptr;
  ordered_json* icmp_code = nullptr;
  ordered_json* vlan = nullptr;
  ordered_json* vlan_inner = nullptr;
  ordered_json* len = nullptr;
  ordered_json* first_ts = nullptr;
  ordered_json* last_ts = nullptr;
  ordered_json* packets = nullptr;
  ordered_json* bytes = nullptr;
  ordered_json* total_packets = nullptr;
  ordered_json* total_bytes = nullptr;
  ordered_json* reason = nullptr;

  explicit Layout(unsigned key) {
    const auto kind = static_cast<LayoutKind>(key >> 16);
    const unsigned flags = key & kShownFlags;
    static constexpr const char* kEvents[] = {nullptr, "new", "update", "end"};
    object["type"] = kind == kPacketLayout ? "packet" : "flow";
    if (kind != kPacketLayout) object["event"] = kEvents[kind];
    for (const char* name : {"ts", "iface", "family", "src", "dst", "proto"}) {
      object[name] = std::string();
    }
    if (flags & EW_FLAG_PORTS) {
      object["sport"] = 0;
      object["dport"] = 0;
    }
    if (flags & EW_FLAG_ICMP) {
      object["icmp_type"] = 0;
      object["icmp_code"] = 0;
    }
    if (flags & EW_FLAG_VLAN) object["vlan"] = 0;
    if (flags & EW_FLAG_VLAN_INNER) object["vlan_inner"] = 0;
    if (flags & EW_FLAG_FRAGMENT) object["fragment"] = true;
    if (kind == kPacketLayout) {
      object["len"] = 0;
    } else {
      object["first_ts"] = std::string();
      object["last_ts"] = std::string();
      object["packets"] = 0;
      object["bytes"] = 0;
      object["total_packets"] = 0;
      object["total_bytes"] = 0;
    }
    if (key & kHasReason) object["reason"] = std::string();

    // Pointers are taken only now that no key will be added.
    auto slot = [this](const char* name) -> ordered_json* {
      auto it = object.find(name);
      return it == object.end() ? nullptr : &*it;
    };
    ts = slot("ts");
    iface = slot("iface");
    family = slot("family");
    src = slot("src");
    dst = slot("dst");
    proto = slot("proto");
    sport = slot("sport");
    dport = slot("dport");
    icmp_type = slot("icmp_type");
    icmp_code = slot("icmp_code");
    vlan = slot("vlan");
    vlan_inner = slot("vlan_inner");
    len = slot("len");
    first_ts = slot("first_ts");
    last_ts = slot("last_ts");
    packets = slot("packets");
    bytes = slot("bytes");
    total_packets = slot("total_packets");
    total_bytes = slot("total_bytes");
    reason = slot("reason");
  }
};

JsonLineEncoder::JsonLineEncoder(std::string& out)
    // Interface names may hold any byte but '/' and NUL; replacing invalid
    // UTF-8 (with U+FFFD) keeps such a name from aborting a line halfway.
    : out_(out),
      serializer_(nlohmann::detail::output_adapter<char, std::string>(out), ' ',
                  nlohmann::detail::error_handler_t::replace) {}

JsonLineEncoder::~JsonLineEncoder() = default;

JsonLineEncoder::Layout& JsonLineEncoder::layout_for(unsigned key) {
  auto& layout = layouts_[key];
  if (!layout) layout = std::make_unique<Layout>(key);
  return *layout;
}

void JsonLineEncoder::write(const ordered_json& value) {
  serializer_.dump(value, false, false, 0);
  out_.push_back('\n');
}

void JsonLineEncoder::fill_identity(Layout& layout, const ew_record& record, std::string_view iface,
                                    int64_t wall_ns) {
  ts_format_.format(wall_ns, ts_);
  set_string(*layout.ts, ts_);
  set_string(*layout.iface, iface);
  set_string(*layout.family, record.family == 4 ? "ipv4" : "ipv6");
  set_address(*layout.src, record.family, record.src);
  set_address(*layout.dst, record.family, record.dst);
  if (const char* name = protocol_name(record.proto)) {
    set_string(*layout.proto, name);
  } else {
    *layout.proto = record.proto;
  }
  if (layout.sport) {
    *layout.sport = record.sport;
    *layout.dport = record.dport;
  }
  if (layout.icmp_type) {
    *layout.icmp_type = record.icmp_type;
    *layout.icmp_code = record.icmp_code;
  }
  if (layout.vlan) *layout.vlan = record.vlan;
  if (layout.vlan_inner) *layout.vlan_inner = record.vlan_inner;
}

void JsonLineEncoder::packet(const ew_record& record, std::string_view iface, int64_t wall_ns) {
  Layout& layout = layout_for(layout_key(kPacketLayout, record.flags, false));
  fill_identity(layout, record, iface, wall_ns);
  *layout.len = record.len;
  write(layout.object);
}

void JsonLineEncoder::flow(const FlowEvent& event) {
  static constexpr LayoutKind kKinds[] = {kFlowNewLayout, kFlowUpdateLayout, kFlowEndLayout};
  const LayoutKind kind = kKinds[static_cast<int>(event.kind)];
  // Only a new flow seen through the ring knows its first packet's ICMP type.
  uint8_t flags = event.identity.flags;
  if (kind != kFlowNewLayout) flags &= static_cast<uint8_t>(~EW_FLAG_ICMP);
  flags &= static_cast<uint8_t>(~EW_FLAG_FRAGMENT);
  Layout& layout = layout_for(layout_key(kind, flags, event.reason != nullptr));
  fill_identity(layout, event.identity, event.iface, event.wall_ns);
  ts_format_.format(event.first_wall_ns, ts_);
  set_string(*layout.first_ts, ts_);
  ts_format_.format(event.last_wall_ns, ts_);
  set_string(*layout.last_ts, ts_);
  *layout.packets = event.packets;
  *layout.bytes = event.bytes;
  *layout.total_packets = event.total_packets;
  *layout.total_bytes = event.total_bytes;
  if (layout.reason) set_string(*layout.reason, event.reason);
  write(layout.object);
}

void JsonLineEncoder::stats(const StatsLine& stats) {
  std::string ts;
  ts_format_.format(stats.wall_ns, ts);
  ordered_json line = {
      {"type", "stats"},
      {"ts", ts},
      {"seen", stats.counters.seen},
      {"matched", stats.counters.matched},
      {"lost", stats.counters.lost},
      {"unparsed", stats.counters.unparsed},
      {"non_ip", stats.counters.non_ip},
      {"records", stats.records},
      {"malformed", stats.malformed},
      {"flows_created", stats.counters.flows_created},
      {"flows_active", stats.flows_active},
      {"flows_evicted", stats.flows_evicted},
      {"sampled_out", stats.counters.sampled_out},
      {"rate_limited", stats.counters.rate_limited},
      {"final", stats.final},
  };
  write(line);
}

void JsonLineEncoder::loss(const LossLine& loss) {
  std::string ts;
  ts_format_.format(loss.wall_ns, ts);
  ordered_json line = {{"type", "loss"}, {"ts", ts}};
  auto add_counts = [](ordered_json& object, const LossCounts& c) {
    object["ring_full"] = c.ring_full;
    object["evicted"] = c.evicted;
    object["sampled"] = c.sampled;
    object["rate_limited"] = c.rate_limited;
  };
  add_counts(line, loss.since_last);
  add_counts(line["total"], loss.total);
  write(line);
}

void JsonLineEncoder::interface_removed(std::string_view iface, int64_t wall_ns) {
  std::string ts;
  ts_format_.format(wall_ns, ts);
  write(ordered_json{{"type", "interface"}, {"event", "removed"}, {"ts", ts}, {"iface", iface}});
}

}  // namespace ew
