#include "netlink/route_messages.h"

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "netlink/attributes.h"

namespace ew::netlink {

NetlinkMessage make_route_dump(int family) {
  NetlinkMessage msg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
  auto* rt = msg.put_extra_header<rtmsg>();
  rt->rtm_family = static_cast<unsigned char>(family);
  return msg;
}

std::optional<DefaultRoute> parse_default_route(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != RTM_NEWROUTE || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(rtmsg))) {
    return std::nullopt;
  }
  const auto* rt = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(nlh));
  if (rt->rtm_dst_len != 0 || rt->rtm_type != RTN_UNICAST) return std::nullopt;
  uint32_t table = rt->rtm_table;
  DefaultRoute route;
  for_each_attr(nlh, sizeof(rtmsg), [&](const nlattr* attr) {
    switch (mnl_attr_get_type(attr)) {
      case RTA_TABLE:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) table = mnl_attr_get_u32(attr);
        break;
      case RTA_OIF:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) {
          route.ifindex = static_cast<int>(mnl_attr_get_u32(attr));
        }
        break;
      case RTA_PRIORITY:
        if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0) route.metric = mnl_attr_get_u32(attr);
        break;
      case RTA_MULTIPATH:
        // ECMP: the first next hop's device stands for the route.
        if (route.ifindex == 0 && mnl_attr_get_payload_len(attr) >= sizeof(rtnexthop)) {
          const auto* hop = static_cast<const rtnexthop*>(mnl_attr_get_payload(attr));
          route.ifindex = hop->rtnh_ifindex;
        }
        break;
      default:
        break;
    }
  });
  if (table != RT_TABLE_MAIN || route.ifindex == 0) return std::nullopt;
  return route;
}

}  // namespace ew::netlink
