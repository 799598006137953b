// Everything egresswatch holds on one interface, in the order it is taken:
// the per-interface lock, the clsact qdisc, the egress filter and, when asked,
// the ingress filter (when not, a filter a killed egresswatch left on ingress
// is removed). Members are released in reverse: the filters first,
// then the qdisc (if ours and unused by anyone's filter on either hook), then
// the lock. A failure part way releases what was taken the same way.
#pragma once

#include <optional>

#include "core/log.h"
#include "net/interface.h"
#include "netlink/socket.h"
#include "state/interface_lock.h"
#include "state/qdisc_ownership.h"
#include "tc/clsact_filter.h"
#include "tc/clsact_qdisc.h"

namespace ew {

struct InterfaceAttachment {
  Interface iface;
  InterfaceLock lock;
  ClsactQdisc qdisc;
  ClsactFilter egress;
  std::optional<ClsactFilter> ingress;  // declared last: detached first

  // Throws ew::Error; whatever was taken before the failure is released.
  static InterfaceAttachment attach(netlink::NetlinkSocket& socket, const Interface& iface,
                                    bool with_ingress, int prog_fd, uint32_t prog_id) {
    auto lock = InterfaceLock::acquire(iface);
    auto qdisc = ClsactQdisc::ensure(socket, iface);
    auto egress = ClsactFilter::attach(socket, iface, TcHook::kEgress, prog_fd, prog_id);
    std::optional<ClsactFilter> ingress;
    if (with_ingress) {
      ingress.emplace(ClsactFilter::attach(socket, iface, TcHook::kIngress, prog_fd, prog_id));
    } else if (ClsactFilter::remove_leftovers(socket, iface, TcHook::kIngress) > 0) {
      // Under the lock no other egresswatch runs here: a filter of ours on
      // ingress is a killed run's, and would stay after this one (its qdisc too).
      log_info(hook_label(iface.name, TcHook::kIngress) +
               ": removed the filter an earlier egresswatch left behind");
    }
    QdiscOwnership::mark_attached(iface);
    return InterfaceAttachment{iface, std::move(lock), std::move(qdisc), std::move(egress),
                               std::move(ingress)};
  }
};

}  // namespace ew
