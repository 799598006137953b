#include "netlink/tc_dump.h"

#include <libmnl/libmnl.h>
#include <linux/pkt_cls.h>
#include <linux/rtnetlink.h>

#include "netlink/attributes.h"

namespace ew::netlink {
namespace {

std::string string_attr(const nlattr* attr) {
  if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0) return {};
  return mnl_attr_get_str(attr);
}

void parse_bpf_options(const nlattr* options, TcFilter& filter) {
  for_each_nested_attr(options, [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case TCA_BPF_NAME:
        filter.bpf_name = string_attr(attr);
        break;
      case TCA_BPF_ID:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) filter.bpf_prog_id = mnl_attr_get_u32(attr);
        break;
      default:
        break;
    }
  });
}

}  // namespace

std::optional<TcQdisc> parse_qdisc(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWQDISC || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(tcmsg))) {
    return std::nullopt;
  }
  const auto* tc = static_cast<const tcmsg*>(mnl_nlmsg_get_payload(nlh));
  TcQdisc qdisc{tc->tcm_ifindex, tc->tcm_handle, tc->tcm_parent, {}};
  for_each_attr(nlh, sizeof(tcmsg), [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == TCA_KIND) qdisc.kind = string_attr(attr);
  });
  return qdisc;
}

std::optional<TcFilter> parse_filter(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWTFILTER || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(tcmsg))) {
    return std::nullopt;
  }
  const auto* tc = static_cast<const tcmsg*>(mnl_nlmsg_get_payload(nlh));
  TcFilter filter;
  filter.ifindex = tc->tcm_ifindex;
  filter.parent = tc->tcm_parent;
  filter.priority = static_cast<uint16_t>(TC_H_MAJ(tc->tcm_info) >> 16);
  filter.protocol = static_cast<uint16_t>(TC_H_MIN(tc->tcm_info));
  filter.handle = tc->tcm_handle;
  const nlattr* options = nullptr;
  for_each_attr(nlh, sizeof(tcmsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case TCA_KIND:
        filter.kind = string_attr(attr);
        break;
      case TCA_OPTIONS:
        options = attr;
        break;
      default:
        break;
    }
  });
  if (options && filter.kind == "bpf") parse_bpf_options(options, filter);
  return filter;
}

}  // namespace ew::netlink
