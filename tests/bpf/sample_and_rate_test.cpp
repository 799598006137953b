// --sample N (ClassifierSettings.sample_every) and --rate-limit R
// (ClassifierSettings.rate_limit).
//
// The sampler counts public packets per CPU: the first, then every Nth is
// considered, the rest are counted sampled_out. BPF_PROG_TEST_RUN runs the
// program on the caller's CPU, so these tests pin themselves to one CPU.
//
// The rate limiter allows R records per one-second window, shared by all
// CPUs, and counts the rest rate_limited. A fresh classifier's window starts
// with its first public packet and the bursts here take microseconds; a run
// that took a second or more (a very slow machine) is retried once with a
// fresh classifier before its counts are judged.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "egresswatch_abi.h"
#include "expectations.h"
#include "frame_case.h"
#include "privileges.h"

namespace ew::test {
namespace {

const Address kLan4 = v4("192.168.1.10");
const Address kPub4 = v4("203.0.113.7");
const Address kPub4b = v4("198.51.100.53");
const Address kLan6 = v6("fd00::10");
const Address kPub6 = v6("2001:db8::7");

constexpr uint64_t kSecondNs = 1'000'000'000;

Bytes public_udp(uint16_t sport, const Address& dst = kPub4) {
  return ipv4_frame(kLan4, dst, IPPROTO_UDP, udp(sport, 443));
}

uint64_t ceil_div(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * kSecondNs + static_cast<uint64_t>(ts.tv_nsec);
}

void expect_passed_unchanged(const RunResult& run, const Bytes& frame) {
  ASSERT_EQ(run.error, 0) << "BPF_PROG_TEST_RUN failed: " << std::strerror(-run.error);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC);
  EXPECT_EQ(run.data_out, frame);
  EXPECT_EQ(run.malformed_records, 0u);
  EXPECT_EQ(run.counters.lost, 0u);
}

#define EW_PIN_TO_ONE_CPU(pin) \
  CpuPin pin;                  \
  if (!pin.pinned()) GTEST_SKIP() << "cannot pin the test thread to one CPU"

// ---- --sample ----------------------------------------------------------------

struct SampleCase {
  uint32_t every;     // ClassifierSettings.sample_every
  uint32_t packets;   // public packets in one run
  uint64_t recorded;  // what the run must record
};

void PrintTo(const SampleCase& c, std::ostream* os) {
  *os << "sample 1 in " << c.every << ", " << c.packets << " packets";
}

class SampleBurst : public testing::TestWithParam<SampleCase> {};

TEST_P(SampleBurst, RecordsTheFirstAndThenEveryNth) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const SampleCase& c = GetParam();
  EW_PIN_TO_ONE_CPU(pin);
  ClassifierSettings settings = packet_mode();
  settings.sample_every = c.every;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  const Bytes frame = public_udp(40000);
  const RunResult run = harness.run(frame, test_ifindex(), static_cast<int>(c.packets));
  expect_passed_unchanged(run, frame);
  EXPECT_EQ(run.counters.seen, c.packets);
  EXPECT_EQ(run.counters.matched, c.packets) << "matched counts before the sampler";
  EXPECT_EQ(run.records.size(), c.recorded);
  EXPECT_EQ(run.counters.sampled_out, c.packets - c.recorded);
  EXPECT_EQ(run.counters.rate_limited, 0u);
}

std::vector<SampleCase> sample_cases() {
  std::vector<SampleCase> cases;
  for (auto [every, packets] : std::vector<std::pair<uint32_t, uint32_t>>{
           {2, 1}, {2, 2}, {2, 3}, {3, 10}, {4, 8}, {5, 4}, {7, 50}, {1, 5}}) {
    cases.push_back({every, packets, ceil_div(packets, every)});
  }
  cases.push_back({0, 5, 5});  // the loader reads 0 as "every packet"
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Sample, SampleBurst, testing::ValuesIn(sample_cases()),
                         [](const testing::TestParamInfo<SampleCase>& p) {
                           return "every_" + std::to_string(p.param.every) + "_of_" +
                                  std::to_string(p.param.packets);
                         });

// Which packets: the 1st, the (N+1)th, ... of the public packets on a CPU.
TEST(Sample, KeepsPacketZeroNTwoNAndSoOn) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  EW_PIN_TO_ONE_CPU(pin);
  ClassifierSettings settings = packet_mode();
  settings.sample_every = 3;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  std::vector<uint16_t> kept;
  Counters total;
  for (uint16_t i = 0; i < 10; i++) {
    const Bytes frame = public_udp(static_cast<uint16_t>(1000 + i));
    const RunResult run = harness.run(frame, test_ifindex());
    expect_passed_unchanged(run, frame);
    for (const ew_record& r : run.records)
      kept.push_back(r.sport);
    total.sampled_out += run.counters.sampled_out;
  }
  EXPECT_EQ(kept, (std::vector<uint16_t>{1000, 1003, 1006, 1009}));
  EXPECT_EQ(total.sampled_out, 6u);
}

// Only public packets tick the sampler: private, non-IP and unreadable
// frames in between change nothing.
TEST(Sample, OnlyPublicPacketsAreCounted) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  EW_PIN_TO_ONE_CPU(pin);
  ClassifierSettings settings = packet_mode();
  settings.sample_every = 3;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  const uint32_t dev = test_ifindex();
  const std::vector<Bytes> others = {
      ipv4_frame(kLan4, v4("10.0.0.1"), IPPROTO_UDP, udp(1, 2)),
      ipv6_frame(kLan6, v6("fd00::1"), IPPROTO_TCP, tcp(1, 2)),
      arp_request(kLan4, kPub4),
      truncated(ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp(1, 2), {.ihl = 8}),
                kEthernetHeaderLen + kIpv4HeaderLen + 4),
  };
  std::vector<uint16_t> kept;
  Counters total;
  for (uint16_t i = 0; i < 4; i++) {
    // Two of each other kind between two public packets.
    for (const Bytes& other : others) {
      const RunResult run = harness.run(other, dev, 2);
      expect_passed_unchanged(run, other);
      EXPECT_EQ(run.counters.sampled_out, 0u) << "the sampler counted a frame that is not public";
      EXPECT_TRUE(run.records.empty());
    }
    const Bytes frame = public_udp(static_cast<uint16_t>(2000 + i));
    const RunResult run = harness.run(frame, dev);
    expect_passed_unchanged(run, frame);
    for (const ew_record& r : run.records)
      kept.push_back(r.sport);
    total.sampled_out += run.counters.sampled_out;
  }
  EXPECT_EQ(kept, (std::vector<uint16_t>{2000, 2003}));
  EXPECT_EQ(total.sampled_out, 2u);
}

// In flow mode the sampler comes first: a sampled-out packet neither starts
// a flow nor adds to one.
TEST(Sample, FlowModeLeavesSampledOutPacketsOutOfTheFlows) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  EW_PIN_TO_ONE_CPU(pin);
  ClassifierSettings settings;
  settings.mode = RecordMode::kFlow;
  settings.sample_every = 2;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  const uint32_t dev = test_ifindex();
  const Bytes a = public_udp(3000);
  const Bytes b = public_udp(3001);

  const RunResult run_a = harness.run(a, dev, 4);  // ticks 0..3: 0 and 2 kept
  expect_passed_unchanged(run_a, a);
  EXPECT_EQ(run_a.records.size(), 1u);
  EXPECT_EQ(run_a.counters.sampled_out, 2u);
  EXPECT_EQ(run_a.counters.flows_created, 1u);
  const auto flow_a = harness.flow(flow_key(dev, kLan4, kPub4, IPPROTO_UDP, 3000, 443));
  ASSERT_TRUE(flow_a.has_value());
  EXPECT_EQ(flow_a->packets, 2u) << "sampled-out packets were added to the flow";
  EXPECT_EQ(flow_a->bytes, 2 * a.size());

  // Tick 4 (kept) is a; tick 5, b's first packet, is sampled out: no flow.
  expect_passed_unchanged(harness.run(a, dev), a);
  const RunResult b_out = harness.run(b, dev);
  expect_passed_unchanged(b_out, b);
  EXPECT_EQ(b_out.counters.sampled_out, 1u);
  EXPECT_EQ(b_out.counters.flows_created, 0u);
  EXPECT_TRUE(b_out.records.empty());
  EXPECT_FALSE(harness.flow(flow_key(dev, kLan4, kPub4, IPPROTO_UDP, 3001, 443)).has_value())
      << "a sampled-out packet started a flow";
  // Tick 6: b again, kept, and now new.
  const RunResult b_in = harness.run(b, dev);
  expect_passed_unchanged(b_in, b);
  ASSERT_EQ(b_in.records.size(), 1u);
  EXPECT_EQ(unsigned{b_in.records[0].kind}, unsigned{EW_RECORD_FLOW_NEW});
  EXPECT_EQ(b_in.counters.flows_created, 1u);
  EXPECT_EQ(harness.flows().size(), 2u);
}

// ---- --rate-limit -------------------------------------------------------------

struct RateCase {
  uint64_t limit;
  uint32_t burst;
};

void PrintTo(const RateCase& c, std::ostream* os) {
  *os << "rate limit " << c.limit << "/s, burst of " << c.burst;
}

class RateBurst : public testing::TestWithParam<RateCase> {};

TEST_P(RateBurst, RecordsAtMostTheLimitPerSecond) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const RateCase& c = GetParam();
  ClassifierSettings settings = packet_mode();
  settings.rate_limit = c.limit;
  const Bytes frame = public_udp(40000);
  RunResult run;
  for (int attempt = 0; attempt < 2; attempt++) {
    ClassifierHarness harness(documentation_hosts_public(), settings);
    run = harness.run(frame, test_ifindex(), static_cast<int>(c.burst));
    if (run.monotonic_after_ns - run.monotonic_before_ns < kSecondNs) break;
  }
  if (run.monotonic_after_ns - run.monotonic_before_ns >= kSecondNs) {
    GTEST_SKIP() << "the burst took over a second twice: it cannot stay in one window here";
  }
  const uint64_t allowed = std::min<uint64_t>(c.limit, c.burst);
  expect_passed_unchanged(run, frame);
  EXPECT_EQ(run.counters.matched, c.burst);
  EXPECT_EQ(run.records.size(), allowed);
  EXPECT_EQ(run.counters.rate_limited, c.burst - allowed);
  EXPECT_EQ(run.counters.sampled_out, 0u);
}

INSTANTIATE_TEST_SUITE_P(RateLimit, RateBurst,
                         testing::Values(RateCase{1, 3}, RateCase{3, 4}, RateCase{5, 20},
                                         RateCase{10, 10}, RateCase{100, 250}),
                         [](const testing::TestParamInfo<RateCase>& p) {
                           return "limit_" + std::to_string(p.param.limit) + "_burst_" +
                                  std::to_string(p.param.burst);
                         });

// Runs `body` (which loads its own classifier and returns the monotonic time
// its first run began) and retries once when it took a second or more.
template <typename Body>
bool within_one_window(Body body) {
  for (int attempt = 0; attempt < 2; attempt++) {
    const uint64_t start = body();
    if (monotonic_ns() - start < kSecondNs) return true;
  }
  return false;
}

TEST(RateLimit, PrivatePacketsDoNotUseTheBudget) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierSettings settings = packet_mode();
  settings.rate_limit = 2;
  RunResult privates;
  RunResult publics;
  const Bytes private_frame = ipv4_frame(kLan4, v4("10.0.0.1"), IPPROTO_UDP, udp(1, 2));
  const Bytes public_frame = public_udp(40000);
  const bool timely = within_one_window([&] {
    ClassifierHarness harness(documentation_hosts_public(), settings);
    privates = harness.run(private_frame, test_ifindex(), 10);
    publics = harness.run(public_frame, test_ifindex(), 3);
    return privates.monotonic_before_ns;
  });
  if (!timely) GTEST_SKIP() << "too slow to stay in one rate window";
  expect_passed_unchanged(privates, private_frame);
  EXPECT_EQ(privates.counters.rate_limited, 0u);
  expect_passed_unchanged(publics, public_frame);
  EXPECT_EQ(publics.records.size(), 2u);
  EXPECT_EQ(publics.counters.rate_limited, 1u);
}

// After a second the window starts again.
TEST(RateLimit, ANewWindowAllowsTheLimitAgain) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierSettings settings = packet_mode();
  settings.rate_limit = 2;
  ClassifierHarness harness(documentation_hosts_public(), settings);
  const Bytes frame = public_udp(40000);
  const RunResult first = harness.run(frame, test_ifindex(), 5);
  expect_passed_unchanged(first, frame);
  ASSERT_EQ(first.records.size(), 2u);
  EXPECT_EQ(first.counters.rate_limited, 3u);
  // The window began with the first packet, the time of the first record.
  const uint64_t window_end = first.records[0].ts_ns + kSecondNs;
  while (monotonic_ns() <= window_end + 10'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const RunResult second = harness.run(frame, test_ifindex(), 5);
  expect_passed_unchanged(second, frame);
  EXPECT_EQ(second.records.size(), 2u) << "the window did not start again after a second";
  EXPECT_EQ(second.counters.rate_limited, 3u);
}

// In flow mode only new-flow records count against the limit; a flow whose
// record was held back still exists and still counts its packets.
TEST(RateLimit, FlowModeLimitsNewFlowRecordsOnly) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierSettings settings;
  settings.mode = RecordMode::kFlow;
  settings.rate_limit = 2;
  const uint32_t dev = test_ifindex();
  const Bytes a = public_udp(5000);
  const Bytes b = public_udp(5001);
  const Bytes c = public_udp(5002, kPub4b);
  const Bytes d = ipv6_frame(kLan6, kPub6, IPPROTO_TCP, tcp(5003, 443));
  std::vector<RunResult> runs;
  std::unique_ptr<ClassifierHarness> harness;
  const bool timely = within_one_window([&] {
    harness = std::make_unique<ClassifierHarness>(documentation_hosts_public(), settings);
    runs.clear();
    runs.push_back(harness->run(a, dev, 5));  // 0: a, new (1 of 2), then 4 known packets
    runs.push_back(harness->run(b, dev));     // 1: b, new (2 of 2)
    runs.push_back(harness->run(c, dev));     // 2: c, new, held back
    runs.push_back(harness->run(c, dev, 3));  // 3: c known: neither recorded nor limited
    runs.push_back(harness->run(d, dev));     // 4: d, new, held back
    runs.push_back(harness->run(a, dev));     // 5: a known
    return runs[0].monotonic_before_ns;
  });
  if (!timely) GTEST_SKIP() << "too slow to stay in one rate window";
  const std::vector<const Bytes*> frames = {&a, &b, &c, &c, &d, &a};
  const std::vector<size_t> want_records = {1, 1, 0, 0, 0, 0};
  const std::vector<uint64_t> want_limited = {0, 0, 1, 0, 1, 0};
  const std::vector<uint64_t> want_created = {1, 1, 1, 0, 1, 0};
  for (size_t i = 0; i < runs.size(); i++) {
    SCOPED_TRACE("run " + std::to_string(i));
    expect_passed_unchanged(runs[i], *frames[i]);
    EXPECT_EQ(runs[i].records.size(), want_records[i]);
    EXPECT_EQ(runs[i].counters.rate_limited, want_limited[i]);
    EXPECT_EQ(runs[i].counters.flows_created, want_created[i]);
    for (const ew_record& r : runs[i].records)
      EXPECT_EQ(unsigned{r.kind}, unsigned{EW_RECORD_FLOW_NEW});
  }
  const auto flow_c = harness->flow(flow_key(dev, kLan4, kPub4b, IPPROTO_UDP, 5002, 443));
  ASSERT_TRUE(flow_c.has_value()) << "a flow whose record was held back must still exist";
  EXPECT_EQ(flow_c->packets, 4u);
  const auto flow_d = harness->flow(flow_key(dev, kLan6, kPub6, IPPROTO_TCP, 5003, 443));
  ASSERT_TRUE(flow_d.has_value());
  EXPECT_EQ(flow_d->packets, 1u);
  const auto flow_a = harness->flow(flow_key(dev, kLan4, kPub4, IPPROTO_UDP, 5000, 443));
  ASSERT_TRUE(flow_a.has_value());
  EXPECT_EQ(flow_a->packets, 6u);
  EXPECT_EQ(harness->flows().size(), 4u);
}

}  // namespace
}  // namespace ew::test
