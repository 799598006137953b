// The clsact qdisc our filter hangs from. Created only when the interface has
// none; deleted on destruction only when we created it and no filter of
// anyone's is left on either of its hooks (libbpf-bootstrap's tc.c rule).
#pragma once

#include "net/interface.h"
#include "netlink/socket.h"

namespace ew {

class ClsactQdisc {
 public:
  // Throws ew::Error with a message the user can act on.
  static ClsactQdisc ensure(netlink::NetlinkSocket& socket, const Interface& iface);

  ClsactQdisc(ClsactQdisc&& other) noexcept;
  ClsactQdisc& operator=(ClsactQdisc&&) = delete;
  ClsactQdisc(const ClsactQdisc&) = delete;
  ~ClsactQdisc();

  bool created_by_us() const { return created_; }

  // Whether a filter of egresswatch's is on either hook (egress or ingress).
  static bool has_egresswatch_filter(netlink::NetlinkSocket& socket, const Interface& iface);

  // Deletes the qdisc if it is ours and unused. Also used by `detach`.
  static void remove_if_ours_and_unused(netlink::NetlinkSocket& socket, const Interface& iface);

 private:
  // Deletes the qdisc unless another filter uses it, and forgets the marker.
  static void remove_if_unused(netlink::NetlinkSocket& socket, const Interface& iface);

  ClsactQdisc(netlink::NetlinkSocket& socket, Interface iface, bool created)
      : socket_(&socket), iface_(std::move(iface)), created_(created) {}

  netlink::NetlinkSocket* socket_;
  Interface iface_;
  bool created_;
};

}  // namespace ew
