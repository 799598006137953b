// Decoding of qdisc and filter dump answers into plain values.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>

namespace ew::netlink {

struct TcQdisc {
  int ifindex = 0;
  uint32_t handle = 0;
  uint32_t parent = 0;
  std::string kind;
};

struct TcFilter {
  int ifindex = 0;
  uint32_t parent = 0;
  uint16_t priority = 0;
  uint16_t protocol = 0;  // network byte order, as in tcm_info
  uint32_t handle = 0;    // 0 for the per-priority chain head the kernel also dumps
  std::string kind;
  std::string bpf_name;  // TCA_BPF_NAME for cls_bpf filters
  uint32_t bpf_prog_id = 0;
};

std::optional<TcQdisc> parse_qdisc(const nlmsghdr* nlh);
std::optional<TcFilter> parse_filter(const nlmsghdr* nlh);

}  // namespace ew::netlink
