// The filter egresswatch asks for on each clsact hook: the same identity
// (name, priority, handle) on both, the hook's own parent.
#include "tc/clsact_filter.h"

#include <linux/pkt_sched.h>

#include <gtest/gtest.h>

#include "netlink/tc_messages.h"
#include "tc/filter_identity.h"
#include "tc/tc_hook.h"

namespace ew {
namespace {

TEST(TcHook, ParentsAndNames) {
  EXPECT_EQ(hook_parent(TcHook::kEgress), TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));
  EXPECT_EQ(hook_parent(TcHook::kIngress), TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
  EXPECT_EQ(hook_name(TcHook::kEgress), "egress");
  EXPECT_EQ(hook_name(TcHook::kIngress), "ingress");
  EXPECT_EQ(hook_label("eth0", TcHook::kIngress), "eth0: ingress hook");
  EXPECT_EQ(hook_label("eth0", TcHook::kEgress), "eth0: egress hook");
}

TEST(TcHook, BothHooksAreListed) {
  ASSERT_EQ(std::size(kClsactHooks), 2u);
  EXPECT_EQ(kClsactHooks[0], TcHook::kEgress);
  EXPECT_EQ(kClsactHooks[1], TcHook::kIngress);
}

TEST(EgresswatchFilterSpec, SameIdentityOnBothHooks) {
  for (const TcHook hook : kClsactHooks) {
    SCOPED_TRACE(std::string(hook_name(hook)));
    const netlink::BpfFilterSpec spec = egresswatch_filter_spec(7, hook, 42);
    EXPECT_EQ(spec.ifindex, 7);
    EXPECT_EQ(spec.parent, hook_parent(hook));
    EXPECT_EQ(spec.priority, kFilterPriority);
    EXPECT_EQ(spec.handle, kFilterHandle);
    EXPECT_EQ(spec.prog_fd, 42);
    EXPECT_EQ(spec.name, kFilterName);
  }
}

// What reaches the kernel for the ingress filter, read back through the
// dump decoder: recognised as ours, on the ingress parent.
TEST(EgresswatchFilterSpec, TheIngressRequestIsOursOnTheIngressParent) {
  const auto request = netlink::make_bpf_filter_create(
      egresswatch_filter_spec(3, TcHook::kIngress, 5), netlink::CreateMode::kExclusive);
  auto filter = netlink::parse_filter(request.header());
  ASSERT_TRUE(filter.has_value());
  EXPECT_EQ(filter->parent, netlink::kIngressParent);
  EXPECT_EQ(filter->ifindex, 3);
  EXPECT_TRUE(is_egresswatch_filter(*filter));
}

}  // namespace
}  // namespace ew
