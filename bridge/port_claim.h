// What the bridge holds on one port for as long as it runs, taken before it
// touches the port: the port itself (one bridge per port, or every frame
// would cross twice), and, when its socket transmits past the qdisc layer,
// a lock that says so to an egresswatch starting on the port later.
#pragma once

#include <optional>

#include "net/interface.h"
#include "state/interface_lock.h"

namespace ew::bridge {

struct PortClaim {
  InterfaceLock port;
  std::optional<InterfaceLock> bypass;  // held while the port bypasses the qdisc

  bool qdisc_bypass() const { return bypass.has_value(); }

  // `watched`: the bridge watches the port itself (--watch), so it must not
  // bypass. Without it the port bypasses, unless an egresswatch watches it
  // now: bypassing would hide the bridged frames from that one (logged).
  // Throws ew::Error naming the pid of a bridge that holds the port.
  static PortClaim take(const Interface& iface, bool watched);
};

}  // namespace ew::bridge
