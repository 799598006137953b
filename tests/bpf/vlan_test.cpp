// VLAN tags in the frame: 802.1Q (TPID 0x8100) and 802.1ad (0x88a8), one or
// two (QinQ). A record carries the outer VID in vlan with EW_FLAG_VLAN and,
// under two tags, the inner VID in vlan_inner with EW_FLAG_VLAN_INNER; the
// PCP and DEI bits of a TCI are not part of the VID. Deeper stacks and cut
// tags are not ours to judge (non_ip).
//
// Not testable here: the tag the kernel takes out of the frame (hardware
// VLAN acceleration, skb->vlan_tci / vlan_present), which the classifier
// counts as the outermost tag. BPF_PROG_TEST_RUN builds the skb from the
// bytes given and refuses a __sk_buff context with vlan_present, vlan_tci or
// vlan_proto set (it takes only mark, priority, ingress_ifindex, ifindex, cb,
// tstamp, wire_len, gso_segs, gso_size and hwtstamp), so only tags inside
// the frame reach the program here; KernelTagCannotBeSetThroughTestRun below
// checks that this is still so.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "egresswatch_abi.h"
#include "frame_case.h"
#include "privileges.h"

namespace ew::test {
namespace {

const Address kLan4 = v4("192.168.1.10");
const Address kPub4 = v4("203.0.113.7");
const Address kUnlisted4 = v4("8.8.8.8");
const Address kLan6 = v6("fd00::10");
const Address kPub6 = v6("2001:db8::7");
const Address kUnlisted6 = v6("2606:4700:4700::1111");

constexpr uint8_t kPorts = EW_FLAG_PORTS;
constexpr uint8_t kIcmp = EW_FLAG_ICMP;
constexpr uint8_t kFragment = EW_FLAG_FRAGMENT;
constexpr uint8_t kShort = EW_FLAG_L4_SHORT;
constexpr uint8_t kVlan = EW_FLAG_VLAN;
constexpr uint8_t kInner = EW_FLAG_VLAN_INNER;
constexpr uint16_t kPreQinqTpid = 0x9100;  // a pre-802.1ad vendor TPID: not a tag to us

Bytes tagged_v4(const std::vector<VlanTag>& tags, const Address& dst, uint8_t proto,
                const Bytes& payload, const Ipv4Fields& f = {}) {
  return ethernet_tagged(tags, ETH_P_IP, ipv4(kLan4, dst, proto, payload, f));
}

Bytes tagged_v6(const std::vector<VlanTag>& tags, const Address& dst,
                const std::vector<Ipv6Ext>& exts, uint8_t proto, const Bytes& payload) {
  return ethernet_tagged(tags, ETH_P_IPV6, ipv6(kLan6, dst, exts, proto, payload));
}

std::vector<FrameCase> tagged_ip_cases() {
  return {
      // The two tests known_gaps_test.cpp held while tags were not parsed.
      {"dot1q_ipv4_tcp", "802.1Q VID 100, IPv4 TCP to 8.8.8.8",
       [] {
         return ethernet_vlan(100, ETH_P_IP, ipv4(kLan4, kUnlisted4, IPPROTO_TCP, tcp(40000, 443)));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts | kVlan,
               .sport = 40000,
               .dport = 443,
               .src = kLan4,
               .dst = kUnlisted4,
               .vlan = 100})},
      {"dot1q_ipv6_udp", "802.1Q VID 4094, IPv6 UDP",
       [] {
         return ethernet_vlan(4094, ETH_P_IPV6,
                              ipv6(kLan6, kUnlisted6, IPPROTO_UDP, udp(50000, 443)));
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts | kVlan,
               .sport = 50000,
               .dport = 443,
               .src = kLan6,
               .dst = kUnlisted6,
               .vlan = 4094})},

      {"dot1ad_ipv4_udp", "one 802.1ad S-tag, VID 200, IPv4 UDP",
       [] { return tagged_v4({dot1ad(200)}, kPub4, IPPROTO_UDP, udp(5353, 53)); },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts | kVlan,
               .sport = 5353,
               .dport = 53,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 200})},
      {"dot1ad_ipv6_tcp", "one 802.1ad S-tag, VID 7, IPv6 TCP",
       [] { return tagged_v6({dot1ad(7)}, kPub6, {}, IPPROTO_TCP, tcp(40001, 22)); },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts | kVlan,
               .sport = 40001,
               .dport = 22,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 7})},
      {"qinq_ipv4_tcp", "802.1ad VID 300 over 802.1Q VID 400, IPv4 TCP",
       [] {
         return tagged_v4({dot1ad(300), dot1q(400)}, kPub4, IPPROTO_TCP, tcp(40002, 443));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts | kVlan | kInner,
               .sport = 40002,
               .dport = 443,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 300,
               .vlan_inner = 400})},
      {"qinq_ipv6_udp", "802.1ad VID 1 over 802.1Q VID 4094, IPv6 UDP",
       [] {
         return tagged_v6({dot1ad(1), dot1q(4094)}, kPub6, {}, IPPROTO_UDP, udp(40003, 443));
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts | kVlan | kInner,
               .sport = 40003,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 1,
               .vlan_inner = 4094})},
      {"double_dot1q_ipv4_udp", "two 802.1Q tags (old-style QinQ), VIDs 10 and 20",
       [] {
         return tagged_v4({dot1q(10), dot1q(20)}, kPub4, IPPROTO_UDP, udp(40004, 4500));
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts | kVlan | kInner,
               .sport = 40004,
               .dport = 4500,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 10,
               .vlan_inner = 20})},
      {"dot1q_over_dot1ad_order_kept", "802.1Q VID 11 outside 802.1ad VID 22: outer first",
       [] {
         return tagged_v4({dot1q(11), dot1ad(22)}, kPub4, IPPROTO_TCP, tcp(40005, 80));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts | kVlan | kInner,
               .sport = 40005,
               .dport = 80,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 11,
               .vlan_inner = 22})},
      {"qinq_ipv6_extensions_tcp", "QinQ, IPv6 hop-by-hop and destination options, TCP",
       [] {
         return tagged_v6({dot1ad(30), dot1q(31)}, kPub6, {hop_by_hop(), destination_options(1)},
                          IPPROTO_TCP, tcp(40006, 443));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kPorts | kVlan | kInner,
               .sport = 40006,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 30,
               .vlan_inner = 31})},
      {"qinq_ipv6_largest_extension_udp", "QinQ, a 2048-byte destination options header, UDP",
       [] {
         return tagged_v6({dot1ad(32), dot1q(33)}, kPub6, {destination_options(255)}, IPPROTO_UDP,
                          udp(40007, 443));
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts | kVlan | kInner,
               .sport = 40007,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 32,
               .vlan_inner = 33})},
      {"qinq_ipv4_longest_header_udp", "QinQ, IPv4 with 40 bytes of options, UDP",
       [] {
         return tagged_v4({dot1ad(34), dot1q(35)}, kPub4, IPPROTO_UDP, udp(123, 123), {.ihl = 15});
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts | kVlan | kInner,
               .sport = 123,
               .dport = 123,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 34,
               .vlan_inner = 35})},
      {"dot1q_ipv4_udp_padded",
       "802.1Q, a short UDP packet padded to 64 bytes: no ports from padding",
       [] {
         Bytes frame = tagged_v4({dot1q(36)}, kPub4, IPPROTO_UDP, udp(40008, 53));
         frame.resize(64, 0);
         return frame;
       },
       record({.proto = IPPROTO_UDP,
               .flags = kPorts | kVlan,
               .sport = 40008,
               .dport = 53,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 36})},
      {"dot1q_ipv4_icmp", "802.1Q VID 37, ICMP echo",
       [] { return tagged_v4({dot1q(37)}, kPub4, IPPROTO_ICMP, icmp(8, 0)); },
       record({.proto = IPPROTO_ICMP,
               .flags = kIcmp | kVlan,
               .icmp_type = 8,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 37})},
      {"qinq_icmpv6", "QinQ 38/39, ICMPv6 destination unreachable 1/4",
       [] {
         return tagged_v6({dot1ad(38), dot1q(39)}, kPub6, {}, IPPROTO_ICMPV6, icmp(1, 4));
       },
       record({.proto = IPPROTO_ICMPV6,
               .flags = kIcmp | kVlan | kInner,
               .icmp_type = 1,
               .icmp_code = 4,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 38,
               .vlan_inner = 39})},
      {"dot1q_ipv4_gre", "802.1Q VID 40, GRE: no ports, nothing short",
       [] { return tagged_v4({dot1q(40)}, kPub4, 47, opaque(24)); },
       record({.proto = 47, .flags = kVlan, .src = kLan4, .dst = kPub4, .vlan = 40})},
      {"dot1q_ipv4_later_fragment", "802.1Q VID 41, a later IPv4 fragment",
       [] {
         return tagged_v4({dot1q(41)}, kPub4, IPPROTO_UDP, opaque(32),
                          {.fragment_offset = 185, .id = 0x7001});
       },
       record({.proto = IPPROTO_UDP,
               .flags = kFragment | kVlan,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 41})},
      {"qinq_ipv6_later_fragment", "QinQ 42/43, a later IPv6 fragment",
       [] {
         return tagged_v6({dot1ad(42), dot1q(43)}, kPub6, {fragment(181, true, 0x7002)},
                          IPPROTO_TCP, opaque(32));
       },
       record({.proto = IPPROTO_TCP,
               .flags = kFragment | kVlan | kInner,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 42,
               .vlan_inner = 43})},
      {"dot1q_ipv4_tcp_cut_after_ip", "802.1Q, IPv4 TCP with no TCP bytes",
       [] {
         return truncated(tagged_v4({dot1q(44)}, kPub4, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + 4 + kIpv4HeaderLen);
       },
       record({.proto = IPPROTO_TCP,
               .flags = kShort | kVlan,
               .src = kLan4,
               .dst = kPub4,
               .vlan = 44})},
      {"qinq_ipv6_udp_three_bytes", "QinQ, IPv6 UDP cut inside the destination port",
       [] {
         return truncated(tagged_v6({dot1ad(45), dot1q(46)}, kPub6, {}, IPPROTO_UDP, udp(1, 2)),
                          kEthernetHeaderLen + 8 + kIpv6HeaderLen + 3);
       },
       record({.proto = IPPROTO_UDP,
               .flags = kShort | kVlan | kInner,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 45,
               .vlan_inner = 46})},
  };
}

// The TCI is PCP (3 bits), DEI (1 bit), VID (12 bits): only the VID is ours.
std::vector<FrameCase> tci_cases() {
  auto v4_case = [](std::string name, std::string description, std::vector<VlanTag> tags,
                    uint8_t flags, uint16_t vlan, uint16_t vlan_inner) {
    return FrameCase{std::move(name), std::move(description),
                     [tags] { return tagged_v4(tags, kPub4, IPPROTO_TCP, tcp(40010, 443)); },
                     record({.proto = IPPROTO_TCP,
                             .flags = static_cast<uint8_t>(kPorts | flags),
                             .sport = 40010,
                             .dport = 443,
                             .src = kLan4,
                             .dst = kPub4,
                             .vlan = vlan,
                             .vlan_inner = vlan_inner})};
  };
  return {
      v4_case("pcp_7_vid_100", "PCP 7 (0xe064)", {dot1q(tci(7, false, 100))}, kVlan, 100, 0),
      v4_case("dei_vid_100", "DEI set (0x1064)", {dot1q(tci(0, true, 100))}, kVlan, 100, 0),
      v4_case("pcp_dei_all_set_vid_1", "PCP 7, DEI, VID 1 (0xf001)", {dot1q(tci(7, true, 1))},
              kVlan, 1, 0),
      v4_case("pcp_5_dot1ad_vid_2048", "802.1ad PCP 5, VID 2048 (0xa800): the top VID bit",
              {dot1ad(tci(5, false, 2048))}, kVlan, 2048, 0),
      v4_case("qinq_both_with_pcp_dei", "outer PCP 5 VID 10, inner PCP 1 DEI VID 4094",
              {dot1ad(tci(5, false, 10)), dot1q(tci(1, true, 4094))}, kVlan | kInner, 10, 4094),
      v4_case("vid_0", "VID 0 (TCI 0): tagged, so the flag says the VID is valid", {dot1q(0x0000)},
              kVlan, 0, 0),
      v4_case("priority_tag_vid_0", "a priority tag: PCP 3, VID 0 (0x6000)",
              {dot1q(tci(3, false, 0))}, kVlan, 0, 0),
      v4_case("vid_4095", "VID 4095 (0x0fff)", {dot1q(0x0fff)}, kVlan, 4095, 0),
      v4_case("tci_all_ones", "TCI 0xffff: VID 4095", {dot1q(0xffff)}, kVlan, 4095, 0),
      v4_case("qinq_inner_vid_0", "QinQ, outer VID 100, inner VID 0: the inner flag still set",
              {dot1ad(100), dot1q(tci(6, false, 0))}, kVlan | kInner, 100, 0),
      v4_case("qinq_outer_vid_0_inner_4095", "QinQ, outer 0x2000 (VID 0), inner 0xffff",
              {dot1ad(tci(1, false, 0)), dot1q(0xffff)}, kVlan | kInner, 0, 4095),
  };
}

std::vector<FrameCase> tagged_private_cases() {
  return {
      {"dot1q_ipv4_private_rfc1918", "802.1Q, IPv4 TCP to 10.1.2.3",
       [] { return tagged_v4({dot1q(100)}, v4("10.1.2.3"), IPPROTO_TCP, tcp(40000, 22)); },
       no_record()},
      {"dot1ad_ipv4_private_lan", "802.1ad, IPv4 UDP to 192.168.1.1",
       [] { return tagged_v4({dot1ad(5)}, v4("192.168.1.1"), IPPROTO_UDP, udp(68, 67)); },
       no_record()},
      {"qinq_ipv4_private_cgnat", "QinQ, IPv4 to 100.64.0.1",
       [] {
         return tagged_v4({dot1ad(1), dot1q(2)}, v4("100.64.0.1"), IPPROTO_TCP, tcp(1, 2));
       },
       no_record()},
      {"dot1q_ipv6_private_ula", "802.1Q, IPv6 TCP to a unique-local address",
       [] { return tagged_v6({dot1q(9)}, v6("fd12:3456::1"), {}, IPPROTO_TCP, tcp(1, 2)); },
       no_record()},
      {"qinq_ipv6_private_link_local", "QinQ, IPv6 UDP to fe80::1",
       [] {
         return tagged_v6({dot1ad(3), dot1q(4)}, v6("fe80::1"), {}, IPPROTO_UDP, udp(1, 2));
       },
       no_record()},
      {"qinq_ipv4_multicast", "QinQ, mDNS to 224.0.0.251",
       [] {
         return tagged_v4({dot1ad(3), dot1q(4)}, v4("224.0.0.251"), IPPROTO_UDP, udp(5353, 5353));
       },
       no_record()},
  };
}

std::vector<FrameCase> tagged_not_ip_cases() {
  const size_t tag = 4;
  return {
      {"three_tags_ipv4_public", "802.1ad, 802.1Q, 802.1Q, then IPv4 to a public host",
       [] {
         return tagged_v4({dot1ad(1), dot1q(2), dot1q(3)}, kPub4, IPPROTO_TCP, tcp(40000, 443));
       },
       non_ip()},
      {"three_tags_ipv6_public", "three 802.1Q tags, then IPv6 to a public host",
       [] {
         return tagged_v6({dot1q(1), dot1q(2), dot1q(3)}, kPub6, {}, IPPROTO_UDP, udp(40000, 443));
       },
       non_ip()},
      {"three_dot1ad_tags_private", "three 802.1ad tags, then IPv4 to a private host",
       [] {
         return tagged_v4({dot1ad(1), dot1ad(2), dot1ad(3)}, v4("10.0.0.1"), IPPROTO_TCP,
                          tcp(1, 2));
       },
       non_ip()},
      {"four_tags_ipv4_public", "four tags, then IPv4",
       [] {
         return tagged_v4({dot1ad(1), dot1q(2), dot1q(3), dot1q(4)}, kPub4, IPPROTO_TCP, tcp(1, 2));
       },
       non_ip()},
      {"dot1q_tag_missing", "TPID 0x8100 and not one byte of tag: 14 bytes",
       [] { return ethernet(ETH_P_8021Q, {}); }, non_ip()},
      {"dot1q_tag_half", "TPID 0x8100 and only the TCI (2 of 4 bytes)",
       [=] {
         return truncated(tagged_v4({dot1q(100)}, kPub4, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + 2);
       },
       non_ip()},
      {"dot1ad_tag_three_bytes", "TPID 0x88a8 and 3 of 4 tag bytes",
       [=] {
         return truncated(tagged_v4({dot1ad(100)}, kPub4, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + 3);
       },
       non_ip()},
      {"qinq_inner_tag_missing", "an outer tag announcing an inner one that is not there",
       [=] {
         return truncated(tagged_v4({dot1ad(1), dot1q(2)}, kPub4, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + tag);
       },
       non_ip()},
      {"qinq_inner_tag_cut", "QinQ with the inner tag cut after its TCI",
       [=] {
         return truncated(tagged_v4({dot1ad(1), dot1q(2)}, kPub4, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + tag + 2);
       },
       non_ip()},
      {"dot1q_arp", "802.1Q, ARP who-has for a public address",
       [] {
         Bytes arp = arp_request(kLan4, kPub4);
         return ethernet_tagged({dot1q(100)}, ETH_P_ARP,
                                Bytes(arp.begin() + kEthernetHeaderLen, arp.end()));
       },
       non_ip()},
      {"qinq_lldp_ethertype", "QinQ, then the LLDP ethertype",
       [] {
         return ethernet_tagged({dot1ad(1), dot1q(2)}, 0x88cc, opaque(32));
       },
       non_ip()},
      {"pre_802_1ad_tpid_9100", "TPID 0x9100 (pre-standard QinQ) is not a tag we walk",
       [] {
         return ethernet_tagged({{kPreQinqTpid, 100}}, ETH_P_IP, ipv4(kLan4, kPub4, 6, tcp(1, 2)));
       },
       non_ip()},
  };
}

// Behind a complete tag an IP header that is not all there is an IP frame
// we cannot read, not a frame that is not IP. (Unlike an untagged one, the
// kernel runs these: it only checks the IP header length when the frame's
// own ethertype is IP.)
std::vector<FrameCase> tagged_unparsed_cases() {
  return {
      {"dot1q_ipv4_header_missing", "802.1Q naming IPv4, and no IPv4 header",
       [] { return ethernet_tagged({dot1q(100)}, ETH_P_IP, {}); }, unparsed()},
      {"qinq_ipv4_header_cut", "QinQ, IPv4 header cut at 19 of 20 bytes",
       [] {
         return truncated(tagged_v4({dot1ad(1), dot1q(2)}, kPub4, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + 8 + kIpv4HeaderLen - 1);
       },
       unparsed()},
      {"dot1q_ipv6_header_cut", "802.1Q, IPv6 header cut at 39 of 40 bytes",
       [] {
         return truncated(tagged_v6({dot1q(7)}, kPub6, {}, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + 4 + kIpv6HeaderLen - 1);
       },
       unparsed()},
      {"dot1q_ipv4_version_6", "802.1Q naming IPv4 in front of an IPv6 packet",
       [] {
         return ethernet_tagged({dot1q(8)}, ETH_P_IP, ipv6(kLan6, kPub6, IPPROTO_TCP, tcp(1, 2)));
       },
       unparsed()},
  };
}

// Stateless cases (no first fragment among them): one classifier serves all.
class TaggedFrame : public SharedClassifierSuite<TaggedFrame> {};

TEST_P(TaggedFrame, GivesTheExpectedRecordAndCounters) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  run_frame_case(shared_harness(documentation_hosts_public()), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Ip, TaggedFrame, testing::ValuesIn(tagged_ip_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Tci, TaggedFrame, testing::ValuesIn(tci_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Private, TaggedFrame, testing::ValuesIn(tagged_private_cases()),
                         case_name);
INSTANTIATE_TEST_SUITE_P(NotIp, TaggedFrame, testing::ValuesIn(tagged_not_ip_cases()), case_name);
INSTANTIATE_TEST_SUITE_P(Unparsed, TaggedFrame, testing::ValuesIn(tagged_unparsed_cases()),
                         case_name);

// The same frame under no tag, one and two is three records that differ only
// in their VLAN fields and length: the tags move nothing else.
TEST(VlanTags, OnlyTheVlanFieldsAndLengthChangeWithTheTags) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  const Bytes packet = ipv4(kLan4, kPub4, IPPROTO_UDP, udp(40020, 443));
  const std::vector<std::vector<VlanTag>> stacks = {{}, {dot1q(5)}, {dot1ad(5), dot1q(6)}};
  std::vector<ew_record> records;
  for (const auto& tags : stacks) {
    const Bytes frame = ethernet_tagged(tags, ETH_P_IP, packet);
    const RunResult run = harness.run(frame, test_ifindex());
    ASSERT_EQ(run.error, 0);
    EXPECT_EQ(run.data_out, frame);
    ASSERT_EQ(run.records.size(), 1u) << tags.size() << " tag(s)";
    records.push_back(run.records[0]);
  }
  EXPECT_EQ(records[0].flags, kPorts);
  EXPECT_EQ(records[1].flags, kPorts | kVlan);
  EXPECT_EQ(records[2].flags, kPorts | kVlan | kInner);
  EXPECT_EQ(records[1].len, records[0].len + 4);
  EXPECT_EQ(records[2].len, records[0].len + 8);
  for (auto& r : records) {
    r.ts_ns = 0;
    r.flags = 0;
    r.len = 0;
    r.vlan = 0;
    r.vlan_inner = 0;
  }
  EXPECT_EQ(std::memcmp(&records[0], &records[1], sizeof(ew_record)), 0);
  EXPECT_EQ(std::memcmp(&records[0], &records[2], sizeof(ew_record)), 0);
}

// Where a kernel lets BPF_PROG_TEST_RUN set the out-of-band tag, this is
// the place to test it (the tag would be the outer one, ahead of the frame's
// own); this kernel refuses, which is why no test here claims to cover it.
TEST(VlanTags, KernelTagCannotBeSetThroughTestRun) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443));
  __sk_buff ctx{};
  ctx.ifindex = test_ifindex();
  ctx.vlan_present = 1;
  ctx.vlan_tci = 100;
  ctx.vlan_proto = htons(ETH_P_8021Q);
  Bytes out(frame.size() + 64);
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<uint32_t>(frame.size());
  opts.data_out = out.data();
  opts.data_size_out = static_cast<uint32_t>(out.size());
  opts.ctx_in = &ctx;
  opts.ctx_size_in = sizeof(ctx);
  const int rc = bpf_prog_test_run_opts(harness.classifier().program_fd(), &opts);
  EXPECT_EQ(rc == 0 ? 0 : errno, EINVAL)
      << "this kernel accepts vlan_tci in a test run's context: add a test of the kernel's tag";
}

}  // namespace
}  // namespace ew::test
