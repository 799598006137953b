#include "netlink/tc_messages.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <string>

namespace ew::netlink {
namespace {

tcmsg* put_tcmsg(NetlinkMessage& msg, int ifindex, uint32_t parent, uint32_t handle,
                 uint32_t info) {
  auto* tc = msg.put_extra_header<tcmsg>();
  tc->tcm_family = AF_UNSPEC;
  tc->tcm_ifindex = ifindex;
  tc->tcm_parent = parent;
  tc->tcm_handle = handle;
  tc->tcm_info = info;
  return tc;
}

// tcm_info of a filter: priority in the upper half, protocol (network order)
// in the lower, as tc and libbpf encode it.
uint32_t filter_info(uint16_t priority, uint16_t protocol_be) {
  return TC_H_MAKE(static_cast<uint32_t>(priority) << 16, protocol_be);
}

}  // namespace

NetlinkMessage make_clsact_create(int ifindex) {
  NetlinkMessage msg(RTM_NEWQDISC, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
  put_tcmsg(msg, ifindex, TC_H_CLSACT, kClsactHandle, 0);
  msg.put_strz(TCA_KIND, "clsact");
  return msg;
}

NetlinkMessage make_clsact_delete(int ifindex) {
  NetlinkMessage msg(RTM_DELQDISC, NLM_F_REQUEST | NLM_F_ACK);
  put_tcmsg(msg, ifindex, TC_H_CLSACT, kClsactHandle, 0);
  msg.put_strz(TCA_KIND, "clsact");
  return msg;
}

NetlinkMessage make_qdisc_dump() {
  NetlinkMessage msg(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP);
  put_tcmsg(msg, 0, 0, 0, 0);
  return msg;
}

NetlinkMessage make_bpf_filter_create(const BpfFilterSpec& spec, CreateMode mode) {
  uint16_t flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
  flags |= mode == CreateMode::kExclusive ? NLM_F_EXCL : NLM_F_REPLACE;
  NetlinkMessage msg(RTM_NEWTFILTER, flags);
  put_tcmsg(msg, spec.ifindex, spec.parent, spec.handle,
            filter_info(spec.priority, htons(ETH_P_ALL)));
  msg.put_strz(TCA_KIND, "bpf");
  nlattr* options = msg.begin_nest(TCA_OPTIONS);
  msg.put_u32(TCA_BPF_FD, static_cast<uint32_t>(spec.prog_fd));
  msg.put_strz(TCA_BPF_NAME, spec.name);
  msg.put_u32(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
  msg.end_nest(options);
  return msg;
}

NetlinkMessage make_filter_delete(int ifindex, uint32_t parent, uint16_t priority,
                                  uint16_t protocol, uint32_t handle, std::string_view kind) {
  NetlinkMessage msg(RTM_DELTFILTER, NLM_F_REQUEST | NLM_F_ACK);
  put_tcmsg(msg, ifindex, parent, handle, filter_info(priority, protocol));
  msg.put_strz(TCA_KIND, kind);
  return msg;
}

NetlinkMessage make_filter_dump(int ifindex, uint32_t parent) {
  NetlinkMessage msg(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_DUMP);
  put_tcmsg(msg, ifindex, parent, 0, 0);
  return msg;
}

}  // namespace ew::netlink
