// Conversations: the classifier on both hooks. On ingress (the skb's input
// device is the one the program runs on) the remote end is the source; flow
// mode pairs both directions in one ew_flows entry keyed local end first,
// with each direction's counts and TCP flags and who started it
// (initiator_of() in bpf/egress.bpf.c). On the bridge with --lan, frames
// leaving the LAN port are inbound and count on the uplink port.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <cstring>
#include <vector>

#include "egresswatch_abi.h"
#include "expectations.h"
#include "frame_case.h"
#include "privileges.h"

namespace ew::test {
namespace {

const Address kLan4 = v4("192.168.1.10");
const Address kPub4 = v4("203.0.113.7");
const Address kLan6 = v6("fd00::10");
const Address kPub6 = v6("2001:db8::7");

ClassifierSettings flow_mode() {
  ClassifierSettings settings;
  settings.mode = RecordMode::kFlow;
  return settings;
}

ClassifierSettings packet_mode() {
  ClassifierSettings settings;
  settings.mode = RecordMode::kPacket;
  return settings;
}

// A 20-byte TCP header with the given flags byte.
Bytes tcp_flags(uint16_t sport, uint16_t dport, uint8_t flags) {
  Bytes b = tcp(sport, dport);
  b[13] = flags;
  return b;
}

constexpr uint8_t kSyn = EW_TCP_SYN;
constexpr uint8_t kSynAck = EW_TCP_SYN | EW_TCP_ACK;
constexpr uint8_t kAck = EW_TCP_ACK;
constexpr uint8_t kFinAck = EW_TCP_FIN | EW_TCP_ACK;
constexpr uint8_t kRst = EW_TCP_RST;

// Local 192.168.1.10:40000, remote 203.0.113.7:443.
Bytes out_tcp(uint8_t flags) {
  return ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp_flags(40000, 443, flags));
}
Bytes in_tcp(uint8_t flags) {
  return ipv4_frame(kPub4, kLan4, IPPROTO_TCP, tcp_flags(443, 40000, flags));
}

ew_flow_key conversation(uint32_t ifindex, uint8_t proto = IPPROTO_TCP, uint16_t local_port = 40000,
                         uint16_t remote_port = 443) {
  return flow_key(ifindex, kLan4, kPub4, proto, local_port, remote_port);
}

// The one record of a run that started a conversation.
const ew_record& new_conversation(const RunResult& run) {
  EXPECT_EQ(run.error, 0);
  EXPECT_EQ(run.retval, TC_ACT_UNSPEC);
  EXPECT_EQ(run.counters.flows_created, 1u);
  EXPECT_EQ(run.records.size(), 1u);
  static const ew_record none{};
  return run.records.empty() ? none : run.records[0];
}

void expect_local_then_remote(const ew_record& r, uint16_t local_port, uint16_t remote_port) {
  EXPECT_EQ(unsigned{r.kind}, unsigned{EW_RECORD_FLOW_NEW});
  EXPECT_EQ(std::memcmp(r.src, kLan4.bytes.data(), 4), 0) << "src is not the local end";
  EXPECT_EQ(std::memcmp(r.dst, kPub4.bytes.data(), 4), 0) << "dst is not the remote end";
  EXPECT_EQ(r.sport, local_port);
  EXPECT_EQ(r.dport, remote_port);
}

TEST(Conversation, IngressJudgesTheSourceAndEgressTheDestination) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), packet_mode());
  const uint32_t dev = test_ifindex();

  // From a public source, on ingress: recorded, as it went, marked inbound.
  const RunResult in = harness.run_ingress(in_tcp(kSynAck), dev);
  EXPECT_EQ(in.counters.matched, 1u);
  ASSERT_EQ(in.records.size(), 1u);
  const ew_record& r = in.records[0];
  EXPECT_TRUE(r.flags & EW_FLAG_INBOUND);
  EXPECT_EQ(std::memcmp(r.src, kPub4.bytes.data(), 4), 0) << "a packet record shows its sender";
  EXPECT_EQ(r.sport, 443);
  EXPECT_EQ(r.dport, 40000);
  EXPECT_TRUE(r.flags & EW_FLAG_TCP_FLAGS);
  EXPECT_EQ(unsigned{r.tcp_flags}, unsigned{kSynAck});

  // To a public destination but from a private source, on ingress: the
  // remote end (the source) is private, so nothing.
  const RunResult private_in = harness.run_ingress(out_tcp(kSyn), dev);
  EXPECT_EQ(private_in.counters.matched, 0u);
  EXPECT_TRUE(private_in.records.empty());

  // The same frame on egress is what egress always recorded.
  const RunResult out = harness.run(out_tcp(kSyn), dev);
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_FALSE(out.records[0].flags & EW_FLAG_INBOUND);
  EXPECT_EQ(unsigned{out.records[0].tcp_flags}, unsigned{kSyn});

  // A public source on egress (a reply leaving towards a private host): the
  // remote end is the destination, private: nothing.
  EXPECT_TRUE(harness.run(in_tcp(kSynAck), dev).records.empty());
}

TEST(Conversation, BothDirectionsCountInOneEntryWithTheirFlags) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();

  const ew_record first = new_conversation(harness.run(out_tcp(kSyn), dev));
  expect_local_then_remote(first, 40000, 443);
  EXPECT_EQ(unsigned{first.initiator}, unsigned{EW_INITIATOR_LOCAL});
  EXPECT_FALSE(first.flags & EW_FLAG_INBOUND);

  const RunResult answer = harness.run_ingress(in_tcp(kSynAck), dev);
  EXPECT_EQ(answer.counters.matched, 1u);
  EXPECT_EQ(answer.counters.flows_created, 0u) << "the answer started a conversation of its own";
  EXPECT_TRUE(answer.records.empty());
  harness.run(out_tcp(kAck), dev);
  harness.run(out_tcp(kFinAck), dev);
  const Bytes in_fin = in_tcp(kFinAck);
  harness.run_ingress(in_fin, dev);

  auto stats = harness.flow(conversation(dev));
  ASSERT_TRUE(stats.has_value()) << "no entry keyed local end first";
  EXPECT_EQ(stats->packets, 3u);
  EXPECT_EQ(stats->in_packets, 2u);
  EXPECT_EQ(stats->bytes, 3 * out_tcp(kAck).size());
  EXPECT_EQ(stats->in_bytes, 2 * in_fin.size());
  EXPECT_EQ(unsigned{stats->tcp_flags}, unsigned{EW_TCP_SYN | EW_TCP_ACK | EW_TCP_FIN});
  EXPECT_EQ(unsigned{stats->in_tcp_flags}, unsigned{EW_TCP_SYN | EW_TCP_ACK | EW_TCP_FIN});
  EXPECT_EQ(unsigned{stats->initiator}, unsigned{EW_INITIATOR_LOCAL});
  EXPECT_FALSE(harness.flow(flow_key(dev, kPub4, kLan4, IPPROTO_TCP, 443, 40000)).has_value())
      << "an entry keyed remote end first";
}

TEST(Conversation, AnInboundSynIsRemoteInitiatedAndKeyedLocalFirst) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();

  // A scan from outside: SYN in, RST out.
  const ew_record first = new_conversation(harness.run_ingress(in_tcp(kSyn), dev));
  expect_local_then_remote(first, 40000, 443);
  EXPECT_TRUE(first.flags & EW_FLAG_INBOUND);
  EXPECT_EQ(unsigned{first.initiator}, unsigned{EW_INITIATOR_REMOTE});
  EXPECT_EQ(first.len, in_tcp(kSyn).size());

  // The reset closes it: a close record, keyed like the conversation.
  const RunResult reset = harness.run(out_tcp(kRst | kAck), dev);
  ASSERT_EQ(reset.records.size(), 1u);
  EXPECT_EQ(unsigned{reset.records[0].kind}, unsigned{EW_RECORD_FLOW_CLOSED});
  EXPECT_EQ(std::memcmp(reset.records[0].src, kLan4.bytes.data(), 4), 0);
  EXPECT_EQ(reset.records[0].sport, 40000);
  EXPECT_EQ(reset.counters.flows_created, 0u);
  auto stats = harness.flow(conversation(dev));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->packets, 1u);
  EXPECT_EQ(stats->in_packets, 1u);
  EXPECT_EQ(unsigned{stats->in_tcp_flags}, unsigned{kSyn});
  EXPECT_EQ(unsigned{stats->tcp_flags}, unsigned{kRst | kAck});
  EXPECT_EQ(unsigned{stats->initiator}, unsigned{EW_INITIATOR_REMOTE});
}

// The packet that closes a TCP conversation sends one close record, so the
// loader can end it without reading the table: the second direction's FIN,
// or the first reset. Nothing before, nothing after, and nothing for UDP.
TEST(Conversation, TheClosingPacketSendsOneCloseRecord) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();
  auto kinds = [](const RunResult& run) {
    std::vector<unsigned> k;
    for (const ew_record& r : run.records)
      k.push_back(r.kind);
    return k;
  };
  using Kinds = std::vector<unsigned>;
  const Kinds none;
  const Kinds closed{EW_RECORD_FLOW_CLOSED};

  new_conversation(harness.run(out_tcp(kSyn), dev));
  EXPECT_EQ(kinds(harness.run_ingress(in_tcp(kSynAck), dev)), none);
  EXPECT_EQ(kinds(harness.run(out_tcp(kFinAck), dev)), none) << "one FIN is half a close";
  EXPECT_EQ(kinds(harness.run(out_tcp(kFinAck), dev)), none) << "a retransmitted FIN";
  const RunResult second_fin = harness.run_ingress(in_tcp(kFinAck), dev);
  EXPECT_EQ(kinds(second_fin), closed);
  if (!second_fin.records.empty()) {
    const ew_record& r = second_fin.records[0];
    EXPECT_EQ(std::memcmp(r.src, kLan4.bytes.data(), 4), 0) << "not keyed local end first";
    EXPECT_EQ(r.sport, 40000);
    EXPECT_EQ(r.dport, 443);
  }
  EXPECT_EQ(kinds(harness.run(out_tcp(kAck), dev)), none) << "the last ACK";
  EXPECT_EQ(kinds(harness.run(out_tcp(kRst), dev)), none) << "closed already";

  // Another conversation, reset from the start of its life: one close.
  const Bytes syn = ipv4_frame(kLan4, kPub4, IPPROTO_TCP, tcp_flags(40001, 443, kSyn));
  const Bytes rst = ipv4_frame(kPub4, kLan4, IPPROTO_TCP, tcp_flags(443, 40001, kRst | kAck));
  new_conversation(harness.run(syn, dev));
  EXPECT_EQ(kinds(harness.run_ingress(rst, dev)), closed);
  EXPECT_EQ(kinds(harness.run_ingress(rst, dev)), none) << "a second reset";

  // UDP has no close.
  const Bytes dns = ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(40002, 53));
  new_conversation(harness.run(dns, dev));
  EXPECT_EQ(kinds(harness.run(dns, dev)), none);
  EXPECT_EQ(harness.run(out_tcp(kRst), dev).counters.lost, 0u);
}

struct InitiatorCase {
  const char* name;
  Bytes frame;
  bool inbound;
  uint8_t initiator;
};

TEST(Conversation, InitiatorRule) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const InitiatorCase cases[] = {
      {"outbound SYN", out_tcp(kSyn), false, EW_INITIATOR_LOCAL},
      {"inbound SYN", in_tcp(kSyn), true, EW_INITIATOR_REMOTE},
      {"outbound SYN-ACK: we answer", out_tcp(kSynAck), false, EW_INITIATOR_REMOTE},
      {"inbound SYN-ACK: they answer", in_tcp(kSynAck), true, EW_INITIATOR_LOCAL},
      {"outbound ACK: under way already", out_tcp(kAck), false, EW_INITIATOR_UNKNOWN},
      {"inbound FIN: under way already", in_tcp(kFinAck), true, EW_INITIATOR_UNKNOWN},
      {"TCP cut before its flags", ipv4_frame(kLan4, kPub4, IPPROTO_TCP, ports_then(40000, 443, 4)),
       false, EW_INITIATOR_UNKNOWN},
      {"outbound UDP", ipv4_frame(kLan4, kPub4, IPPROTO_UDP, udp(40000, 53)), false,
       EW_INITIATOR_LOCAL},
      {"inbound UDP", ipv4_frame(kPub4, kLan4, IPPROTO_UDP, udp(53, 40000)), true,
       EW_INITIATOR_REMOTE},
      {"outbound echo request", ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(8, 0)), false,
       EW_INITIATOR_LOCAL},
      {"inbound echo request", ipv4_frame(kPub4, kLan4, IPPROTO_ICMP, icmp(8, 0)), true,
       EW_INITIATOR_REMOTE},
      {"outbound echo reply", ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(0, 0)), false,
       EW_INITIATOR_REMOTE},
      {"inbound time exceeded", ipv4_frame(kPub4, kLan4, IPPROTO_ICMP, icmp(11, 0)), true,
       EW_INITIATOR_LOCAL},
      {"inbound ICMPv6 echo reply", ipv6_frame(kPub6, kLan6, IPPROTO_ICMPV6, icmp(129, 0)), true,
       EW_INITIATOR_LOCAL},
      {"outbound ICMPv6 echo request", ipv6_frame(kLan6, kPub6, IPPROTO_ICMPV6, icmp(128, 0)),
       false, EW_INITIATOR_LOCAL},
      {"inbound ICMPv6 unreachable", ipv6_frame(kPub6, kLan6, IPPROTO_ICMPV6, icmp(1, 4)), true,
       EW_INITIATOR_LOCAL},
      {"inbound GRE", ipv4_frame(kPub4, kLan4, IPPROTO_GRE, opaque(8)), true, EW_INITIATOR_REMOTE},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ClassifierHarness harness(documentation_hosts_public(), flow_mode());
    const uint32_t dev = test_ifindex();
    const RunResult run = c.inbound ? harness.run_ingress(c.frame, dev) : harness.run(c.frame, dev);
    const ew_record r = new_conversation(run);
    EXPECT_EQ(unsigned{r.initiator}, unsigned{c.initiator});
    EXPECT_EQ(bool(r.flags & EW_FLAG_INBOUND), c.inbound);
  }
}

TEST(Conversation, IcmpRepliesPairWithTheirRequests) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  ClassifierHarness harness(documentation_hosts_public(), flow_mode());
  const uint32_t dev = test_ifindex();
  new_conversation(harness.run(ipv4_frame(kLan4, kPub4, IPPROTO_ICMP, icmp(8, 0)), dev));
  const RunResult reply =
      harness.run_ingress(ipv4_frame(kPub4, kLan4, IPPROTO_ICMP, icmp(0, 0)), dev);
  EXPECT_EQ(reply.counters.flows_created, 0u);
  auto stats = harness.flow(conversation(dev, IPPROTO_ICMP, 0, 0));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->packets, 1u);
  EXPECT_EQ(stats->in_packets, 1u);
  EXPECT_EQ(stats->tcp_flags | stats->in_tcp_flags, 0) << "TCP flags on ICMP";
}

// The bridge with --lan: no ingress hook; frames leaving the LAN port are
// inbound and count in the conversation of the uplink port.
TEST(Conversation, BridgeLanPortEgressIsInboundOnTheUplink) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const uint32_t uplink = 1;  // loopback: any existing device will do
  const uint32_t lan = test_ifindex();
  if (lan == uplink) GTEST_SKIP() << "needs a device besides loopback";
  ClassifierSettings settings = flow_mode();
  settings.lan_ifindex = lan;
  settings.uplink_ifindex = uplink;
  ClassifierHarness harness(documentation_hosts_public(), settings);

  // A scanner's SYN forwarded onto the LAN (an egress on the LAN port).
  const ew_record first = new_conversation(harness.run(in_tcp(kSyn), lan));
  expect_local_then_remote(first, 40000, 443);
  EXPECT_EQ(first.ifindex, uplink);
  EXPECT_TRUE(first.flags & EW_FLAG_INBOUND);
  EXPECT_EQ(unsigned{first.initiator}, unsigned{EW_INITIATOR_REMOTE});
  // The LAN host's reset leaving through the uplink: the same conversation.
  EXPECT_EQ(harness.run(out_tcp(kRst), uplink).counters.flows_created, 0u);
  auto stats = harness.flow(conversation(uplink));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->packets, 1u);
  EXPECT_EQ(stats->in_packets, 1u);
  EXPECT_FALSE(harness.flow(conversation(lan)).has_value());
}

}  // namespace
}  // namespace ew::test
