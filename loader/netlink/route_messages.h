// Route dump request and decoding of the default route's output interface.
#pragma once

#include <linux/netlink.h>

#include <optional>

#include "netlink/message.h"

namespace ew::netlink {

struct DefaultRoute {
  int ifindex = 0;
  uint32_t metric = 0;
};

NetlinkMessage make_route_dump(int family);

// The default route a message describes, if it is one of the main table's.
std::optional<DefaultRoute> parse_default_route(const nlmsghdr* nlh);

}  // namespace ew::netlink
