// JSON Lines for flow events, loss lines, interface lines and VLAN tags: the
// parts of the schema that came with flow mode.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "output/json_lines.h"
#include "output/line_test_util.h"

namespace ew {
namespace {

using namespace ew::testing;
using nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using Kind = FlowEvent::Kind;

std::string encode_flow(const FlowEvent& event) {
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.flow(event);
  return out;
}

std::string encode_packet(const ew_record& record, std::string_view iface = "eth0",
                          int64_t wall_ns = kWallNs) {
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.packet(record, iface, wall_ns);
  return out;
}

ordered_json parse_one(const std::string& out) {
  auto lines = split_lines(out);
  EXPECT_EQ(lines.size(), 1u) << out;
  return lines.empty() ? ordered_json() : testing::parse_line(lines.front());
}

FlowEvent with_community_id(FlowEvent e, std::string_view id = kCommunityId) {
  e.community_id = id;
  return e;
}

const std::vector<std::string> kFlowCounters = {
    "initiator", "first_ts",      "last_ts",     "packets",          "bytes",         "in_packets",
    "in_bytes",  "total_packets", "total_bytes", "total_in_packets", "total_in_bytes"};

// The keys of a flow line: identity, then `middle`, then who started it and
// the counters, then `tail`.
std::vector<std::string> flow_keys(const std::vector<std::string>& middle,
                                   const std::vector<std::string>& tail = {}) {
  std::vector<std::string> keys = {"type", "event", "ts", "iface", "family", "src", "dst", "proto"};
  keys.insert(keys.end(), middle.begin(), middle.end());
  keys.insert(keys.end(), kFlowCounters.begin(), kFlowCounters.end());
  keys.insert(keys.end(), tail.begin(), tail.end());
  return keys;
}

// The same for a TCP conversation: each way's flags come after the counters.
std::vector<std::string> tcp_flow_keys(const std::vector<std::string>& middle,
                                       std::vector<std::string> tail = {}) {
  tail.insert(tail.begin(), {"tcp_flags", "in_tcp_flags"});
  return flow_keys(middle, tail);
}

TEST(JsonFlowLines, NewTcpFlowExactText) {
  EXPECT_EQ(
      encode_flow(make_event(Kind::kNew, with_initiator(tcp4(51000, 443), EW_INITIATOR_LOCAL))),
      "{\"type\":\"flow\",\"event\":\"new\",\"ts\":\"2023-11-14T22:13:20.123456789Z\","
      "\"iface\":\"eth0\",\"family\":\"ipv4\",\"src\":\"10.0.0.2\",\"dst\":\"192.0.2.80\","
      "\"proto\":\"tcp\",\"sport\":51000,\"dport\":443,\"initiator\":\"local\","
      "\"first_ts\":\"2023-11-14T22:13:18.123456789Z\","
      "\"last_ts\":\"2023-11-14T22:13:19.123456789Z\",\"packets\":3,\"bytes\":300,"
      "\"in_packets\":4,\"in_bytes\":400,\"total_packets\":7,\"total_bytes\":700,"
      "\"total_in_packets\":9,\"total_in_bytes\":900,\"tcp_flags\":\"SAF\","
      "\"in_tcp_flags\":\"SAR\"}\n");
}

// community_id is the last slot of loader/output/json_lines.cpp (kCommunityId
// = 27), and marker() makes its stand-in from 'A' + 27, a backslash, which
// dump() escapes: the layout is then cut one character short and a stray
// quote follows the value. This test, and every one with a community id,
// fails until the marker avoids characters JSON escapes.
TEST(JsonFlowLines, EndTcpFlowWithCommunityIdExactText) {
  FlowEvent e =
      make_event(Kind::kEnd, with_initiator(tcp4(51000, 443), EW_INITIATOR_REMOTE), "fin");
  e.community_id = kCommunityId;
  EXPECT_EQ(encode_flow(e),
            "{\"type\":\"flow\",\"event\":\"end\",\"ts\":\"2023-11-14T22:13:20.123456789Z\","
            "\"iface\":\"eth0\",\"family\":\"ipv4\",\"src\":\"10.0.0.2\",\"dst\":\"192.0.2.80\","
            "\"proto\":\"tcp\",\"sport\":51000,\"dport\":443,\"initiator\":\"remote\","
            "\"first_ts\":\"2023-11-14T22:13:18.123456789Z\","
            "\"last_ts\":\"2023-11-14T22:13:19.123456789Z\",\"packets\":3,\"bytes\":300,"
            "\"in_packets\":4,\"in_bytes\":400,\"total_packets\":7,\"total_bytes\":700,"
            "\"total_in_packets\":9,\"total_in_bytes\":900,\"tcp_flags\":\"SAF\","
            "\"in_tcp_flags\":\"SAR\",\"community_id\":\"1:LQU9qZlK+B5F3KDmev6m5PMibrg=\","
            "\"reason\":\"fin\"}\n");
}

TEST(JsonFlowLines, KeyOrderForEachEvent) {
  struct Case {
    const char* name;
    FlowEvent event;
    std::vector<std::string> keys;
    const char* event_name;
  };
  const std::vector<Case> cases = {
      {"new tcp", make_event(Kind::kNew, tcp4()), tcp_flow_keys({"sport", "dport"}), "new"},
      {"new late", make_event(Kind::kNew, tcp4(), "late"),
       tcp_flow_keys({"sport", "dport"}, {"reason"}), "new"},
      {"new icmp", make_event(Kind::kNew, icmp4(8, 0)), flow_keys({"icmp_type", "icmp_code"}),
       "new"},
      {"new icmpv6 late", make_event(Kind::kNew, icmp6(128, 0), "late"),
       flow_keys({"icmp_type", "icmp_code"}, {"reason"}), "new"},
      {"new gre", make_event(Kind::kNew, gre4()), flow_keys({}), "new"},
      {"new vlan", make_event(Kind::kNew, with_vlan(tcp4(), 100)),
       tcp_flow_keys({"sport", "dport", "vlan"}), "new"},
      {"new qinq", make_event(Kind::kNew, with_qinq(udp6(), 100, 200)),
       flow_keys({"sport", "dport", "vlan", "vlan_inner"}), "new"},
      {"new icmp qinq", make_event(Kind::kNew, with_qinq(icmp4(), 5, 6), "late"),
       flow_keys({"icmp_type", "icmp_code", "vlan", "vlan_inner"}, {"reason"}), "new"},
      {"update tcp", make_event(Kind::kUpdate, tcp4()), tcp_flow_keys({"sport", "dport"}),
       "update"},
      {"update vlan", make_event(Kind::kUpdate, with_qinq(tcp4(), 1, 2)),
       tcp_flow_keys({"sport", "dport", "vlan", "vlan_inner"}), "update"},
      {"end idle", make_event(Kind::kEnd, udp6(), "idle"),
       flow_keys({"sport", "dport"}, {"reason"}), "end"},
      {"end evicted vlan", make_event(Kind::kEnd, with_vlan(gre4(), 4094), "evicted"),
       flow_keys({"vlan"}, {"reason"}), "end"},
      {"end stopped", make_event(Kind::kEnd, tcp4(), "stopped"),
       tcp_flow_keys({"sport", "dport"}, {"reason"}), "end"},
      {"end fin", make_event(Kind::kEnd, tcp4(), "fin"),
       tcp_flow_keys({"sport", "dport"}, {"reason"}), "end"},
      {"end rst community id", with_community_id(make_event(Kind::kEnd, tcp4(), "rst")),
       tcp_flow_keys({"sport", "dport"}, {"community_id", "reason"}), "end"},
      {"new udp community id", with_community_id(make_event(Kind::kNew, udp6())),
       flow_keys({"sport", "dport"}, {"community_id"}), "new"},
      {"update icmp community id", with_community_id(make_event(Kind::kUpdate, icmp4())),
       flow_keys({}, {"community_id"}), "update"},
      {"new short tcp",
       make_event(Kind::kNew,
                  make_record(4, "10.0.0.9", "192.0.2.9", IPPROTO_TCP, EW_FLAG_L4_SHORT)),
       tcp_flow_keys({}), "new"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ordered_json line = parse_one(encode_flow(c.event));
    EXPECT_THAT(keys_of(line), ElementsAreArray(c.keys));
    EXPECT_EQ(line["type"], "flow");
    EXPECT_EQ(line["event"], c.event_name);
  }
}

TEST(JsonFlowLines, NewFlowValues) {
  ordered_json line =
      parse_one(encode_flow(make_event(Kind::kNew, with_qinq(udp6(40000, 53), 100, 200))));
  EXPECT_EQ(line, ordered_json::parse(R"({"type":"flow","event":"new",
      "ts":"2023-11-14T22:13:20.123456789Z","iface":"eth0","family":"ipv6","src":"fd00::2",
      "dst":"2001:db8::53","proto":"udp","sport":40000,"dport":53,"vlan":100,"vlan_inner":200,
      "initiator":"unknown","first_ts":"2023-11-14T22:13:18.123456789Z",
      "last_ts":"2023-11-14T22:13:19.123456789Z","packets":3,"bytes":300,"in_packets":4,
      "in_bytes":400,"total_packets":7,"total_bytes":700,"total_in_packets":9,
      "total_in_bytes":900})"));
}

TEST(JsonFlowLines, NewIcmpFlowCarriesTypeAndCode) {
  ordered_json line = parse_one(encode_flow(make_event(Kind::kNew, icmp6(1, 4), "late")));
  EXPECT_EQ(line["proto"], "icmpv6");
  EXPECT_EQ(line["icmp_type"], 1);
  EXPECT_EQ(line["icmp_code"], 4);
  EXPECT_EQ(line["reason"], "late");
}

// An ICMP flow shares one key for every type, so only the first packet's
// type (known to a new flow) means anything.
TEST(JsonFlowLines, UpdateAndEndNeverCarryIcmpTypeOrFragment) {
  const ew_record icmp = icmp4(8, 0);
  ew_record fragment_icmp = icmp;
  fragment_icmp.flags |= EW_FLAG_FRAGMENT;
  ew_record fragment_tcp = tcp4();
  fragment_tcp.flags |= EW_FLAG_FRAGMENT;
  for (const ew_record& identity : {icmp, fragment_icmp, fragment_tcp}) {
    for (Kind kind : {Kind::kUpdate, Kind::kEnd}) {
      SCOPED_TRACE(static_cast<int>(kind));
      SCOPED_TRACE(static_cast<int>(identity.flags));
      ordered_json line = parse_one(encode_flow(make_event(kind, identity, "idle")));
      EXPECT_FALSE(line.contains("icmp_type")) << line.dump();
      EXPECT_FALSE(line.contains("icmp_code")) << line.dump();
      EXPECT_FALSE(line.contains("fragment")) << line.dump();
    }
  }
}

TEST(JsonFlowLines, NewFlowNeverCarriesFragment) {
  ew_record fragment_tcp = tcp4(1000, 2000);
  fragment_tcp.flags |= EW_FLAG_FRAGMENT;
  ordered_json line = parse_one(encode_flow(make_event(Kind::kNew, fragment_tcp)));
  EXPECT_FALSE(line.contains("fragment")) << line.dump();
  EXPECT_EQ(line["sport"], 1000);
  EXPECT_THAT(keys_of(line), ElementsAreArray(tcp_flow_keys({"sport", "dport"})));
}

TEST(JsonFlowLines, UpdateIcmpFlowHasNoL4Keys) {
  ordered_json line = parse_one(encode_flow(make_event(Kind::kUpdate, icmp6())));
  EXPECT_THAT(keys_of(line), ElementsAreArray(flow_keys({})));
  EXPECT_EQ(line["proto"], "icmpv6");
}

TEST(JsonFlowLines, Reasons) {
  for (const char* reason : {"idle", "evicted", "stopped"}) {
    SCOPED_TRACE(reason);
    ordered_json line = parse_one(encode_flow(make_event(Kind::kEnd, tcp4(), reason)));
    EXPECT_EQ(line["event"], "end");
    EXPECT_EQ(line["reason"], reason);
    EXPECT_EQ(keys_of(line).back(), "reason");
  }
  ordered_json late = parse_one(encode_flow(make_event(Kind::kNew, tcp4(), "late")));
  EXPECT_EQ(late["event"], "new");
  EXPECT_EQ(late["reason"], "late");
  EXPECT_FALSE(parse_one(encode_flow(make_event(Kind::kNew, tcp4()))).contains("reason"));
  EXPECT_FALSE(parse_one(encode_flow(make_event(Kind::kUpdate, tcp4()))).contains("reason"));
}

TEST(JsonFlowLines, Initiator) {
  const std::pair<uint8_t, const char*> cases[] = {
      {EW_INITIATOR_LOCAL, "local"},
      {EW_INITIATOR_REMOTE, "remote"},
      {EW_INITIATOR_UNKNOWN, "unknown"},
      {7, "unknown"},  // not a value of enum ew_initiator
  };
  for (const auto& [who, word] : cases) {
    for (Kind kind : {Kind::kNew, Kind::kUpdate, Kind::kEnd}) {
      SCOPED_TRACE(word);
      SCOPED_TRACE(static_cast<int>(kind));
      for (const ew_record& r : {tcp4(), udp6(), icmp4(), gre4()}) {
        ordered_json line = parse_one(encode_flow(make_event(kind, with_initiator(r, who))));
        EXPECT_EQ(line["initiator"], word) << line.dump();
      }
    }
  }
}

// Each way's counts in their own keys, out (local to remote) then in.
TEST(JsonFlowLines, CountsEachWay) {
  FlowEvent e = make_event(Kind::kUpdate, with_initiator(udp6(40000, 53), EW_INITIATOR_LOCAL));
  e.packets = 1;
  e.bytes = 80;
  e.in_packets = 2;
  e.in_bytes = 300;
  e.total_packets = 10;
  e.total_bytes = 800;
  e.total_in_packets = 20;
  e.total_in_bytes = 3000;
  ordered_json line = parse_one(encode_flow(e));
  EXPECT_EQ(line["packets"], 1);
  EXPECT_EQ(line["bytes"], 80);
  EXPECT_EQ(line["in_packets"], 2);
  EXPECT_EQ(line["in_bytes"], 300);
  EXPECT_EQ(line["total_packets"], 10);
  EXPECT_EQ(line["total_bytes"], 800);
  EXPECT_EQ(line["total_in_packets"], 20);
  EXPECT_EQ(line["total_in_bytes"], 3000);

  // A conversation that has not answered yet: in counts are zeroes, still written.
  e.in_packets = e.in_bytes = e.total_in_packets = e.total_in_bytes = 0;
  line = parse_one(encode_flow(e));
  EXPECT_EQ(line["in_packets"], 0);
  EXPECT_EQ(line["in_bytes"], 0);
  EXPECT_EQ(line["total_in_packets"], 0);
  EXPECT_EQ(line["total_in_bytes"], 0);
}

TEST(JsonFlowLines, TcpFlagsEachWay) {
  FlowEvent e = make_event(Kind::kEnd, tcp4(), "rst");
  e.tcp_flags = EW_TCP_SYN;
  e.in_tcp_flags = EW_TCP_RST | EW_TCP_ACK;
  ordered_json line = parse_one(encode_flow(e));
  EXPECT_EQ(line["tcp_flags"], "S");
  EXPECT_EQ(line["in_tcp_flags"], "AR");

  e.tcp_flags = 0xff;
  e.in_tcp_flags = EW_TCP_SYN | EW_TCP_ACK | EW_TCP_PSH | EW_TCP_FIN;
  line = parse_one(encode_flow(e));
  EXPECT_EQ(line["tcp_flags"], "SAFRPUEC");
  EXPECT_EQ(line["in_tcp_flags"], "SAFP");

  // A TCP conversation always has both keys: empty when nothing was seen
  // (no answer yet, or headers cut short before the flags).
  e.tcp_flags = 0;
  e.in_tcp_flags = 0;
  line = parse_one(encode_flow(e));
  ASSERT_TRUE(line.contains("tcp_flags")) << line.dump();
  ASSERT_TRUE(line.contains("in_tcp_flags")) << line.dump();
  EXPECT_EQ(line["tcp_flags"], "");
  EXPECT_EQ(line["in_tcp_flags"], "");
}

// The flags are the conversation's union (FlowEvent), not those of the
// identity's packet.
TEST(JsonFlowLines, TcpFlagsComeFromTheEventNotTheIdentity) {
  ew_record identity = tcp4();
  identity.flags |= EW_FLAG_TCP_FLAGS;
  identity.tcp_flags = EW_TCP_URG;
  FlowEvent e = make_event(Kind::kNew, identity);
  e.tcp_flags = EW_TCP_SYN;
  e.in_tcp_flags = 0;
  ordered_json line = parse_one(encode_flow(e));
  EXPECT_EQ(line["tcp_flags"], "S");
  EXPECT_EQ(line["in_tcp_flags"], "");
  EXPECT_THAT(keys_of(line), ElementsAreArray(tcp_flow_keys({"sport", "dport"})));
}

TEST(JsonFlowLines, OtherProtocolsHaveNoTcpFlags) {
  for (ew_record r : {udp6(), icmp4(), icmp6(), gre4()}) {
    SCOPED_TRACE(static_cast<int>(r.proto));
    r.flags |= EW_FLAG_TCP_FLAGS;  // even if the identity says so
    r.tcp_flags = 0xff;
    FlowEvent e = make_event(Kind::kUpdate, r);
    e.tcp_flags = 0xff;
    e.in_tcp_flags = 0xff;
    ordered_json line = parse_one(encode_flow(e));
    EXPECT_FALSE(line.contains("tcp_flags")) << line.dump();
    EXPECT_FALSE(line.contains("in_tcp_flags")) << line.dump();
  }
}

// A conversation goes both ways: its line has no direction, whichever way
// its first packet went.
TEST(JsonFlowLines, NoDirectionEvenWhenTheFirstPacketCameIn) {
  for (Kind kind : {Kind::kNew, Kind::kUpdate, Kind::kEnd}) {
    SCOPED_TRACE(static_cast<int>(kind));
    const ew_record out = with_initiator(tcp4(), EW_INITIATOR_LOCAL);
    const ew_record in = with_initiator(inbound(tcp4()), EW_INITIATOR_REMOTE);
    ordered_json out_line = parse_one(encode_flow(make_event(kind, out)));
    ordered_json in_line = parse_one(encode_flow(make_event(kind, in)));
    EXPECT_FALSE(out_line.contains("direction")) << out_line.dump();
    EXPECT_FALSE(in_line.contains("direction")) << in_line.dump();
    EXPECT_EQ(keys_of(out_line), keys_of(in_line));
    EXPECT_EQ(in_line["initiator"], "remote");
  }
}

TEST(JsonFlowLines, CommunityIdWhenKnown) {
  FlowEvent e = make_event(Kind::kNew, udp6());
  ordered_json without = parse_one(encode_flow(e));
  EXPECT_FALSE(without.contains("community_id")) << without.dump();

  e.community_id = kCommunityId;
  ordered_json with = parse_one(encode_flow(e));
  EXPECT_EQ(with["community_id"], kCommunityId);
  EXPECT_EQ(keys_of(with).back(), "community_id");

  // Before the reason, after the TCP flags.
  FlowEvent end = with_community_id(make_event(Kind::kEnd, tcp4(), "idle"));
  ordered_json line = parse_one(encode_flow(end));
  const auto keys = keys_of(line);
  ASSERT_GE(keys.size(), 3u);
  EXPECT_THAT(std::vector<std::string>(keys.end() - 3, keys.end()),
              ElementsAre("in_tcp_flags", "community_id", "reason"));
  EXPECT_EQ(line["community_id"], kCommunityId);
}

// Not expected from the loader (base64 only), but a line stays valid JSON.
TEST(JsonFlowLines, CommunityIdIsEscaped) {
  FlowEvent e = with_community_id(make_event(Kind::kEnd, gre4(), "idle"), "1:a\"b\\c");
  ordered_json line = parse_one(encode_flow(e));
  EXPECT_EQ(line["community_id"], "1:a\"b\\c");
  EXPECT_EQ(line["reason"], "idle");
}

TEST(JsonFlowLines, CountersSpanTheirFullRange) {
  FlowEvent e = make_event(Kind::kUpdate, tcp4(0, 65535));
  e.packets = UINT64_MAX;
  e.bytes = UINT64_MAX - 1;
  e.total_packets = UINT64_MAX - 2;
  e.total_bytes = UINT64_MAX - 3;
  e.in_packets = UINT64_MAX - 4;
  e.in_bytes = UINT64_MAX - 5;
  e.total_in_packets = UINT64_MAX - 6;
  e.total_in_bytes = UINT64_MAX - 7;
  e.first_wall_ns = 0;
  e.last_wall_ns = 5;
  ordered_json line = parse_one(encode_flow(e));
  EXPECT_EQ(line["sport"], 0);
  EXPECT_EQ(line["dport"], 65535);
  EXPECT_EQ(line["packets"].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(line["bytes"].get<uint64_t>(), UINT64_MAX - 1);
  EXPECT_EQ(line["total_packets"].get<uint64_t>(), UINT64_MAX - 2);
  EXPECT_EQ(line["total_bytes"].get<uint64_t>(), UINT64_MAX - 3);
  EXPECT_EQ(line["in_packets"].get<uint64_t>(), UINT64_MAX - 4);
  EXPECT_EQ(line["in_bytes"].get<uint64_t>(), UINT64_MAX - 5);
  EXPECT_EQ(line["total_in_packets"].get<uint64_t>(), UINT64_MAX - 6);
  EXPECT_EQ(line["total_in_bytes"].get<uint64_t>(), UINT64_MAX - 7);
  EXPECT_EQ(line["first_ts"], "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(line["last_ts"], "1970-01-01T00:00:00.000000005Z");
  EXPECT_EQ(line["ts"], kTs);
}

// Layouts are reused between lines: every line must be what a fresh encoder
// writes for that event alone, whatever came before it.
TEST(JsonFlowLines, ReusedLayoutsDoNotLeakValues) {
  ew_record sctp = with_ports(make_record(4, "10.0.0.4", "198.51.100.200", 132, 0), 5000, 6000);
  ew_record gre6 = make_record(6, "fd00::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 47, 0);
  ew_record short_tcp = make_record(4, "10.0.0.9", "192.0.2.9", IPPROTO_TCP, EW_FLAG_L4_SHORT);
  std::vector<FlowEvent> events = {
      make_event(Kind::kNew, tcp4(1, 2)),
      make_event(Kind::kNew, tcp4(3, 4), "late", "veth-long-name"),
      make_event(Kind::kNew, tcp4(5, 6)),
      make_event(Kind::kUpdate, udp6(7, 8), nullptr, "e"),
      make_event(Kind::kEnd, udp6(9, 10), "idle"),
      make_event(Kind::kEnd, udp6(11, 12), "evicted"),
      make_event(Kind::kEnd, udp6(13, 14), "stopped"),
      make_event(Kind::kNew, icmp4(8, 0)),
      make_event(Kind::kNew, icmp4(3, 13)),
      make_event(Kind::kUpdate, icmp4(0, 0)),
      make_event(Kind::kNew, with_vlan(tcp4(15, 16), 10)),
      make_event(Kind::kNew, with_vlan(tcp4(17, 18), 20)),
      make_event(Kind::kNew, with_qinq(tcp4(19, 20), 30, 40)),
      make_event(Kind::kNew, with_qinq(tcp4(21, 22), 50, 60)),
      make_event(Kind::kNew, tcp4(23, 24)),
      make_event(Kind::kNew, sctp),          // same layout as TCP: proto becomes a number
      make_event(Kind::kNew, tcp4(25, 26)),  // and back to "tcp"
      make_event(Kind::kEnd, gre6, "idle"),
      make_event(Kind::kEnd, short_tcp, "idle"),  // same layout as GRE
      make_event(Kind::kEnd, gre6, "stopped"),
      make_event(Kind::kUpdate, with_qinq(icmp6(1, 4), 4094, 1), nullptr, "eth1"),
      make_event(Kind::kNew, icmp6(128, 0), "late"),
  };
  int64_t wall_ns = kWallNs;
  uint64_t n = 1;
  for (auto& e : events) {
    e.wall_ns = wall_ns;
    e.first_wall_ns = wall_ns - static_cast<int64_t>(n) * 1'000'003;
    e.last_wall_ns = wall_ns - static_cast<int64_t>(n);
    e.packets = n;
    e.bytes = n * 100;
    e.total_packets = n * 1000;
    e.total_bytes = n * 100000;
    e.in_packets = n + 50;
    e.in_bytes = n * 100 + 50;
    e.total_in_packets = n * 1000 + 50;
    e.total_in_bytes = n * 100000 + 50;
    e.tcp_flags = static_cast<uint8_t>(n);
    e.in_tcp_flags = static_cast<uint8_t>(0xff - n);
    e.identity.initiator = static_cast<uint8_t>(n % 3);
    if (n % 3 == 2) e.community_id = n % 2 ? kCommunityId : "1:wCb3OG7yAFWelaUydu0D+125CLM=";
    wall_ns += 1'000'000'007;
    n++;
  }

  std::string out;
  JsonLineEncoder encoder(out);
  std::vector<std::string> expected;
  for (const auto& e : events) {
    encoder.flow(e);
    expected.push_back(encode_flow(e));
    expected.back().pop_back();  // the newline
    // Packet lines in between share the encoder, not the layouts.
    encoder.packet(e.identity, e.iface, e.wall_ns);
    expected.push_back(encode_packet(e.identity, e.iface, e.wall_ns));
    expected.back().pop_back();
  }
  const auto lines = split_lines(out);
  EXPECT_THAT(lines, ElementsAreArray(expected));

  // Spot checks against literal values, in case both encoders agree on a mistake.
  ASSERT_EQ(lines.size(), 2 * events.size());
  ordered_json third = parse_line(lines[4]);
  EXPECT_EQ(third["sport"], 5);
  EXPECT_FALSE(third.contains("reason"));
  EXPECT_EQ(third["iface"], "eth0");
  EXPECT_EQ(third["packets"], 3);
  ordered_json evicted = parse_line(lines[10]);
  EXPECT_EQ(evicted["reason"], "evicted");
  EXPECT_EQ(evicted["sport"], 11);
  ordered_json second_icmp = parse_line(lines[16]);
  EXPECT_EQ(second_icmp["icmp_type"], 3);
  EXPECT_EQ(second_icmp["icmp_code"], 13);
  ordered_json second_qinq = parse_line(lines[26]);
  EXPECT_EQ(second_qinq["vlan"], 50);
  EXPECT_EQ(second_qinq["vlan_inner"], 60);
  EXPECT_EQ(parse_line(lines[30])["proto"], 132);
  EXPECT_EQ(parse_line(lines[32])["proto"], "tcp");
  EXPECT_EQ(parse_line(lines[36])["proto"], "tcp");
  EXPECT_EQ(parse_line(lines[38])["proto"], 47);
  // The conversation fields, per event (n is the event's index plus one).
  for (size_t i = 0; i < events.size(); i++) {
    SCOPED_TRACE(i);
    const uint64_t k = i + 1;
    ordered_json line = parse_line(lines[2 * i]);
    static constexpr const char* kWho[] = {"unknown", "local", "remote"};
    EXPECT_EQ(line["initiator"], kWho[k % 3]);
    EXPECT_EQ(line["in_packets"], k + 50);
    EXPECT_EQ(line["total_in_bytes"], k * 100000 + 50);
    EXPECT_EQ(line.contains("community_id"), k % 3 == 2);
    if (events[i].identity.proto == IPPROTO_TCP) {
      EXPECT_EQ(line["tcp_flags"], tcp_letters_of(static_cast<uint8_t>(k)));
      EXPECT_EQ(line["in_tcp_flags"], tcp_letters_of(static_cast<uint8_t>(0xff - k)));
    } else {
      EXPECT_FALSE(line.contains("tcp_flags"));
    }
  }
}

TEST(JsonPacketLines, VlanTagsComeBeforeLen) {
  ordered_json vlan = parse_one(encode_packet(with_vlan(tcp4(1, 2), 100)));
  EXPECT_THAT(keys_of(vlan), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "sport", "dport", "vlan", "len"));
  EXPECT_EQ(vlan["vlan"], 100);

  ordered_json qinq = parse_one(encode_packet(with_qinq(icmp6(), 4094, 1)));
  EXPECT_THAT(keys_of(qinq),
              ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst", "proto",
                          "icmp_type", "icmp_code", "vlan", "vlan_inner", "len"));
  EXPECT_EQ(qinq["vlan"], 4094);
  EXPECT_EQ(qinq["vlan_inner"], 1);
  EXPECT_EQ(qinq["len"], 118);
}

TEST(JsonPacketLines, VlanZeroIsStillShownWhenFlagged) {
  // Priority-tagged frames carry VID 0.
  ordered_json line = parse_one(encode_packet(with_vlan(gre4(), 0)));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "vlan", "len"));
  EXPECT_EQ(line["vlan"], 0);
}

TEST(JsonPacketLines, VlanFieldsWithoutTheFlagAreNotShown) {
  ew_record r = tcp4();
  r.vlan = 7;
  r.vlan_inner = 8;
  ordered_json line = parse_one(encode_packet(r));
  EXPECT_FALSE(line.contains("vlan"));
  EXPECT_FALSE(line.contains("vlan_inner"));
}

TEST(JsonPacketLines, VlanAndNoVlanAlternate) {
  std::string out;
  JsonLineEncoder encoder(out);
  std::vector<ew_record> records = {with_vlan(tcp4(1, 2), 10), tcp4(3, 4),
                                    with_qinq(tcp4(5, 6), 20, 30), with_vlan(tcp4(7, 8), 40),
                                    with_qinq(tcp4(9, 10), 50, 60)};
  std::vector<std::string> expected;
  for (const auto& r : records) {
    encoder.packet(r, "eth0", kWallNs);
    expected.push_back(encode_packet(r));
    expected.back().pop_back();
  }
  const auto lines = split_lines(out);
  EXPECT_THAT(lines, ElementsAreArray(expected));
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(parse_line(lines[3])["vlan"], 40);
  EXPECT_FALSE(parse_line(lines[3]).contains("vlan_inner"));
  EXPECT_EQ(parse_line(lines[4])["vlan_inner"], 60);
}

TEST(JsonLossLines, KeysAndValues) {
  LossLine loss;
  loss.wall_ns = kWallNs;
  loss.since_last = {1, 2, 3, 4};
  loss.total = {10, 20, 30, 40};
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.loss(loss);
  EXPECT_EQ(out,
            "{\"type\":\"loss\",\"ts\":\"2023-11-14T22:13:20.123456789Z\",\"ring_full\":1,"
            "\"evicted\":2,\"sampled\":3,\"rate_limited\":4,\"total\":{\"ring_full\":10,"
            "\"evicted\":20,\"sampled\":30,\"rate_limited\":40}}\n");
  ordered_json line = parse_one(out);
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "ring_full", "evicted", "sampled",
                                         "rate_limited", "total"));
  EXPECT_THAT(keys_of(line["total"]),
              ElementsAre("ring_full", "evicted", "sampled", "rate_limited"));
}

TEST(JsonLossLines, ZeroesAndLargeCountsAreWritten) {
  LossLine loss;
  loss.wall_ns = 0;
  loss.since_last.evicted = 1;
  loss.total.evicted = UINT64_MAX;
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.loss(loss);
  ordered_json line = parse_one(out);
  EXPECT_EQ(line["ts"], "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(line["ring_full"], 0);
  EXPECT_EQ(line["evicted"], 1);
  EXPECT_EQ(line["sampled"], 0);
  EXPECT_EQ(line["rate_limited"], 0);
  EXPECT_EQ(line["total"]["evicted"].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(line["total"]["ring_full"], 0);
}

TEST(JsonInterfaceLines, Removed) {
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.interface_removed("veth0", kWallNs);
  EXPECT_EQ(out,
            "{\"type\":\"interface\",\"event\":\"removed\","
            "\"ts\":\"2023-11-14T22:13:20.123456789Z\",\"iface\":\"veth0\"}\n");
  ordered_json line = parse_one(out);
  EXPECT_THAT(keys_of(line), ElementsAre("type", "event", "ts", "iface"));
}

TEST(JsonInterfaceLines, NonUtf8NameStillGivesAValidLine) {
  std::string out;
  JsonLineEncoder encoder(out);
  EXPECT_NO_THROW(encoder.interface_removed("e\xffx", kWallNs));
  EXPECT_NO_THROW(parse_one(out));
}

TEST(JsonLines, AllLineKindsInterleave) {
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.flow(make_event(Kind::kNew, tcp4()));
  LossLine loss;
  loss.since_last.ring_full = 1;
  loss.total.ring_full = 1;
  encoder.loss(loss);
  encoder.packet(icmp4(), "eth0", kWallNs);
  encoder.interface_removed("eth0", kWallNs);
  encoder.flow(make_event(Kind::kEnd, tcp4(), "stopped"));
  StatsLine stats;
  stats.final = true;
  encoder.stats(stats);
  const auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), 6u);
  std::vector<std::string> types;
  for (const auto& line : lines)
    types.push_back(parse_line(line)["type"].get<std::string>());
  EXPECT_THAT(types, ElementsAre("flow", "loss", "packet", "interface", "flow", "stats"));
  EXPECT_EQ(parse_line(lines[4])["reason"], "stopped");
}

}  // namespace
}  // namespace ew
