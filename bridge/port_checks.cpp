#include "bridge/port_checks.h"

#include <net/if.h>
#include <net/if_arp.h>

#include <algorithm>
#include <map>

#include "core/error.h"
#include "netlink/socket.h"

namespace ew::bridge {
namespace {

void judge_one(const netlink::LinkFacts& link, const std::string& master_kind) {
  if (!(link.flags & IFF_UP)) {
    throw Error(link.name + ": interface is down; bring it up first (ip link set " + link.name +
                " up)");
  }
  if (link.master != 0) {
    if (master_kind == "bridge") {
      throw Error(link.name +
                  ": already a port of a kernel bridge; take it out first (ip link set " +
                  link.name + " nomaster)");
    }
    if (master_kind == "bond" || master_kind == "team" || (link.flags & IFF_SLAVE)) {
      throw Error(link.name + ": part of a " + (master_kind.empty() ? "bond" : master_kind) +
                  "; bridge the " + (master_kind.empty() ? "bond" : master_kind) +
                  " device instead");
    }
  }
}

// A receive slot holds a 64 KiB frame (frame_batch.h).
constexpr uint32_t kLargestCarriedFrame = 65536;

std::string address_warning(const std::string& name, const std::vector<std::string>& addresses) {
  std::string list;
  for (const auto& address : addresses)
    list += (list.empty() ? "" : ", ") + address;
  return name + " has IP addresses (" + list +
         "): this host answers on it beside the bridge (ARP, neighbour discovery, TCP "
         "resets); an inline bridge's ports usually have none: ip address flush dev " +
         name + "; sysctl -w net.ipv6.conf." + name + ".disable_ipv6=1";
}

}  // namespace

std::vector<std::string> judge_ports(const netlink::LinkFacts& a, const netlink::LinkFacts& b,
                                     const std::string& master_a_kind,
                                     const std::string& master_b_kind,
                                     const std::vector<std::string>& a_addresses,
                                     const std::vector<std::string>& b_addresses) {
  if (a.ifindex == b.ifindex) {
    throw UsageError(a.name + ": named twice; a bridge needs two different interfaces");
  }
  judge_one(a, master_a_kind);
  judge_one(b, master_b_kind);
  std::vector<std::string> warnings;
  if (a.mtu != b.mtu) {
    warnings.push_back("the ports' MTUs differ (" + a.name + " " + std::to_string(a.mtu) + ", " +
                       b.name + " " + std::to_string(b.mtu) +
                       "): frames larger than the smaller one are dropped and counted as "
                       "send_failed");
  }
  for (const auto* link : {&a, &b}) {
    const uint32_t largest = std::max(link->gso_max_size, link->gro_max_size);
    if (largest > kLargestCarriedFrame) {
      warnings.push_back(link->name + " allows offloaded frames of up to " +
                         std::to_string(largest) +
                         " bytes (BIG TCP); the bridge carries up to 65536 and counts larger "
                         "ones as truncated: ip link set " +
                         link->name + " gso_max_size 65536 gro_max_size 65536");
    }
  }
  if (!a_addresses.empty()) warnings.push_back(address_warning(a.name, a_addresses));
  if (!b_addresses.empty()) warnings.push_back(address_warning(b.name, b_addresses));
  return warnings;
}

CheckedPorts check_ports(const std::string& name_a, const std::string& name_b) {
  CheckedPorts ports{resolve_interface(name_a), resolve_interface(name_b), {}};
  if (ports.a.ifindex == ports.b.ifindex) {
    throw UsageError(name_a + ": named twice; a bridge needs two different interfaces");
  }
  for (const Interface* port : {&ports.a, &ports.b}) {
    require_ethernet(*port);
    // egresswatch may watch lo (its frames carry an Ethernet header), but
    // nothing can be bridged through it: what is sent there comes back to
    // this host only.
    if (link_type(*port) == ARPHRD_LOOPBACK) {
      throw Error(port->name + ": a loopback interface; a bridge needs two Ethernet ports");
    }
  }

  auto socket = netlink::NetlinkSocket::open_route();
  std::map<int, netlink::LinkFacts> links;
  auto request = netlink::make_link_dump();
  auto listed = socket.dump(request, [&](const nlmsghdr* nlh) {
    if (auto link = netlink::parse_link(nlh)) links[link->ifindex] = *link;
  });
  if (listed.error) throw_errno("listing interfaces", listed.error);
  std::map<int, std::vector<std::string>> addresses_of;
  auto addresses = netlink::make_address_dump();
  listed = socket.dump(addresses, [&](const nlmsghdr* nlh) {
    if (auto address = netlink::parse_address(nlh)) {
      addresses_of[address->ifindex].push_back(address->text);
    }
  });
  if (listed.error) throw_errno("listing addresses", listed.error);

  auto facts = [&](const Interface& iface) {
    auto it = links.find(iface.ifindex);
    if (it == links.end()) throw Error(iface.name + ": no such interface");
    return it->second;
  };
  auto master_kind = [&](const netlink::LinkFacts& link) -> std::string {
    auto it = links.find(link.master);
    return it == links.end() ? "" : it->second.kind;
  };
  const auto a = facts(ports.a);
  const auto b = facts(ports.b);
  ports.warnings = judge_ports(a, b, master_kind(a), master_kind(b), addresses_of[a.ifindex],
                               addresses_of[b.ifindex]);
  return ports;
}

}  // namespace ew::bridge
