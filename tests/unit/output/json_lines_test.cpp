#include "output/json_lines.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "output/line_test_util.h"

namespace ew {
namespace {

using nlohmann::ordered_json;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// kWallNs, kTs, make_record, split_lines and keys_of come from line_test_util.h.
using testing::keys_of;
using testing::kTs;
using testing::kWallNs;
using testing::make_record;
using testing::split_lines;

ew_record tcp4(uint16_t sport, uint16_t dport, uint32_t len) {
  ew_record r = make_record(4, "10.0.0.2", "192.0.2.80", IPPROTO_TCP, EW_FLAG_PORTS, len);
  r.sport = sport;
  r.dport = dport;
  return r;
}

ew_record udp6(uint16_t sport, uint16_t dport, uint32_t len) {
  ew_record r = make_record(6, "fd00::2", "2001:db8::53", IPPROTO_UDP, EW_FLAG_PORTS, len);
  r.sport = sport;
  r.dport = dport;
  return r;
}

ew_record icmp4(uint8_t type, uint8_t code, uint32_t len) {
  ew_record r = make_record(4, "10.0.0.2", "203.0.113.1", IPPROTO_ICMP, EW_FLAG_ICMP, len);
  r.icmp_type = type;
  r.icmp_code = code;
  return r;
}

ew_record icmp6(uint8_t type, uint8_t code, uint32_t len) {
  ew_record r = make_record(6, "fd00::2", "2001:db8::1", IPPROTO_ICMPV6, EW_FLAG_ICMP, len);
  r.icmp_type = type;
  r.icmp_code = code;
  return r;
}

ew_record gre4(uint32_t len) {
  return make_record(4, "10.0.0.2", "198.51.100.9", 47, 0, len);
}

// The single line a fresh encoder writes for one record.
std::string encode_one(const ew_record& record, const char* iface = "eth0",
                       int64_t wall_ns = kWallNs) {
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.append_record(record, iface, wall_ns);
  return out;
}

ordered_json parse_one(const std::string& out) {
  auto lines = split_lines(out);
  EXPECT_EQ(lines.size(), 1u) << out;
  return lines.empty() ? ordered_json() : testing::parse_line(lines.front());
}

TEST(JsonLineEncoder, TcpRecordExactText) {
  EXPECT_EQ(encode_one(tcp4(51000, 443, 74)),
            "{\"type\":\"packet\",\"ts\":\"2023-11-14T22:13:20.123456789Z\",\"iface\":\"eth0\","
            "\"direction\":\"out\",\"family\":\"ipv4\",\"src\":\"10.0.0.2\",\"dst\":\"192.0.2.80\","
            "\"proto\":\"tcp\",\"sport\":51000,\"dport\":443,\"len\":74}\n");
}

TEST(JsonLineEncoder, TcpRecordKeysAndValues) {
  ordered_json line = parse_one(encode_one(tcp4(51000, 443, 74)));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "sport", "dport", "len"));
  EXPECT_EQ(line, ordered_json::parse(R"({"type":"packet","ts":"2023-11-14T22:13:20.123456789Z",
      "iface":"eth0","direction":"out","family":"ipv4","src":"10.0.0.2","dst":"192.0.2.80",
      "proto":"tcp","sport":51000,"dport":443,"len":74})"));
}

TEST(JsonLineEncoder, UdpOverIpv6UsesCompressedAddresses) {
  ordered_json line = parse_one(encode_one(udp6(40000, 53, 90), "veth0"));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "sport", "dport", "len"));
  EXPECT_EQ(line, ordered_json::parse(R"({"type":"packet","ts":"2023-11-14T22:13:20.123456789Z",
      "iface":"veth0","direction":"out","family":"ipv6","src":"fd00::2","dst":"2001:db8::53",
      "proto":"udp","sport":40000,"dport":53,"len":90})"));
}

TEST(JsonLineEncoder, Ipv4AddressesEveryOctetWidth) {
  // IPv4 addresses are formatted by hand, not by inet_ntop: check the widths.
  ordered_json line = parse_one(
      encode_one(make_record(4, "0.9.10.99", "100.199.200.255", IPPROTO_TCP, EW_FLAG_PORTS, 60)));
  EXPECT_EQ(line["src"], "0.9.10.99");
  EXPECT_EQ(line["dst"], "100.199.200.255");
}

TEST(JsonLineEncoder, PortsSpanTheirFullRange) {
  ordered_json line = parse_one(encode_one(tcp4(0, 65535, 0xffffffff)));
  EXPECT_EQ(line["sport"], 0);
  EXPECT_EQ(line["dport"], 65535);
  EXPECT_EQ(line["len"], 4294967295u);
}

TEST(JsonLineEncoder, IcmpRecord) {
  ordered_json line = parse_one(encode_one(icmp4(8, 0, 98)));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "icmp_type", "icmp_code", "len"));
  EXPECT_EQ(line, ordered_json::parse(R"({"type":"packet","ts":"2023-11-14T22:13:20.123456789Z",
      "iface":"eth0","direction":"out","family":"ipv4","src":"10.0.0.2","dst":"203.0.113.1",
      "proto":"icmp","icmp_type":8,"icmp_code":0,"len":98})"));
}

TEST(JsonLineEncoder, Icmpv6Record) {
  ordered_json line = parse_one(encode_one(icmp6(128, 0, 118)));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "icmp_type", "icmp_code", "len"));
  EXPECT_EQ(line, ordered_json::parse(R"({"type":"packet","ts":"2023-11-14T22:13:20.123456789Z",
      "iface":"eth0","direction":"out","family":"ipv6","src":"fd00::2","dst":"2001:db8::1",
      "proto":"icmpv6","icmp_type":128,"icmp_code":0,"len":118})"));
}

TEST(JsonLineEncoder, OtherProtocolsAreShownByNumber) {
  ordered_json line = parse_one(encode_one(gre4(120)));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "len"));
  ASSERT_TRUE(line["proto"].is_number_unsigned()) << line.dump();
  EXPECT_EQ(line, ordered_json::parse(R"({"type":"packet","ts":"2023-11-14T22:13:20.123456789Z",
      "iface":"eth0","direction":"out","family":"ipv4","src":"10.0.0.2","dst":"198.51.100.9",
      "proto":47,"len":120})"));
}

TEST(JsonLineEncoder, FragmentHasNoL4FieldsAndIsFlagged) {
  ew_record r = make_record(4, "10.0.0.2", "192.0.2.7", IPPROTO_UDP, EW_FLAG_FRAGMENT, 1514);
  ordered_json line = parse_one(encode_one(r));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "fragment", "len"));
  EXPECT_EQ(line["proto"], "udp");
  EXPECT_EQ(line["fragment"], true);
  EXPECT_EQ(line["len"], 1514);
}

TEST(JsonLineEncoder, FragmentFlagComesAfterPorts) {
  ew_record r = tcp4(1234, 80, 60);
  r.flags = EW_FLAG_PORTS | EW_FLAG_FRAGMENT;
  ordered_json line = parse_one(encode_one(r));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "sport", "dport", "fragment", "len"));
}

TEST(JsonLineEncoder, ShortL4HeaderHasNoPorts) {
  ew_record r = make_record(6, "fd00::2", "2001:db8::80", IPPROTO_TCP, EW_FLAG_L4_SHORT, 70);
  r.sport = 1;  // not valid without EW_FLAG_PORTS
  ordered_json line = parse_one(encode_one(r));
  EXPECT_THAT(keys_of(line), ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst",
                                         "proto", "len"));
  EXPECT_EQ(line["proto"], "tcp");
}

TEST(JsonLineEncoder, DirectionIsOutUnlessInbound) {
  ordered_json out = parse_one(encode_one(tcp4(51000, 443, 74)));
  EXPECT_EQ(out["direction"], "out");
  ew_record in = tcp4(51000, 443, 60);
  in.flags |= EW_FLAG_INBOUND;
  EXPECT_EQ(encode_one(in),
            "{\"type\":\"packet\",\"ts\":\"2023-11-14T22:13:20.123456789Z\",\"iface\":\"eth0\","
            "\"direction\":\"in\",\"family\":\"ipv4\",\"src\":\"10.0.0.2\",\"dst\":\"192.0.2.80\","
            "\"proto\":\"tcp\",\"sport\":51000,\"dport\":443,\"len\":60}\n");
  // Every kind of packet line has it, right after the interface.
  for (ew_record r : {udp6(1, 2, 3), icmp4(0, 0, 98), icmp6(129, 0, 118), gre4(120)}) {
    SCOPED_TRACE(static_cast<int>(r.proto));
    EXPECT_EQ(parse_one(encode_one(r))["direction"], "out");
    r.flags |= EW_FLAG_INBOUND;
    ordered_json line = parse_one(encode_one(r));
    EXPECT_EQ(line["direction"], "in");
    EXPECT_EQ(keys_of(line)[3], "direction");
  }
}

TEST(JsonLineEncoder, TcpFlagsAreLettersAfterTheDestinationPort) {
  ew_record r = tcp4(443, 51000, 74);
  r.flags |= EW_FLAG_TCP_FLAGS | EW_FLAG_INBOUND;
  r.tcp_flags = EW_TCP_SYN | EW_TCP_ACK;
  EXPECT_EQ(encode_one(r),
            "{\"type\":\"packet\",\"ts\":\"2023-11-14T22:13:20.123456789Z\",\"iface\":\"eth0\","
            "\"direction\":\"in\",\"family\":\"ipv4\",\"src\":\"10.0.0.2\",\"dst\":\"192.0.2.80\","
            "\"proto\":\"tcp\",\"sport\":443,\"dport\":51000,\"tcp_flags\":\"SA\",\"len\":74}\n");
  EXPECT_THAT(keys_of(parse_one(encode_one(r))),
              ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst", "proto",
                          "sport", "dport", "tcp_flags", "len"));
}

TEST(JsonLineEncoder, TcpFlagLettersInTheirFixedOrder) {
  const std::pair<uint8_t, const char*> cases[] = {
      {EW_TCP_SYN, "S"},
      {EW_TCP_SYN | EW_TCP_ACK, "SA"},
      {EW_TCP_ACK, "A"},
      {EW_TCP_ACK | EW_TCP_PSH, "AP"},
      {EW_TCP_FIN | EW_TCP_ACK, "AF"},
      {EW_TCP_RST, "R"},
      {EW_TCP_RST | EW_TCP_ACK, "AR"},
      {EW_TCP_URG, "U"},
      {EW_TCP_ECE, "E"},
      {EW_TCP_CWR, "C"},
      {EW_TCP_SYN | EW_TCP_ECE | EW_TCP_CWR, "SEC"},
      {0xff, "SAFRPUEC"},
      {0, ""},  // flags known and none set: an empty string, not a missing key
  };
  for (const auto& [bits, letters] : cases) {
    SCOPED_TRACE(letters);
    ew_record r = tcp4(51000, 443, 74);
    r.flags |= EW_FLAG_TCP_FLAGS;
    r.tcp_flags = bits;
    ordered_json line = parse_one(encode_one(r));
    ASSERT_TRUE(line.contains("tcp_flags")) << line.dump();
    EXPECT_EQ(line["tcp_flags"], letters);
  }
}

TEST(JsonLineEncoder, TcpFlagsWithoutTheirFlagBitAreNotShown) {
  ew_record r = tcp4(51000, 443, 74);
  r.tcp_flags = EW_TCP_SYN | EW_TCP_ACK;  // not valid without EW_FLAG_TCP_FLAGS
  ordered_json line = parse_one(encode_one(r));
  EXPECT_FALSE(line.contains("tcp_flags")) << line.dump();
  // Nor when the header was cut off before the flags.
  ew_record short_tcp = make_record(4, "10.0.0.2", "192.0.2.1", IPPROTO_TCP, EW_FLAG_L4_SHORT, 50);
  short_tcp.tcp_flags = 0xff;
  EXPECT_FALSE(parse_one(encode_one(short_tcp)).contains("tcp_flags"));
}

TEST(JsonLineEncoder, TcpFlagsComeBeforeVlanAndFragment) {
  ew_record r = tcp4(1, 2, 60);
  r.flags |= EW_FLAG_TCP_FLAGS | EW_FLAG_VLAN | EW_FLAG_VLAN_INNER | EW_FLAG_FRAGMENT;
  r.tcp_flags = EW_TCP_FIN | EW_TCP_ACK;
  r.vlan = 100;
  r.vlan_inner = 200;
  ordered_json line = parse_one(encode_one(r));
  EXPECT_THAT(keys_of(line),
              ElementsAre("type", "ts", "iface", "direction", "family", "src", "dst", "proto",
                          "sport", "dport", "tcp_flags", "vlan", "vlan_inner", "fragment", "len"));
  EXPECT_EQ(line["tcp_flags"], "AF");
}

// Direction and TCP flags choose the layout: values must not stay behind
// when lines of each kind alternate.
TEST(JsonLineEncoder, DirectionsAndTcpFlagsAlternate) {
  std::vector<ew_record> records;
  for (int i = 0; i < 8; i++) {
    ew_record r = tcp4(static_cast<uint16_t>(1000 + i), 443, static_cast<uint32_t>(60 + i));
    if (i % 2) r.flags |= EW_FLAG_INBOUND;
    if (i % 4 >= 2) r.flags |= EW_FLAG_TCP_FLAGS;
    r.tcp_flags = static_cast<uint8_t>(1u << i);
    records.push_back(r);
  }
  std::string out;
  JsonLineEncoder encoder(out);
  std::vector<std::string> expected;
  for (const auto& r : records) {
    encoder.packet(r, "eth0", kWallNs);
    expected.push_back(encode_one(r));
    expected.back().pop_back();
  }
  const auto lines = split_lines(out);
  EXPECT_THAT(lines, ElementsAreArray(expected));
  ASSERT_EQ(lines.size(), 8u);
  const char* letters[] = {"F", "S", "R", "P", "A", "U", "E", "C"};
  for (size_t i = 0; i < lines.size(); i++) {
    SCOPED_TRACE(i);
    ordered_json line = ordered_json::parse(lines[i]);
    EXPECT_EQ(line["direction"], i % 2 ? "in" : "out");
    EXPECT_EQ(line["sport"], 1000 + i);
    if (i % 4 >= 2) {
      EXPECT_EQ(line["tcp_flags"], letters[i]);
    } else {
      EXPECT_FALSE(line.contains("tcp_flags"));
    }
  }
}

TEST(JsonLineEncoder, InterfaceNamesAreEscaped) {
  ordered_json line = parse_one(encode_one(tcp4(1, 2, 3), "we\"ird\\if"));
  EXPECT_EQ(line["iface"], "we\"ird\\if");
}

// The encoder remembers the last name that needed no escaping: a name that
// does, in the same storage as a clean one before it, is escaped all the same.
TEST(JsonLineEncoder, NamesAreEscapedAfterACleanOneWasRemembered) {
  std::string out;
  JsonLineEncoder encoder(out);
  std::string name = "ab\"d";
  name[2] = 'c';  // "abcd": clean
  encoder.append_record(tcp4(1, 2, 3), name, kWallNs);
  name[2] = '"';  // the same bytes in place, one of them now a quote
  encoder.append_record(tcp4(1, 2, 3), name, kWallNs);
  encoder.append_record(tcp4(1, 2, 3), "abcd", kWallNs);
  const auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(ordered_json::parse(lines[0])["iface"], "abcd");
  EXPECT_EQ(ordered_json::parse(lines[1])["iface"], "ab\"d");
  EXPECT_EQ(ordered_json::parse(lines[2])["iface"], "abcd");
}

// Linux allows any byte but '/', ':', NUL and white space in an interface
// name, so a name need not be UTF-8. The encoder's serializer is strict and
// throws json type_error 316 out of append_record, leaving half a line in the
// buffer; egresswatch then dies at the first record. Disabled until
// loader/json_lines.cpp handles it (reported, not fixed here).
TEST(JsonLineEncoder, NonUtf8InterfaceNameStillGivesAValidLine) {
  std::string out;
  JsonLineEncoder encoder(out);
  EXPECT_NO_THROW(encoder.append_record(tcp4(1, 2, 3), "e\xffx", kWallNs));
  EXPECT_NO_THROW(encoder.append_record(tcp4(1, 2, 3), "eth0", kWallNs));
  const auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_NO_THROW(ordered_json::parse(lines[0])) << lines[0];
  EXPECT_EQ(lines[1] + "\n", encode_one(tcp4(1, 2, 3)));
}

TEST(JsonLineEncoder, TimestampComesFromTheWallClockArgument) {
  ordered_json line = parse_one(encode_one(tcp4(1, 2, 3), "eth0", 5));
  EXPECT_EQ(line["ts"], "1970-01-01T00:00:00.000000005Z");
}

TEST(JsonLineEncoder, AppendsToExistingOutput) {
  std::string out = "earlier\n";
  JsonLineEncoder encoder(out);
  encoder.append_record(tcp4(1, 2, 3), "eth0", kWallNs);
  EXPECT_EQ(out.rfind("earlier\n", 0), 0u);
  EXPECT_EQ(out.substr(8), encode_one(tcp4(1, 2, 3)));
}

// Shapes are reused between records: every line must be what a fresh encoder
// writes for that record alone, whatever came before it.
TEST(JsonLineEncoder, ReusedShapesDoNotLeakValues) {
  ew_record tcp_short = make_record(4, "10.0.0.2", "192.0.2.1", IPPROTO_TCP, EW_FLAG_L4_SHORT, 50);
  ew_record udp4_fragment =
      make_record(4, "10.0.0.3", "192.0.2.2", IPPROTO_UDP, EW_FLAG_FRAGMENT, 1500);
  ew_record gre6 = make_record(6, "fd00::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 47, 0, 300);
  ew_record sctp4 = make_record(4, "10.0.0.4", "198.51.100.200", 132, EW_FLAG_PORTS, 80);
  sctp4.sport = 5000;
  sctp4.dport = 6000;
  const std::vector<std::pair<ew_record, const char*>> records = {
      {tcp4(51000, 443, 74), "eth0"},
      {gre4(120), "eth1"},
      {tcp4(2222, 80, 1500), "eth0"},
      {icmp4(8, 0, 98), "veth-long-name"},
      {udp6(40000, 53, 90), "e"},
      {icmp6(1, 4, 1280), "eth0"},
      {tcp_short, "eth0"},      // same shape as GRE: proto goes from 47 to "tcp"
      {gre6, "eth0"},           // and back to a number
      {sctp4, "eth0"},          // same shape as TCP: proto becomes a number
      {tcp4(3, 4, 5), "eth0"},  // and back to "tcp"
      {udp4_fragment, "eth2"},
      {icmp4(3, 13, 70), "eth0"},
      {gre4(64), "eth1"},
  };
  std::string out;
  JsonLineEncoder encoder(out);
  int64_t wall_ns = kWallNs;
  std::vector<std::string> expected;
  for (const auto& [record, iface] : records) {
    encoder.append_record(record, iface, wall_ns);
    expected.push_back(encode_one(record, iface, wall_ns));
    expected.back().pop_back();  // the newline
    wall_ns += 1'000'000'007;
  }
  ASSERT_EQ(out.back(), '\n');
  EXPECT_THAT(split_lines(out), ElementsAreArray(expected));

  // And spot checks against literal values, in case both encoders agree on a mistake.
  const auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), records.size());
  ordered_json third = ordered_json::parse(lines[2]);
  EXPECT_EQ(third["sport"], 2222);
  EXPECT_EQ(third["dport"], 80);
  EXPECT_EQ(third["len"], 1500);
  EXPECT_EQ(third["dst"], "192.0.2.80");
  ordered_json second = ordered_json::parse(lines[1]);
  EXPECT_EQ(second["proto"], 47);
  EXPECT_FALSE(second.contains("sport"));
  EXPECT_EQ(second["iface"], "eth1");
  ordered_json seventh = ordered_json::parse(lines[6]);
  EXPECT_EQ(seventh["proto"], "tcp");
  ordered_json eighth = ordered_json::parse(lines[7]);
  EXPECT_EQ(eighth["proto"], 47);
  EXPECT_EQ(eighth["family"], "ipv6");
  EXPECT_EQ(eighth["dst"], "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(ordered_json::parse(lines[8])["proto"], 132);
  EXPECT_EQ(ordered_json::parse(lines[9])["proto"], "tcp");
  ordered_json last = ordered_json::parse(lines.back());
  EXPECT_EQ(last["dst"], "198.51.100.9");
  EXPECT_EQ(last["len"], 64);
}

// The plain nlohmann path the encoder must match byte for byte: a fresh
// object per line in schema order, dump() with the replacing error handler.
std::string reference_line(const ew_record& r, std::string_view iface, int64_t wall_ns,
                           const FlowEvent* flow) {
  Rfc3339Formatter format;
  auto stamp = [&format](int64_t ns) {
    std::string ts;
    format.format(ns, ts);
    return ts;
  };
  auto address = [&r](const uint8_t* addr) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(r.family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf));
    return std::string(buf);
  };
  auto initiator = [](uint8_t who) {
    return who == EW_INITIATOR_LOCAL ? "local" : who == EW_INITIATOR_REMOTE ? "remote" : "unknown";
  };
  unsigned flags = r.flags;
  ordered_json line = ordered_json::object();
  line["type"] = flow ? "flow" : "packet";
  if (flow) {
    static constexpr const char* kEvents[] = {"new", "update", "end"};
    line["event"] = kEvents[static_cast<int>(flow->kind)];
    if (flow->kind != FlowEvent::Kind::kNew) flags &= ~unsigned{EW_FLAG_ICMP};
    // A conversation goes both ways: no packet's fragment, direction or flags.
    flags &= ~unsigned{EW_FLAG_FRAGMENT | EW_FLAG_INBOUND | EW_FLAG_TCP_FLAGS};
  }
  line["ts"] = stamp(wall_ns);
  line["iface"] = std::string(iface);
  if (!flow) line["direction"] = flags & EW_FLAG_INBOUND ? "in" : "out";
  line["family"] = r.family == 4 ? "ipv4" : "ipv6";
  line["src"] = address(r.src);
  line["dst"] = address(r.dst);
  if (const char* name = protocol_name(r.proto)) {
    line["proto"] = name;
  } else {
    line["proto"] = r.proto;
  }
  if (flags & EW_FLAG_PORTS) {
    line["sport"] = r.sport;
    line["dport"] = r.dport;
  }
  if (flags & EW_FLAG_TCP_FLAGS) line["tcp_flags"] = testing::tcp_letters_of(r.tcp_flags);
  if (flags & EW_FLAG_ICMP) {
    line["icmp_type"] = r.icmp_type;
    line["icmp_code"] = r.icmp_code;
  }
  if (flags & EW_FLAG_VLAN) line["vlan"] = r.vlan;
  if (flags & EW_FLAG_VLAN_INNER) line["vlan_inner"] = r.vlan_inner;
  if (flags & EW_FLAG_FRAGMENT) line["fragment"] = true;
  if (!flow) {
    line["len"] = r.len;
  } else {
    line["initiator"] = initiator(r.initiator);
    line["first_ts"] = stamp(flow->first_wall_ns);
    line["last_ts"] = stamp(flow->last_wall_ns);
    line["packets"] = flow->packets;
    line["bytes"] = flow->bytes;
    line["in_packets"] = flow->in_packets;
    line["in_bytes"] = flow->in_bytes;
    line["total_packets"] = flow->total_packets;
    line["total_bytes"] = flow->total_bytes;
    line["total_in_packets"] = flow->total_in_packets;
    line["total_in_bytes"] = flow->total_in_bytes;
    if (r.proto == IPPROTO_TCP) {
      line["tcp_flags"] = testing::tcp_letters_of(flow->tcp_flags);
      line["in_tcp_flags"] = testing::tcp_letters_of(flow->in_tcp_flags);
    }
    if (!flow->community_id.empty()) line["community_id"] = std::string(flow->community_id);
    if (flow->reason) line["reason"] = flow->reason;
  }
  return line.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace) + "\n";
}

// The encoder writes each layout's constant text once and only the values per
// line: on many random records of every family, protocol, flag combination
// and kind, with interface names that need escaping or are not UTF-8, each
// line must be what dump() of a fresh object writes.
TEST(JsonLineEncoder, FastPathMatchesPlainNlohmannObjects) {
  std::mt19937_64 rng(20261122);
  auto pick = [&rng](auto& options) { return options[rng() % std::size(options)]; };
  const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6, 0, 47, 132, 136,
                            255,         33};
  const std::string ifaces[] = {"eth0",     "veth1",        "e",          "fifteen-chars-x",
                                "",         "we\"ird\\if",  "tab\tname",  "e\xffx",
                                "\xc3",     "caf\xc3\xa9",  "\x7f\x01x",  "a\xe2\x82\xac",
                                "\xed\xa0", "\xf0\x9f\x98", "br-lan.100", "wg0"};
  const char* reasons[] = {nullptr,   "idle",    "fin",  "rst",        "evicted",
                           "removed", "stopped", "late", "odd\"reason"};
  // Community IDs are 30 characters ("1:" and base64, '+' and '/' included),
  // or empty when not known; odd ones take the escaping path.
  const std::string community_ids[] = {"",
                                       "",
                                       testing::kCommunityId,
                                       "1:wCb3OG7yAFWelaUydu0D+125CLM=",
                                       "1://///////////////////////w==",
                                       "1:AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                       "odd\"id\\",
                                       "x",
                                       "1:\xff"};
  // Mostly the three known initiators, now and then a value the ABI does not
  // define (written "unknown").
  const uint8_t initiators[] = {EW_INITIATOR_UNKNOWN,
                                EW_INITIATOR_LOCAL,
                                EW_INITIATOR_REMOTE,
                                EW_INITIATOR_LOCAL,
                                EW_INITIATOR_REMOTE,
                                3,
                                255};
  // Embedded IPv4 forms (::ffff:a.b.c.d, ::a.b.c.d), ::, ::1, a run at each end.
  const uint8_t special[][16] = {
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xfe, 1, 2, 3, 4},
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
      {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1},
  };
  const int64_t times[] = {0, 5, kWallNs, 999'999'999, 253'402'300'799'999'999 /* 9999-12-31 */};

  std::string out;
  JsonLineEncoder encoder(out);
  size_t lines = 0;
  size_t mismatches = 0;
  for (int i = 0; i < 20000; i++) {
    const size_t start = out.size();
    std::string expected;
    ew_record r;
    std::memset(&r, 0, sizeof(r));
    r.family = rng() % 2 ? 4 : 6;
    r.proto = rng() % 4 ? pick(protos) : static_cast<uint8_t>(rng());
    // Every combination, unshown bits included: inbound and TCP-flags bits
    // as well, on TCP and on other protocols.
    r.flags = static_cast<uint8_t>(rng());
    // No flags, all eight, or any mix.
    r.tcp_flags = rng() % 8 == 0 ? (rng() % 2 ? 0 : 0xff) : static_cast<uint8_t>(rng());
    r.initiator = pick(initiators);
    r.len = static_cast<uint32_t>(rng() % 3 ? rng() % 1600 : rng());
    r.sport = static_cast<uint16_t>(rng());
    r.dport = static_cast<uint16_t>(rng());
    r.icmp_type = static_cast<uint8_t>(rng());
    r.icmp_code = static_cast<uint8_t>(rng());
    r.vlan = static_cast<uint16_t>(rng() % 4096);
    r.vlan_inner = static_cast<uint16_t>(rng() % 4096);
    // IPv6: zero words often, for runs of every length and place ("::").
    auto address = [&](uint8_t* addr) {
      const int zero_in = static_cast<int>(rng() % 4);  // 1 in 2, 3 or 4 words
      for (int w = 0; w < 8; w++) {
        const bool zero = rng() % static_cast<uint64_t>(zero_in + 1) == 0;
        addr[2 * w] = zero ? 0 : static_cast<uint8_t>(rng() % 2 ? rng() : 0);
        addr[2 * w + 1] = zero ? 0 : static_cast<uint8_t>(rng() % 2 ? rng() : 1);
      }
      if (rng() % 16 == 0) std::memcpy(addr, pick(special), 16);
    };
    address(r.src);
    address(r.dst);
    const std::string& iface = pick(ifaces);
    const int64_t wall_ns =
        rng() % 4 ? static_cast<int64_t>(rng() % 4'000'000'000'000'000'000) : pick(times);
    if (rng() % 2) {
      encoder.packet(r, iface, wall_ns);
      expected = reference_line(r, iface, wall_ns, nullptr);
    } else {
      FlowEvent e;
      e.kind = static_cast<FlowEvent::Kind>(rng() % 3);
      e.reason = pick(reasons);
      e.wall_ns = wall_ns;
      e.iface = iface;
      e.identity = r;
      e.first_wall_ns = static_cast<int64_t>(rng() % 4'000'000'000'000'000'000);
      e.last_wall_ns = rng() % 2 ? e.first_wall_ns : pick(times);
      e.packets = rng() % 2 ? rng() % 1000 : rng();
      e.bytes = rng();
      e.in_packets = rng() % 3 ? rng() % 1000 : (rng() % 2 ? 0 : rng());
      e.in_bytes = rng() % 2 ? rng() % 100000 : rng();
      e.total_packets = rng() % 2 ? 0 : rng();
      e.total_bytes = rng() % 2 ? UINT64_MAX : rng();
      e.total_in_packets = rng() % 2 ? e.in_packets : rng();
      e.total_in_bytes = rng() % 4 ? rng() : UINT64_MAX;
      e.tcp_flags = rng() % 8 == 0 ? 0 : static_cast<uint8_t>(rng());
      e.in_tcp_flags = rng() % 8 == 0 ? 0xff : static_cast<uint8_t>(rng());
      e.community_id = community_ids[rng() % std::size(community_ids)];  // pick() copies
      encoder.flow(e);
      expected = reference_line(r, iface, wall_ns, &e);
    }
    const std::string got = out.substr(start);
    if (got != expected) {
      // The first few, then only the count: one bug tends to repeat.
      if (mismatches++ < 3) {
        ADD_FAILURE() << "record " << i << ":\n  got      " << got << "  expected " << expected;
      }
    } else {
      lines++;
    }
    if (out.size() > (1 << 20)) out.clear();  // as the sink's flush would
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(lines, 20000u);
}

TEST(JsonLineEncoder, ProtocolNames) {
  EXPECT_STREQ(JsonLineEncoder::protocol_name(IPPROTO_TCP), "tcp");
  EXPECT_STREQ(JsonLineEncoder::protocol_name(IPPROTO_UDP), "udp");
  EXPECT_STREQ(JsonLineEncoder::protocol_name(IPPROTO_ICMP), "icmp");
  EXPECT_STREQ(JsonLineEncoder::protocol_name(IPPROTO_ICMPV6), "icmpv6");
  EXPECT_EQ(JsonLineEncoder::protocol_name(47), nullptr);
  EXPECT_EQ(JsonLineEncoder::protocol_name(IPPROTO_SCTP), nullptr);
  EXPECT_EQ(JsonLineEncoder::protocol_name(0), nullptr);
}

TEST(JsonLineEncoder, StatsLine) {
  StatsLine stats;
  stats.wall_ns = kWallNs;
  stats.counters.seen = 1000;
  stats.counters.matched = 40;
  stats.counters.lost = 2;
  stats.counters.unparsed = 3;
  stats.counters.non_ip = 7;
  stats.records = 38;
  stats.malformed = 1;
  stats.counters.flows_created = 9;
  stats.flows_active = 5;
  stats.flows_evicted = 4;
  stats.counters.sampled_out = 11;
  stats.counters.rate_limited = 12;
  stats.final = false;
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.append_stats(stats);
  EXPECT_EQ(out,
            "{\"type\":\"stats\",\"ts\":\"2023-11-14T22:13:20.123456789Z\",\"seen\":1000,"
            "\"matched\":40,\"lost\":2,\"unparsed\":3,\"non_ip\":7,\"records\":38,"
            "\"malformed\":1,\"flows_created\":9,\"flows_active\":5,\"flows_evicted\":4,"
            "\"sampled_out\":11,\"rate_limited\":12,\"final\":false}\n");
  ordered_json line = parse_one(out);
  EXPECT_THAT(keys_of(line),
              ElementsAre("type", "ts", "seen", "matched", "lost", "unparsed", "non_ip", "records",
                          "malformed", "flows_created", "flows_active", "flows_evicted",
                          "sampled_out", "rate_limited", "final"));
}

// The counters come from one list (EW_COUNTERS in bpf/egresswatch_abi.h): each
// of them has its key in the stats line, holding its own value.
TEST(JsonLineEncoder, StatsLineHasEveryCounterOfTheAbiList) {
  StatsLine stats;
  uint64_t value = 100;
  for (const CounterField& field : kCounterFields)
    stats.counters.*field.member = value++;
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.append_stats(stats);
  ordered_json line = parse_one(out);
  value = 100;
  for (const CounterField& field : kCounterFields) {
    ASSERT_TRUE(line.contains(field.name)) << field.name << " missing from " << out;
    EXPECT_EQ(line[field.name], value++) << field.name;
  }
}

TEST(JsonLineEncoder, FinalStatsLineWithLargeCounters) {
  StatsLine stats;
  stats.wall_ns = 0;
  stats.counters.seen = UINT64_MAX;
  stats.records = UINT64_MAX - 1;
  stats.final = true;
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.append_stats(stats);
  ordered_json line = parse_one(out);
  EXPECT_EQ(line["type"], "stats");
  EXPECT_EQ(line["ts"], "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(line["seen"].get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(line["records"].get<uint64_t>(), UINT64_MAX - 1);
  EXPECT_EQ(line["matched"], 0);
  EXPECT_EQ(line["final"], true);
}

TEST(JsonLineEncoder, RecordsAndStatsInterleave) {
  std::string out;
  JsonLineEncoder encoder(out);
  encoder.append_record(tcp4(1, 2, 3), "eth0", kWallNs);
  StatsLine stats;
  stats.wall_ns = kWallNs;
  stats.records = 1;
  encoder.append_stats(stats);
  encoder.append_record(icmp6(128, 0, 100), "eth0", kWallNs);
  const auto lines = split_lines(out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(ordered_json::parse(lines[0])["type"], "packet");
  EXPECT_EQ(ordered_json::parse(lines[1])["type"], "stats");
  EXPECT_EQ(ordered_json::parse(lines[1])["ts"], kTs);
  EXPECT_EQ(ordered_json::parse(lines[2])["proto"], "icmpv6");
}

}  // namespace
}  // namespace ew
