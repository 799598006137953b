#include "output/text_lines.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "output/line_test_util.h"
#include "scoped_time_zone.h"

namespace ew {
namespace {

using namespace ew::testing;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Kind = FlowEvent::Kind;

// Local time is what the lines show: UTC here unless a test says otherwise.
class TextLines : public ::testing::Test {
 private:
  ScopedTimeZone utc_{"UTC0"};
};

std::string packet_line(const ew_record& r, std::string_view iface = "eth0") {
  std::string out;
  TextLineFormatter text(out);
  text.packet(r, iface, kWallNs);
  return out;
}

std::string flow_line(const FlowEvent& e) {
  std::string out;
  TextLineFormatter text(out);
  text.flow(e);
  return out;
}

// Where `needle` starts in `line`; fails the test if it is not there.
size_t column_of(const std::string& line, const std::string& needle) {
  size_t at = line.find(needle);
  EXPECT_NE(at, std::string::npos) << "'" << needle << "' not in: " << line;
  return at;
}

void expect_one_line(const std::string& out) {
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n') << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << "more than one line: " << out;
  EXPECT_EQ(out.find('{'), std::string::npos) << "looks like JSON: " << out;
  EXPECT_EQ(out.find('"'), std::string::npos) << "looks like JSON: " << out;
}

TEST_F(TextLines, EveryCallWritesExactlyOneLine) {
  std::string out;
  TextLineFormatter text(out);
  StatsLine stats;
  stats.final = true;
  LossLine loss;
  loss.since_last.ring_full = 1;
  const std::vector<std::function<void()>> calls = {
      [&] { text.packet(tcp4(), "eth0", kWallNs); },
      [&] { text.packet(with_qinq(icmp6(), 1, 2), "eth0", kWallNs); },
      [&] { text.flow(make_event(Kind::kNew, udp6(), "late")); },
      [&] { text.flow(make_event(Kind::kUpdate, gre4())); },
      [&] { text.flow(make_event(Kind::kEnd, tcp4(), "idle")); },
      [&] { text.stats(stats); },
      [&] { text.loss(loss); },
      [&] { text.interface_removed("veth0", kWallNs); },
  };
  for (size_t i = 0; i < calls.size(); i++) {
    SCOPED_TRACE(i);
    const size_t before = out.size();
    calls[i]();
    expect_one_line(out.substr(before));
  }
  EXPECT_EQ(split_lines(out).size(), calls.size());
}

TEST_F(TextLines, TimeIsLocalWithTheDateMillisecondsAndTheZone) {
  EXPECT_THAT(packet_line(tcp4()), StartsWith("2023-11-14 22:13:20.123+00:00 "));
  std::string out;
  TextLineFormatter text(out);
  text.interface_removed("eth0", 5);
  EXPECT_THAT(out, StartsWith("1970-01-01 00:00:00.000+00:00 "));
}

TEST_F(TextLines, TimeFollowsTzEastAndWestAndHalfHours) {
  {
    ScopedTimeZone east("XST-2");  // POSIX: two hours east of UTC
    EXPECT_THAT(packet_line(tcp4()), StartsWith("2023-11-15 00:13:20.123+02:00 "));
  }
  {
    ScopedTimeZone west("XST3");
    EXPECT_THAT(packet_line(tcp4()), StartsWith("2023-11-14 19:13:20.123-03:00 "));
  }
  {
    ScopedTimeZone india("IST-5:30");
    EXPECT_THAT(packet_line(tcp4()), StartsWith("2023-11-15 03:43:20.123+05:30 "));
  }
}

TEST_F(TextLines, TimeChangesOffsetWithDaylightSaving) {
  // Central Europe, by POSIX rule: the clocks go back at 03:00 local on the
  // last Sunday of October (2023-10-29, 01:00 UTC). One formatter across it.
  ScopedTimeZone cet("CET-1CEST,M3.5.0,M10.5.0/3");
  constexpr int64_t kChange = 1'698'541'200LL * 1'000'000'000;  // 2023-10-29T01:00:00Z
  std::string out;
  TextLineFormatter text(out);
  text.interface_removed("eth0", kChange - 1'000'000'000);
  text.interface_removed("eth0", kChange);
  EXPECT_THAT(out, StartsWith("2023-10-29 02:59:59.000+02:00 "));
  EXPECT_THAT(out, HasSubstr("\n2023-10-29 02:00:00.000+01:00 "));
}

TEST_F(TextLines, PacketLine) {
  const std::string line = packet_line(tcp4(51000, 443));
  expect_one_line(line);
  EXPECT_THAT(line, HasSubstr("packet"));
  EXPECT_THAT(line, HasSubstr("eth0"));
  EXPECT_THAT(line, HasSubstr(" tcp "));
  EXPECT_THAT(line, HasSubstr("10.0.0.2:51000"));
  EXPECT_THAT(line, HasSubstr("-> 192.0.2.80:443"));
  EXPECT_THAT(line, HasSubstr("74 B"));
  EXPECT_LT(column_of(line, "10.0.0.2"), column_of(line, "192.0.2.80"));
}

// One formatter writes `lines` twice and returns the second round: columns
// may be fixed or widen to what was seen, but once the formatter has seen
// every line, the lines it writes must line up.
std::vector<std::string> settled_lines(
    const std::vector<std::function<void(LineFormatter&)>>& lines) {
  std::string out;
  TextLineFormatter text(out);
  for (const auto& line : lines)
    line(text);
  out.clear();
  for (const auto& line : lines)
    line(text);
  auto result = split_lines(out);
  EXPECT_EQ(result.size(), lines.size()) << out;
  result.resize(lines.size());
  return result;
}

std::function<void(LineFormatter&)> packet_of(const ew_record& r, std::string_view iface) {
  return [r, iface](LineFormatter& f) { f.packet(r, iface, kWallNs); };
}

TEST_F(TextLines, ColumnsAlignAcrossInterfacesAndAddresses) {
  ew_record long_src = with_ports(
      make_record(4, "172.16.100.200", "203.0.113.254", IPPROTO_UDP, 0, 1500), 65535, 65535);
  ew_record short_src = with_ports(make_record(4, "1.2.3.4", "5.6.7.8", IPPROTO_TCP, 0, 60), 1, 2);
  const auto lines = settled_lines({
      packet_of(long_src, "eth0"),
      packet_of(short_src, "enp0s31f6"),
      [&](LineFormatter& f) { f.flow(make_event(Kind::kUpdate, short_src, nullptr, "wlan0")); },
  });
  const std::string& a = lines[0];
  const std::string& b = lines[1];
  const std::string& c = lines[2];
  EXPECT_EQ(column_of(a, "udp"), column_of(b, "tcp")) << a << "\n" << b;
  EXPECT_EQ(column_of(a, "udp"), column_of(c, "tcp")) << a << "\n" << c;
  EXPECT_EQ(column_of(a, "172.16.100.200"), column_of(b, "1.2.3.4")) << a << "\n" << b;
  EXPECT_EQ(column_of(a, "172.16.100.200"), column_of(c, "1.2.3.4")) << a << "\n" << c;
  EXPECT_EQ(column_of(a, "->"), column_of(b, "->")) << a << "\n" << b;
  EXPECT_EQ(column_of(a, "->"), column_of(c, "->")) << a << "\n" << c;
  EXPECT_EQ(column_of(a, "eth0"), column_of(b, "enp0s31f6"));
}

// Linux names may be 15 characters (IFNAMSIZ - 1), and systemd's MAC-based
// names for USB NICs are exactly that long (enx + 12 hex digits). The
// interface column is 10 wide, so such a name pushes every later column 5 to
// the right. Disabled until loader/text_lines.cpp handles it (reported, not
// fixed here).
TEST_F(TextLines, ColumnsAlignWithFifteenCharacterInterfaceNames) {
  const auto lines =
      settled_lines({packet_of(tcp4(1, 2), "eth0"), packet_of(tcp4(1, 2), "enx001122334455")});
  EXPECT_EQ(column_of(lines[0], "tcp"), column_of(lines[1], "tcp")) << lines[0] << "\n" << lines[1];
  EXPECT_EQ(column_of(lines[0], "10.0.0.2"), column_of(lines[1], "10.0.0.2"));
}

// A global IPv6 source with privacy extensions is written in full (39
// characters, 47 with brackets and port), wider than the 30-character
// endpoint column, so the destination column moves. Disabled until
// loader/text_lines.cpp handles it (reported, not fixed here).
TEST_F(TextLines, DestinationColumnAlignsWithFullLengthIpv6Sources) {
  ew_record v6 = with_ports(
      make_record(6, "2a02:8109:1234:5678:abcd:ef01:2345:6789", "2001:db8::53", IPPROTO_TCP, 0, 60),
      51544, 443);
  const auto lines = settled_lines({packet_of(tcp4(1, 2), "eth0"), packet_of(v6, "eth0")});
  EXPECT_EQ(column_of(lines[0], "->"), column_of(lines[1], "->")) << lines[0] << "\n" << lines[1];
  EXPECT_EQ(column_of(lines[0], " 74 B"), column_of(lines[1], " 60 B"));
}

TEST_F(TextLines, ProtocolByNameOrNumber) {
  EXPECT_THAT(packet_line(icmp4()), HasSubstr(" icmp "));
  EXPECT_THAT(packet_line(icmp6()), HasSubstr(" icmpv6 "));
  EXPECT_THAT(packet_line(udp6()), HasSubstr(" udp "));
  EXPECT_THAT(packet_line(gre4()), HasSubstr(" 47 "));
}

TEST_F(TextLines, Ipv6EndpointsAreBracketedWithPorts) {
  const std::string line = packet_line(udp6(40000, 53));
  EXPECT_THAT(line, HasSubstr("[fd00::2]:40000"));
  EXPECT_THAT(line, HasSubstr("-> [2001:db8::53]:53"));
}

TEST_F(TextLines, EndpointsWithoutPortsAreBareAddresses) {
  const std::string v6 = packet_line(icmp6(128, 0));
  EXPECT_THAT(v6, HasSubstr(" fd00::2 "));
  EXPECT_THAT(v6, HasSubstr("-> 2001:db8::1 "));
  EXPECT_THAT(v6, Not(HasSubstr("[")));
  const std::string v4 = packet_line(gre4());
  EXPECT_THAT(v4, HasSubstr(" 10.0.0.2 "));
  EXPECT_THAT(v4, HasSubstr("-> 198.51.100.9 "));
}

TEST_F(TextLines, IcmpTypeAndFragmentAreShown) {
  EXPECT_THAT(packet_line(icmp4(3, 13)), HasSubstr("type 3 code 13"));
  ew_record fragment = make_record(4, "10.0.0.2", "192.0.2.7", IPPROTO_UDP, EW_FLAG_FRAGMENT, 1514);
  EXPECT_THAT(packet_line(fragment), HasSubstr("fragment"));
  EXPECT_THAT(packet_line(tcp4()), Not(HasSubstr("fragment")));
}

TEST_F(TextLines, NewIcmpFlowShowsItsFirstPacketsTypeAndCode) {
  EXPECT_THAT(flow_line(make_event(Kind::kNew, icmp4(8, 0))), HasSubstr("  type 8 code 0"));
  EXPECT_THAT(flow_line(make_event(Kind::kNew, icmp6(128, 0))), HasSubstr("  type 128 code 0"));
  // Later lines describe the whole flow, not one packet: as in JSON, no type.
  EXPECT_THAT(flow_line(make_event(Kind::kUpdate, icmp4(8, 0))), Not(HasSubstr("type")));
  EXPECT_THAT(flow_line(make_event(Kind::kEnd, icmp4(8, 0), "idle")), Not(HasSubstr("type")));
  // A late flow was found in the table: no first packet, no type.
  ew_record late = icmp4(8, 0);
  late.flags &= static_cast<uint8_t>(~EW_FLAG_ICMP);
  EXPECT_THAT(flow_line(make_event(Kind::kNew, late, "late")), Not(HasSubstr("type")));
}

TEST_F(TextLines, VlanIsShown) {
  EXPECT_THAT(packet_line(with_vlan(tcp4(), 100)), HasSubstr("vlan 100 "));
  EXPECT_THAT(packet_line(with_qinq(tcp4(), 100, 200)), HasSubstr("vlan 100.200"));
  EXPECT_THAT(flow_line(make_event(Kind::kUpdate, with_vlan(udp6(), 4094))),
              HasSubstr("vlan 4094"));
  EXPECT_THAT(packet_line(tcp4()), Not(HasSubstr("vlan")));
}

TEST_F(TextLines, FlowLinesShowEventCountsAndReason) {
  const std::string added = flow_line(make_event(Kind::kNew, tcp4(51000, 443), "late"));
  expect_one_line(added);
  EXPECT_THAT(added, HasSubstr(" new "));
  EXPECT_THAT(added, HasSubstr("10.0.0.2:51000"));
  EXPECT_THAT(added, HasSubstr("out 3 pkt 300 B"));
  EXPECT_THAT(added, HasSubstr("in 4 pkt 400 B"));
  EXPECT_THAT(added, HasSubstr("(total out 7 pkt 700 B, in 9 pkt 900 B)"));
  EXPECT_THAT(added, HasSubstr("late"));

  const std::string update = flow_line(make_event(Kind::kUpdate, tcp4()));
  EXPECT_THAT(update, HasSubstr(" update "));

  for (const char* reason : {"idle", "fin", "rst", "evicted", "removed", "stopped"}) {
    const std::string end = flow_line(make_event(Kind::kEnd, tcp4(), reason));
    EXPECT_THAT(end, HasSubstr(" end "));
    EXPECT_THAT(end, HasSubstr(reason));
  }
  // The event column is as wide as "update", so what follows aligns.
  EXPECT_EQ(column_of(added, "eth0"), column_of(update, "eth0"));
}

TEST_F(TextLines, PacketLineShowsItsDirectionAfterTheLength) {
  EXPECT_THAT(packet_line(tcp4(51000, 443)), EndsWith(" 74 B  out\n"));
  EXPECT_THAT(packet_line(inbound(tcp4(51000, 443))), EndsWith(" 74 B  in\n"));
  EXPECT_THAT(packet_line(inbound(icmp4(0, 0))), EndsWith(" 98 B  in  type 0 code 0\n"));
  ew_record fragment = make_record(4, "10.0.0.2", "192.0.2.7", IPPROTO_UDP, EW_FLAG_FRAGMENT, 1514);
  EXPECT_THAT(packet_line(inbound(fragment)), EndsWith(" 1514 B  in  fragment\n"));
  EXPECT_THAT(packet_line(with_vlan(gre4(), 7)), EndsWith("vlan 7 120 B  out\n"));
}

TEST_F(TextLines, PacketLineShowsTcpFlagsWhenKnown) {
  EXPECT_THAT(packet_line(inbound(with_tcp_flags(tcp4(443, 51000), EW_TCP_SYN | EW_TCP_ACK))),
              EndsWith(" 74 B  in  SA\n"));
  EXPECT_THAT(packet_line(with_tcp_flags(tcp4(), 0xff)), EndsWith(" 74 B  out  SAFRPUEC\n"));
  EXPECT_THAT(packet_line(with_tcp_flags(tcp4(), EW_TCP_ACK | EW_TCP_PSH)),
              EndsWith(" 74 B  out  AP\n"));
  // Known and none set: a dash, as for each way of a flow line.
  EXPECT_THAT(packet_line(with_tcp_flags(tcp4(), 0)), EndsWith(" 74 B  out  -\n"));
  // Not known: nothing.
  ew_record unknown = tcp4();
  unknown.tcp_flags = EW_TCP_SYN;
  EXPECT_THAT(packet_line(unknown), EndsWith(" 74 B  out\n"));
}

TEST_F(TextLines, FlowLineTailExactly) {
  FlowEvent e =
      make_event(Kind::kNew, with_initiator(tcp4(51000, 443), EW_INITIATOR_LOCAL), "late");
  const std::string line = flow_line(e);
  EXPECT_LT(column_of(line, "-> 192.0.2.80:443 "), column_of(line, " by local"));
  EXPECT_THAT(line, EndsWith(" by local  out 3 pkt 300 B  in 4 pkt 400 B  "
                             "(total out 7 pkt 700 B, in 9 pkt 900 B)  tcp SAF/SAR  late\n"));
}

TEST_F(TextLines, FlowLineShowsWhoStartedIt) {
  EXPECT_THAT(flow_line(make_event(Kind::kUpdate, with_initiator(udp6(), EW_INITIATOR_LOCAL))),
              HasSubstr(" by local  out "));
  EXPECT_THAT(flow_line(make_event(Kind::kUpdate, with_initiator(udp6(), EW_INITIATOR_REMOTE))),
              HasSubstr(" by remote  out "));
  EXPECT_THAT(flow_line(make_event(Kind::kUpdate, udp6())), HasSubstr(" by unknown  out "));
  EXPECT_THAT(flow_line(make_event(Kind::kUpdate, with_initiator(udp6(), 9))),
              HasSubstr(" by unknown  out "));
}

TEST_F(TextLines, FlowLineTcpFlagsEachWay) {
  FlowEvent e = make_event(Kind::kEnd, tcp4(), "rst");
  e.tcp_flags = EW_TCP_SYN;
  e.in_tcp_flags = EW_TCP_RST | EW_TCP_ACK;
  EXPECT_THAT(flow_line(e), EndsWith(")  tcp S/AR  rst\n"));
  // Nothing seen one way or both: a dash for that way.
  e.in_tcp_flags = 0;
  EXPECT_THAT(flow_line(e), EndsWith(")  tcp S/-  rst\n"));
  e.tcp_flags = 0;
  EXPECT_THAT(flow_line(e), EndsWith(")  tcp -/-  rst\n"));
  e.tcp_flags = 0xff;
  e.in_tcp_flags = 0xff;
  EXPECT_THAT(flow_line(e), EndsWith(")  tcp SAFRPUEC/SAFRPUEC  rst\n"));
  // Other protocols have no TCP part, whatever the event holds.
  for (const ew_record& r : {udp6(), icmp4(), gre4()}) {
    FlowEvent other = make_event(Kind::kUpdate, r);
    other.tcp_flags = 0xff;
    EXPECT_THAT(flow_line(other), Not(HasSubstr("  tcp "))) << flow_line(other);
    EXPECT_THAT(flow_line(other), EndsWith(", in 9 pkt 900 B)\n"));
  }
}

TEST_F(TextLines, NewIcmpFlowTypeComesAfterTheCounts) {
  FlowEvent e = make_event(Kind::kNew, with_initiator(icmp4(8, 0), EW_INITIATOR_LOCAL));
  EXPECT_THAT(flow_line(e), EndsWith("by local  out 3 pkt 300 B  in 4 pkt 400 B  "
                                     "(total out 7 pkt 700 B, in 9 pkt 900 B)  type 8 code 0\n"));
}

// The identity of a conversation whose first packet came in still shows the
// local end first, and the line has no packet direction.
TEST_F(TextLines, FlowLineOfAnInboundConversation) {
  FlowEvent e =
      make_event(Kind::kUpdate, with_initiator(inbound(tcp4(22, 40000)), EW_INITIATOR_REMOTE));
  const std::string line = flow_line(e);
  EXPECT_LT(column_of(line, " 10.0.0.2:22 "), column_of(line, "-> 192.0.2.80:40000 "));
  EXPECT_LT(column_of(line, "-> 192.0.2.80:40000 "),
            column_of(line, " by remote  out 3 pkt 300 B"));
  EXPECT_THAT(line, Not(HasSubstr("B  in\n")));
  EXPECT_THAT(line, Not(HasSubstr("B  out\n")));
}

// Every counter in its place, from the one list of them (EW_COUNTERS).
TEST_F(TextLines, StatsLineNamesEveryCounter) {
  StatsLine stats;
  stats.wall_ns = kWallNs;
  uint64_t value = 100;
  for (const CounterField& field : kCounterFields)
    stats.counters.*field.member = value++;
  stats.records = 7;
  stats.flows_active = 8;
  stats.flows_evicted = 9;
  std::string out;
  TextLineFormatter text(out);
  text.stats(stats);
  EXPECT_EQ(out,
            "2023-11-14 22:13:20.123+00:00 stats: seen 100  matched 101  records 7  lost 102  "
            "unparsed 103  "
            "non-ip 104  sampled out 106  rate-limited 107  flows: 105 created, 8 active, "
            "9 evicted\n");
}

TEST_F(TextLines, StatsLineIsReadable) {
  StatsLine stats;
  stats.wall_ns = kWallNs;
  stats.counters.seen = 1000;
  stats.counters.matched = 40;
  stats.counters.lost = 2;
  stats.records = 38;
  stats.flows_active = 5;
  stats.flows_evicted = 4;
  std::string out;
  TextLineFormatter text(out);
  text.stats(stats);
  expect_one_line(out);
  EXPECT_THAT(out, StartsWith("2023-11-14 22:13:20.123+00:00 stats"));
  EXPECT_THAT(out, HasSubstr("seen 1000"));
  EXPECT_THAT(out, HasSubstr("matched 40"));
  EXPECT_THAT(out, HasSubstr("records 38"));
  EXPECT_THAT(out, HasSubstr("lost 2"));
  EXPECT_THAT(out, HasSubstr("5 active"));
  EXPECT_THAT(out, HasSubstr("4 evicted"));
  EXPECT_THAT(out, Not(HasSubstr("final")));

  stats.final = true;
  stats.counters.seen = UINT64_MAX;
  out.clear();
  text.stats(stats);
  expect_one_line(out);
  EXPECT_THAT(out, HasSubstr("final"));
  EXPECT_THAT(out, HasSubstr("seen 18446744073709551615"));
}

TEST_F(TextLines, LossLineIsReadable) {
  LossLine loss;
  loss.wall_ns = kWallNs;
  loss.since_last = {1, 2, 3, 4};
  loss.total = {10, 20, 30, 40};
  std::string out;
  TextLineFormatter text(out);
  text.loss(loss);
  expect_one_line(out);
  EXPECT_THAT(out, StartsWith("2023-11-14 22:13:20.123+00:00 "));
  EXPECT_THAT(out, HasSubstr("LOSS"));
  EXPECT_THAT(out, HasSubstr("ring full 1"));
  EXPECT_THAT(out, HasSubstr("evicted 2"));
  EXPECT_THAT(out, HasSubstr("sampled 3"));
  EXPECT_THAT(out, HasSubstr("rate-limited 4"));
}

TEST_F(TextLines, InterfaceRemovedLine) {
  std::string out;
  TextLineFormatter text(out);
  text.interface_removed("veth0", kWallNs);
  expect_one_line(out);
  EXPECT_EQ(out, "2023-11-14 22:13:20.123+00:00 interface veth0 removed\n");
}

TEST_F(TextLines, AppendsToExistingOutput) {
  std::string out = "earlier\n";
  TextLineFormatter text(out);
  text.packet(tcp4(), "eth0", kWallNs);
  EXPECT_EQ(out, "earlier\n" + packet_line(tcp4()));
}

}  // namespace
}  // namespace ew
