#include "netlink/link_messages.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include "netlink/attributes.h"

namespace ew::netlink {

NetlinkMessage make_link_dump() {
  NetlinkMessage msg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
  auto* info = msg.put_extra_header<ifinfomsg>();
  info->ifi_family = AF_UNSPEC;
  return msg;
}

NetlinkMessage make_address_dump() {
  NetlinkMessage msg(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
  auto* addr = msg.put_extra_header<ifaddrmsg>();
  addr->ifa_family = AF_UNSPEC;
  return msg;
}

std::optional<LinkFacts> parse_link(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) {
    return std::nullopt;
  }
  const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  LinkFacts link;
  link.ifindex = info->ifi_index;
  link.flags = info->ifi_flags;
  for_each_attr(nlh, sizeof(ifinfomsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case IFLA_IFNAME:
        if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) link.name = mnl_attr_get_str(attr);
        break;
      case IFLA_MTU:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) link.mtu = mnl_attr_get_u32(attr);
        break;
      case IFLA_MASTER:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
          link.master = static_cast<int>(mnl_attr_get_u32(attr));
        }
        break;
      case IFLA_GSO_MAX_SIZE:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) link.gso_max_size = mnl_attr_get_u32(attr);
        break;
      case IFLA_GRO_MAX_SIZE:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) link.gro_max_size = mnl_attr_get_u32(attr);
        break;
      case IFLA_LINKINFO:
        for_each_nested_attr(attr, [&](const nlattr* nested) {
          if (mnl_attr_get_type(nested) == IFLA_INFO_KIND &&
              mnl_attr_validate(nested, MNL_TYPE_NUL_STRING) == 0) {
            link.kind = mnl_attr_get_str(nested);
          }
        });
        break;
    }
  });
  return link;
}

std::optional<int> parse_address_ifindex(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifaddrmsg))) {
    return std::nullopt;
  }
  const auto* addr = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  return static_cast<int>(addr->ifa_index);
}

std::optional<AddressFacts> parse_address(const nlmsghdr* nlh) {
  auto ifindex = parse_address_ifindex(nlh);
  if (!ifindex) return std::nullopt;
  const auto* addr = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  const size_t want = addr->ifa_family == AF_INET ? 4 : addr->ifa_family == AF_INET6 ? 16 : 0;
  if (!want) return std::nullopt;
  std::optional<AddressFacts> facts;
  for_each_attr(nlh, sizeof(ifaddrmsg), [&](const nlattr* attr) {
    // IFA_LOCAL is the interface's own address where the two differ
    // (point-to-point); IFA_ADDRESS otherwise.
    const uint16_t type = mnl_attr_get_type(attr);
    if ((type != IFA_ADDRESS && type != IFA_LOCAL) || mnl_attr_get_payload_len(attr) != want)
      return;
    if (facts && type == IFA_ADDRESS) return;
    char text[INET6_ADDRSTRLEN] = {};
    if (!inet_ntop(addr->ifa_family, mnl_attr_get_payload(attr), text, sizeof(text))) return;
    facts = AddressFacts{*ifindex, std::string(text) + "/" + std::to_string(addr->ifa_prefixlen)};
  });
  return facts;
}

}  // namespace ew::netlink
