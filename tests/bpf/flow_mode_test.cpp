// Flow mode (ClassifierSettings.mode = RecordMode::kFlow): the first packet
// of a flow gives one EW_RECORD_FLOW_NEW record and an ew_flows entry; later
// packets only add to that entry. A flow is {ifindex, family, proto, vlan,
// vlan_inner, sport, dport, src, dst}: one direction of a conversation on one
// interface. The flow table outlives a run, so each test loads its own
// classifier and the order of its frames is part of the test.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "egresswatch_abi.h"
#include "expectations.h"
#include "frame_case.h"
#include "privileges.h"
#include "records/flow_tracker.h"

namespace ew::test {
namespace {

const Address kLan4 = v4("192.168.1.10");
const Address kLan4b = v4("192.168.1.11");
const Address kPub4 = v4("203.0.113.7");
const Address kPub4b = v4("198.51.100.53");
const Address kLan6 = v6("fd00::10");
const Address kPub6 = v6("2001:db8::7");

ClassifierSettings flow_mode(uint32_t table_size = 65536) {
  ClassifierSettings settings;
  settings.mode = RecordMode::kFlow;
  settings.flow_table_size = table_size;
  return settings;
}

std::string describe(const ew_flow_key& k) {
  Address src;
  Address dst;
  src.family = dst.family = k.family == 4 ? 4 : 6;
  std::copy(std::begin(k.src), std::end(k.src), src.bytes.begin());
  std::copy(std::begin(k.dst), std::end(k.dst), dst.bytes.begin());
  return "if " + std::to_string(k.ifindex) + " proto " + std::to_string(k.proto) + " vlan " +
         std::to_string(k.vlan) + "/" + std::to_string(k.vlan_inner) + " " + src.to_string() + ":" +
         std::to_string(k.sport) + " -> " + dst.to_string() + ":" + std::to_string(k.dport) +
         " vlan_flags " + std::to_string(k.vlan_flags);
}

void expect_passed_unchanged(const RunResult& run, const Bytes& frame) {
  ASSERT_EQ(run.error, 0) << "BPF_PROG_TEST_RUN failed: " << std::strerror(-run.error);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC);
  EXPECT_EQ(run.data_out, frame);
  EXPECT_EQ(run.malformed_records, 0u);
  EXPECT_EQ(run.counters.lost, 0u);
}

// A run of a known flow: counted, no record, no new flow.
void expect_known_flow(const RunResult& run, const Bytes& frame) {
  expect_passed_unchanged(run, frame);
  EXPECT_EQ(run.counters.seen, 1u);
  EXPECT_EQ(run.counters.matched, 1u);
  EXPECT_EQ(run.counters.flows_created, 0u);
  EXPECT_TRUE(run.records.empty()) << "a record for a flow that already exists";
}

// A run that starts a flow: exactly one EW_RECORD_FLOW_NEW record.
const ew_record* expect_new_flow(const RunResult& run, const Bytes& frame) {
  expect_passed_unchanged(run, frame);
  EXPECT_EQ(run.counters.matched, 1u);
  EXPECT_EQ(run.counters.flows_created, 1u);
  EXPECT_EQ(run.records.size(), 1u) << "want one record for a new flow";
  if (run.records.size() != 1) return nullptr;
  EXPECT_EQ(unsigned{run.records[0].kind}, unsigned{EW_RECORD_FLOW_NEW});
  return &run.records[0];
}

// flows_fd() is the table the loaded program writes, sized as asked.
TEST(FlowMode, FlowsFdIsTheProgramsFlowTable) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode(128));
  const int fd = harness.classifier().flows_fd();
  bpf_map_info info{};
  uint32_t len = sizeof(info);
  ASSERT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0) << "flows_fd() is not a map";
  EXPECT_EQ(std::string(info.name), "ew_flows");
  EXPECT_EQ(info.type, uint32_t{BPF_MAP_TYPE_LRU_HASH});
  EXPECT_EQ(info.key_size, sizeof(ew_flow_key));
  EXPECT_EQ(info.value_size, sizeof(ew_flow_stats));
  EXPECT_EQ(info.max_entries, 128u) << "flow_table_size";
  bool used = false;
  for (const ProgramMap& map : program_maps(harness.classifier().program_fd()))
    used = used || map.id == info.id;
  EXPECT_TRUE(used) << "the program does not use the map flows_fd() names";
}

// Moved here from known_gaps_test.cpp, where it waited for the flow map.
TEST(FlowMode, RecordsTheFirstPacketOfAFlowOnly) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t ifindex = test_ifindex();
  const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443));

  const RunResult first = harness.run(frame, ifindex);
  {
    SCOPED_TRACE("first packet");
    check_run(first, frame, ifindex,
              record({.proto = IPPROTO_TCP,
                      .flags = EW_FLAG_PORTS,
                      .sport = 40000,
                      .dport = 443,
                      .src = kLan4,
                      .dst = kPub4,
                      .kind = EW_RECORD_FLOW_NEW,
                      .initiator = EW_INITIATOR_LOCAL}));  // the frame is a SYN
  }
  const RunResult second = harness.run(frame, ifindex);
  {
    SCOPED_TRACE("the same packet again");
    expect_known_flow(second, frame);
  }

  const std::vector<FlowEntry> flows = harness.flows();
  ASSERT_EQ(flows.size(), 1u);
  const ew_flow_key want = flow_key(ifindex, kLan4, kPub4, IPPROTO_TCP, 40000, 443);
  EXPECT_EQ(std::memcmp(&flows[0].key, &want, sizeof(want)), 0)
      << "key " << describe(flows[0].key) << ", want " << describe(want);
  const ew_flow_stats& s = flows[0].stats;
  EXPECT_EQ(s.packets, 2u);
  EXPECT_EQ(s.bytes, 2 * frame.size());
  EXPECT_LE(s.first_ns, s.last_ns);
  EXPECT_GE(s.first_ns, first.monotonic_before_ns) << "first_ns is not the first packet's time";
  EXPECT_LE(s.first_ns, first.monotonic_after_ns) << "first_ns is not the first packet's time";
  EXPECT_GE(s.last_ns, second.monotonic_before_ns) << "last_ns is not the last packet's time";
  EXPECT_LE(s.last_ns, second.monotonic_after_ns) << "last_ns is not the last packet's time";
  ASSERT_EQ(first.records.size(), 1u);
  EXPECT_EQ(first.records[0].ts_ns, s.first_ns) << "the record and the flow start together";
}

TEST(FlowMode, RepeatedPacketsAddUpInOneFlow) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t ifindex = test_ifindex();
  const Bytes frame = ipv6_frame(kLan6, kPub6, IPPROTO_UDP, udp(50000, 443, 200));
  const RunResult run = harness.run(frame, ifindex, 50);
  expect_passed_unchanged(run, frame);
  EXPECT_EQ(run.counters.seen, 50u);
  EXPECT_EQ(run.counters.matched, 50u);
  EXPECT_EQ(run.counters.flows_created, 1u);
  ASSERT_EQ(run.records.size(), 1u);
  EXPECT_EQ(unsigned{run.records[0].kind}, unsigned{EW_RECORD_FLOW_NEW});
  const auto stats = harness.flow(flow_key(ifindex, kLan6, kPub6, IPPROTO_UDP, 50000, 443));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->packets, 50u);
  EXPECT_EQ(stats->bytes, 50 * frame.size());
}

TEST(FlowMode, BytesAreEachPacketsLength) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t ifindex = test_ifindex();
  uint64_t total = 0;
  for (size_t payload : {0, 100, 1000}) {
    const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(4000, 53, payload));
    const RunResult run = harness.run(frame, ifindex);
    expect_passed_unchanged(run, frame);
    total += frame.size();
  }
  const auto stats = harness.flow(flow_key(ifindex, kLan4, kPub4, IPPROTO_UDP, 4000, 53));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->packets, 3u);
  EXPECT_EQ(stats->bytes, total);
}

// A GSO packet stands for gso_segs packets on the wire (BPF_PROG_TEST_RUN
// takes gso_segs from the context).
TEST(FlowMode, GsoPacketCountsItsSegments) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t ifindex = test_ifindex();
  const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443));
  const RunResult gso = harness.run(frame, ifindex, 1, 5);
  ASSERT_NE(expect_new_flow(gso, frame), nullptr);
  const RunResult plain = harness.run(frame, ifindex);
  expect_known_flow(plain, frame);
  const auto stats = harness.flow(flow_key(ifindex, kLan4, kPub4, IPPROTO_TCP, 40000, 443));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->packets, 6u) << "5 segments, then one packet";
  EXPECT_EQ(stats->bytes, 2 * frame.size());
}

struct FlowVariant {
  std::string what;
  Bytes frame;
  uint32_t ifindex;
  ew_flow_key key;
};

// Each variant differs from the first in one key field: each is a flow of
// its own, and sending them all again creates none.
TEST(FlowMode, EachKeyFieldMakesANewFlow) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();
  const uint16_t sp = 40000;
  const uint16_t dp = 443;
  auto tcp4 = [&](const Address& src, const Address& dst, uint16_t s, uint16_t d) {
    return ipv4(src, dst, IPPROTO_TCP, tcp(s, d));
  };
  std::vector<FlowVariant> variants = {
      {"base", ethernet(ETH_P_IP, tcp4(kLan4, kPub4, sp, dp)), dev,
       flow_key(dev, kLan4, kPub4, IPPROTO_TCP, sp, dp)},
      {"another dport", ethernet(ETH_P_IP, tcp4(kLan4, kPub4, sp, 8443)), dev,
       flow_key(dev, kLan4, kPub4, IPPROTO_TCP, sp, 8443)},
      {"another sport", ethernet(ETH_P_IP, tcp4(kLan4, kPub4, 40001, dp)), dev,
       flow_key(dev, kLan4, kPub4, IPPROTO_TCP, 40001, dp)},
      {"another source", ethernet(ETH_P_IP, tcp4(kLan4b, kPub4, sp, dp)), dev,
       flow_key(dev, kLan4b, kPub4, IPPROTO_TCP, sp, dp)},
      {"another destination", ethernet(ETH_P_IP, tcp4(kLan4, kPub4b, sp, dp)), dev,
       flow_key(dev, kLan4, kPub4b, IPPROTO_TCP, sp, dp)},
      {"UDP, same ports", ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(sp, dp)), dev,
       flow_key(dev, kLan4, kPub4, IPPROTO_UDP, sp, dp)},
      {"802.1Q VID 10", ethernet_tagged({dot1q(10)}, ETH_P_IP, tcp4(kLan4, kPub4, sp, dp)), dev,
       flow_key(dev, kLan4, kPub4, IPPROTO_TCP, sp, dp, 10)},
      {"802.1Q VID 11", ethernet_tagged({dot1q(11)}, ETH_P_IP, tcp4(kLan4, kPub4, sp, dp)), dev,
       flow_key(dev, kLan4, kPub4, IPPROTO_TCP, sp, dp, 11)},
      {"QinQ 10/20", ethernet_tagged({dot1ad(10), dot1q(20)}, ETH_P_IP, tcp4(kLan4, kPub4, sp, dp)),
       dev, flow_key(dev, kLan4, kPub4, IPPROTO_TCP, sp, dp, 10, 20)},
      {"QinQ 10/21", ethernet_tagged({dot1ad(10), dot1q(21)}, ETH_P_IP, tcp4(kLan4, kPub4, sp, dp)),
       dev, flow_key(dev, kLan4, kPub4, IPPROTO_TCP, sp, dp, 10, 21)},
      {"QinQ 20/10: the order of the tags matters",
       ethernet_tagged({dot1ad(20), dot1q(10)}, ETH_P_IP, tcp4(kLan4, kPub4, sp, dp)), dev,
       flow_key(dev, kLan4, kPub4, IPPROTO_TCP, sp, dp, 20, 10)},
      {"IPv6", ipv6_frame(kLan6, kPub6, IPPROTO_TCP, tcp(sp, dp)), dev,
       flow_key(dev, kLan6, kPub6, IPPROTO_TCP, sp, dp)},
      {"public to public", ethernet(ETH_P_IP, tcp4(kPub4b, kPub4, sp, dp)), dev,
       flow_key(dev, kPub4b, kPub4, IPPROTO_TCP, sp, dp)},
      {"its reverse direction", ethernet(ETH_P_IP, tcp4(kPub4, kPub4b, dp, sp)), dev,
       flow_key(dev, kPub4, kPub4b, IPPROTO_TCP, dp, sp)},
  };
  if (dev != 1) {
    // The same packet leaving through another device (ctx ifindex).
    variants.push_back({"another device (loopback)", variants[0].frame, 1,
                        flow_key(1, kLan4, kPub4, IPPROTO_TCP, sp, dp)});
  }

  for (const FlowVariant& v : variants) {
    SCOPED_TRACE("first time: " + v.what);
    const RunResult run = harness.run(v.frame, v.ifindex);
    const ew_record* r = expect_new_flow(run, v.frame);
    if (!r) continue;
    EXPECT_EQ(r->ifindex, v.ifindex);
    EXPECT_EQ(r->sport, v.key.sport);
    EXPECT_EQ(r->dport, v.key.dport);
    EXPECT_EQ(r->vlan, v.key.vlan);
    EXPECT_EQ(r->vlan_inner, v.key.vlan_inner);
    EXPECT_EQ(std::memcmp(r->src, v.key.src, 16), 0);
    EXPECT_EQ(std::memcmp(r->dst, v.key.dst, 16), 0);
  }
  for (const FlowVariant& v : variants) {
    SCOPED_TRACE("again: " + v.what);
    expect_known_flow(harness.run(v.frame, v.ifindex), v.frame);
  }
  EXPECT_EQ(harness.flows().size(), variants.size());
  for (const FlowVariant& v : variants) {
    const auto stats = harness.flow(v.key);
    ASSERT_TRUE(stats.has_value()) << "no flow " << describe(v.key) << " (" << v.what << ")";
    EXPECT_EQ(stats->packets, 2u) << v.what;
    EXPECT_EQ(stats->bytes, 2 * v.frame.size()) << v.what;
  }
}

// Without ports every packet of the protocol between two hosts is one flow:
// ICMP echo and timestamp requests alike, under ports 0.
TEST(FlowMode, FlowsWithoutPortsKeyWithPortsZero) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();

  const Bytes echo = ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(8, 0));
  const RunResult first = harness.run(echo, dev);
  const ew_record* r = expect_new_flow(first, echo);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(unsigned{r->flags}, unsigned{EW_FLAG_ICMP});
  EXPECT_EQ(unsigned{r->icmp_type}, 8u);
  const Bytes timestamp = ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(13, 0));
  {
    SCOPED_TRACE("another ICMP type to the same host");
    expect_known_flow(harness.run(timestamp, dev), timestamp);
  }
  const auto icmp_flow = harness.flow(flow_key(dev, kLan4, kPub4, IPPROTO_ICMP));
  ASSERT_TRUE(icmp_flow.has_value()) << "no ICMP flow under ports 0";
  EXPECT_EQ(icmp_flow->packets, 2u);

  const Bytes ping6 = ipv6_frame(kLan6, kPub6, IPPROTO_ICMPV6, icmp(128, 0));
  ASSERT_NE(expect_new_flow(harness.run(ping6, dev), ping6), nullptr);
  expect_known_flow(harness.run(ipv6_frame(kLan6, kPub6, IPPROTO_ICMPV6, icmp(1, 4)), dev),
                    ipv6_frame(kLan6, kPub6, IPPROTO_ICMPV6, icmp(1, 4)));
  EXPECT_TRUE(harness.flow(flow_key(dev, kLan6, kPub6, IPPROTO_ICMPV6)).has_value());

  const Bytes gre = ipv4_frame(kLan4, kPub4, 47, opaque(24));
  ASSERT_NE(expect_new_flow(harness.run(gre, dev), gre), nullptr);
  EXPECT_TRUE(harness.flow(flow_key(dev, kLan4, kPub4, 47)).has_value());

  // A TCP header cut before its ports is the portless TCP flow, not the
  // flow of some ports.
  const Bytes cut = truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443)),
                              kEthernetHeaderLen + kIpv4HeaderLen);
  ASSERT_NE(expect_new_flow(harness.run(cut, dev), cut), nullptr);
  EXPECT_TRUE(harness.flow(flow_key(dev, kLan4, kPub4, IPPROTO_TCP)).has_value());
  EXPECT_EQ(harness.flows().size(), 4u);
}

TEST(FlowMode, FlowsCreatedCountsInserts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();
  const std::vector<Bytes> frames = {
      ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1000, 443)),
      ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1001, 443)),
      ipv6_frame(kLan6, kPub6, IPPROTO_UDP, udp(1002, 443)),
  };
  Counters total;
  size_t records = 0;
  for (int round = 0; round < 3; round++) {
    for (const Bytes& frame : frames) {
      const RunResult run = harness.run(frame, dev);
      expect_passed_unchanged(run, frame);
      total.matched += run.counters.matched;
      total.flows_created += run.counters.flows_created;
      records += run.records.size();
    }
  }
  EXPECT_EQ(total.matched, 9u);
  EXPECT_EQ(total.flows_created, 3u);
  EXPECT_EQ(records, 3u);
  EXPECT_EQ(harness.flows().size(), 3u);
}

TEST(FlowMode, PrivateAndUnreadableFramesNeverCreateAFlow) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();
  const std::vector<Bytes> frames = {
      ipv4_frame(kLan4, v4("10.1.2.3"), IPPROTO_TCP, tcp(40000, 22)),
      ipv4_frame(kLan4, v4("192.168.1.1"), IPPROTO_UDP, udp(68, 67)),
      ethernet_tagged({dot1q(5)}, ETH_P_IP,
                      ipv4(kLan4, v4("172.16.0.1"), IPPROTO_ICMP, icmp(8, 0))),
      ipv6_frame(kLan6, v6("fd12::1"), IPPROTO_TCP, tcp(1, 2)),
      ipv6_frame(v6("fe80::1"), v6("ff02::1"), IPPROTO_ICMPV6, icmp(134, 0)),
      arp_request(kLan4, kPub4),
      ethernet_tagged({dot1ad(1), dot1q(2), dot1q(3)}, ETH_P_IP,
                      ipv4(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2))),
      truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.ihl = 8}),
                kEthernetHeaderLen + kIpv4HeaderLen + 4),
  };
  for (size_t i = 0; i < frames.size(); i++) {
    SCOPED_TRACE("frame " + std::to_string(i));
    const RunResult run = harness.run(frames[i], dev, 3);
    expect_passed_unchanged(run, frames[i]);
    EXPECT_EQ(run.counters.seen, 3u);
    EXPECT_EQ(run.counters.matched, 0u);
    EXPECT_EQ(run.counters.flows_created, 0u);
    EXPECT_TRUE(run.records.empty());
  }
  EXPECT_TRUE(harness.flows().empty()) << "the flow table is for public destinations only";
}

// flow_table_size = 4: the LRU table evicts instead of refusing, so every
// new flow is still recorded and the table never grows past its size.
TEST(FlowMode, FullTableEvictsInsteadOfGrowing) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode(4));
  const uint32_t dev = test_ifindex();
  for (uint16_t i = 0; i < 10; i++) {
    SCOPED_TRACE("flow " + std::to_string(i));
    const uint16_t sport = static_cast<uint16_t>(20000 + i);
    const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(sport, 53));
    const ew_record* r = expect_new_flow(harness.run(frame, dev), frame);
    if (r) {
      EXPECT_EQ(r->sport, sport);
    }
    const size_t held = harness.flows().size();
    EXPECT_LE(held, 4u) << "the flow table holds more than its size";
    EXPECT_GE(held, 1u);
    EXPECT_TRUE(harness.flow(flow_key(dev, kLan4, kPub4, IPPROTO_UDP, sport, 53)).has_value())
        << "the newest flow is not in the table";
  }
}

}  // namespace
}  // namespace ew::test

namespace ew::test {
namespace {

// Keeps the flow lines a FlowTracker writes.
class FlowLines : public LineFormatter {
 public:
  void packet(const ew_record&, std::string_view, int64_t) override {}
  void flow(const FlowEvent& event) override { events.push_back(event); }
  void stats(const StatsLine&) override {}
  void loss(const LossLine&) override {}
  void interface_removed(std::string_view, int64_t) override {}
  std::vector<FlowEvent> events;
};

// A priority-tagged frame (VLAN 0) whose new-flow record the tracker never
// read: once it is a second old, a scan announces the flow late, rebuilt
// from the flow table's key, and it must still say the frame was tagged with
// VLAN 0.
TEST(FlowMode, AFlowAnnouncedLateKeepsItsVlanZeroTag) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierSettings settings;
  settings.mode = RecordMode::kFlow;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  const Bytes frame = ethernet_tagged({dot1q(tci(3, false, 0))}, ETH_P_IP,
                                      ipv4(kLan4, kPub4, IPPROTO_UDP, udp(40000, 443)));
  const RunResult run = harness.run(frame, test_ifindex());
  ASSERT_EQ(run.error, 0);
  ASSERT_EQ(run.records.size(), 1u);  // the harness took the new-flow record
  ASSERT_TRUE(run.records[0].flags & EW_FLAG_VLAN) << "the ring's record is tagged";

  FlowLines lines;
  WallClock clock;
  FlowTracker tracker(harness.classifier().flows_fd(), 65536, 60'000'000'000ull, lines, clock,
                      [](uint32_t) { return std::string_view("test0"); });
  // At once its record may only be waiting in the ring: not announced yet.
  tracker.scan(run.monotonic_after_ns, false);
  EXPECT_TRUE(lines.events.empty()) << "a record not yet read was taken for lost";
  // A second on, it would have been read: the scan announces the flow.
  tracker.scan(run.monotonic_after_ns + FlowTracker::kRecordLagNs, false);
  ASSERT_EQ(lines.events.size(), 1u);
  const FlowEvent& late = lines.events[0];
  EXPECT_EQ(late.kind, FlowEvent::Kind::kNew);
  EXPECT_STREQ(late.reason, "late");
  EXPECT_TRUE(late.identity.flags & EW_FLAG_VLAN) << "VLAN 0 lost on the late line";
  EXPECT_FALSE(late.identity.flags & EW_FLAG_VLAN_INNER);
  EXPECT_EQ(late.identity.vlan, 0);
  EXPECT_EQ(late.identity.sport, 40000);
}

// An interface that goes away takes its flows with it: end_interface ends
// them then, with the counts the kernel's table holds (and takes them out of
// it), and leaves the other interfaces' flows running.
TEST(FlowMode, AFlowOnARemovedInterfaceEndsWithItsCounts) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t gone = test_ifindex();
  const uint32_t kept = 1;  // loopback
  ASSERT_NE(gone, kept) << "needs a device besides loopback";
  const Bytes frame = ethernet(ETH_P_IP, ipv4(kLan4, kPub4, IPPROTO_UDP, udp(40000, 443)));
  const RunResult first = harness.run(frame, gone, 3);
  const RunResult other = harness.run(frame, kept);
  ASSERT_EQ(first.error, 0);
  ASSERT_EQ(first.records.size(), 1u);
  ASSERT_EQ(other.records.size(), 1u);

  FlowLines lines;
  WallClock clock;
  FlowTracker tracker(harness.classifier().flows_fd(), 65536, 60'000'000'000ull, lines, clock,
                      [](uint32_t) { return std::string_view("test0"); });
  tracker.on_record(first.records[0]);
  tracker.on_record(other.records[0]);
  lines.events.clear();
  tracker.end_interface(gone, other.monotonic_after_ns);

  ASSERT_EQ(lines.events.size(), 1u);
  const FlowEvent& end = lines.events[0];
  EXPECT_EQ(end.kind, FlowEvent::Kind::kEnd);
  EXPECT_STREQ(end.reason, "removed");
  EXPECT_EQ(end.identity.ifindex, gone);
  EXPECT_EQ(end.total_packets, 3u);
  EXPECT_EQ(end.packets, 2u) << "the two packets after the new line";
  EXPECT_EQ(tracker.active(), 1u);
  ew_flow_key key = flow_key(gone, kLan4, kPub4, IPPROTO_UDP, 40000, 443);
  ew_flow_stats stats;
  EXPECT_NE(bpf_map_lookup_elem(harness.classifier().flows_fd(), &key, &stats), 0)
      << "the removed interface's flow is still in the kernel's table";
  key.ifindex = kept;
  EXPECT_EQ(bpf_map_lookup_elem(harness.classifier().flows_fd(), &key, &stats), 0)
      << "the other interface's flow left the table";

  // Nothing more for it: the next scan finds only the other flow, unchanged.
  lines.events.clear();
  tracker.scan(other.monotonic_after_ns, true);
  EXPECT_TRUE(lines.events.empty());
}

}  // namespace
}  // namespace ew::test
