// egresswatch's cls_bpf filter on one of an interface's clsact hooks (egress
// or ingress), in direct-action mode. Deleted on destruction by priority and
// handle, and only while it still runs our program.
#pragma once

#include <cstdint>

#include "net/interface.h"
#include "netlink/socket.h"
#include "netlink/tc_messages.h"
#include "tc/tc_hook.h"

namespace ew {

// The filter egresswatch attaches to `hook`: its name, priority and handle
// (tc/filter_identity.h), the hook's parent, direct action.
netlink::BpfFilterSpec egresswatch_filter_spec(int ifindex, TcHook hook, int prog_fd);

class ClsactFilter {
 public:
  // A filter of ours left behind at the same slot is replaced (with a note on
  // stderr); anything else there is an error. Throws ew::Error, its message
  // naming the interface and the hook ("eth0: ingress hook: ...").
  static ClsactFilter attach(netlink::NetlinkSocket& socket, const Interface& iface, TcHook hook,
                             int prog_fd, uint32_t prog_id);

  ClsactFilter(ClsactFilter&& other) noexcept;
  ClsactFilter& operator=(ClsactFilter&&) = delete;
  ClsactFilter(const ClsactFilter&) = delete;
  ~ClsactFilter();

  TcHook hook() const { return hook_; }

  // Deletes every egresswatch filter on iface's `hook`; returns how many.
  static int remove_leftovers(netlink::NetlinkSocket& socket, const Interface& iface, TcHook hook);

 private:
  ClsactFilter(netlink::NetlinkSocket& socket, Interface iface, TcHook hook, uint32_t prog_id)
      : socket_(&socket), iface_(std::move(iface)), hook_(hook), prog_id_(prog_id) {}

  netlink::NetlinkSocket* socket_;
  Interface iface_;
  TcHook hook_;
  uint32_t prog_id_;
  bool attached_ = true;
};

}  // namespace ew
