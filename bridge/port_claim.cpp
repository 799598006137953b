#include "bridge/port_claim.h"

#include <string>
#include <utility>

#include "core/log.h"

namespace ew::bridge {

PortClaim PortClaim::take(const Interface& iface, bool watched) {
  PortClaim claim{InterfaceLock::acquire(iface, LockPurpose::kBridgePort), std::nullopt};
  if (watched) return claim;
  std::string pid;
  if (InterfaceLock::held_by_other(iface, &pid, LockPurpose::kWatch)) {
    log_info(iface.name + ": watched by egresswatch (pid " + pid +
             "), so frames go out through the qdisc layer, where it sees them "
             "(no PACKET_QDISC_BYPASS)");
    return claim;
  }
  claim.bypass = InterfaceLock::acquire(iface, LockPurpose::kQdiscBypass);
  return claim;
}

}  // namespace ew::bridge
