// Ports for later fragments: the first fragment of a datagram (offset 0, more
// fragments) carries the transport header; the classifier remembers its
// ports in the LRU map ew_fragments under {id, family, proto, src, dst} and
// gives them to the later fragments of the same datagram (EW_FLAG_FRAGMENT
// with EW_FLAG_PORTS). The map outlives a run, so the order of the frames is
// part of each test, and each test loads its own classifier.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "classifier_harness.h"
#include "egresswatch_abi.h"
#include "expectations.h"
#include "frame_case.h"
#include "privileges.h"

namespace ew::test {
namespace {

const Address kLan4 = v4("192.168.1.10");
const Address kLan4b = v4("192.168.1.11");
const Address kPub4 = v4("203.0.113.7");
const Address kPub4b = v4("198.51.100.53");
const Address kLan6 = v6("fd00::10");
const Address kPub6 = v6("2001:db8::7");
const Address kPub6b = v6("2001:db8::8");

constexpr uint8_t kPorts = EW_FLAG_PORTS;
constexpr uint8_t kIcmp = EW_FLAG_ICMP;
constexpr uint8_t kFragment = EW_FLAG_FRAGMENT;
constexpr uint8_t kShort = EW_FLAG_L4_SHORT;

// ---- Frames ------------------------------------------------------------------

Bytes v4_first(uint16_t id, uint8_t proto, const Bytes& l4, const Address& src = kLan4,
               const Address& dst = kPub4) {
  return ipv4_frame(src, dst, proto, l4, {.more_fragments = true, .id = id});
}

Bytes v4_later(uint16_t id, uint8_t proto, uint16_t offset = 185, bool more = false,
               const Address& src = kLan4, const Address& dst = kPub4) {
  return ipv4_frame(src, dst, proto, opaque(64),
                    {.fragment_offset = offset, .more_fragments = more, .id = id});
}

Bytes v6_first(uint32_t id, uint8_t proto, const Bytes& l4, const Address& dst = kPub6) {
  return ipv6_frame(kLan6, dst, {fragment(0, true, id)}, proto, l4);
}

Bytes v6_later(uint32_t id, uint8_t proto, uint16_t offset = 181, bool more = false,
               const Address& dst = kPub6) {
  return ipv6_frame(kLan6, dst, {fragment(offset, more, id)}, proto, opaque(64));
}

// ---- Expectations --------------------------------------------------------------

Expected with_ports(uint8_t proto, uint16_t sport, uint16_t dport, const Address& src,
                    const Address& dst, uint8_t extra_flags = 0) {
  return record({.proto = proto,
                 .flags = static_cast<uint8_t>(kPorts | extra_flags),
                 .sport = sport,
                 .dport = dport,
                 .src = src,
                 .dst = dst});
}

Expected later_with_ports(uint8_t proto, uint16_t sport, uint16_t dport, const Address& src = kLan4,
                          const Address& dst = kPub4) {
  return with_ports(proto, sport, dport, src, dst, kFragment);
}

Expected later_without_ports(uint8_t proto, const Address& src = kLan4,
                             const Address& dst = kPub4) {
  return record({.proto = proto, .flags = kFragment, .src = src, .dst = dst});
}

struct Step {
  std::string what;
  Bytes frame;
  Expected expected;
};

// Runs the steps in order through one classifier, each checked in full.
void run_steps(ClassifierHarness& harness, const std::vector<Step>& steps) {
  const uint32_t ifindex = test_ifindex();
  for (size_t i = 0; i < steps.size(); i++) {
    SCOPED_TRACE("step " + std::to_string(i) + ": " + steps[i].what);
    check_run(harness.run(steps[i].frame, ifindex), steps[i].frame, ifindex, steps[i].expected);
  }
}

ew_fragment_key fragment_key(uint32_t id, const Address& src, const Address& dst, uint8_t proto) {
  ew_fragment_key key{};
  key.id = id;
  key.family = static_cast<uint8_t>(dst.family);
  // RFC 8200 names an IPv6 datagram by addresses and id: no protocol.
  key.proto = dst.family == 4 ? proto : 0;
  std::copy(src.bytes.begin(), src.bytes.end(), key.src);
  std::copy(dst.bytes.begin(), dst.bytes.end(), key.dst);
  return key;
}

void expect_one_fragment_entry(const ClassifierHarness& harness, const ew_fragment_key& key,
                               uint16_t sport, uint16_t dport) {
  const std::vector<FragmentEntry> entries = harness.fragments();
  ASSERT_EQ(entries.size(), 1u) << "ew_fragments should hold the one first fragment";
  EXPECT_EQ(entries[0].key.id, key.id);
  EXPECT_EQ(unsigned{entries[0].key.family}, unsigned{key.family});
  EXPECT_EQ(unsigned{entries[0].key.proto}, unsigned{key.proto});
  EXPECT_EQ(entries[0].key.reserved, 0u);
  EXPECT_EQ(std::memcmp(entries[0].key.src, key.src, 16), 0) << "source address (zero-padded)";
  EXPECT_EQ(std::memcmp(entries[0].key.dst, key.dst, 16), 0) << "destination address";
  EXPECT_EQ(entries[0].ports.sport, sport);
  EXPECT_EQ(entries[0].ports.dport, dport);
}

// ---- IPv4 -------------------------------------------------------------------

TEST(FragmentPorts, Ipv4UdpLaterFragmentsTakeTheFirstFragmentsPorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness, {{"first fragment", v4_first(0x1234, IPPROTO_UDP, udp(4000, 4001, 1472)),
                       with_ports(IPPROTO_UDP, 4000, 4001, kLan4, kPub4)},
                      {"middle fragment", v4_later(0x1234, IPPROTO_UDP, 185, true),
                       later_with_ports(IPPROTO_UDP, 4000, 4001)},
                      {"last fragment", v4_later(0x1234, IPPROTO_UDP, 370, false),
                       later_with_ports(IPPROTO_UDP, 4000, 4001)}});
  expect_one_fragment_entry(harness, fragment_key(0x1234, kLan4, kPub4, IPPROTO_UDP), 4000, 4001);
}

TEST(FragmentPorts, Ipv4TcpLaterFragmentTakesTheFirstFragmentsPorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness, {{"first fragment", v4_first(0xfedc, IPPROTO_TCP, tcp(40000, 443)),
                       with_ports(IPPROTO_TCP, 40000, 443, kLan4, kPub4)},
                      {"later fragment", v4_later(0xfedc, IPPROTO_TCP, 1, false),
                       later_with_ports(IPPROTO_TCP, 40000, 443)}});
}

TEST(FragmentPorts, Ipv4LaterFragmentOfAnotherDatagramHasNoPorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness,
            {{"first fragment, id 0x1234", v4_first(0x1234, IPPROTO_UDP, udp(4000, 4001)),
              with_ports(IPPROTO_UDP, 4000, 4001, kLan4, kPub4)},
             {"id + 1", v4_later(0x1235, IPPROTO_UDP), later_without_ports(IPPROTO_UDP)},
             {"high byte differs", v4_later(0x9934, IPPROTO_UDP), later_without_ports(IPPROTO_UDP)},
             {"low byte differs", v4_later(0x12ff, IPPROTO_UDP), later_without_ports(IPPROTO_UDP)},
             {"the same id after all", v4_later(0x1234, IPPROTO_UDP),
              later_with_ports(IPPROTO_UDP, 4000, 4001)}});
}

TEST(FragmentPorts, Ipv4LaterFragmentBeforeItsFirstHasNoPorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness, {{"later fragment, nothing seen yet", v4_later(0x2222, IPPROTO_UDP),
                       later_without_ports(IPPROTO_UDP)}});
  EXPECT_TRUE(harness.fragments().empty()) << "a later fragment has no ports to remember";
  run_steps(harness, {{"the first fragment arrives late", v4_first(0x2222, IPPROTO_UDP, udp(7, 8)),
                       with_ports(IPPROTO_UDP, 7, 8, kLan4, kPub4)},
                      {"another later fragment", v4_later(0x2222, IPPROTO_UDP, 200),
                       later_with_ports(IPPROTO_UDP, 7, 8)}});
}

TEST(FragmentPorts, Ipv4DatagramIsIdSourceDestinationAndProtocol) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  const uint16_t id = 0x3333;
  run_steps(harness,
            {{"first fragment", v4_first(id, IPPROTO_UDP, udp(4000, 4001)),
              with_ports(IPPROTO_UDP, 4000, 4001, kLan4, kPub4)},
             {"another source", v4_later(id, IPPROTO_UDP, 185, false, kLan4b, kPub4),
              later_without_ports(IPPROTO_UDP, kLan4b, kPub4)},
             {"another destination", v4_later(id, IPPROTO_UDP, 185, false, kLan4, kPub4b),
              later_without_ports(IPPROTO_UDP, kLan4, kPub4b)},
             {"another protocol", v4_later(id, IPPROTO_TCP), later_without_ports(IPPROTO_TCP)},
             {"the datagram itself", v4_later(id, IPPROTO_UDP),
              later_with_ports(IPPROTO_UDP, 4000, 4001)}});
}

TEST(FragmentPorts, Ipv4WholeDatagramsAndPortlessFirstFragmentsRememberNothing) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(
      harness,
      {{"not fragmented", ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(1, 2), {.id = 0x4444}),
        with_ports(IPPROTO_UDP, 1, 2, kLan4, kPub4)},
       {"don't fragment",
        ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(3, 4), {.dont_fragment = true, .id = 0x4445}),
        with_ports(IPPROTO_TCP, 3, 4, kLan4, kPub4)},
       {"first fragment of a ping", v4_first(0x4446, IPPROTO_ICMP, icmp(8, 0)),
        record(
            {.proto = IPPROTO_ICMP, .flags = kIcmp, .icmp_type = 8, .src = kLan4, .dst = kPub4})},
       {"first fragment cut before its ports",
        truncated(v4_first(0x4447, IPPROTO_UDP, udp(5, 6)), kEthernetHeaderLen + kIpv4HeaderLen),
        record({.proto = IPPROTO_UDP, .flags = kShort, .src = kLan4, .dst = kPub4})}});
  EXPECT_TRUE(harness.fragments().empty());
  run_steps(harness, {{"later, id of the whole datagram", v4_later(0x4444, IPPROTO_UDP),
                       later_without_ports(IPPROTO_UDP)},
                      {"later, id of the DF packet", v4_later(0x4445, IPPROTO_TCP),
                       later_without_ports(IPPROTO_TCP)},
                      {"later fragment of the ping", v4_later(0x4446, IPPROTO_ICMP),
                       later_without_ports(IPPROTO_ICMP)},
                      {"later fragment of the cut one", v4_later(0x4447, IPPROTO_UDP),
                       later_without_ports(IPPROTO_UDP)}});
}

TEST(FragmentPorts, Ipv4PrivateFirstFragmentIsNotRemembered) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness,
            {{"first fragment to 10.0.0.1",
              v4_first(0x5555, IPPROTO_UDP, udp(1, 2), kLan4, v4("10.0.0.1")), no_record()}});
  EXPECT_TRUE(harness.fragments().empty()) << "a private destination stops before the fragment map";
}

TEST(FragmentPorts, Ipv4ReusedIdTakesTheNewestFirstFragment) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness,
            {{"first datagram", v4_first(0x6666, IPPROTO_UDP, udp(1000, 2000)),
              with_ports(IPPROTO_UDP, 1000, 2000, kLan4, kPub4)},
             {"its later fragment", v4_later(0x6666, IPPROTO_UDP),
              later_with_ports(IPPROTO_UDP, 1000, 2000)},
             {"the id wraps: a new first fragment", v4_first(0x6666, IPPROTO_UDP, udp(3000, 4000)),
              with_ports(IPPROTO_UDP, 3000, 4000, kLan4, kPub4)},
             {"its later fragment", v4_later(0x6666, IPPROTO_UDP),
              later_with_ports(IPPROTO_UDP, 3000, 4000)}});
}

TEST(FragmentPorts, TaggedFragmentsKeepTheirVlanAndTakeThePorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  const std::vector<VlanTag> tags = {dot1ad(10), dot1q(20)};
  const uint8_t vlan_flags = EW_FLAG_VLAN | EW_FLAG_VLAN_INNER;
  run_steps(harness, {{"tagged first fragment",
                       ethernet_tagged(tags, ETH_P_IP,
                                       ipv4(kLan4, kPub4, IPPROTO_UDP, udp(4000, 4001),
                                            {.more_fragments = true, .id = 0x7777})),
                       record({.proto = IPPROTO_UDP,
                               .flags = static_cast<uint8_t>(kPorts | vlan_flags),
                               .sport = 4000,
                               .dport = 4001,
                               .src = kLan4,
                               .dst = kPub4,
                               .vlan = 10,
                               .vlan_inner = 20})},
                      {"tagged later fragment",
                       ethernet_tagged(tags, ETH_P_IP,
                                       ipv4(kLan4, kPub4, IPPROTO_UDP, opaque(32),
                                            {.fragment_offset = 185, .id = 0x7777})),
                       record({.proto = IPPROTO_UDP,
                               .flags = static_cast<uint8_t>(kPorts | kFragment | vlan_flags),
                               .sport = 4000,
                               .dport = 4001,
                               .src = kLan4,
                               .dst = kPub4,
                               .vlan = 10,
                               .vlan_inner = 20})}});
}

// ---- IPv6 -------------------------------------------------------------------

TEST(FragmentPorts, Ipv6LaterFragmentsTakeTheFirstFragmentsPorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness, {{"first fragment", v6_first(0x89abcdef, IPPROTO_UDP, udp(5000, 5001, 1232)),
                       with_ports(IPPROTO_UDP, 5000, 5001, kLan6, kPub6)},
                      {"middle fragment", v6_later(0x89abcdef, IPPROTO_UDP, 155, true),
                       later_with_ports(IPPROTO_UDP, 5000, 5001, kLan6, kPub6)},
                      {"last fragment", v6_later(0x89abcdef, IPPROTO_UDP, 310, false),
                       later_with_ports(IPPROTO_UDP, 5000, 5001, kLan6, kPub6)}});
  expect_one_fragment_entry(harness, fragment_key(0x89abcdef, kLan6, kPub6, IPPROTO_UDP), 5000,
                            5001);
}

TEST(FragmentPorts, Ipv6IdentificationIsAll32Bits) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness,
            {{"first fragment, id 0x0001abcd", v6_first(0x0001abcd, IPPROTO_TCP, tcp(40000, 443)),
              with_ports(IPPROTO_TCP, 40000, 443, kLan6, kPub6)},
             {"high half differs", v6_later(0x0002abcd, IPPROTO_TCP),
              later_without_ports(IPPROTO_TCP, kLan6, kPub6)},
             {"top byte differs", v6_later(0x8001abcd, IPPROTO_TCP),
              later_without_ports(IPPROTO_TCP, kLan6, kPub6)},
             {"low byte differs", v6_later(0x0001abce, IPPROTO_TCP),
              later_without_ports(IPPROTO_TCP, kLan6, kPub6)},
             {"the same id", v6_later(0x0001abcd, IPPROTO_TCP),
              later_with_ports(IPPROTO_TCP, 40000, 443, kLan6, kPub6)}});
}

// RFC 8200: an IPv6 datagram is its source, destination and Fragment
// Identification. The next header of a later fragment's fragment header does
// not name another datagram: it takes the first fragment's transport.
TEST(FragmentPorts, Ipv6DatagramIsIdSourceAndDestination) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness, {{"first fragment", v6_first(0x10, IPPROTO_UDP, udp(6000, 6001)),
                       with_ports(IPPROTO_UDP, 6000, 6001, kLan6, kPub6)},
                      {"another destination", v6_later(0x10, IPPROTO_UDP, 181, false, kPub6b),
                       later_without_ports(IPPROTO_UDP, kLan6, kPub6b)},
                      {"another next header, same datagram", v6_later(0x10, IPPROTO_TCP),
                       later_with_ports(IPPROTO_UDP, 6000, 6001, kLan6, kPub6)},
                      {"the datagram itself", v6_later(0x10, IPPROTO_UDP),
                       later_with_ports(IPPROTO_UDP, 6000, 6001, kLan6, kPub6)}});
}

TEST(FragmentPorts, Ipv6LaterFragmentWithoutAFirstHasNoPorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness, {{"later fragment, nothing seen", v6_later(0x20, IPPROTO_UDP, 181, true),
                       later_without_ports(IPPROTO_UDP, kLan6, kPub6)}});
  EXPECT_TRUE(harness.fragments().empty());
}

// RFC 6946: offset 0 with M clear is a whole datagram in a fragment header;
// nothing follows it, so nothing is remembered.
TEST(FragmentPorts, Ipv6AtomicFragmentRemembersNothing) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness,
            {{"atomic fragment",
              ipv6_frame(kLan6, kPub6, {fragment(0, false, 0x30)}, IPPROTO_TCP, tcp(40000, 443)),
              with_ports(IPPROTO_TCP, 40000, 443, kLan6, kPub6)}});
  EXPECT_TRUE(harness.fragments().empty()) << "an atomic fragment needs nothing remembered";
  run_steps(harness, {{"a later fragment with its id", v6_later(0x30, IPPROTO_TCP),
                       later_without_ports(IPPROTO_TCP, kLan6, kPub6)}});
}

// The fragment header's 4th byte ends with two reserved bits and M (bit 0):
// reserved bits are not "more fragments".
TEST(FragmentPorts, Ipv6MoreFragmentsIsBitZeroOfTheFourthByte) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  Ipv6Ext reserved_only = fragment(0, false, 0x40);
  reserved_only.reserved_bits = 3;
  run_steps(harness, {{"offset 0, M clear, reserved bits set",
                       ipv6_frame(kLan6, kPub6, {reserved_only}, IPPROTO_UDP, udp(1, 2)),
                       with_ports(IPPROTO_UDP, 1, 2, kLan6, kPub6)}});
  EXPECT_TRUE(harness.fragments().empty()) << "reserved bits taken for the M bit";

  Ipv6Ext first = fragment(0, true, 0x41);
  first.reserved_bits = 3;
  run_steps(harness, {{"offset 0, M set, reserved bits set",
                       ipv6_frame(kLan6, kPub6, {first}, IPPROTO_UDP, udp(3, 4)),
                       with_ports(IPPROTO_UDP, 3, 4, kLan6, kPub6)},
                      {"its later fragment", v6_later(0x41, IPPROTO_UDP),
                       later_with_ports(IPPROTO_UDP, 3, 4, kLan6, kPub6)}});
  expect_one_fragment_entry(harness, fragment_key(0x41, kLan6, kPub6, IPPROTO_UDP), 3, 4);
}

TEST(FragmentPorts, Ipv6FragmentHeaderAfterOtherExtensions) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness,
            {{"hop-by-hop, routing, first fragment",
              ipv6_frame(kLan6, kPub6, {hop_by_hop(), routing(1), fragment(0, true, 0x50)},
                         IPPROTO_UDP, udp(7000, 7001)),
              with_ports(IPPROTO_UDP, 7000, 7001, kLan6, kPub6)},
             {"hop-by-hop, routing, later fragment",
              ipv6_frame(kLan6, kPub6, {hop_by_hop(), routing(1), fragment(100, false, 0x50)},
                         IPPROTO_UDP, opaque(40)),
              later_with_ports(IPPROTO_UDP, 7000, 7001, kLan6, kPub6)}});
}

TEST(FragmentPorts, Ipv6PrivateFirstFragmentIsNotRemembered) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  run_steps(harness, {{"first fragment to fd00::99",
                       v6_first(0x60, IPPROTO_UDP, udp(1, 2), v6("fd00::99")), no_record()}});
  EXPECT_TRUE(harness.fragments().empty());
}

// ---- Flow mode: a later fragment counts with its datagram's flow ------------

TEST(FragmentPorts, FlowModeCountsALaterFragmentInTheFirstFragmentsFlow) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierSettings settings;
  settings.mode = RecordMode::kFlow;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  const uint32_t ifindex = test_ifindex();

  const Bytes first = v4_first(0x8888, IPPROTO_UDP, udp(4000, 4001, 1000));
  Expected new_flow = with_ports(IPPROTO_UDP, 4000, 4001, kLan4, kPub4);
  new_flow.record->kind = EW_RECORD_FLOW_NEW;
  new_flow.record->initiator = EW_INITIATOR_LOCAL;  // UDP: the sender of the first packet
  {
    SCOPED_TRACE("first fragment");
    check_run(harness.run(first, ifindex), first, ifindex, new_flow);
  }
  const Bytes later = v4_later(0x8888, IPPROTO_UDP);
  const RunResult run = harness.run(later, ifindex);
  ASSERT_EQ(run.error, 0);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC);
  EXPECT_EQ(run.data_out, later);
  EXPECT_EQ(run.counters.matched, 1u);
  EXPECT_EQ(run.counters.flows_created, 0u) << "the later fragment started a flow of its own";
  EXPECT_TRUE(run.records.empty());

  const auto stats = harness.flow(flow_key(ifindex, kLan4, kPub4, IPPROTO_UDP, 4000, 4001));
  ASSERT_TRUE(stats.has_value()) << "no flow under the first fragment's ports";
  EXPECT_EQ(stats->packets, 2u);
  EXPECT_EQ(stats->bytes, first.size() + later.size());
  EXPECT_EQ(harness.flows().size(), 1u);

  // A later fragment of an unknown datagram is a flow without ports.
  const Bytes stray = v4_later(0x9999, IPPROTO_UDP);
  Expected stray_flow = later_without_ports(IPPROTO_UDP);
  stray_flow.record->kind = EW_RECORD_FLOW_NEW;
  stray_flow.record->initiator = EW_INITIATOR_LOCAL;
  {
    SCOPED_TRACE("stray later fragment");
    check_run(harness.run(stray, ifindex), stray, ifindex, stray_flow);
  }
  EXPECT_TRUE(harness.flow(flow_key(ifindex, kLan4, kPub4, IPPROTO_UDP)).has_value());
}

// RFC 8200 identifies a datagram by source, destination and Fragment
// Identification only, and lets extension headers for the final destination
// (Destination Options, AH, ...) sit in the fragmentable part, after the
// fragment header: a later fragment then shows next header 60, not the
// transport. It must still take the first fragment's ports and transport, so
// that it counts with the same flow.
TEST(Ipv6Fragments, LaterFragmentAfterDestinationOptionsTakesThePorts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public());
  const uint32_t ifindex = test_ifindex();
  const Bytes first = ipv6_frame(kLan6, kPub6, {fragment(0, true, 0xd0), destination_options()},
                                 IPPROTO_UDP, udp(4000, 4001, 1200));
  const Bytes later =
      ipv6_frame(kLan6, kPub6, {fragment(155, false, 0xd0)}, IPPROTO_DSTOPTS, opaque(64));
  {
    SCOPED_TRACE("first fragment: fragment header, destination options, UDP");
    check_run(harness.run(first, ifindex), first, ifindex,
              record({.proto = IPPROTO_UDP,
                      .flags = EW_FLAG_PORTS,
                      .sport = 4000,
                      .dport = 4001,
                      .src = kLan6,
                      .dst = kPub6}));
  }
  const RunResult run = harness.run(later, ifindex);
  ASSERT_EQ(run.error, 0);
  ASSERT_EQ(run.records.size(), 1u);
  const ew_record& r = run.records[0];
  EXPECT_EQ(r.flags & (EW_FLAG_FRAGMENT | EW_FLAG_PORTS), EW_FLAG_FRAGMENT | EW_FLAG_PORTS)
      << "flags " << describe_flags(r.flags);
  EXPECT_EQ(r.sport, 4000);
  EXPECT_EQ(r.dport, 4001);
  EXPECT_EQ(r.proto, IPPROTO_UDP) << "the first fragment's transport";
}

}  // namespace
}  // namespace ew::test
