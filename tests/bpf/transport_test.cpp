// The two record transports: the BPF ring buffer (egresswatch_egress) and,
// for kernels before 5.8, a perf buffer (egresswatch_egress_perf, map
// ew_events). The loader loads only the entry point and the map of the
// transport in use; records must not depend on which one it is.
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "egresswatch_abi.h"
#include "expectations.h"
#include "frame_case.h"
#include "privileges.h"
#include "records/perf_buffer_source.h"

namespace ew::test {
namespace {

const Address kLan4 = v4("192.168.1.10");
const Address kPub4 = v4("203.0.113.7");
const Address kLan6 = v6("fd00::10");
const Address kPub6 = v6("2001:db8::7");

ClassifierSettings with_transport(Transport transport) {
  ClassifierSettings settings = packet_mode();
  settings.transport = transport;
  return settings;
}

const char* name_of(Transport t) {
  switch (t) {
    case Transport::kAuto:
      return "auto";
    case Transport::kRingBuffer:
      return "ring_buffer";
    case Transport::kPerfBuffer:
      return "perf_buffer";
  }
  return "?";
}

bool kernel_has_ring_buffer() {
  return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, nullptr) > 0;
}

// What the program behind program_fd() writes its records to.
struct RecordMaps {
  int ring = 0;  // BPF_MAP_TYPE_RINGBUF maps the program uses
  int perf = 0;  // BPF_MAP_TYPE_PERF_EVENT_ARRAY maps
  std::string names;
};

RecordMaps record_maps_of(int prog_fd) {
  RecordMaps m;
  for (const ProgramMap& map : program_maps(prog_fd)) {
    m.names += map.name + " ";
    if (map.type == BPF_MAP_TYPE_RINGBUF) m.ring++;
    if (map.type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) m.perf++;
  }
  return m;
}

TEST(Transport, AutoIsTheRingBufferWhereTheKernelHasOne) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const Classifier classifier = Classifier::load(with_transport(Transport::kAuto));
  const bool ring = kernel_has_ring_buffer();
  EXPECT_TRUE(ring) << "kernel 6.18 has ring buffers; this machine's kernel does not";
  EXPECT_EQ(classifier.transport(), ring ? Transport::kRingBuffer : Transport::kPerfBuffer);
  EXPECT_EQ(map_type(classifier.records_fd()),
            ring ? uint32_t{BPF_MAP_TYPE_RINGBUF} : uint32_t{BPF_MAP_TYPE_PERF_EVENT_ARRAY});
}

TEST(Transport, RingBufferLoadsTheRingEntryPoint) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const Classifier classifier = Classifier::load(with_transport(Transport::kRingBuffer));
  EXPECT_EQ(classifier.transport(), Transport::kRingBuffer);
  ASSERT_GE(classifier.program_fd(), 0);
  const RecordMaps maps = record_maps_of(classifier.program_fd());
  EXPECT_EQ(maps.ring, 1) << "maps: " << maps.names;
  EXPECT_EQ(maps.perf, 0) << "maps: " << maps.names;
  EXPECT_EQ(map_type(classifier.records_fd()), uint32_t{BPF_MAP_TYPE_RINGBUF});
}

TEST(Transport, PerfBufferLoadsThePerfEntryPoint) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const Classifier classifier = Classifier::load(with_transport(Transport::kPerfBuffer));
  EXPECT_EQ(classifier.transport(), Transport::kPerfBuffer);
  ASSERT_GE(classifier.program_fd(), 0)
      << "program_fd() is not a loaded program with --transport perf";
  EXPECT_NE(classifier.program_id(), 0u);
  // Both entry points are called egresswatch_egr... in the kernel (15
  // characters); the maps they write to tell them apart.
  const RecordMaps maps = record_maps_of(classifier.program_fd());
  EXPECT_EQ(maps.perf, 1) << "program_fd() is not egresswatch_egress_perf; maps: " << maps.names;
  EXPECT_EQ(maps.ring, 0) << "maps: " << maps.names;
  EXPECT_EQ(map_type(classifier.records_fd()), uint32_t{BPF_MAP_TYPE_PERF_EVENT_ARRAY})
      << "records_fd() is not the perf event array with --transport perf";
}

// A few representative frames; stateless, so one classifier per transport
// serves them all.
std::vector<FrameCase> representative_cases() {
  return {
      {"ipv4_tcp", "IPv4 TCP SYN",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443)); },
       record({.proto = IPPROTO_TCP,
               .flags = EW_FLAG_PORTS,
               .sport = 40000,
               .dport = 443,
               .src = kLan4,
               .dst = kPub4})},
      {"ipv6_extensions_udp", "IPv6 hop-by-hop, then UDP",
       [] { return ipv6_frame(kLan6, kPub6, {hop_by_hop()}, IPPROTO_UDP, udp(50000, 443, 64)); },
       record({.proto = IPPROTO_UDP,
               .flags = EW_FLAG_PORTS,
               .sport = 50000,
               .dport = 443,
               .src = kLan6,
               .dst = kPub6})},
      {"ipv4_icmp", "IPv4 ICMP time exceeded 11/1",
       [] { return ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(11, 1)); },
       record({.proto = IPPROTO_ICMP,
               .flags = EW_FLAG_ICMP,
               .icmp_type = 11,
               .icmp_code = 1,
               .src = kLan4,
               .dst = kPub4})},
      {"qinq_ipv6_tcp", "QinQ 100/200 with PCP bits, IPv6 TCP",
       [] {
         return ethernet_tagged({dot1ad(tci(5, false, 100)), dot1q(tci(2, true, 200))}, ETH_P_IPV6,
                                ipv6(kLan6, kPub6, IPPROTO_TCP, tcp(40001, 22)));
       },
       record({.proto = IPPROTO_TCP,
               .flags = EW_FLAG_PORTS | EW_FLAG_VLAN | EW_FLAG_VLAN_INNER,
               .sport = 40001,
               .dport = 22,
               .src = kLan6,
               .dst = kPub6,
               .vlan = 100,
               .vlan_inner = 200})},
      {"ipv4_later_fragment", "a later IPv4 fragment of an unseen datagram",
       [] {
         return ipv4_frame(kLan4, kPub4, IPPROTO_UDP, opaque(40),
                           {.fragment_offset = 185, .id = 0xabcd});
       },
       record({.proto = IPPROTO_UDP, .flags = EW_FLAG_FRAGMENT, .src = kLan4, .dst = kPub4})},
      {"ipv4_tcp_cut", "IPv4 TCP cut after the IP header",
       [] {
         return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2)),
                          kEthernetHeaderLen + kIpv4HeaderLen);
       },
       record({.proto = IPPROTO_TCP, .flags = EW_FLAG_L4_SHORT, .src = kLan4, .dst = kPub4})},
      {"ipv4_private", "IPv4 to 10.0.0.1: no record",
       [] { return ipv4_frame(kLan4, v4("10.0.0.1"), IPPROTO_UDP, udp(1, 2)); }, no_record()},
      {"arp", "ARP: not IP", [] { return arp_request(kLan4, kPub4); }, non_ip()},
      {"ipv4_options_cut", "IPv4 options cut: unparsed",
       [] {
         return truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.ihl = 8}),
                          kEthernetHeaderLen + kIpv4HeaderLen + 4);
       },
       unparsed()},
  };
}

using TransportCase = std::tuple<Transport, FrameCase>;

class RecordsThroughTransport : public testing::TestWithParam<TransportCase> {
 protected:
  static ClassifierHarness& harness(Transport t) {
    auto& slot = harnesses_[t];
    if (!slot)
      slot = std::make_unique<ClassifierHarness>(documentation_hosts_public(), with_transport(t));
    return *slot;
  }
  static void TearDownTestSuite() { harnesses_.clear(); }

 private:
  static inline std::map<Transport, std::unique_ptr<ClassifierHarness>> harnesses_;
};

TEST_P(RecordsThroughTransport, GiveTheExpectedRecordAndCounters) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const auto& [transport, frame_case] = GetParam();
  ClassifierHarness& h = harness(transport);
  ASSERT_EQ(h.classifier().transport(), transport);
  run_frame_case(h, frame_case);
}

INSTANTIATE_TEST_SUITE_P(Representative, RecordsThroughTransport,
                         testing::Combine(testing::Values(Transport::kRingBuffer,
                                                          Transport::kPerfBuffer),
                                          testing::ValuesIn(representative_cases())),
                         [](const testing::TestParamInfo<TransportCase>& p) {
                           return std::string(name_of(std::get<0>(p.param))) + "_" +
                                  std::get<1>(p.param).name;
                         });

// The same frames through both transports give byte-identical records but
// for the timestamp.
TEST(Transport, BothTransportsGiveTheSameRecords) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness ring(documentation_hosts_public(), with_transport(Transport::kRingBuffer));
  ClassifierHarness perf(documentation_hosts_public(), with_transport(Transport::kPerfBuffer));
  const uint32_t dev = test_ifindex();
  size_t compared = 0;
  for (const FrameCase& c : representative_cases()) {
    SCOPED_TRACE(c.name);
    const Bytes frame = c.frame();
    RunResult a = ring.run(frame, dev);
    RunResult b = perf.run(frame, dev);
    ASSERT_EQ(a.error, 0);
    ASSERT_EQ(b.error, 0);
    EXPECT_EQ(b.malformed_records, 0u);
    ASSERT_EQ(a.records.size(), b.records.size());
    for (size_t i = 0; i < a.records.size(); i++) {
      EXPECT_GE(b.records[i].ts_ns, b.monotonic_before_ns);
      EXPECT_LE(b.records[i].ts_ns, b.monotonic_after_ns);
      a.records[i].ts_ns = 0;
      b.records[i].ts_ns = 0;
      EXPECT_EQ(std::memcmp(&a.records[i], &b.records[i], sizeof(ew_record)), 0);
      compared++;
    }
  }
  EXPECT_EQ(compared, 6u);
}

// A perf buffer of one page per CPU fills up: what does not fit is counted
// lost, and the packets still pass untouched.
TEST(Transport, FullPerfBufferCountsLostRecords) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), with_transport(Transport::kPerfBuffer),
                            1);
  const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(40000, 443));
  constexpr int kPackets = 200;
  const RunResult run = harness.run(frame, test_ifindex(), kPackets);
  ASSERT_EQ(run.error, 0);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC);
  EXPECT_EQ(run.data_out, frame);
  EXPECT_EQ(run.counters.matched, uint64_t{kPackets});
  EXPECT_GT(run.records.size(), 0u);
  EXPECT_GT(run.counters.lost, 0u) << "a 4 KiB perf buffer held 200 records";
  EXPECT_EQ(run.records.size() + run.counters.lost, uint64_t{kPackets})
      << "every matched packet is either recorded or counted lost";
  EXPECT_EQ(run.malformed_records, 0u);
}

struct CountingSink : RecordSink {
  void on_record(const ew_record&) override { records++; }
  uint64_t records = 0;
};

// A flood larger than one drain's budget: the perf buffer's drain hands over
// no more than the budget, keeps the rest (nothing is lost), and the next
// drain delivers it, so the loop gets back to signals and timers in between.
TEST(Transport, PerfBufferDrainStopsAtItsBudgetAndKeepsTheRest) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), with_transport(Transport::kPerfBuffer));
  CountingSink sink;
  // Opened after the harness's own reader, so the perf event array now
  // points at this source's buffers (64 MiB: the whole flood fits).
  PerfBufferSource source(harness.classifier().records_fd(), 64u << 20, sink);
  const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(40000, 443));
  constexpr uint64_t kPackets = PerfBufferSource::kDrainBudget + 4000;
  const RunResult run = harness.run(frame, test_ifindex(), static_cast<int>(kPackets));
  ASSERT_EQ(run.error, 0);
  ASSERT_EQ(run.counters.matched, kPackets);
  ASSERT_EQ(run.counters.lost, 0u);

  EXPECT_EQ(source.drain(), static_cast<long>(PerfBufferSource::kDrainBudget));
  EXPECT_TRUE(source.has_pending());
  EXPECT_EQ(source.drain(), 4000);
  EXPECT_FALSE(source.has_pending());
  EXPECT_EQ(source.drain(), 0);
  EXPECT_EQ(sink.records, kPackets);
  EXPECT_EQ(source.malformed(), 0u);
}

TEST(Transport, FlowModeOverThePerfBuffer) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierSettings settings = with_transport(Transport::kPerfBuffer);
  settings.mode = RecordMode::kFlow;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  const uint32_t dev = test_ifindex();
  const Bytes frame = ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(40000, 443));
  {
    SCOPED_TRACE("first packet");
    check_run(harness.run(frame, dev), frame, dev,
              record({.proto = IPPROTO_TCP,
                      .flags = EW_FLAG_PORTS,
                      .sport = 40000,
                      .dport = 443,
                      .src = kLan4,
                      .dst = kPub4,
                      .kind = EW_RECORD_FLOW_NEW,
                      .initiator = EW_INITIATOR_LOCAL}));
  }
  const RunResult again = harness.run(frame, dev, 3);
  ASSERT_EQ(again.error, 0);
  EXPECT_TRUE(again.records.empty());
  EXPECT_EQ(again.counters.flows_created, 0u);
  const auto stats = harness.flow(flow_key(dev, kLan4, kPub4, IPPROTO_TCP, 40000, 443));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->packets, 4u);
}

}  // namespace
}  // namespace ew::test
