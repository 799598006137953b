#include "netlink/route_messages.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "netlink/netlink_test_util.h"

namespace ew::netlink {
namespace {

using test::attrs_of;
using test::expect_well_formed;
using test::MessageBuilder;

TEST(RouteDump, Ipv4) {
  NetlinkMessage msg = make_route_dump(AF_INET);
  expect_well_formed(msg.bytes(), sizeof(rtmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_GETROUTE);
  EXPECT_EQ(msg.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  const auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(msg.header()));
  EXPECT_EQ(rt->rtm_family, AF_INET);
  EXPECT_EQ(rt->rtm_dst_len, 0);
  EXPECT_EQ(rt->rtm_table, 0);
  EXPECT_TRUE(attrs_of(msg.header(), sizeof(rtmsg)).empty());
}

TEST(RouteDump, Ipv6) {
  NetlinkMessage msg = make_route_dump(AF_INET6);
  expect_well_formed(msg.bytes(), sizeof(rtmsg));
  EXPECT_EQ(msg.header()->nlmsg_type, RTM_GETROUTE);
  const auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(msg.header()));
  EXPECT_EQ(rt->rtm_family, AF_INET6);
}

struct RouteSpec {
  unsigned char family = AF_INET;
  unsigned char dst_len = 0;
  unsigned char table = RT_TABLE_MAIN;
  unsigned char type = RTN_UNICAST;
};

rtmsg* put_route_header(MessageBuilder& b, const RouteSpec& spec) {
  auto* rt = b.put_extra_header<rtmsg>();
  rt->rtm_family = spec.family;
  rt->rtm_dst_len = spec.dst_len;
  rt->rtm_table = spec.table;
  rt->rtm_protocol = RTPROT_DHCP;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = spec.type;
  return rt;
}

TEST(ParseDefaultRoute, MainTableDefaultRoute) {
  MessageBuilder b(RTM_NEWROUTE, NLM_F_MULTI);
  put_route_header(b, {});
  mnl_attr_put_u32(b.nlh(), RTA_TABLE, RT_TABLE_MAIN);
  mnl_attr_put_u32(b.nlh(), RTA_PRIORITY, 600);
  mnl_attr_put_u32(b.nlh(), RTA_GATEWAY, 0x0102a8c0);
  mnl_attr_put_u32(b.nlh(), RTA_OIF, 3);

  auto route = parse_default_route(b.nlh());
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->ifindex, 3);
  EXPECT_EQ(route->metric, 600u);
}

TEST(ParseDefaultRoute, Ipv6DefaultRouteWithoutMetric) {
  MessageBuilder b(RTM_NEWROUTE, NLM_F_MULTI);
  put_route_header(b, {.family = AF_INET6});
  mnl_attr_put_u32(b.nlh(), RTA_OIF, 8);

  auto route = parse_default_route(b.nlh());
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->ifindex, 8);
  EXPECT_EQ(route->metric, 0u);
}

TEST(ParseDefaultRoute, RtaTableOverridesTheHeaderTable) {
  // Tables above 255 show as RT_TABLE_COMPAT in the header; RTA_TABLE says which.
  MessageBuilder main_by_attr(RTM_NEWROUTE, 0);
  put_route_header(main_by_attr, {.table = RT_TABLE_COMPAT});
  mnl_attr_put_u32(main_by_attr.nlh(), RTA_TABLE, RT_TABLE_MAIN);
  mnl_attr_put_u32(main_by_attr.nlh(), RTA_OIF, 3);
  EXPECT_TRUE(parse_default_route(main_by_attr.nlh()).has_value());

  MessageBuilder other_by_attr(RTM_NEWROUTE, 0);
  put_route_header(other_by_attr, {.table = RT_TABLE_MAIN});
  mnl_attr_put_u32(other_by_attr.nlh(), RTA_TABLE, 1000);
  mnl_attr_put_u32(other_by_attr.nlh(), RTA_OIF, 3);
  EXPECT_FALSE(parse_default_route(other_by_attr.nlh()).has_value());
}

TEST(ParseDefaultRoute, OtherTablesAreIgnored) {
  for (unsigned char table :
       {static_cast<unsigned char>(RT_TABLE_LOCAL), static_cast<unsigned char>(RT_TABLE_DEFAULT),
        static_cast<unsigned char>(100)}) {
    SCOPED_TRACE(static_cast<int>(table));
    MessageBuilder b(RTM_NEWROUTE, 0);
    put_route_header(b, {.table = table});
    mnl_attr_put_u32(b.nlh(), RTA_TABLE, table);
    mnl_attr_put_u32(b.nlh(), RTA_OIF, 3);
    EXPECT_FALSE(parse_default_route(b.nlh()).has_value());
  }
}

TEST(ParseDefaultRoute, NonDefaultRoutesAreIgnored) {
  MessageBuilder b(RTM_NEWROUTE, 0);
  put_route_header(b, {.dst_len = 24});
  mnl_attr_put_u32(b.nlh(), RTA_DST, 0x0002000c);
  mnl_attr_put_u32(b.nlh(), RTA_OIF, 3);
  EXPECT_FALSE(parse_default_route(b.nlh()).has_value());
}

TEST(ParseDefaultRoute, NonUnicastDefaultRoutesAreIgnored) {
  for (unsigned char type :
       {static_cast<unsigned char>(RTN_UNREACHABLE), static_cast<unsigned char>(RTN_BLACKHOLE),
        static_cast<unsigned char>(RTN_PROHIBIT)}) {
    SCOPED_TRACE(static_cast<int>(type));
    MessageBuilder b(RTM_NEWROUTE, 0);
    put_route_header(b, {.family = AF_INET6, .type = type});
    mnl_attr_put_u32(b.nlh(), RTA_OIF, 1);
    EXPECT_FALSE(parse_default_route(b.nlh()).has_value());
  }
}

TEST(ParseDefaultRoute, RouteWithoutDeviceIsIgnored) {
  MessageBuilder b(RTM_NEWROUTE, 0);
  put_route_header(b, {});
  mnl_attr_put_u32(b.nlh(), RTA_PRIORITY, 100);
  EXPECT_FALSE(parse_default_route(b.nlh()).has_value());
}

void put_multipath(MessageBuilder& b, const std::vector<int>& ifindexes) {
  std::vector<rtnexthop> hops(ifindexes.size());
  for (size_t i = 0; i < hops.size(); i++) {
    hops[i].rtnh_len = sizeof(rtnexthop);
    hops[i].rtnh_ifindex = ifindexes[i];
  }
  mnl_attr_put(b.nlh(), RTA_MULTIPATH, hops.size() * sizeof(rtnexthop), hops.data());
}

TEST(ParseDefaultRoute, MultipathUsesTheFirstNextHop) {
  MessageBuilder b(RTM_NEWROUTE, 0);
  put_route_header(b, {});
  mnl_attr_put_u32(b.nlh(), RTA_TABLE, RT_TABLE_MAIN);
  mnl_attr_put_u32(b.nlh(), RTA_PRIORITY, 50);
  put_multipath(b, {11, 12});

  auto route = parse_default_route(b.nlh());
  ASSERT_TRUE(route.has_value());
  EXPECT_EQ(route->ifindex, 11);
  EXPECT_EQ(route->metric, 50u);
}

TEST(ParseDefaultRoute, TruncatedMultipathIsIgnored) {
  MessageBuilder b(RTM_NEWROUTE, 0);
  put_route_header(b, {});
  mnl_attr_put(b.nlh(), RTA_MULTIPATH, 4, "\x08\x00\x00\x00");
  EXPECT_FALSE(parse_default_route(b.nlh()).has_value());
}

TEST(ParseDefaultRoute, MalformedOifIsIgnored) {
  MessageBuilder b(RTM_NEWROUTE, 0);
  put_route_header(b, {});
  mnl_attr_put_u16(b.nlh(), RTA_OIF, 3);  // wrong size
  EXPECT_FALSE(parse_default_route(b.nlh()).has_value());
}

TEST(ParseDefaultRoute, RejectsOtherTypesAndShortMessages) {
  MessageBuilder deleted(RTM_DELROUTE, 0);
  put_route_header(deleted, {});
  mnl_attr_put_u32(deleted.nlh(), RTA_OIF, 3);
  EXPECT_FALSE(parse_default_route(deleted.nlh()).has_value());

  MessageBuilder short_one(RTM_NEWROUTE, 0);
  put_route_header(short_one, {});
  short_one.nlh()->nlmsg_len = static_cast<uint32_t>(mnl_nlmsg_size(sizeof(rtmsg)) - 1);
  EXPECT_FALSE(parse_default_route(short_one.nlh()).has_value());
}

}  // namespace
}  // namespace ew::netlink
