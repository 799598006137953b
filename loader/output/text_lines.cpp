#include "output/text_lines.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>

namespace ew {
namespace {

std::string endpoint(int family, const uint8_t* addr, bool ports, uint16_t port) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf));
  if (!ports) return buf;
  // Appended piece by piece: g++ 12 at -O3 gives a false -Wrestrict for
  // "literal" + std::string (GCC bug 105651).
  std::string out;
  if (family == 6) out += '[';
  out += buf;
  out += family == 6 ? "]:" : ":";
  out += std::to_string(port);
  return out;
}

void append_icmp(const ew_record& record, std::string& tail) {
  if (!(record.flags & EW_FLAG_ICMP)) return;
  tail +=
      "  type " + std::to_string(record.icmp_type) + " code " + std::to_string(record.icmp_code);
}

std::string tcp_letters(uint8_t flags) {
  char letters[8];
  const size_t n = tcp_flag_letters(flags, letters);
  return n ? std::string(letters, n) : std::string("-");
}

std::string counts(uint64_t packets, uint64_t bytes) {
  return std::to_string(packets) + " pkt " + std::to_string(bytes) + " B";
}

void pad(std::string& out, std::string_view text, size_t& width) {
  width = std::max(width, text.size());
  out.append(text);
  if (text.size() < width) out.append(width - text.size(), ' ');
  out.push_back(' ');
}

}  // namespace

void TextLineFormatter::time_column(int64_t wall_ns) {
  ts_format_.format(wall_ns, ts_);
  out_.append(ts_);
  out_.push_back(' ');
}

void TextLineFormatter::row(int64_t wall_ns, std::string_view what, std::string_view iface,
                            const ew_record& id, const std::string& tail) {
  time_column(wall_ns);
  size_t event_width = 6;
  pad(out_, what, event_width);
  pad(out_, iface, iface_width_);
  const char* name = protocol_name(id.proto);
  size_t proto_width = 6;
  pad(out_, name ? std::string(name) : std::to_string(id.proto), proto_width);
  const bool ports = id.flags & EW_FLAG_PORTS;
  pad(out_, endpoint(id.family, id.src, ports, id.sport), src_width_);
  out_.append("-> ");
  pad(out_, endpoint(id.family, id.dst, ports, id.dport), dst_width_);
  if (id.flags & EW_FLAG_VLAN) {
    out_.append("vlan ").append(std::to_string(id.vlan));
    if (id.flags & EW_FLAG_VLAN_INNER) out_.append(".").append(std::to_string(id.vlan_inner));
    out_.push_back(' ');
  }
  out_.append(tail);
  out_.push_back('\n');
}

void TextLineFormatter::packet(const ew_record& record, std::string_view iface, int64_t wall_ns) {
  std::string tail = std::to_string(record.len) + " B";
  tail += record.flags & EW_FLAG_INBOUND ? "  in" : "  out";
  if (record.flags & EW_FLAG_TCP_FLAGS) tail += "  " + tcp_letters(record.tcp_flags);
  append_icmp(record, tail);
  if (record.flags & EW_FLAG_FRAGMENT) tail += "  fragment";
  row(wall_ns, "packet", iface, record, tail);
}

void TextLineFormatter::flow(const FlowEvent& event) {
  static constexpr const char* kNames[] = {"new", "update", "end"};
  // Local end first (src -> dst), then who started it and each way's counts.
  std::string tail = std::string("by ") + initiator_name(event.identity.initiator) + "  out " +
                     counts(event.packets, event.bytes) + "  in " +
                     counts(event.in_packets, event.in_bytes) + "  (total out " +
                     counts(event.total_packets, event.total_bytes) + ", in " +
                     counts(event.total_in_packets, event.total_in_bytes) + ")";
  if (event.identity.proto == IPPROTO_TCP) {
    tail += "  tcp " + tcp_letters(event.tcp_flags) + "/" + tcp_letters(event.in_tcp_flags);
  }
  // As in JSON: only a new flow seen through the ring knows its first
  // packet's ICMP type and code.
  if (event.kind == FlowEvent::Kind::kNew) append_icmp(event.identity, tail);
  if (event.reason) tail += std::string("  ") + event.reason;
  row(event.wall_ns, kNames[static_cast<int>(event.kind)], event.iface, event.identity, tail);
}

void TextLineFormatter::stats(const StatsLine& s) {
  time_column(s.wall_ns);
  auto n = [](uint64_t v) { return std::to_string(v); };
  out_.append(s.final ? "stats (final): " : "stats: ");
  const char* separator = "";
  for (const CounterField& field : kCounterFields) {
    if (field.index == EW_COUNTER_FLOWS_CREATED) continue;  // in the flows group below
    out_.append(separator).append(field.label).append(" ").append(n(s.counters.*field.member));
    separator = "  ";
    if (field.index == EW_COUNTER_MATCHED) out_.append("  records " + n(s.records));
  }
  out_.append("  flows: " + n(s.counters.flows_created) + " created, " + n(s.flows_active) +
              " active, " + n(s.flows_evicted) + " evicted\n");
}

void TextLineFormatter::loss(const LossLine& l) {
  time_column(l.wall_ns);
  auto counts = [](const LossCounts& c) {
    return "ring full " + std::to_string(c.ring_full) + "  evicted " + std::to_string(c.evicted) +
           "  sampled " + std::to_string(c.sampled) + "  rate-limited " +
           std::to_string(c.rate_limited);
  };
  out_.append("LOSS: " + counts(l.since_last) + "  (total: " + counts(l.total) + ")\n");
}

void TextLineFormatter::interface_removed(std::string_view iface, int64_t wall_ns) {
  time_column(wall_ns);
  out_.append("interface ").append(iface).append(" removed\n");
}

}  // namespace ew
