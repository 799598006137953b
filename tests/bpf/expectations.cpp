#include "expectations.h"

#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace ew::test {
namespace {

std::string address_of_record(const uint8_t (&bytes)[16], uint8_t family) {
  Address a;
  a.family = family == 4 ? 4 : 6;
  std::copy(std::begin(bytes), std::end(bytes), a.bytes.begin());
  return a.to_string();
}

// IPv4 addresses use the first four bytes; the other twelve must be zero.
std::array<uint8_t, 16> bytes_of(const uint8_t (&bytes)[16]) {
  std::array<uint8_t, 16> out{};
  std::copy(std::begin(bytes), std::end(bytes), out.begin());
  return out;
}

void check_record(const ew_record& r, const ExpectedRecord& want, const Bytes& frame,
                  uint32_t ifindex, const RunResult& run) {
  EXPECT_EQ(unsigned{r.kind}, unsigned{want.kind}) << "EW_RECORD_ kinds: PACKET=1 FLOW_NEW=2";
  EXPECT_EQ(unsigned{r.family}, static_cast<unsigned>(want.dst.family));
  EXPECT_EQ(unsigned{r.proto}, unsigned{want.proto});
  // The tables leave TCP's flags byte out (it is the frame builder's SYN, or
  // not reached): checked here for what it must be, exactly by the reference
  // comparison and by the conversation tests.
  const bool tcp_with_ports = want.proto == IPPROTO_TCP && (want.flags & EW_FLAG_PORTS);
  unsigned want_flags = want.flags;
  if (tcp_with_ports) want_flags |= r.flags & EW_FLAG_TCP_FLAGS;
  EXPECT_EQ(unsigned{r.flags}, want_flags)
      << "record flags " << describe_flags(r.flags) << ", want " << describe_flags(want.flags);
  if (!(r.flags & EW_FLAG_TCP_FLAGS)) {
    EXPECT_EQ(unsigned{r.tcp_flags}, 0u);
  }
  EXPECT_EQ(r.sport, want.sport);
  EXPECT_EQ(r.dport, want.dport);
  EXPECT_EQ(unsigned{r.icmp_type}, unsigned{want.icmp_type});
  EXPECT_EQ(unsigned{r.icmp_code}, unsigned{want.icmp_code});
  EXPECT_EQ(r.vlan, want.vlan);
  EXPECT_EQ(r.vlan_inner, want.vlan_inner);
  EXPECT_EQ(unsigned{r.initiator}, unsigned{want.initiator});
  EXPECT_EQ(bytes_of(r.src), want.src.bytes)
      << "record src " << address_of_record(r.src, r.family) << ", want " << want.src.to_string();
  EXPECT_EQ(bytes_of(r.dst), want.dst.bytes)
      << "record dst " << address_of_record(r.dst, r.family) << ", want " << want.dst.to_string();
  EXPECT_EQ(r.len, frame.size());
  EXPECT_EQ(r.ifindex, ifindex);
  EXPECT_GE(r.ts_ns, run.monotonic_before_ns) << "ts_ns is not CLOCK_MONOTONIC of the run";
  EXPECT_LE(r.ts_ns, run.monotonic_after_ns) << "ts_ns is not CLOCK_MONOTONIC of the run";
}

}  // namespace

std::ostream& operator<<(std::ostream& os, Outcome outcome) {
  switch (outcome) {
    case Outcome::kRecord:
      return os << "record";
    case Outcome::kPrivate:
      return os << "no record (excluded destination)";
    case Outcome::kUnparsed:
      return os << "unparsed";
    case Outcome::kNonIp:
      return os << "non-IP";
  }
  return os << "?";
}

std::string describe_flags(uint8_t flags) {
  static const std::pair<uint8_t, const char*> kNames[] = {
      {EW_FLAG_PORTS, "PORTS"},       {EW_FLAG_ICMP, "ICMP"},
      {EW_FLAG_FRAGMENT, "FRAGMENT"}, {EW_FLAG_L4_SHORT, "L4_SHORT"},
      {EW_FLAG_VLAN, "VLAN"},         {EW_FLAG_VLAN_INNER, "VLAN_INNER"},
      {EW_FLAG_INBOUND, "INBOUND"},   {EW_FLAG_TCP_FLAGS, "TCP_FLAGS"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += '|';
    out += name;
    flags = static_cast<uint8_t>(flags & ~bit);
  }
  if (flags) out += (out.empty() ? "" : "|") + std::to_string(unsigned{flags});
  return out.empty() ? "none" : out;
}

void check_run(const RunResult& run, const Bytes& frame, uint32_t ifindex,
               const Expected& expected) {
  ASSERT_EQ(run.error, 0) << "BPF_PROG_TEST_RUN failed: " << std::strerror(-run.error);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC) << "the classifier must never act on a packet";
  EXPECT_EQ(run.data_out, frame) << "the classifier must not modify the frame";
  EXPECT_EQ(run.malformed_records, 0u);

  const Counters& c = run.counters;
  EXPECT_EQ(c.seen, 1u);
  EXPECT_EQ(c.matched, expected.outcome == Outcome::kRecord ? 1u : 0u);
  EXPECT_EQ(c.unparsed, expected.outcome == Outcome::kUnparsed ? 1u : 0u);
  EXPECT_EQ(c.non_ip, expected.outcome == Outcome::kNonIp ? 1u : 0u);
  EXPECT_EQ(c.lost, 0u);
  const bool new_flow = expected.outcome == Outcome::kRecord && expected.record &&
                        expected.record->kind == EW_RECORD_FLOW_NEW;
  EXPECT_EQ(c.flows_created, new_flow ? 1u : 0u);
  EXPECT_EQ(c.sampled_out, 0u);
  EXPECT_EQ(c.rate_limited, 0u);

  if (expected.outcome != Outcome::kRecord) {
    EXPECT_TRUE(run.records.empty())
        << "want " << expected.outcome << ", got " << run.records.size() << " record(s), dst "
        << (run.records.empty() ? ""
                                : address_of_record(run.records[0].dst, run.records[0].family));
    return;
  }
  ASSERT_TRUE(expected.record.has_value()) << "table error: a record outcome needs a record";
  ASSERT_EQ(run.records.size(), 1u) << "want one record to " << expected.record->dst.to_string();
  check_record(run.records[0], *expected.record, frame, ifindex, run);
}

}  // namespace ew::test
