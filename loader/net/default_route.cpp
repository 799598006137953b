#include "net/default_route.h"

#include <net/if.h>
#include <sys/socket.h>

#include <optional>

#include "core/error.h"
#include "netlink/route_messages.h"

namespace ew {

Interface default_route_interface(netlink::NetlinkSocket& socket) {
  for (int family : {AF_INET, AF_INET6}) {
    std::optional<netlink::DefaultRoute> best;
    auto request = netlink::make_route_dump(family);
    auto reply = socket.dump(request, [&](const nlmsghdr* nlh) {
      auto route = netlink::parse_default_route(nlh);
      if (route && (!best || route->metric < best->metric)) best = route;
    });
    if (reply.error < 0) throw_errno("reading the routing table", reply.error);
    if (best) {
      char name[IF_NAMESIZE] = {};
      if (!if_indextoname(static_cast<unsigned>(best->ifindex), name)) {
        throw_last_error("naming the default route's interface");
      }
      return Interface{name, best->ifindex};
    }
  }
  throw Error("no default route, so no interface to watch; name one: egresswatch IFACE");
}

}  // namespace ew
