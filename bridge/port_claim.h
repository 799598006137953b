// What the bridge holds on one port for as long as it runs, taken before it
// touches the port: the port itself (one bridge per port, or every frame
// would cross twice).
#pragma once

#include "net/interface.h"
#include "state/interface_lock.h"

namespace ew::bridge {

struct PortClaim {
  InterfaceLock port;

  // Throws ew::Error naming the pid of a bridge that holds the port.
  static PortClaim take(const Interface& iface);
};

}  // namespace ew::bridge
