// A network interface named by the user, resolved to its index once.
#pragma once

#include <string>

namespace ew {

struct Interface {
  std::string name;
  int ifindex = 0;
};

// Throws ew::Error("eth9: no such interface") and the like.
Interface resolve_interface(const std::string& name);

// Throws ew::Error unless iface carries Ethernet frames (or is loopback): on
// tun, WireGuard, PPP or GRE devices tc sees packets without an Ethernet
// header, which the classifier would count as non-IP and never record.
void require_ethernet(const Interface& iface);
// Whether the interface is administratively up (IFF_UP). Throws ew::Error.
bool is_up(const Interface& iface);
// Whether it is up and has its carrier (IFF_UP and IFF_RUNNING): frames can
// cross it. Throws ew::Error.
bool is_running(const Interface& iface);
// The ARPHRD_* link type (ARPHRD_ETHER, ARPHRD_LOOPBACK, ...). Throws ew::Error.
int link_type(const Interface& iface);

// Whether an interface with this index exists in our network namespace.
bool interface_exists(int ifindex);

}  // namespace ew
