// Link and address dumps, decoded into what a bridge needs to know about its
// ports before it touches them: up or down, MTU, master device, addresses.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <optional>
#include <string>

#include "netlink/message.h"

namespace ew::netlink {

struct LinkFacts {
  int ifindex = 0;
  std::string name;
  unsigned flags = 0;  // IFF_UP, IFF_SLAVE, ...
  uint32_t mtu = 0;
  int master = 0;    // ifindex of the bridge or bond it belongs to; 0: none
  std::string kind;  // IFLA_INFO_KIND: "bridge", "bond", "veth", ... or empty
  // The largest GSO frame the stack may send through it and the largest
  // GRO may build on receive (above 65536 with BIG TCP).
  uint32_t gso_max_size = 0;
  uint32_t gro_max_size = 0;
};

NetlinkMessage make_link_dump();
NetlinkMessage make_address_dump();

std::optional<LinkFacts> parse_link(const nlmsghdr* nlh);
// The interface an address message belongs to, if it is one (RTM_NEWADDR).
std::optional<int> parse_address_ifindex(const nlmsghdr* nlh);
// The address itself as "192.0.2.1/24" or "fe80::1/64", if the message is an
// address message that carries one.
struct AddressFacts {
  int ifindex = 0;
  std::string text;
};
std::optional<AddressFacts> parse_address(const nlmsghdr* nlh);

}  // namespace ew::netlink
