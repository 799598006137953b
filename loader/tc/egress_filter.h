// egresswatch's cls_bpf filter on one interface's egress hook, in
// direct-action mode. Deleted on destruction by priority and handle, and only
// while it still runs our program.
#pragma once

#include <cstdint>

#include "net/interface.h"
#include "netlink/socket.h"

namespace ew {

class EgressFilter {
 public:
  // A filter of ours left behind at the same slot is replaced (with a note on
  // stderr); anything else there is an error. Throws ew::Error.
  static EgressFilter attach(netlink::NetlinkSocket& socket, const Interface& iface, int prog_fd,
                             uint32_t prog_id);

  EgressFilter(EgressFilter&& other) noexcept;
  EgressFilter& operator=(EgressFilter&&) = delete;
  EgressFilter(const EgressFilter&) = delete;
  ~EgressFilter();

  // Deletes every egresswatch filter on iface's egress hook; returns how many.
  static int remove_leftovers(netlink::NetlinkSocket& socket, const Interface& iface);

 private:
  EgressFilter(netlink::NetlinkSocket& socket, Interface iface, uint32_t prog_id)
      : socket_(&socket), iface_(std::move(iface)), prog_id_(prog_id) {}

  netlink::NetlinkSocket* socket_;
  Interface iface_;
  uint32_t prog_id_;
  bool attached_ = true;
};

}  // namespace ew
