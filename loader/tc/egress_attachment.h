// Everything egresswatch holds on one interface, in the order it is taken:
// the per-interface lock, the clsact qdisc, the filter. Members are released
// in reverse: filter first, then the qdisc (if ours and unused), then the lock.
#pragma once

#include "net/interface.h"
#include "netlink/socket.h"
#include "state/interface_lock.h"
#include "state/qdisc_ownership.h"
#include "tc/clsact_qdisc.h"
#include "tc/egress_filter.h"

namespace ew {

struct EgressAttachment {
  Interface iface;
  InterfaceLock lock;
  ClsactQdisc qdisc;
  EgressFilter filter;

  // Throws ew::Error; whatever was taken before the failure is released.
  static EgressAttachment attach(netlink::NetlinkSocket& socket, const Interface& iface,
                                 int prog_fd, uint32_t prog_id) {
    auto lock = InterfaceLock::acquire(iface);
    auto qdisc = ClsactQdisc::ensure(socket, iface);
    auto filter = EgressFilter::attach(socket, iface, prog_fd, prog_id);
    QdiscOwnership::mark_attached(iface);
    return EgressAttachment{iface, std::move(lock), std::move(qdisc), std::move(filter)};
  }
};

}  // namespace ew
