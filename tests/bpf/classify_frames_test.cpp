// The classifier on crafted frames: transports, truncation, IPv4 header
// variants, fragments, IPv6 extension headers and frames that are not IP.
// Every case loads the classifier with the default table plus the
// documentation ranges included (the "public" test hosts of DESIGN.md).
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <string>
#include <vector>

#include "egresswatch_abi.h"
#include "frame_case.h"
#include "privileges.h"

namespace ew::test {
namespace {

// Our host, a LAN neighbour and the documentation hosts the tests call public.
const Address kLan4 = v4("192.168.1.10");
const Address kPub4 = v4("203.0.113.7");
const Address kPub4b = v4("198.51.100.53");
const Address kUnlisted4 = v4("9.9.9.9");  // no prefix covers it: public
const Address kLan6 = v6("fd00::10");
const Address kPub6 = v6("2001:db8::7");
const Address kUnlisted6 = v6("2606:4700:4700::1111");

constexpr uint8_t kGre = 47;
constexpr uint8_t kPorts = EW_FLAG_PORTS;
constexpr uint8_t kIcmp = EW_FLAG_ICMP;
constexpr uint8_t kFragment = EW_FLAG_FRAGMENT;
constexpr uint8_t kShort = EW_FLAG_L4_SHORT;

std::vector<FrameCase> transport_cases() {
  return {
      {"ipv4_tcp_public", "IPv4 TCP SYN to an included documentation host",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443)); },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 40000,
               .dport = 443,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_udp_public", "IPv4 UDP DNS query to a public host",
       [] { return ipv4_frame(kLan4, kPub4b, IPPROTO_UDP, udp(53124, 53, 32)); },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts,
               .sport = 53124,
               .dport = 53,
               .src = kLan4,
               .dst = kPub4b})},
      {"ipv4_tcp_unlisted_public", "IPv4 TCP to an address no prefix covers",
       [] { return ipv4_frame(kLan4, kUnlisted4, IPPROTO_TCP, tcp(1, 65535)); },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 1,
               .dport = 65535,
               .src = kLan4,
               .dst = kUnlisted4})},
      {"ipv4_icmp_echo_public", "IPv4 ICMP echo request",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(8, 0)); },
       record({.proto = IPPROTO_ICMP, .flags = kIcmp, .icmp_type = 8, .src = kLan4, .dst = kPub4})},
      {"ipv4_icmp_unreachable_public", "IPv4 ICMP fragmentation needed (3/4)",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(3, 4)); },
       record({.proto = IPPROTO_ICMP,
               .flags = kIcmp,
               .icmp_type = 3,
               .icmp_code = 4,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_gre_public", "IPv4 GRE (47): a record without ports",
       [] { return ipv4_frame(kLan4, kPub4, kGre, opaque(24)); },
       record({.proto = kGre, .src = kLan4, .dst = kPub4})},
      {"ipv4_sctp_public", "IPv4 SCTP: ports like TCP",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_SCTP, ports_then(2905, 2906, 8)); },
       record({.proto = IPPROTO_SCTP,
               .flags = kPorts,
               .sport = 2905,
               .dport = 2906,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_dccp_public", "IPv4 DCCP: ports like TCP",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_DCCP, ports_then(5001, 5002, 12)); },
       record({.proto = IPPROTO_DCCP,
               .flags = kPorts,
               .sport = 5001,
               .dport = 5002,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_udplite_public", "IPv4 UDP-Lite: ports like UDP",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_UDPLITE, ports_then(7000, 7001, 4)); },
       record({.proto = IPPROTO_UDPLITE,
               .flags = kPorts,
               .sport = 7000,
               .dport = 7001,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_tcp_private_rfc1918", "IPv4 TCP to 10.1.2.3",
       [] { return ipv4_frame(kLan4, v4("10.1.2.3"), IPPROTO_TCP, tcp(40000, 22)); }, no_record()},
      {"ipv4_udp_private_lan", "IPv4 UDP to the LAN 192.168.1.1",
       [] { return ipv4_frame(kLan4, v4("192.168.1.1"), IPPROTO_UDP, udp(68, 67)); }, no_record()},
      {"ipv4_icmp_private_172_16", "IPv4 ICMP echo to 172.16.0.1",
       [] { return ipv4_frame(kLan4, v4("172.16.0.1"), IPPROTO_ICMP, icmp(8, 0)); }, no_record()},
      {"ipv4_gre_private_cgnat", "IPv4 GRE to shared address space 100.64.0.1",
       [] { return ipv4_frame(kLan4, v4("100.64.0.1"), kGre, opaque(24)); }, no_record()},
      {"ipv4_udp_broadcast", "IPv4 UDP to the limited broadcast address",
       [] { return ipv4_frame(kLan4, v4("255.255.255.255"), IPPROTO_UDP, udp(68, 67)); },
       no_record()},
      {"ipv4_udp_multicast", "IPv4 UDP to mDNS 224.0.0.251",
       [] { return ipv4_frame(kLan4, v4("224.0.0.251"), IPPROTO_UDP, udp(5353, 5353)); },
       no_record()},
      {"ipv4_tcp_from_public_to_private", "only the destination decides",
       [] { return ipv4_frame(kUnlisted4, kLan4, IPPROTO_TCP, tcp(443, 40000)); }, no_record()},

      {"ipv6_tcp_public", "IPv6 TCP SYN to an included documentation host",
       [] { return ipv6_frame(kLan6, kPub6, IPPROTO_TCP, tcp(40001, 443)); },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 40001,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_udp_public", "IPv6 UDP (QUIC) to a host no prefix covers",
       [] { return ipv6_frame(kLan6, kUnlisted6, IPPROTO_UDP, udp(50000, 443, 100)); },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts,
               .sport = 50000,
               .dport = 443,
               .src = kLan6,
               .dst = kUnlisted6})},
      {"ipv6_icmpv6_echo_public", "ICMPv6 echo request",
       [] { return ipv6_frame(kLan6, kPub6, IPPROTO_ICMPV6, icmp(128, 0)); },
       record({.proto = IPPROTO_ICMPV6,
               .flags = kIcmp,
               .icmp_type = 128,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_icmpv6_unreachable_public", "ICMPv6 destination unreachable, port (1/4)",
       [] { return ipv6_frame(kLan6, kPub6, IPPROTO_ICMPV6, icmp(1, 4)); },
       record({.proto = IPPROTO_ICMPV6,
               .flags = kIcmp,
               .icmp_type = 1,
               .icmp_code = 4,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_gre_public", "IPv6 GRE (47): a record without ports",
       [] { return ipv6_frame(kLan6, kPub6, kGre, opaque(24)); },
       record({.proto = kGre, .src = kLan6, .dst = kPub6})},
      {"ipv6_no_next_header_public", "IPv6 with no next header (59)",
       [] { return ipv6_frame(kLan6, kPub6, IPPROTO_NONE, {}); },
       record({.proto = IPPROTO_NONE, .src = kLan6, .dst = kPub6})},
      {"ipv6_tcp_private_ula", "IPv6 TCP to a unique-local address",
       [] { return ipv6_frame(kLan6, v6("fd12:3456::1"), IPPROTO_TCP, tcp(40000, 22)); },
       no_record()},
      {"ipv6_udp_private_link_local", "IPv6 UDP to fe80::1",
       [] { return ipv6_frame(v6("fe80::10"), v6("fe80::1"), IPPROTO_UDP, udp(546, 547)); },
       no_record()},
      {"ipv6_icmpv6_multicast", "ICMPv6 router solicitation to ff02::2",
       [] { return ipv6_frame(v6("fe80::10"), v6("ff02::2"), IPPROTO_ICMPV6, icmp(133, 0)); },
       no_record()},
      {"ipv6_gre_private_loopback", "IPv6 GRE to ::1",
       [] { return ipv6_frame(v6("::1"), v6("::1"), kGre, opaque(8)); }, no_record()},
      {"ipv6_udp_ipv4_mapped", "IPv6 UDP to ::ffff:8.8.8.8 (never on the wire)",
       [] { return ipv6_frame(kLan6, v6("::ffff:8.8.8.8"), IPPROTO_UDP, udp(1000, 53)); },
       no_record()},
  };
}

// Frames cut short: what a short linear area or a cut capture looks like.
std::vector<FrameCase> truncation_cases() {
  const size_t l3 = kEthernetHeaderLen;
  const size_t l4v4 = kEthernetHeaderLen + kIpv4HeaderLen;
  const size_t l4v6 = kEthernetHeaderLen + kIpv6HeaderLen;
  return {
      {"ipv4_padded_to_minimum", "IPv4 TCP with total length 20, padded to 60 bytes: no ports",
       [] {
         Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_TCP, {});
         frame.resize(60, 0);  // Ethernet padding, as frames from the wire carry
         return frame;
       },
       record({.proto = IPPROTO_TCP, .flags = kShort, .src = kLan4, .dst = kPub4})},
      {"ipv4_ethernet_header_only", "IPv4 ethertype and no IP header at all",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2)), l3); }, unparsed(),
       true},
      {"ipv4_header_one_byte_short", "IPv4 header cut at 19 of 20 bytes",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2)), l4v4 - 1); },
       unparsed(), true},
      {"ipv4_options_cut", "IHL 15 (40 bytes of options) cut after 20 of them",
       [=] {
         return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.ihl = 15}), l4v4 + 20);
       },
       unparsed()},
      {"ipv4_options_one_byte_short", "IHL 6 with 3 of the 4 option bytes",
       [=] {
         return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.ihl = 6}), l4v4 + 3);
       },
       unparsed()},
      {"ipv4_private_options_cut", "a cut header is unparsed even to a private host",
       [=] {
         return truncated(ipv4_frame(kLan4, v4("10.0.0.1"), IPPROTO_TCP, tcp(1, 2), {.ihl = 8}),
                          l4v4 + 4);
       },
       unparsed()},
      {"ipv4_tcp_cut_after_ip", "IPv4 TCP with no TCP bytes: record without ports",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443)), l4v4); },
       record({.proto = IPPROTO_TCP, .flags = kShort, .src = kLan4, .dst = kPub4})},
      {"ipv4_tcp_three_bytes", "IPv4 TCP cut inside the destination port",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443)), l4v4 + 3); },
       record({.proto = IPPROTO_TCP, .flags = kShort, .src = kLan4, .dst = kPub4})},
      {"ipv4_tcp_ports_only", "IPv4 TCP cut right after the ports: ports are known",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443)), l4v4 + 4); },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 40000,
               .dport = 443,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_udp_cut_after_ip", "IPv4 UDP with no UDP bytes",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(5353, 53)), l4v4); },
       record({.proto = IPPROTO_UDP, .flags = kShort, .src = kLan4, .dst = kPub4})},
      {"ipv4_icmp_one_byte", "IPv4 ICMP with the type but not the code",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(8, 0)), l4v4 + 1); },
       record({.proto = IPPROTO_ICMP, .flags = kShort, .src = kLan4, .dst = kPub4})},
      {"ipv4_icmp_type_and_code_only", "IPv4 ICMP cut after type and code",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(11, 1)), l4v4 + 2); },
       record({.proto = IPPROTO_ICMP,
               .flags = kIcmp,
               .icmp_type = 11,
               .icmp_code = 1,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_gre_cut_after_ip", "no transport header needed: not short",
       [=] { return truncated(ipv4_frame(kLan4, kPub4, kGre, opaque(24)), l4v4); },
       record({.proto = kGre, .src = kLan4, .dst = kPub4})},
      {"ipv4_tcp_private_cut_after_ip", "a short transport to a private host: no record",
       [=] {
         return truncated(ipv4_frame(kLan4, v4("192.168.1.1"), IPPROTO_TCP, tcp(1, 2)), l4v4);
       },
       no_record()},
      {"ipv6_ethernet_header_only", "IPv6 ethertype and no IPv6 header",
       [=] { return truncated(ipv6_frame(kLan6, kPub6, IPPROTO_TCP, tcp(1, 2)), l3); }, unparsed(),
       true},
      {"ipv6_header_one_byte_short", "IPv6 header cut at 39 of 40 bytes",
       [=] { return truncated(ipv6_frame(kLan6, kPub6, IPPROTO_TCP, tcp(1, 2)), l4v6 - 1); },
       unparsed(), true},
      {"ipv6_tcp_cut_after_ip", "IPv6 TCP with no TCP bytes",
       [=] { return truncated(ipv6_frame(kLan6, kPub6, IPPROTO_TCP, tcp(40000, 443)), l4v6); },
       record({.proto = IPPROTO_TCP, .flags = kShort, .src = kLan6, .dst = kPub6})},
      {"ipv6_udp_three_bytes", "IPv6 UDP cut inside the destination port",
       [=] { return truncated(ipv6_frame(kLan6, kPub6, IPPROTO_UDP, udp(40000, 443)), l4v6 + 3); },
       record({.proto = IPPROTO_UDP, .flags = kShort, .src = kLan6, .dst = kPub6})},
      {"ipv6_icmpv6_cut_after_ip", "ICMPv6 with no ICMPv6 bytes",
       [=] { return truncated(ipv6_frame(kLan6, kPub6, IPPROTO_ICMPV6, icmp(128, 0)), l4v6); },
       record({.proto = IPPROTO_ICMPV6, .flags = kShort, .src = kLan6, .dst = kPub6})},
      {"ipv6_hop_by_hop_cut", "the chain is cut inside a hop-by-hop header: addresses only",
       [=] {
         return truncated(ipv6_frame(kLan6, kPub6, {hop_by_hop(1)}, IPPROTO_TCP, tcp(1, 2)),
                          l4v6 + 12);
       },
       // The walk stops before it learns the next header: proto stays 0.
       record({.proto = IPPROTO_HOPOPTS, .flags = kShort, .src = kLan6, .dst = kPub6})},
      {"ipv6_fragment_header_cut", "a fragment header cut at 4 of 8 bytes",
       [=] {
         return truncated(ipv6_frame(kLan6, kPub6, {fragment(0, true)}, IPPROTO_UDP, udp(1, 2)),
                          l4v6 + 4);
       },
       record({.proto = IPPROTO_FRAGMENT, .flags = kShort, .src = kLan6, .dst = kPub6})},
      {"ipv6_tcp_cut_after_extensions", "hop-by-hop complete, TCP missing",
       [=] {
         return truncated(ipv6_frame(kLan6, kPub6, {hop_by_hop()}, IPPROTO_TCP, tcp(1, 2)),
                          l4v6 + 8);
       },
       record({.proto = IPPROTO_TCP, .flags = kShort, .src = kLan6, .dst = kPub6})},
  };
}

std::vector<FrameCase> ipv4_header_cases() {
  std::vector<FrameCase> cases;
  // Options move the transport header: the ports must still be found.
  for (uint8_t ihl = 6; ihl <= 15; ihl++) {
    const uint16_t sport = static_cast<uint16_t>(30000 + ihl);
    cases.push_back(
        {"ipv4_ihl_" + std::to_string(ihl) + "_tcp",
         "IPv4 with " + std::to_string((ihl - 5) * 4) + " bytes of options, then TCP",
         [=] { return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(sport, 443), {.ihl = ihl}); },
         record({.proto = IPPROTO_TCP,
                 .flags = kPorts,
                 .sport = sport,
                 .dport = 443,
                 .src = kLan4,
                 .dst = kPub4})});
  }
  cases.push_back(
      {"ipv4_ihl_15_udp", "the longest IPv4 header, then UDP",
       [] { return ipv4_frame(kLan4, kPub4b, IPPROTO_UDP, udp(123, 123), {.ihl = 15}); },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts,
               .sport = 123,
               .dport = 123,
               .src = kLan4,
               .dst = kPub4b})});
  cases.push_back(
      {"ipv4_ihl_9_icmp", "IPv4 options, then ICMP",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(8, 0), {.ihl = 9}); },
       record(
           {.proto = IPPROTO_ICMP, .flags = kIcmp, .icmp_type = 8, .src = kLan4, .dst = kPub4})});
  for (uint8_t ihl = 0; ihl <= 4; ihl++) {
    cases.push_back({"ipv4_ihl_" + std::to_string(ihl) + "_malformed",
                     "IHL " + std::to_string(ihl) + " is shorter than an IPv4 header",
                     [=] { return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.ihl = ihl}); },
                     unparsed()});
  }
  cases.push_back({"ipv4_ethertype_version_6", "IPv4 ethertype carrying an IPv6 packet",
                   [] { return ethernet(ETH_P_IP, ipv6(kLan6, kPub6, IPPROTO_TCP, tcp(1, 2))); },
                   unparsed()});
  cases.push_back({"ipv4_version_0", "IPv4 ethertype, version field 0",
                   [] { return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.version = 0}); },
                   unparsed()});
  cases.push_back({"ipv4_version_15", "IPv4 ethertype, version field 15",
                   [] { return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.version = 15}); },
                   unparsed()});
  cases.push_back({"ipv6_ethertype_version_4", "IPv6 ethertype carrying an IPv4 packet",
                   [] {
                     Bytes packet = ipv4(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2));
                     packet.resize(60, 0);  // as long as an IPv6 header and TCP
                     return ethernet(ETH_P_IPV6, packet);
                   },
                   unparsed()});
  cases.push_back(
      {"ipv6_version_0", "IPv6 ethertype, version field 0",
       [] { return ethernet(ETH_P_IPV6, ipv6(kLan6, kPub6, {}, IPPROTO_TCP, tcp(1, 2), 0)); },
       unparsed()});
  return cases;
}

std::vector<FrameCase> fragment_cases() {
  return {
      {"ipv4_first_fragment", "MF set, offset 0: the transport header is here",
       [] {
         return ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(4000, 4001, 1000),
                           {.more_fragments = true});
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts,
               .sport = 4000,
               .dport = 4001,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_dont_fragment", "DF set: not a fragment",
       [] {
         return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(4000, 443), {.dont_fragment = true});
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 4000,
               .dport = 443,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv4_middle_fragment", "offset 185 (1480 bytes), MF set: payload bytes, no ports",
       [] {
         return ipv4_frame(kLan4, kPub4, IPPROTO_UDP, opaque(64),
                           {.fragment_offset = 185, .more_fragments = true});
       },
       record({.proto = IPPROTO_UDP, .flags = kFragment, .src = kLan4, .dst = kPub4})},
      {"ipv4_last_fragment", "offset 185, MF clear: still a later fragment",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, opaque(64), {.fragment_offset = 185}); },
       record({.proto = IPPROTO_TCP, .flags = kFragment, .src = kLan4, .dst = kPub4})},
      {"ipv4_fragment_offset_1", "the smallest non-zero offset",
       [] {
         return ipv4_frame(kLan4, kPub4, IPPROTO_UDP, opaque(16),
                           {.fragment_offset = 1, .more_fragments = true});
       },
       record({.proto = IPPROTO_UDP, .flags = kFragment, .src = kLan4, .dst = kPub4})},
      {"ipv4_fragment_offset_max", "offset 8191, DF set as well",
       [] {
         return ipv4_frame(kLan4, kPub4, IPPROTO_UDP, opaque(16),
                           {.fragment_offset = 0x1fff, .dont_fragment = true});
       },
       record({.proto = IPPROTO_UDP, .flags = kFragment, .src = kLan4, .dst = kPub4})},
      {"ipv4_icmp_later_fragment", "a later fragment of a large ping: no type/code",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, opaque(32), {.fragment_offset = 370}); },
       record({.proto = IPPROTO_ICMP, .flags = kFragment, .src = kLan4, .dst = kPub4})},
      {"ipv4_later_fragment_with_options", "options and a later fragment",
       [] {
         return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, opaque(32),
                           {.ihl = 8, .fragment_offset = 2, .more_fragments = true});
       },
       record({.proto = IPPROTO_TCP, .flags = kFragment, .src = kLan4, .dst = kPub4})},
      {"ipv4_later_fragment_private", "a later fragment to a private host",
       [] {
         return ipv4_frame(kLan4, v4("10.9.8.7"), IPPROTO_UDP, opaque(32),
                           {.fragment_offset = 185});
       },
       no_record()},
      {"ipv6_first_fragment", "fragment header offset 0, M set: ports are here",
       [] {
         return ipv6_frame(kLan6, kPub6, {fragment(0, true)}, IPPROTO_UDP, udp(4000, 4001, 1200));
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts,
               .sport = 4000,
               .dport = 4001,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_atomic_fragment", "fragment header offset 0, M clear (RFC 6946)",
       [] { return ipv6_frame(kLan6, kPub6, {fragment(0, false)}, IPPROTO_TCP, tcp(4000, 443)); },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 4000,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_later_fragment", "fragment header offset 1448/8, M set",
       [] { return ipv6_frame(kLan6, kPub6, {fragment(181, true)}, IPPROTO_UDP, opaque(64)); },
       record({.proto = IPPROTO_UDP, .flags = kFragment, .src = kLan6, .dst = kPub6})},
      {"ipv6_last_fragment", "fragment header offset 181, M clear",
       [] { return ipv6_frame(kLan6, kPub6, {fragment(181, false)}, IPPROTO_TCP, opaque(64)); },
       record({.proto = IPPROTO_TCP, .flags = kFragment, .src = kLan6, .dst = kPub6})},
      {"ipv6_fragment_offset_max", "fragment header offset 8191",
       [] { return ipv6_frame(kLan6, kPub6, {fragment(0x1fff, false)}, IPPROTO_UDP, opaque(16)); },
       record({.proto = IPPROTO_UDP, .flags = kFragment, .src = kLan6, .dst = kPub6})},
      {"ipv6_hop_by_hop_then_later_fragment", "hop-by-hop, then a later fragment of ICMPv6",
       [] {
         return ipv6_frame(kLan6, kPub6, {hop_by_hop(), fragment(10, true)}, IPPROTO_ICMPV6,
                           opaque(32));
       },
       record({.proto = IPPROTO_ICMPV6, .flags = kFragment, .src = kLan6, .dst = kPub6})},
      {"ipv6_later_fragment_private", "a later fragment to a unique-local host",
       [] {
         return ipv6_frame(kLan6, v6("fd00::99"), {fragment(181, true)}, IPPROTO_UDP, opaque(32));
       },
       no_record()},
  };
}

std::vector<FrameCase> ipv6_extension_cases() {
  return {
      {"ipv6_hbh_dstopts_routing_tcp", "hop-by-hop, destination options, routing, then TCP",
       [] {
         return ipv6_frame(kLan6, kPub6, {hop_by_hop(), destination_options(), routing()},
                           IPPROTO_TCP, tcp(40002, 443));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 40002,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_long_extensions_udp", "extension headers of 16, 32 and 24 bytes, then UDP",
       [] {
         return ipv6_frame(kLan6, kPub6, {hop_by_hop(1), destination_options(3), routing(2)},
                           IPPROTO_UDP, udp(40003, 4433));
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts,
               .sport = 40003,
               .dport = 4433,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_largest_extension_tcp", "a 2048-byte destination options header, then TCP",
       [] {
         return ipv6_frame(kLan6, kPub6, {destination_options(255)}, IPPROTO_TCP, tcp(40004, 443));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 40004,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_hop_by_hop_icmpv6", "hop-by-hop, then ICMPv6 (an MLD-like packet)",
       [] { return ipv6_frame(kLan6, kPub6, {hop_by_hop()}, IPPROTO_ICMPV6, icmp(143, 0)); },
       record({.proto = IPPROTO_ICMPV6,
               .flags = kIcmp,
               .icmp_type = 143,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_ah_tcp", "authentication header (24 bytes), then TCP",
       [] { return ipv6_frame(kLan6, kPub6, {authentication(4)}, IPPROTO_TCP, tcp(40005, 443)); },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 40005,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_hbh_ah_dstopts_udp", "hop-by-hop, AH (16 bytes), destination options, UDP",
       [] {
         return ipv6_frame(kLan6, kPub6, {hop_by_hop(), authentication(2), destination_options()},
                           IPPROTO_UDP, udp(40006, 500));
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts,
               .sport = 40006,
               .dport = 500,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_eight_extensions_tcp", "eight extension headers: the most the walk follows",
       [] {
         return ipv6_frame(
             kLan6, kPub6,
             {hop_by_hop(), destination_options(), routing(), routing(), destination_options(1),
              fragment(0, true), authentication(2), destination_options()},
             IPPROTO_TCP, tcp(40007, 443));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts,
               .sport = 40007,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv6_nine_extensions_tcp", "nine extension headers: the walk gives up, marked short",
       [] {
         return ipv6_frame(
             kLan6, kPub6,
             {hop_by_hop(), destination_options(), routing(), routing(), destination_options(1),
              fragment(0, true), authentication(2), destination_options(), destination_options()},
             IPPROTO_TCP, tcp(40008, 443));
       },
       record({.proto = IPPROTO_DSTOPTS, .flags = kShort, .src = kLan6, .dst = kPub6})},
      {"ipv6_extensions_then_gre", "destination options, then GRE: no ports",
       [] { return ipv6_frame(kLan6, kPub6, {destination_options()}, kGre, opaque(16)); },
       record({.proto = kGre, .src = kLan6, .dst = kPub6})},
      {"ipv6_extensions_then_esp", "hop-by-hop, then ESP: the walk stops at ESP",
       [] { return ipv6_frame(kLan6, kPub6, {hop_by_hop()}, IPPROTO_ESP, opaque(32)); },
       record({.proto = IPPROTO_ESP, .src = kLan6, .dst = kPub6})},
      {"ipv6_extensions_private", "extension headers to a link-local host",
       [] {
         return ipv6_frame(v6("fe80::10"), v6("fe80::1"), {hop_by_hop(), routing()}, IPPROTO_TCP,
                           tcp(1, 2));
       },
       no_record()},
  };
}

std::vector<FrameCase> non_ip_cases() {
  return {
      {"arp_request", "ARP who-has for a public address", [] { return arp_request(kLan4, kPub4); },
       non_ip()},
      {"lldp", "LLDP to the nearest bridge", [] { return lldp(); }, non_ip()},
      {"ethernet_header_only", "14 bytes: the shortest frame BPF_PROG_TEST_RUN takes",
       [] { return ethernet(0x88b5, {}); }, non_ip()},
      {"ipx_ethertype", "an old ethertype (IPX) with IPv4-looking bytes behind it",
       [] { return ethernet(0x8137, ipv4(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2))); }, non_ip()},
      {"ethernet_length_field", "an 802.3 length field where the ethertype would be",
       [] { return ethernet(0x0040, opaque(64)); }, non_ip()},
  };
}

// Each suite but Fragments shares one classifier among its cases: nothing
// they do is remembered (ipv6_eight_extensions_tcp's fragment header is a
// first fragment, but no case after it is a later fragment).
class ClassifyFrame : public SharedClassifierSuite<ClassifyFrame> {};

TEST_P(ClassifyFrame, GivesTheExpectedRecordAndCounters) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  run_frame_case(shared_harness(documentation_hosts_public()), GetParam());
}

// A first fragment leaves its ports in ew_fragments for the later fragments
// of the same datagram (same id in every case here): one classifier per case.
class ClassifyFragment : public testing::TestWithParam<FrameCase> {};

TEST_P(ClassifyFragment, GivesTheExpectedRecordAndCounters) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  run_frame_case(documentation_hosts_public(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Transport, ClassifyFrame, testing::ValuesIn(transport_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Truncated, ClassifyFrame, testing::ValuesIn(truncation_cases()),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Ipv4Header, ClassifyFrame, testing::ValuesIn(ipv4_header_cases()),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Fragments, ClassifyFragment, testing::ValuesIn(fragment_cases()),
                         case_name);
INSTANTIATE_TEST_SUITE_P(Ipv6Extensions, ClassifyFrame, testing::ValuesIn(ipv6_extension_cases()),
                         case_name);
INSTANTIATE_TEST_SUITE_P(NonIp, ClassifyFrame, testing::ValuesIn(non_ip_cases()), case_name);

}  // namespace
}  // namespace ew::test
