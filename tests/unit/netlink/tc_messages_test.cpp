#include "core/error.h"
#include "netlink/tc_messages.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "netlink/netlink_test_util.h"
#include "netlink/tc_dump.h"

namespace ew::netlink {
namespace {

using test::attrs_of;
using test::expect_well_formed;
using test::nested_attrs_of;
using test::only_attr;
using test::string_of;
using test::types_of;
using test::u32_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr uint32_t kEgress = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS);
constexpr uint32_t kIngress = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);

const tcmsg& tcmsg_of(const NetlinkMessage& msg) {
  return *static_cast<const tcmsg*>(mnl_nlmsg_get_payload(msg.header()));
}

uint32_t expected_info(uint16_t priority) {
  return TC_H_MAKE(static_cast<uint32_t>(priority) << 16, htons(ETH_P_ALL));
}

BpfFilterSpec sample_spec() {
  BpfFilterSpec spec;
  spec.ifindex = 7;
  spec.priority = 0xc0de;
  spec.handle = 1;
  spec.prog_fd = 42;
  spec.name = "egresswatch";
  return spec;
}

TEST(TcMessages, ParentConstantsMatchLibbpf) {
  EXPECT_EQ(kEgressParent, kEgress);
  EXPECT_EQ(kEgressParent, 0xfffffff3u);
  EXPECT_EQ(kIngressParent, 0xfffffff2u);
  EXPECT_EQ(kClsactHandle, 0xffff0000u);
  EXPECT_EQ(BpfFilterSpec{}.parent, kEgress);
}

TEST(TcMessages, ClsactCreate) {
  NetlinkMessage msg = make_clsact_create(3);
  expect_well_formed(msg.bytes(), sizeof(tcmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_NEWQDISC);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(tc.tcm_family, AF_UNSPEC);
  EXPECT_EQ(tc.tcm_ifindex, 3);
  EXPECT_EQ(tc.tcm_parent, TC_H_CLSACT);
  EXPECT_EQ(tc.tcm_handle, TC_H_MAKE(TC_H_CLSACT, 0));
  EXPECT_EQ(tc.tcm_info, 0u);
  const auto attrs = attrs_of(msg.header(), sizeof(tcmsg));
  EXPECT_THAT(types_of(attrs), ElementsAre(TCA_KIND));
  EXPECT_EQ(string_of(only_attr(attrs, TCA_KIND)), "clsact");
}

TEST(TcMessages, ClsactDelete) {
  NetlinkMessage msg = make_clsact_delete(4);
  expect_well_formed(msg.bytes(), sizeof(tcmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_DELQDISC);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(tc.tcm_family, AF_UNSPEC);
  EXPECT_EQ(tc.tcm_ifindex, 4);
  EXPECT_EQ(tc.tcm_parent, TC_H_CLSACT);
  EXPECT_EQ(tc.tcm_handle, TC_H_MAKE(TC_H_CLSACT, 0));
  const auto attrs = attrs_of(msg.header(), sizeof(tcmsg));
  EXPECT_THAT(types_of(attrs), ElementsAre(TCA_KIND));
  EXPECT_EQ(string_of(only_attr(attrs, TCA_KIND)), "clsact");
}

TEST(TcMessages, QdiscDump) {
  NetlinkMessage msg = make_qdisc_dump();
  expect_well_formed(msg.bytes(), sizeof(tcmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_GETQDISC);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(tc.tcm_family, AF_UNSPEC);
  EXPECT_EQ(tc.tcm_ifindex, 0);
  EXPECT_EQ(tc.tcm_parent, 0u);
  EXPECT_EQ(tc.tcm_handle, 0u);
  EXPECT_TRUE(attrs_of(msg.header(), sizeof(tcmsg)).empty());
}

void expect_bpf_filter(const NetlinkMessage& msg, const BpfFilterSpec& spec) {
  expect_well_formed(msg.bytes(), sizeof(tcmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_NEWTFILTER);
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(tc.tcm_family, AF_UNSPEC);
  EXPECT_EQ(tc.tcm_ifindex, spec.ifindex);
  EXPECT_EQ(tc.tcm_parent, spec.parent);
  EXPECT_EQ(tc.tcm_handle, spec.handle);
  EXPECT_EQ(tc.tcm_info, expected_info(spec.priority));

  const auto attrs = attrs_of(msg.header(), sizeof(tcmsg));
  EXPECT_THAT(types_of(attrs), UnorderedElementsAre(TCA_KIND, TCA_OPTIONS));
  EXPECT_EQ(string_of(only_attr(attrs, TCA_KIND)), "bpf");
  const nlattr* options = only_attr(attrs, TCA_OPTIONS);
  ASSERT_NE(options, nullptr);
  const auto nested = nested_attrs_of(options);
  EXPECT_THAT(types_of(nested), UnorderedElementsAre(TCA_BPF_FD, TCA_BPF_NAME, TCA_BPF_FLAGS));
  EXPECT_EQ(u32_of(only_attr(nested, TCA_BPF_FD)), static_cast<uint32_t>(spec.prog_fd));
  EXPECT_EQ(string_of(only_attr(nested, TCA_BPF_NAME)), spec.name);
  EXPECT_EQ(u32_of(only_attr(nested, TCA_BPF_FLAGS)), TCA_BPF_FLAG_ACT_DIRECT);
}

TEST(TcMessages, BpfFilterCreateExclusive) {
  const BpfFilterSpec spec = sample_spec();
  NetlinkMessage msg = make_bpf_filter_create(spec, CreateMode::kExclusive);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  expect_bpf_filter(msg, spec);
}

// The same filter on the ingress hook: only the parent differs, and it is
// the one `tc filter add dev X ingress` uses (0xfffffff2).
TEST(TcMessages, BpfFilterCreateOnTheIngressHook) {
  BpfFilterSpec spec = sample_spec();
  spec.parent = kIngressParent;
  for (const CreateMode mode : {CreateMode::kExclusive, CreateMode::kReplace}) {
    NetlinkMessage msg = make_bpf_filter_create(spec, mode);
    expect_bpf_filter(msg, spec);
    EXPECT_EQ(tcmsg_of(msg).tcm_parent, kIngress);
    EXPECT_EQ(tcmsg_of(msg).tcm_parent, 0xfffffff2u);
    auto filter = parse_filter(msg.header());
    ASSERT_TRUE(filter.has_value());
    EXPECT_EQ(filter->parent, kIngress);
  }
}

TEST(TcMessages, BpfFilterCreateReplace) {
  BpfFilterSpec spec = sample_spec();
  spec.ifindex = 12;
  spec.priority = 1;
  spec.handle = 0x2a;
  spec.prog_fd = 5;
  NetlinkMessage msg = make_bpf_filter_create(spec, CreateMode::kReplace);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  expect_bpf_filter(msg, spec);
}

// Every attribute is bounded by the message's buffer: a name that fits is
// written whole, one that does not is an error, never a write past the end.
TEST(TcMessages, AFilterNameThatFitsIsWrittenWhole) {
  BpfFilterSpec spec = sample_spec();
  spec.name = std::string(NetlinkMessage::kCapacity - 128, 'n');
  NetlinkMessage msg = make_bpf_filter_create(spec, CreateMode::kExclusive);
  expect_bpf_filter(msg, spec);
  EXPECT_LE(msg.bytes().size(), NetlinkMessage::kCapacity);
}

TEST(TcMessages, ARequestTooLargeForTheBufferIsAnError) {
  BpfFilterSpec spec = sample_spec();
  spec.name = std::string(NetlinkMessage::kCapacity, 'n');
  try {
    make_bpf_filter_create(spec, CreateMode::kExclusive);
    FAIL() << "a filter name of " << spec.name.size() << " bytes fit a "
           << NetlinkMessage::kCapacity << "-byte request";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("netlink request too large"));
  }
  EXPECT_THROW(make_filter_delete(3, kEgress, 1, 0, 1, std::string(4096, 'k')), Error);
}

TEST(TcMessages, BpfFilterInfoEncodesPriorityAndProtocol) {
  BpfFilterSpec spec = sample_spec();
  spec.priority = 0xffff;
  NetlinkMessage msg = make_bpf_filter_create(spec, CreateMode::kExclusive);
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(TC_H_MAJ(tc.tcm_info) >> 16, 0xffffu);
  EXPECT_EQ(TC_H_MIN(tc.tcm_info), htons(ETH_P_ALL));
  EXPECT_EQ(tc.tcm_info, 0xffff0000u | htons(ETH_P_ALL));
}

// What we send is what the dump decoder reads back: the two agree on tcm_info.
TEST(TcMessages, BpfFilterCreateDecodesAsAFilter) {
  const BpfFilterSpec spec = sample_spec();
  NetlinkMessage msg = make_bpf_filter_create(spec, CreateMode::kExclusive);
  auto filter = parse_filter(msg.header());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->ifindex, spec.ifindex);
  EXPECT_EQ(filter->parent, kEgress);
  EXPECT_EQ(filter->priority, spec.priority);
  EXPECT_EQ(filter->protocol, htons(ETH_P_ALL));
  EXPECT_EQ(filter->handle, spec.handle);
  EXPECT_EQ(filter->kind, "bpf");
  EXPECT_EQ(filter->bpf_name, spec.name);
  EXPECT_EQ(filter->bpf_prog_id, 0u);
}

TEST(TcMessages, FilterDelete) {
  NetlinkMessage msg = make_filter_delete(9, kEgress, 0xc0de, htons(ETH_P_ALL), 1, "bpf");
  expect_well_formed(msg.bytes(), sizeof(tcmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_DELTFILTER);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(tc.tcm_family, AF_UNSPEC);
  EXPECT_EQ(tc.tcm_ifindex, 9);
  EXPECT_EQ(tc.tcm_parent, kEgress);
  EXPECT_EQ(tc.tcm_handle, 1u);
  EXPECT_EQ(tc.tcm_info, expected_info(0xc0de));
  const auto attrs = attrs_of(msg.header(), sizeof(tcmsg));
  EXPECT_THAT(types_of(attrs), ElementsAre(TCA_KIND));
  EXPECT_EQ(string_of(only_attr(attrs, TCA_KIND)), "bpf");
}

TEST(TcMessages, FilterDeleteKeepsTheDumpedProtocolAndKind) {
  // A filter someone else made: protocol IPv6, kind u32.
  NetlinkMessage msg = make_filter_delete(2, kEgress, 5, htons(ETH_P_IPV6), 0x800, "u32");
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(tc.tcm_info, TC_H_MAKE(5u << 16, htons(ETH_P_IPV6)));
  EXPECT_EQ(tc.tcm_handle, 0x800u);
  EXPECT_EQ(string_of(only_attr(attrs_of(msg.header(), sizeof(tcmsg)), TCA_KIND)), "u32");
}

TEST(TcMessages, FilterDeleteAndDumpOnTheIngressHook) {
  NetlinkMessage del = make_filter_delete(9, kIngressParent, 0xc0de, htons(ETH_P_ALL), 1, "bpf");
  expect_well_formed(del.bytes(), sizeof(tcmsg));
  EXPECT_EQ(del.header()->nlmsg_type, RTM_DELTFILTER);
  EXPECT_EQ(tcmsg_of(del).tcm_parent, kIngress);
  EXPECT_EQ(tcmsg_of(del).tcm_info, expected_info(0xc0de));
  NetlinkMessage dump = make_filter_dump(6, kIngressParent);
  expect_well_formed(dump.bytes(), sizeof(tcmsg));
  EXPECT_EQ(dump.header()->nlmsg_type, RTM_GETTFILTER);
  EXPECT_EQ(tcmsg_of(dump).tcm_ifindex, 6);
  EXPECT_EQ(tcmsg_of(dump).tcm_parent, kIngress);
}

TEST(TcMessages, FilterDump) {
  NetlinkMessage msg = make_filter_dump(6, kEgress);
  expect_well_formed(msg.bytes(), sizeof(tcmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_GETTFILTER);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  const tcmsg& tc = tcmsg_of(msg);
  EXPECT_EQ(tc.tcm_family, AF_UNSPEC);
  EXPECT_EQ(tc.tcm_ifindex, 6);
  EXPECT_EQ(tc.tcm_parent, kEgress);
  EXPECT_EQ(tc.tcm_handle, 0u);
  EXPECT_EQ(tc.tcm_info, 0u);
  EXPECT_TRUE(attrs_of(msg.header(), sizeof(tcmsg)).empty());
}

TEST(TcMessages, BytesCoverExactlyTheMessage) {
  NetlinkMessage msg = make_bpf_filter_create(sample_spec(), CreateMode::kExclusive);
  EXPECT_EQ(msg.bytes().data(), reinterpret_cast<const uint8_t*>(msg.header()));
  EXPECT_EQ(msg.bytes().size(), msg.header()->nlmsg_len);
  EXPECT_LE(msg.bytes().size(), NetlinkMessage::kCapacity);
}

}  // namespace
}  // namespace ew::netlink
