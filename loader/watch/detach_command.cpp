#include "watch/detach_command.h"

#include "core/capabilities.h"
#include "core/error.h"
#include "core/log.h"
#include "netlink/socket.h"
#include "state/interface_lock.h"
#include "state/qdisc_ownership.h"
#include "tc/clsact_qdisc.h"
#include "tc/clsact_filter.h"
#include "tc/tc_hook.h"

namespace ew {

int run_detach(const DetachOptions& options) {
  std::vector<Interface> ifaces;
  for (const auto& name : options.interfaces)
    ifaces.push_back(resolve_interface(name));
  require_capabilities(missing_detach_capabilities(), "egresswatch detach needs CAP_NET_ADMIN");

  auto socket = netlink::NetlinkSocket::open_route();
  for (const auto& iface : ifaces) {
    std::string pid;
    if (InterfaceLock::held_by_other(iface, &pid)) {
      throw Error(iface.name + ": a running egresswatch (pid " + pid +
                  ") is watching it; stop that one instead");
    }
  }
  for (const auto& iface : ifaces) {
    // The lock, held while we work, keeps an egresswatch from starting here.
    auto lock = InterfaceLock::acquire(iface);
    int removed = 0;
    std::string hooks;  // "egress, ingress": where filters were removed
    for (TcHook hook : kClsactHooks) {
      const int on_hook = ClsactFilter::remove_leftovers(socket, iface, hook);
      if (on_hook == 0) continue;
      removed += on_hook;
      hooks += (hooks.empty() ? "" : ", ") + std::string(hook_name(hook));
    }
    if (removed > 0) {
      ClsactQdisc::remove_if_ours_and_unused(socket, iface);
    } else {
      // No leftover filter: a marker can only be stale (see ClsactQdisc::ensure).
      QdiscOwnership::forget(iface);
    }
    log_info(iface.name + ": " +
             (removed ? "removed " + std::to_string(removed) + " egresswatch filter" +
                            (removed > 1 ? "s" : "") + " (" + hooks + ")"
                      : std::string("no egresswatch filter to remove")));
  }
  return 0;
}

}  // namespace ew
