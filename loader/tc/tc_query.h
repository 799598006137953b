// Read-only questions about an interface's tc state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "net/interface.h"
#include "netlink/socket.h"
#include "netlink/tc_dump.h"
#include "tc/tc_hook.h"

namespace ew {

// Filters on one of the clsact hooks (none without a clsact qdisc). Throws ew::Error.
std::vector<netlink::TcFilter> list_filters(netlink::NetlinkSocket& socket, const Interface& iface,
                                            TcHook hook);

// Whether any filter is attached to either clsact hook.
bool clsact_has_filters(netlink::NetlinkSocket& socket, const Interface& iface);

// The kind of the qdisc at ffff: ("clsact" or "ingress"), if any.
std::optional<std::string> ingress_slot_qdisc(netlink::NetlinkSocket& socket,
                                              const Interface& iface);

}  // namespace ew
