#include "text_lines.h"

#include <arpa/inet.h>

#include <cstdio>

namespace ew {
namespace {

std::string endpoint(int family, const uint8_t* addr, bool ports, uint16_t port) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf));
  if (!ports) return buf;
  if (family == 6) return "[" + std::string(buf) + "]:" + std::to_string(port);
  return std::string(buf) + ":" + std::to_string(port);
}

void pad(std::string& out, std::string_view text, size_t width) {
  out.append(text);
  if (text.size() < width) out.append(width - text.size(), ' ');
  out.push_back(' ');
}

}  // namespace

void TextLineFormatter::time_column(int64_t wall_ns) {
  ts_format_.format(wall_ns, ts_);
  // "2026-11-21T22:39:24.151391042Z" -> "22:39:24.151"
  out_.append(ts_, 11, 12);
  out_.push_back(' ');
}

void TextLineFormatter::row(int64_t wall_ns, std::string_view what, std::string_view iface,
                            const ew_record& id, const std::string& tail) {
  time_column(wall_ns);
  pad(out_, what, 6);
  pad(out_, iface, 10);
  const char* name = protocol_name(id.proto);
  pad(out_, name ? std::string(name) : std::to_string(id.proto), 6);
  const bool ports = id.flags & EW_FLAG_PORTS;
  pad(out_, endpoint(id.family, id.src, ports, id.sport), 30);
  out_.append("-> ");
  pad(out_, endpoint(id.family, id.dst, ports, id.dport), 30);
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
  if (record.flags & EW_FLAG_ICMP) {
    tail +=
        "  type " + std::to_string(record.icmp_type) + " code " + std::to_string(record.icmp_code);
  }
  if (record.flags & EW_FLAG_FRAGMENT) tail += "  fragment";
  row(wall_ns, "packet", iface, record, tail);
}

void TextLineFormatter::flow(const FlowEvent& event) {
  static constexpr const char* kNames[] = {"new", "update", "end"};
  std::string tail = std::to_string(event.packets) + " pkt " + std::to_string(event.bytes) +
                     " B  (total " + std::to_string(event.total_packets) + " pkt " +
                     std::to_string(event.total_bytes) + " B)";
  if (event.reason) tail += std::string("  ") + event.reason;
  row(event.wall_ns, kNames[static_cast<int>(event.kind)], event.iface, event.identity, tail);
}

void TextLineFormatter::stats(const StatsLine& s) {
  time_column(s.wall_ns);
  char buf[320];
  std::snprintf(
      buf, sizeof(buf),
      "%s seen %llu  matched %llu  records %llu  lost %llu  unparsed %llu  "
      "non-ip %llu  flows %llu active %llu evicted\n",
      s.final ? "stats (final):" : "stats:", static_cast<unsigned long long>(s.counters.seen),
      static_cast<unsigned long long>(s.counters.matched),
      static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.counters.lost),
      static_cast<unsigned long long>(s.counters.unparsed),
      static_cast<unsigned long long>(s.counters.non_ip),
      static_cast<unsigned long long>(s.flows_active),
      static_cast<unsigned long long>(s.flows_evicted));
  out_.append(buf);
}

void TextLineFormatter::loss(const LossLine& l) {
  time_column(l.wall_ns);
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "LOSS: ring full %llu  evicted %llu  sampled %llu  rate-limited %llu\n",
                static_cast<unsigned long long>(l.since_last.ring_full),
                static_cast<unsigned long long>(l.since_last.evicted),
                static_cast<unsigned long long>(l.since_last.sampled),
                static_cast<unsigned long long>(l.since_last.rate_limited));
  out_.append(buf);
}

void TextLineFormatter::interface_removed(std::string_view iface, int64_t wall_ns) {
  time_column(wall_ns);
  out_.append("interface ").append(iface).append(" removed\n");
}

}  // namespace ew
