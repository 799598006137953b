#include "bridge/packet_port.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <cerrno>

#include "core/error.h"

namespace ew::bridge {
namespace {

void set_option(int fd, int level, int name, int value, const Interface& iface, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) {
    throw_last_error(iface.name + ": " + what);
  }
}

}  // namespace

PacketPort PacketPort::open(const Interface& iface, const PortSettings& settings) {
  // Protocol 0: no frame is queued before the socket is set up and bound.
  UniqueFd fd(socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) throw_last_error(iface.name + ": opening a packet socket");
  const int s = fd.get();

  set_option(s, SOL_PACKET, PACKET_VNET_HDR, 1, iface, "PACKET_VNET_HDR");
  set_option(s, SOL_PACKET, PACKET_AUXDATA, 1, iface, "PACKET_AUXDATA");
  set_option(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, iface, "PACKET_IGNORE_OUTGOING");
  if (settings.qdisc_bypass) {
    set_option(s, SOL_PACKET, PACKET_QDISC_BYPASS, 1, iface, "PACKET_QDISC_BYPASS");
  }
  // The FORCE variants pass the sysctl limits (we hold CAP_NET_ADMIN); room
  // for a burst of 64 KiB GSO frames while the other port is busy.
  set_option(s, SOL_SOCKET, SO_RCVBUFFORCE, settings.receive_buffer_bytes, iface, "SO_RCVBUFFORCE");
  set_option(s, SOL_SOCKET, SO_SNDBUFFORCE, settings.send_buffer_bytes, iface, "SO_SNDBUFFORCE");

  packet_mreq membership{};
  membership.mr_ifindex = iface.ifindex;
  membership.mr_type = PACKET_MR_PROMISC;
  if (setsockopt(s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof(membership)) != 0) {
    throw_last_error(iface.name + ": promiscuous mode");
  }

  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = iface.ifindex;
  if (bind(s, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw_last_error(iface.name + ": binding a packet socket");
  }
  return PacketPort(std::move(fd), iface);
}

KernelPortStats PacketPort::kernel_stats() {
  tpacket_stats now{};
  socklen_t size = sizeof(now);
  if (getsockopt(fd_.get(), SOL_PACKET, PACKET_STATISTICS, &now, &size) == 0) {
    stats_.packets += now.tp_packets;
    stats_.drops += now.tp_drops;
  }
  return stats_;
}

int PacketPort::take_error() {
  int err = 0;
  socklen_t size = sizeof(err);
  if (getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &size) != 0) return errno;
  return err;
}

}  // namespace ew::bridge
