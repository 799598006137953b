#include "bridge/port_claim.h"

namespace ew::bridge {

PortClaim PortClaim::take(const Interface& iface) {
  return PortClaim{InterfaceLock::acquire(iface, LockPurpose::kBridgePort)};
}

}  // namespace ew::bridge
