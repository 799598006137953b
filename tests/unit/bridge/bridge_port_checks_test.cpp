#include <gtest/gtest.h>
#include <net/if.h>

#include "bridge/port_checks.h"
#include "core/error.h"

namespace ew::bridge {
namespace {

netlink::LinkFacts link(int ifindex, const char* name, unsigned flags = IFF_UP, uint32_t mtu = 1500,
                        int master = 0) {
  netlink::LinkFacts facts;
  facts.ifindex = ifindex;
  facts.name = name;
  facts.flags = flags;
  facts.mtu = mtu;
  facts.master = master;
  return facts;
}

std::string refusal(const netlink::LinkFacts& a, const netlink::LinkFacts& b,
                    const std::string& master_a = "", const std::string& master_b = "") {
  try {
    judge_ports(a, b, master_a, master_b, {}, {});
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(PortChecks, TwoGoodPortsPassQuietly) {
  EXPECT_TRUE(judge_ports(link(2, "a"), link(3, "b"), "", "", {}, {}).empty());
}

TEST(PortChecks, SameInterfaceTwice) {
  EXPECT_EQ(refusal(link(2, "a"), link(2, "a")),
            "a: named twice; a bridge needs two different interfaces");
}

TEST(PortChecks, DownInterface) {
  EXPECT_EQ(refusal(link(2, "a"), link(3, "b", 0)),
            "b: interface is down; bring it up first (ip link set b up)");
}

TEST(PortChecks, KernelBridgePort) {
  EXPECT_EQ(refusal(link(2, "a", IFF_UP, 1500, 9), link(3, "b"), "bridge"),
            "a: already a port of a kernel bridge; take it out first (ip link set a nomaster)");
}

TEST(PortChecks, BondMember) {
  EXPECT_NE(refusal(link(2, "a"), link(3, "b", IFF_UP | IFF_SLAVE, 1500, 9), "", "bond")
                .find("b: part of a bond"),
            std::string::npos);
}

TEST(PortChecks, OtherMastersAreFine) {
  // A VRF, say: frames still arrive on the port.
  EXPECT_TRUE(judge_ports(link(2, "a", IFF_UP, 1500, 9), link(3, "b"), "vrf", "", {}, {}).empty());
}

TEST(PortChecks, DifferentMtusAndAddressesAreWarnings) {
  const auto warnings = judge_ports(link(2, "a", IFF_UP, 1500), link(3, "b", IFF_UP, 9000), "", "",
                                    {"192.0.2.1/24", "fe80::1/64"}, {});
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("MTUs differ (a 1500, b 9000)"), std::string::npos) << warnings[0];
  EXPECT_EQ(warnings[1].rfind("a has IP addresses (192.0.2.1/24, fe80::1/64)", 0), 0u)
      << warnings[1];
  // The warning says how to fix it, not only what is wrong.
  EXPECT_NE(warnings[1].find("ip address flush dev a"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[1].find("net.ipv6.conf.a.disable_ipv6=1"), std::string::npos) << warnings[1];
}

TEST(PortChecks, BigTcpFramesLargerThanASlotAreAWarning) {
  auto a = link(2, "a");
  a.gso_max_size = 65536;
  a.gro_max_size = 65536;
  auto b = link(3, "b");
  b.gro_max_size = 185000;
  const auto warnings = judge_ports(a, b, "", "", {}, {});
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("b allows offloaded frames of up to 185000 bytes"), std::string::npos)
      << warnings[0];
}

}  // namespace
}  // namespace ew::bridge
