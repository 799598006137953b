#include <gtest/gtest.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include <vector>

#include "netlink/link_messages.h"

namespace ew::netlink {
namespace {

TEST(LinkMessages, DumpRequests) {
  auto links = make_link_dump();
  EXPECT_EQ(links.header()->nlmsg_type, RTM_GETLINK);
  EXPECT_EQ(links.header()->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
  auto addresses = make_address_dump();
  EXPECT_EQ(addresses.header()->nlmsg_type, RTM_GETADDR);
}

TEST(LinkMessages, ParsesTheFactsABridgeNeeds) {
  std::vector<uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_NEWLINK;
  auto* info = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  info->ifi_index = 7;
  info->ifi_flags = IFF_UP;
  mnl_attr_put_strz(nlh, IFLA_IFNAME, "pa");
  mnl_attr_put_u32(nlh, IFLA_MTU, 9000);
  mnl_attr_put_u32(nlh, IFLA_MASTER, 3);
  mnl_attr_put_u32(nlh, IFLA_GSO_MAX_SIZE, 65536);
  mnl_attr_put_u32(nlh, IFLA_GRO_MAX_SIZE, 185000);
  nlattr* linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
  mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
  mnl_attr_nest_end(nlh, linkinfo);

  const auto facts = parse_link(nlh);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->ifindex, 7);
  EXPECT_EQ(facts->name, "pa");
  EXPECT_EQ(facts->flags, static_cast<unsigned>(IFF_UP));
  EXPECT_EQ(facts->mtu, 9000u);
  EXPECT_EQ(facts->master, 3);
  EXPECT_EQ(facts->kind, "veth");
  EXPECT_EQ(facts->gso_max_size, 65536u);
  EXPECT_EQ(facts->gro_max_size, 185000u);
}

TEST(LinkMessages, OtherMessagesAreNotLinks) {
  std::vector<uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_NEWADDR;
  EXPECT_FALSE(parse_link(nlh));             // wrong type
  EXPECT_FALSE(parse_address_ifindex(nlh));  // too short for ifaddrmsg
  auto* addr = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  addr->ifa_index = 4;
  ASSERT_TRUE(parse_address_ifindex(nlh));
  EXPECT_EQ(*parse_address_ifindex(nlh), 4);
}

// An address message: its address and prefix length as text, the local
// address where a point-to-point one carries both.
TEST(LinkMessages, AddressMessagesGiveTheAddressAsText) {
  std::vector<uint8_t> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_NEWADDR;
  auto* addr = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  addr->ifa_family = AF_INET;
  addr->ifa_prefixlen = 24;
  addr->ifa_index = 4;
  EXPECT_FALSE(parse_address(nlh)) << "no address attribute";
  const uint8_t peer[4] = {192, 0, 2, 9};
  const uint8_t local[4] = {192, 0, 2, 1};
  mnl_attr_put(nlh, IFA_ADDRESS, sizeof(peer), peer);
  mnl_attr_put(nlh, IFA_LOCAL, sizeof(local), local);
  auto facts = parse_address(nlh);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->ifindex, 4);
  EXPECT_EQ(facts->text, "192.0.2.1/24");

  nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = RTM_NEWADDR;
  addr = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  addr->ifa_family = AF_INET6;
  addr->ifa_prefixlen = 64;
  addr->ifa_index = 5;
  const uint8_t link_local[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  mnl_attr_put(nlh, IFA_ADDRESS, 4, link_local);  // the wrong size for IPv6: ignored
  EXPECT_FALSE(parse_address(nlh));
  mnl_attr_put(nlh, IFA_ADDRESS, sizeof(link_local), link_local);
  facts = parse_address(nlh);
  ASSERT_TRUE(facts);
  EXPECT_EQ(facts->text, "fe80::1/64");
}

}  // namespace
}  // namespace ew::netlink
