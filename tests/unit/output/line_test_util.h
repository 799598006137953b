// Builders and helpers shared by the line formatter tests (JSON and text).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "egresswatch_abi.h"
#include "output/line_formatter.h"

namespace ew::testing {

// 2023-11-14T22:13:20.123456789Z
inline constexpr int64_t kWallNs = 1'700'000'000'123'456'789;
inline constexpr const char* kTs = "2023-11-14T22:13:20.123456789Z";

inline void set_addr(uint8_t* out, int family, const char* text) {
  ASSERT_EQ(inet_pton(family == 4 ? AF_INET : AF_INET6, text, out), 1) << text;
}

inline ew_record make_record(int family, const char* src, const char* dst, uint8_t proto,
                             uint8_t flags, uint32_t len = 0) {
  ew_record r;
  std::memset(&r, 0, sizeof(r));
  r.ts_ns = 12345;
  r.ifindex = 2;
  r.len = len;
  r.kind = EW_RECORD_PACKET;
  r.family = static_cast<uint8_t>(family);
  r.proto = proto;
  r.flags = flags;
  set_addr(r.src, family, src);
  set_addr(r.dst, family, dst);
  return r;
}

inline ew_record with_ports(ew_record r, uint16_t sport, uint16_t dport) {
  r.flags = static_cast<uint8_t>(r.flags | EW_FLAG_PORTS);
  r.sport = sport;
  r.dport = dport;
  return r;
}

inline ew_record with_icmp(ew_record r, uint8_t type, uint8_t code) {
  r.flags = static_cast<uint8_t>(r.flags | EW_FLAG_ICMP);
  r.icmp_type = type;
  r.icmp_code = code;
  return r;
}

inline ew_record with_vlan(ew_record r, uint16_t vlan) {
  r.flags = static_cast<uint8_t>(r.flags | EW_FLAG_VLAN);
  r.vlan = vlan;
  return r;
}

inline ew_record with_qinq(ew_record r, uint16_t outer, uint16_t inner) {
  r.flags = static_cast<uint8_t>(r.flags | EW_FLAG_VLAN | EW_FLAG_VLAN_INNER);
  r.vlan = outer;
  r.vlan_inner = inner;
  return r;
}

// A packet that went from the remote end to the local one.
inline ew_record inbound(ew_record r) {
  r.flags = static_cast<uint8_t>(r.flags | EW_FLAG_INBOUND);
  return r;
}

// A packet whose TCP header reached its flags byte.
inline ew_record with_tcp_flags(ew_record r, uint8_t tcp_flags) {
  r.flags = static_cast<uint8_t>(r.flags | EW_FLAG_TCP_FLAGS);
  r.tcp_flags = tcp_flags;
  return r;
}

// A flow identity: who started the conversation (enum ew_initiator).
inline ew_record with_initiator(ew_record r, uint8_t initiator) {
  r.initiator = initiator;
  return r;
}

// A Community ID v1 as the loader writes it: "1:" and 28 base64 characters.
inline constexpr const char* kCommunityId = "1:LQU9qZlK+B5F3KDmev6m5PMibrg=";
static_assert(std::char_traits<char>::length(kCommunityId) == 30);

inline ew_record tcp4(uint16_t sport = 51000, uint16_t dport = 443) {
  return with_ports(make_record(4, "10.0.0.2", "192.0.2.80", IPPROTO_TCP, 0, 74), sport, dport);
}

inline ew_record udp6(uint16_t sport = 40000, uint16_t dport = 53) {
  return with_ports(make_record(6, "fd00::2", "2001:db8::53", IPPROTO_UDP, 0, 90), sport, dport);
}

inline ew_record icmp4(uint8_t type = 8, uint8_t code = 0) {
  return with_icmp(make_record(4, "10.0.0.2", "203.0.113.1", IPPROTO_ICMP, 0, 98), type, code);
}

inline ew_record icmp6(uint8_t type = 128, uint8_t code = 0) {
  return with_icmp(make_record(6, "fd00::2", "2001:db8::1", IPPROTO_ICMPV6, 0, 118), type, code);
}

inline ew_record gre4() {
  return make_record(4, "10.0.0.2", "198.51.100.9", 47, 0, 120);
}

// A flow event whose counters, times and TCP flags are distinct, so a swapped
// field shows. No community id; the initiator is the identity's (unknown
// unless with_initiator() set it).
inline FlowEvent make_event(FlowEvent::Kind kind, const ew_record& identity,
                            const char* reason = nullptr, std::string_view iface = "eth0") {
  FlowEvent e;
  e.kind = kind;
  e.reason = reason;
  e.wall_ns = kWallNs;
  e.iface = iface;
  e.identity = identity;
  e.first_wall_ns = kWallNs - 2'000'000'000;  // 22:13:18.123456789
  e.last_wall_ns = kWallNs - 1'000'000'000;   // 22:13:19.123456789
  e.packets = 3;
  e.bytes = 300;
  e.in_packets = 4;
  e.in_bytes = 400;
  e.total_packets = 7;
  e.total_bytes = 700;
  e.total_in_packets = 9;
  e.total_in_bytes = 900;
  // Shown for TCP only: a SYN, ACKs and a FIN out; SYN+ACK, ACKs and a RST in.
  e.tcp_flags = EW_TCP_SYN | EW_TCP_ACK | EW_TCP_FIN;     // "SAF"
  e.in_tcp_flags = EW_TCP_SYN | EW_TCP_ACK | EW_TCP_RST;  // "SAR"
  return e;
}

// TCP flag letters as the schema defines them (S A F R P U E C), written
// here independently of the loader's tcp_flag_letters().
inline std::string tcp_letters_of(uint8_t flags) {
  std::string letters;
  if (flags & 0x02) letters += 'S';
  if (flags & 0x10) letters += 'A';
  if (flags & 0x01) letters += 'F';
  if (flags & 0x04) letters += 'R';
  if (flags & 0x08) letters += 'P';
  if (flags & 0x20) letters += 'U';
  if (flags & 0x40) letters += 'E';
  if (flags & 0x80) letters += 'C';
  return letters;
}

inline std::vector<std::string> split_lines(const std::string& out) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "output does not end with a newline: " << out.substr(start);
      break;
    }
    lines.push_back(out.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// One JSON line; a line that is not JSON fails the test (instead of
// throwing out of it) and gives an empty object.
inline nlohmann::ordered_json parse_line(const std::string& line) {
  auto value = nlohmann::ordered_json::parse(line, nullptr, false);
  if (value.is_discarded()) {
    ADD_FAILURE() << "not a JSON line: " << line;
    return nlohmann::ordered_json::object();
  }
  return value;
}

inline std::vector<std::string> keys_of(const nlohmann::ordered_json& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items())
    keys.push_back(item.key());
  return keys;
}

}  // namespace ew::testing
