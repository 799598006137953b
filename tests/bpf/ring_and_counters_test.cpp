// Behaviour across runs: counters add up per packet, every public packet gets
// its own record in packet mode, a full ring counts losses instead of
// failing, and the record names the device the packet leaves through.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <vector>

#include "classifier_harness.h"
#include "egresswatch_abi.h"
#include "expectations.h"
#include "frame_builder.h"
#include "privileges.h"

namespace ew::test {
namespace {

const Address kSrc = v4("192.168.1.10");
const Address kPublic = v4("198.51.100.20");

PrefixOptions one_public_range() {
  PrefixOptions options;
  options.includes = {Prefix::parse("198.51.100.0/24")};
  return options;
}

Bytes public_frame() {
  return ipv4_frame(kSrc, kPublic, IPPROTO_UDP, udp(40000, 443));
}

TEST(ClassifierRuns, RepeatedPublicPacketsGiveOneRecordEach) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(one_public_range());
  const Bytes frame = public_frame();
  const RunResult run = harness.run(frame, test_ifindex(), 50);
  ASSERT_EQ(run.error, 0);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC);
  EXPECT_EQ(run.data_out, frame);
  EXPECT_EQ(run.counters.seen, 50u);
  EXPECT_EQ(run.counters.matched, 50u);
  EXPECT_EQ(run.counters.lost, 0u);
  ASSERT_EQ(run.records.size(), 50u);
  for (size_t i = 0; i < run.records.size(); i++) {
    EXPECT_EQ(run.records[i].dport, 443) << "record " << i;
    EXPECT_EQ(run.records[i].len, frame.size()) << "record " << i;
    if (i > 0) {
      EXPECT_GE(run.records[i].ts_ns, run.records[i - 1].ts_ns) << "records out of order";
    }
  }
}

TEST(ClassifierRuns, RepeatedPrivatePacketsOnlyCountSeen) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(one_public_range());
  const RunResult run = harness.run(
      ipv4_frame(kSrc, v4("192.168.1.1"), IPPROTO_UDP, udp(40000, 53)), test_ifindex(), 50);
  ASSERT_EQ(run.error, 0);
  EXPECT_EQ(run.counters.seen, 50u);
  EXPECT_EQ(run.counters.matched, 0u);
  EXPECT_TRUE(run.records.empty());
}

// One classifier, one packet of each kind after another: each run moves its
// own counter and nothing else, and nothing is reset in between.
TEST(ClassifierRuns, CountersMoveOnePacketAtATime) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(one_public_range());
  const uint32_t ifindex = test_ifindex();
  struct Step {
    Bytes frame;
    Expected expected;
  };
  const std::vector<Step> steps = {
      {public_frame(), record({.proto = IPPROTO_UDP,
                               .flags = EW_FLAG_PORTS,
                               .sport = 40000,
                               .dport = 443,
                               .src = kSrc,
                               .dst = kPublic})},
      {ipv4_frame(kSrc, v4("10.0.0.1"), IPPROTO_UDP, udp(1, 2)), no_record()},
      {truncated(ipv4_frame(kSrc, kPublic, IPPROTO_UDP, udp(1, 2), {.ihl = 8}),
                 kEthernetHeaderLen + kIpv4HeaderLen + 4),
       unparsed()},
      {arp_request(kSrc, kPublic), non_ip()},
      {lldp(), non_ip()},
      {ipv6_frame(v6("fd00::10"), v6("2001:4860::8888"), IPPROTO_TCP, tcp(5, 6)),
       record({.proto = IPPROTO_TCP,
               .flags = EW_FLAG_PORTS,
               .sport = 5,
               .dport = 6,
               .src = v6("fd00::10"),
               .dst = v6("2001:4860::8888")})},
  };
  Counters total;
  for (size_t i = 0; i < steps.size(); i++) {
    SCOPED_TRACE("step " + std::to_string(i));
    const RunResult run = harness.run(steps[i].frame, ifindex);
    check_run(run, steps[i].frame, ifindex, steps[i].expected);
    total.seen += run.counters.seen;
    total.matched += run.counters.matched;
    total.unparsed += run.counters.unparsed;
    total.non_ip += run.counters.non_ip;
  }
  EXPECT_EQ(total.seen, 6u);
  EXPECT_EQ(total.matched, 2u);
  EXPECT_EQ(total.unparsed, 1u);
  EXPECT_EQ(total.non_ip, 2u);
}

// The smallest ring the loader accepts holds only a few dozen records: the
// rest are counted as lost, and the packets still pass untouched.
TEST(ClassifierRuns, FullRingCountsLostRecords) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierSettings settings = packet_mode();
  settings.ring_bytes = 4096;
  ClassifierHarness harness(one_public_range(), settings);
  const Bytes frame = public_frame();
  constexpr int kPackets = 200;
  const RunResult run = harness.run(frame, test_ifindex(), kPackets);
  ASSERT_EQ(run.error, 0);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC);
  EXPECT_EQ(run.data_out, frame);
  EXPECT_EQ(run.counters.seen, uint64_t{kPackets});
  EXPECT_EQ(run.counters.matched, uint64_t{kPackets});
  EXPECT_GT(run.records.size(), 0u);
  EXPECT_LT(run.records.size(), size_t{kPackets});
  EXPECT_EQ(run.records.size() + run.counters.lost, uint64_t{kPackets})
      << "every matched packet is either recorded or counted lost";
  EXPECT_EQ(run.malformed_records, 0u);

  // Once read, the ring has room again.
  const RunResult after = harness.run(frame, test_ifindex());
  EXPECT_EQ(after.records.size(), 1u);
  EXPECT_EQ(after.counters.lost, 0u);
}

TEST(ClassifierRuns, RecordNamesTheOutgoingDevice) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(one_public_range());
  const Bytes frame = public_frame();
  std::vector<uint32_t> devices = {1};  // loopback always exists
  if (test_ifindex() != 1) devices.push_back(test_ifindex());
  for (uint32_t ifindex : devices) {
    const RunResult run = harness.run(frame, ifindex);
    ASSERT_EQ(run.error, 0);
    ASSERT_EQ(run.records.size(), 1u);
    EXPECT_EQ(run.records[0].ifindex, ifindex);
  }
}

}  // namespace
}  // namespace ew::test
