// The interface egresswatch watches when none is named: the one the default
// route leaves through (IPv4 first, then IPv6; lowest metric wins).
#pragma once

#include "net/interface.h"
#include "netlink/socket.h"

namespace ew {

// Throws ew::Error when there is no default route.
Interface default_route_interface(netlink::NetlinkSocket& socket);

}  // namespace ew
