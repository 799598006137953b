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
  return lines.empty() ? ordered_json() : ordered_json::parse(lines.front());
}

const std::vector<std::string> kFlowCounters = {"first_ts", "last_ts",       "packets",
                                                "bytes",    "total_packets", "total_bytes"};

// The keys of a flow line: identity, then `middle`, then counters, then `tail`.
std::vector<std::string> flow_keys(const std::vector<std::string>& middle,
                                   const std::vector<std::string>& tail = {}) {
  std::vector<std::string> keys = {"type", "event", "ts", "iface", "family", "src", "dst", "proto"};
  keys.insert(keys.end(), middle.begin(), middle.end());
  keys.insert(keys.end(), kFlowCounters.begin(), kFlowCounters.end());
  keys.insert(keys.end(), tail.begin(), tail.end());
  return keys;
}

TEST(JsonFlowLines, NewTcpFlowExactText) {
  EXPECT_EQ(encode_flow(make_event(Kind::kNew, tcp4(51000, 443))),
            "{\"type\":\"flow\",\"event\":\"new\",\"ts\":\"2023-11-14T22:13:20.123456789Z\","
            "\"iface\":\"eth0\",\"family\":\"ipv4\",\"src\":\"10.0.0.2\",\"dst\":\"192.0.2.80\","
            "\"proto\":\"tcp\",\"sport\":51000,\"dport\":443,"
            "\"first_ts\":\"2023-11-14T22:13:18.123456789Z\","
            "\"last_ts\":\"2023-11-14T22:13:19.123456789Z\",\"packets\":3,\"bytes\":300,"
            "\"total_packets\":7,\"total_bytes\":700}\n");
}

TEST(JsonFlowLines, KeyOrderForEachEvent) {
  struct Case {
    const char* name;
    FlowEvent event;
    std::vector<std::string> keys;
    const char* event_name;
  };
  const std::vector<Case> cases = {
      {"new tcp", make_event(Kind::kNew, tcp4()), flow_keys({"sport", "dport"}), "new"},
      {"new late", make_event(Kind::kNew, tcp4(), "late"),
       flow_keys({"sport", "dport"}, {"reason"}), "new"},
      {"new icmp", make_event(Kind::kNew, icmp4(8, 0)), flow_keys({"icmp_type", "icmp_code"}),
       "new"},
      {"new icmpv6 late", make_event(Kind::kNew, icmp6(128, 0), "late"),
       flow_keys({"icmp_type", "icmp_code"}, {"reason"}), "new"},
      {"new gre", make_event(Kind::kNew, gre4()), flow_keys({}), "new"},
      {"new vlan", make_event(Kind::kNew, with_vlan(tcp4(), 100)),
       flow_keys({"sport", "dport", "vlan"}), "new"},
      {"new qinq", make_event(Kind::kNew, with_qinq(udp6(), 100, 200)),
       flow_keys({"sport", "dport", "vlan", "vlan_inner"}), "new"},
      {"new icmp qinq", make_event(Kind::kNew, with_qinq(icmp4(), 5, 6), "late"),
       flow_keys({"icmp_type", "icmp_code", "vlan", "vlan_inner"}, {"reason"}), "new"},
      {"update tcp", make_event(Kind::kUpdate, tcp4()), flow_keys({"sport", "dport"}), "update"},
      {"update vlan", make_event(Kind::kUpdate, with_qinq(tcp4(), 1, 2)),
       flow_keys({"sport", "dport", "vlan", "vlan_inner"}), "update"},
      {"end idle", make_event(Kind::kEnd, udp6(), "idle"),
       flow_keys({"sport", "dport"}, {"reason"}), "end"},
      {"end evicted vlan", make_event(Kind::kEnd, with_vlan(gre4(), 4094), "evicted"),
       flow_keys({"vlan"}, {"reason"}), "end"},
      {"end stopped", make_event(Kind::kEnd, tcp4(), "stopped"),
       flow_keys({"sport", "dport"}, {"reason"}), "end"},
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
      "first_ts":"2023-11-14T22:13:18.123456789Z","last_ts":"2023-11-14T22:13:19.123456789Z",
      "packets":3,"bytes":300,"total_packets":7,"total_bytes":700})"));
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
  EXPECT_THAT(keys_of(line), ElementsAreArray(flow_keys({"sport", "dport"})));
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

TEST(JsonFlowLines, CountersSpanTheirFullRange) {
  FlowEvent e = make_event(Kind::kUpdate, tcp4(0, 65535));
  e.packets = UINT64_MAX;
  e.bytes = UINT64_MAX - 1;
  e.total_packets = UINT64_MAX - 2;
  e.total_bytes = UINT64_MAX - 3;
  e.first_wall_ns = 0;
  e.last_wall_ns = 5;
  ordered_json line = parse_one(encode_flow(e));
  EXPECT_EQ(line["sport"], 0);
  EXPECT_EQ(line["dport"], 65535);
  EXPECT_EQ(line["packets"].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(line["bytes"].get<uint64_t>(), UINT64_MAX - 1);
  EXPECT_EQ(line["total_packets"].get<uint64_t>(), UINT64_MAX - 2);
  EXPECT_EQ(line["total_bytes"].get<uint64_t>(), UINT64_MAX - 3);
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
  ordered_json third = ordered_json::parse(lines[4]);
  EXPECT_EQ(third["sport"], 5);
  EXPECT_FALSE(third.contains("reason"));
  EXPECT_EQ(third["iface"], "eth0");
  EXPECT_EQ(third["packets"], 3);
  ordered_json evicted = ordered_json::parse(lines[10]);
  EXPECT_EQ(evicted["reason"], "evicted");
  EXPECT_EQ(evicted["sport"], 11);
  ordered_json second_icmp = ordered_json::parse(lines[16]);
  EXPECT_EQ(second_icmp["icmp_type"], 3);
  EXPECT_EQ(second_icmp["icmp_code"], 13);
  ordered_json second_qinq = ordered_json::parse(lines[26]);
  EXPECT_EQ(second_qinq["vlan"], 50);
  EXPECT_EQ(second_qinq["vlan_inner"], 60);
  EXPECT_EQ(ordered_json::parse(lines[30])["proto"], 132);
  EXPECT_EQ(ordered_json::parse(lines[32])["proto"], "tcp");
  EXPECT_EQ(ordered_json::parse(lines[36])["proto"], "tcp");
  EXPECT_EQ(ordered_json::parse(lines[38])["proto"], 47);
}

TEST(JsonPacketLines, VlanTagsComeBeforeLen) {
  ordered_json vlan = parse_one(encode_packet(with_vlan(tcp4(1, 2), 100)));
  EXPECT_THAT(keys_of(vlan), ElementsAre("type", "ts", "iface", "family", "src", "dst", "proto",
                                         "sport", "dport", "vlan", "len"));
  EXPECT_EQ(vlan["vlan"], 100);

  ordered_json qinq = parse_one(encode_packet(with_qinq(icmp6(), 4094, 1)));
  EXPECT_THAT(keys_of(qinq), ElementsAre("type", "ts", "iface", "family", "src", "dst", "proto",
                                         "icmp_type", "icmp_code", "vlan", "vlan_inner", "len"));
  EXPECT_EQ(qinq["vlan"], 4094);
  EXPECT_EQ(qinq["vlan_inner"], 1);
  EXPECT_EQ(qinq["len"], 118);
}

TEST(JsonPacketLines, VlanZeroIsStillShownWhenFlagged) {
  // Priority-tagged frames carry VID 0.
  ordered_json line = parse_one(encode_packet(with_vlan(gre4(), 0)));
  EXPECT_THAT(keys_of(line),
              ElementsAre("type", "ts", "iface", "family", "src", "dst", "proto", "vlan", "len"));
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
  EXPECT_EQ(ordered_json::parse(lines[3])["vlan"], 40);
  EXPECT_FALSE(ordered_json::parse(lines[3]).contains("vlan_inner"));
  EXPECT_EQ(ordered_json::parse(lines[4])["vlan_inner"], 60);
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
    types.push_back(ordered_json::parse(line)["type"].get<std::string>());
  EXPECT_THAT(types, ElementsAre("flow", "loss", "packet", "interface", "flow", "stats"));
  EXPECT_EQ(ordered_json::parse(lines[4])["reason"], "stopped");
}

}  // namespace
}  // namespace ew
