// Factories for the rtnetlink requests that manage a clsact qdisc and a
// cls_bpf filter. Field values follow libbpf's netlink.c (bpf_tc_hook_create,
// bpf_tc_attach) so the kernel sees what `tc` and libbpf would send.
#pragma once

#include <linux/pkt_sched.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "netlink/message.h"

namespace ew::netlink {

inline constexpr uint32_t kClsactHandle = TC_H_MAKE(TC_H_CLSACT, 0);
inline constexpr uint32_t kEgressParent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS);
inline constexpr uint32_t kIngressParent = TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS);

struct BpfFilterSpec {
  int ifindex = 0;
  uint32_t parent = kEgressParent;
  uint16_t priority = 0;
  uint32_t handle = 0;
  int prog_fd = -1;
  std::string name;  // shown by `tc filter show` and how we recognise our own
};

enum class CreateMode {
  kExclusive,  // fail with EEXIST if the filter is already there
  kReplace,    // swap the program of an existing filter atomically
};

NetlinkMessage make_clsact_create(int ifindex);
NetlinkMessage make_clsact_delete(int ifindex);
NetlinkMessage make_qdisc_dump();
NetlinkMessage make_bpf_filter_create(const BpfFilterSpec& spec, CreateMode mode);
NetlinkMessage make_filter_delete(int ifindex, uint32_t parent, uint16_t priority,
                                  uint16_t protocol, uint32_t handle, std::string_view kind);
NetlinkMessage make_filter_dump(int ifindex, uint32_t parent);

}  // namespace ew::netlink
