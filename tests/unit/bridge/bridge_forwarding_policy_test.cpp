#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "bridge/forwarding_policy.h"

namespace ew::bridge {
namespace {

using Frame = std::array<uint8_t, 60>;

Frame frame(const MacAddress& destination, const MacAddress& source) {
  Frame f{};
  std::memcpy(f.data(), destination.data(), 6);
  std::memcpy(f.data() + 6, source.data(), 6);
  f[12] = 0x08;  // IPv4
  return f;
}

const MacAddress kA1{0x02, 0, 0, 0, 0xa, 1};
const MacAddress kA2{0x02, 0, 0, 0, 0xa, 2};
const MacAddress kB1{0x02, 0, 0, 0, 0xb, 1};
const MacAddress kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const MacAddress kIpv6AllNodes{0x33, 0x33, 0, 0, 0, 1};
const MacAddress kStp{0x01, 0x80, 0xC2, 0, 0, 0x00};
const MacAddress kLldp{0x01, 0x80, 0xC2, 0, 0, 0x0E};
const MacAddress kPause{0x01, 0x80, 0xC2, 0, 0, 0x01};
const MacAddress kNotReserved{0x01, 0x80, 0xC2, 0, 0, 0x10};

Decision decide(ForwardingPolicy& policy, const MacAddress& dst, const MacAddress& src, int port,
                uint64_t now = 1) {
  const Frame f = frame(dst, src);
  return policy.decide(f.data(), f.size(), port, now);
}

TEST(ForwardingPolicy, UnknownDestinationIsFlooded) {
  ForwardingPolicy policy{PolicySettings{}};
  EXPECT_EQ(decide(policy, kB1, kA1, 0), Decision::kForward);
}

TEST(ForwardingPolicy, HostsOnTheSameSideStayThere) {
  ForwardingPolicy policy{PolicySettings{}};
  decide(policy, kBroadcast, kA2, 0);  // A2 announces itself on port 0
  EXPECT_EQ(decide(policy, kA2, kA1, 0), Decision::kSameSide);
  // ... while a frame for it from the other side crosses.
  EXPECT_EQ(decide(policy, kA2, kB1, 1), Decision::kForward);
  EXPECT_EQ(policy.mac_table_size(1), 3u);
}

TEST(ForwardingPolicy, BroadcastAndMulticastAreFlooded) {
  ForwardingPolicy policy{PolicySettings{}};
  EXPECT_EQ(decide(policy, kBroadcast, kA1, 0), Decision::kForward);
  EXPECT_EQ(decide(policy, kIpv6AllNodes, kA1, 0), Decision::kForward);
  EXPECT_EQ(decide(policy, kNotReserved, kA1, 0), Decision::kForward);
}

TEST(ForwardingPolicy, GroupSourcesAreNotLearned) {
  ForwardingPolicy policy{PolicySettings{}};
  decide(policy, kA1, kBroadcast, 0);
  EXPECT_EQ(policy.mac_table_size(1), 0u);
}

TEST(ForwardingPolicy, LinkLocalGroupFramesStayUnlessAsked) {
  ForwardingPolicy keep{PolicySettings{}};
  EXPECT_EQ(decide(keep, kStp, kA1, 0), Decision::kLinkLocal);
  EXPECT_EQ(decide(keep, kPause, kA1, 0), Decision::kLinkLocal);
  EXPECT_EQ(decide(keep, kLldp, kA1, 1), Decision::kLinkLocal);
  PolicySettings settings;
  settings.forward_link_local = true;
  ForwardingPolicy forward{settings};
  EXPECT_EQ(decide(forward, kLldp, kA1, 0), Decision::kForward);
}

TEST(ForwardingPolicy, RuntFramesAreNotForwarded) {
  ForwardingPolicy policy{PolicySettings{}};
  const Frame f = frame(kB1, kA1);
  EXPECT_EQ(policy.decide(f.data(), 13, 0, 1), Decision::kRunt);
  EXPECT_EQ(policy.decide(f.data(), 14, 0, 1), Decision::kForward);
}

TEST(ForwardingPolicy, AgedOutDestinationIsFloodedAgain) {
  PolicySettings settings;
  settings.mac_ageing_ns = 1000;
  ForwardingPolicy policy{settings};
  decide(policy, kBroadcast, kA2, 0, 0);
  EXPECT_EQ(decide(policy, kA2, kA1, 0, 1000), Decision::kSameSide);
  EXPECT_EQ(decide(policy, kA2, kA1, 0, 2001), Decision::kForward);
}

}  // namespace
}  // namespace ew::bridge
