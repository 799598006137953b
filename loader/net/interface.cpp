#include "net/interface.h"

#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstdio>

#include <cerrno>

#include "core/error.h"
#include "core/unique_fd.h"

namespace ew {

Interface resolve_interface(const std::string& name) {
  if (name.empty()) throw Error("an interface name is empty");
  if (name.size() >= IFNAMSIZ) {
    throw UsageError(name + ": not an interface name (at most " + std::to_string(IFNAMSIZ - 1) +
                     " characters)");
  }
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    if (errno == ENODEV || errno == ENXIO) throw Error(name + ": no such interface");
    throw_last_error(name);
  }
  return Interface{name, static_cast<int>(index)};
}

namespace {
// Any socket takes the interface ioctls (the kernel hands what its family
// does not know to the device layer); AF_UNIX because every sandbox allows it:
// the bridge's unit restricts address families to AF_PACKET, AF_NETLINK and
// AF_UNIX, where an AF_INET socket failed ("Address family not supported").
UniqueFd ioctl_socket() {
  UniqueFd probe(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) throw_last_error("opening a socket for interface ioctls");
  return probe;
}
}  // namespace

int link_type(const Interface& iface) {
  UniqueFd probe = ioctl_socket();
  ifreq request{};
  std::snprintf(request.ifr_name, sizeof(request.ifr_name), "%s", iface.name.c_str());
  if (ioctl(probe.get(), SIOCGIFHWADDR, &request) != 0) throw_last_error(iface.name);
  return request.ifr_hwaddr.sa_family;
}

namespace {
unsigned interface_flags(const Interface& iface) {
  UniqueFd probe = ioctl_socket();
  ifreq request{};
  std::snprintf(request.ifr_name, sizeof(request.ifr_name), "%s", iface.name.c_str());
  if (ioctl(probe.get(), SIOCGIFFLAGS, &request) != 0) throw_last_error(iface.name);
  return static_cast<unsigned short>(request.ifr_flags);
}
}  // namespace

bool is_up(const Interface& iface) {
  return interface_flags(iface) & IFF_UP;
}

bool is_running(const Interface& iface) {
  const unsigned flags = interface_flags(iface);
  return (flags & IFF_UP) && (flags & IFF_RUNNING);
}

void require_ethernet(const Interface& iface) {
  const int type = link_type(iface);
  if (type == ARPHRD_ETHER || type == ARPHRD_LOOPBACK) return;
  throw Error(iface.name + ": not an Ethernet interface (link type " + std::to_string(type) +
              "); egresswatch reads Ethernet frames, so tun, WireGuard, PPP and GRE devices "
              "cannot be watched yet: watch the Ethernet interface they leave through");
}

bool interface_exists(int ifindex) {
  char name[IF_NAMESIZE];
  return if_indextoname(static_cast<unsigned>(ifindex), name) != nullptr;
}

}  // namespace ew
