#include "netlink/tc_dump.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include <gtest/gtest.h>

#include "netlink/netlink_test_util.h"

namespace ew::netlink {
namespace {

using test::MessageBuilder;

constexpr uint32_t kEgress = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS);

// A filter as the kernel dumps it: tcmsg, then attributes.
tcmsg* put_filter_header(MessageBuilder& b, int ifindex, uint16_t priority, uint32_t handle) {
  auto* tc = b.put_extra_header<tcmsg>();
  tc->tcm_family = AF_UNSPEC;
  tc->tcm_ifindex = ifindex;
  tc->tcm_parent = kEgress;
  tc->tcm_handle = handle;
  tc->tcm_info = TC_H_MAKE(static_cast<uint32_t>(priority) << 16, htons(ETH_P_ALL));
  return tc;
}

TEST(ParseFilter, BpfFilterWithOptions) {
  MessageBuilder b(RTM_NEWTFILTER, NLM_F_MULTI);
  put_filter_header(b, 5, 0xc0de, 1);
  mnl_attr_put_strz(b.nlh(), TCA_KIND, "bpf");
  mnl_attr_put_u32(b.nlh(), TCA_CHAIN, 0);
  nlattr* options = mnl_attr_nest_start(b.nlh(), TCA_OPTIONS);
  mnl_attr_put_u32(b.nlh(), TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
  mnl_attr_put_strz(b.nlh(), TCA_BPF_NAME, "egress.bpf.o:[tc]");
  mnl_attr_put_u32(b.nlh(), TCA_BPF_ID, 4242);
  mnl_attr_put(b.nlh(), TCA_BPF_TAG, 8, "\x01\x02\x03\x04\x05\x06\x07\x08");
  mnl_attr_nest_end(b.nlh(), options);

  auto filter = parse_filter(b.nlh());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->ifindex, 5);
  EXPECT_EQ(filter->parent, kEgress);
  EXPECT_EQ(filter->priority, 0xc0de);
  EXPECT_EQ(filter->protocol, htons(ETH_P_ALL));
  EXPECT_EQ(filter->handle, 1u);
  EXPECT_EQ(filter->kind, "bpf");
  EXPECT_EQ(filter->bpf_name, "egress.bpf.o:[tc]");
  EXPECT_EQ(filter->bpf_prog_id, 4242u);
}

TEST(ParseFilter, OptionsBeforeKindStillCount) {
  MessageBuilder b(RTM_NEWTFILTER, 0);
  put_filter_header(b, 5, 1, 1);
  nlattr* options = mnl_attr_nest_start(b.nlh(), TCA_OPTIONS);
  mnl_attr_put_strz(b.nlh(), TCA_BPF_NAME, "egresswatch");
  mnl_attr_put_u32(b.nlh(), TCA_BPF_ID, 7);
  mnl_attr_nest_end(b.nlh(), options);
  mnl_attr_put_strz(b.nlh(), TCA_KIND, "bpf");

  auto filter = parse_filter(b.nlh());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->bpf_name, "egresswatch");
  EXPECT_EQ(filter->bpf_prog_id, 7u);
}

// The kernel dumps a chain head per priority: kind, no handle, no options.
TEST(ParseFilter, FilterWithoutOptions) {
  MessageBuilder b(RTM_NEWTFILTER, NLM_F_MULTI);
  put_filter_header(b, 5, 0xc0de, 0);
  mnl_attr_put_strz(b.nlh(), TCA_KIND, "bpf");

  auto filter = parse_filter(b.nlh());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->priority, 0xc0de);
  EXPECT_EQ(filter->handle, 0u);
  EXPECT_EQ(filter->kind, "bpf");
  EXPECT_EQ(filter->bpf_name, "");
  EXPECT_EQ(filter->bpf_prog_id, 0u);
}

TEST(ParseFilter, NoAttributesAtAll) {
  MessageBuilder b(RTM_NEWTFILTER, 0);
  put_filter_header(b, 3, 2, 0);
  auto filter = parse_filter(b.nlh());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->ifindex, 3);
  EXPECT_EQ(filter->priority, 2);
  EXPECT_EQ(filter->kind, "");
}

TEST(ParseFilter, OtherKindsOptionsAreNotReadAsBpf) {
  MessageBuilder b(RTM_NEWTFILTER, 0);
  put_filter_header(b, 5, 3, 0x800);
  mnl_attr_put_strz(b.nlh(), TCA_KIND, "u32");
  nlattr* options = mnl_attr_nest_start(b.nlh(), TCA_OPTIONS);
  // Type numbers that mean TCA_BPF_NAME / TCA_BPF_ID to cls_bpf.
  mnl_attr_put_strz(b.nlh(), TCA_BPF_NAME, "not-a-bpf-name");
  mnl_attr_put_u32(b.nlh(), TCA_BPF_ID, 99);
  mnl_attr_nest_end(b.nlh(), options);

  auto filter = parse_filter(b.nlh());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->kind, "u32");
  EXPECT_EQ(filter->handle, 0x800u);
  EXPECT_EQ(filter->bpf_name, "");
  EXPECT_EQ(filter->bpf_prog_id, 0u);
}

TEST(ParseFilter, MalformedBpfOptionsAreIgnored) {
  MessageBuilder b(RTM_NEWTFILTER, 0);
  put_filter_header(b, 5, 1, 1);
  mnl_attr_put_strz(b.nlh(), TCA_KIND, "bpf");
  nlattr* options = mnl_attr_nest_start(b.nlh(), TCA_OPTIONS);
  mnl_attr_put(b.nlh(), TCA_BPF_NAME, 3, "abc");  // no terminating NUL
  mnl_attr_put_u16(b.nlh(), TCA_BPF_ID, 7);       // too short for a u32
  mnl_attr_nest_end(b.nlh(), options);

  auto filter = parse_filter(b.nlh());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->kind, "bpf");
  EXPECT_EQ(filter->bpf_name, "");
  EXPECT_EQ(filter->bpf_prog_id, 0u);
}

TEST(ParseFilter, KindWithoutNulIsEmpty) {
  MessageBuilder b(RTM_NEWTFILTER, 0);
  put_filter_header(b, 5, 1, 1);
  mnl_attr_put(b.nlh(), TCA_KIND, 3, "bpf");
  auto filter = parse_filter(b.nlh());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->kind, "");
}

TEST(ParseFilter, RejectsOtherMessageTypes) {
  for (int type : {int{RTM_DELTFILTER}, int{RTM_NEWQDISC}, int{RTM_NEWROUTE}, NLMSG_ERROR}) {
    SCOPED_TRACE(type);
    MessageBuilder b(static_cast<uint16_t>(type), 0);
    put_filter_header(b, 5, 1, 1);
    mnl_attr_put_strz(b.nlh(), TCA_KIND, "bpf");
    EXPECT_FALSE(parse_filter(b.nlh()).has_value());
  }
}

TEST(ParseFilter, RejectsMessagesShorterThanTcmsg) {
  MessageBuilder b(RTM_NEWTFILTER, 0);
  put_filter_header(b, 5, 1, 1);
  b.nlh()->nlmsg_len = static_cast<uint32_t>(mnl_nlmsg_size(sizeof(tcmsg)) - 1);
  EXPECT_FALSE(parse_filter(b.nlh()).has_value());
  b.nlh()->nlmsg_len = MNL_NLMSG_HDRLEN;
  EXPECT_FALSE(parse_filter(b.nlh()).has_value());
}

TEST(ParseQdisc, Clsact) {
  MessageBuilder b(RTM_NEWQDISC, NLM_F_MULTI);
  auto* tc = b.put_extra_header<tcmsg>();
  tc->tcm_ifindex = 4;
  tc->tcm_handle = TC_H_MAKE(TC_H_CLSACT, 0);
  tc->tcm_parent = TC_H_CLSACT;
  mnl_attr_put_strz(b.nlh(), TCA_KIND, "clsact");
  mnl_attr_put_u32(b.nlh(), TCA_HW_OFFLOAD, 0);

  auto qdisc = parse_qdisc(b.nlh());
  ASSERT_TRUE(qdisc.has_value());
  EXPECT_EQ(qdisc->ifindex, 4);
  EXPECT_EQ(qdisc->handle, TC_H_MAKE(TC_H_CLSACT, 0));
  EXPECT_EQ(qdisc->parent, TC_H_CLSACT);
  EXPECT_EQ(qdisc->kind, "clsact");
}

TEST(ParseQdisc, RootQdisc) {
  MessageBuilder b(RTM_NEWQDISC, NLM_F_MULTI);
  auto* tc = b.put_extra_header<tcmsg>();
  tc->tcm_ifindex = 2;
  tc->tcm_handle = 0;
  tc->tcm_parent = TC_H_ROOT;
  mnl_attr_put_strz(b.nlh(), TCA_KIND, "fq_codel");
  nlattr* options = mnl_attr_nest_start(b.nlh(), TCA_OPTIONS);
  mnl_attr_put_u32(b.nlh(), 1, 5000);
  mnl_attr_nest_end(b.nlh(), options);

  auto qdisc = parse_qdisc(b.nlh());
  ASSERT_TRUE(qdisc.has_value());
  EXPECT_EQ(qdisc->ifindex, 2);
  EXPECT_EQ(qdisc->parent, TC_H_ROOT);
  EXPECT_EQ(qdisc->kind, "fq_codel");
}

TEST(ParseQdisc, RejectsOtherTypesAndShortMessages) {
  MessageBuilder filter(RTM_NEWTFILTER, 0);
  filter.put_extra_header<tcmsg>();
  mnl_attr_put_strz(filter.nlh(), TCA_KIND, "clsact");
  EXPECT_FALSE(parse_qdisc(filter.nlh()).has_value());

  MessageBuilder deleted(RTM_DELQDISC, 0);
  deleted.put_extra_header<tcmsg>();
  EXPECT_FALSE(parse_qdisc(deleted.nlh()).has_value());

  MessageBuilder short_one(RTM_NEWQDISC, 0);
  short_one.put_extra_header<tcmsg>();
  short_one.nlh()->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
  EXPECT_FALSE(parse_qdisc(short_one.nlh()).has_value());
}

}  // namespace
}  // namespace ew::netlink
