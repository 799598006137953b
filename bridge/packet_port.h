// One bridge port: an AF_PACKET socket bound to an interface, owned for the
// bridge's lifetime. Closing the socket undoes everything it set up (the
// promiscuous-mode membership included), so a killed bridge leaves the
// interface as it was.
#pragma once

#include <cstdint>

#include "core/unique_fd.h"
#include "net/interface.h"

namespace ew::bridge {

struct PortSettings {
  // Transmit straight to the driver, skipping the qdisc and with it the tc
  // egress hook: only for ports that are not watched.
  bool qdisc_bypass = false;
  int receive_buffer_bytes = 8 << 20;
  int send_buffer_bytes = 8 << 20;
};

// What the kernel counted for the socket (PACKET_STATISTICS), since open.
struct KernelPortStats {
  uint64_t packets = 0;  // frames that reached the socket, dropped ones included
  uint64_t drops = 0;    // frames dropped because the receive queue was full
};

class PacketPort {
 public:
  // Opens the socket: receives every frame on `iface` but not the ones sent
  // from this host (PACKET_IGNORE_OUTGOING), each with a virtio-net header
  // (PACKET_VNET_HDR) so GSO frames larger than the MTU keep their
  // segmentation and checksum state, and the VLAN tag the kernel took out of
  // the frame as auxiliary data; the interface goes into promiscuous mode
  // for as long as the socket is open. Throws ew::Error.
  static PacketPort open(const Interface& iface, const PortSettings& settings);

  int fd() const { return fd_.get(); }
  const Interface& iface() const { return iface_; }

  // The counters, accumulated (the kernel resets them on every read).
  KernelPortStats kernel_stats();
  // Reads and clears a pending socket error (ENETDOWN when the interface
  // went down or away); 0 when there is none.
  int take_error();

 private:
  PacketPort(UniqueFd fd, Interface iface) : fd_(std::move(fd)), iface_(std::move(iface)) {}

  UniqueFd fd_;
  Interface iface_;
  KernelPortStats stats_;
};

}  // namespace ew::bridge
