// Remembers, across a crash, which clsact qdiscs egresswatch created.
//
// A clsact qdisc carries no owner, yet "leave the interface as it was" needs
// one: after kill -9, `egresswatch detach` (or the next start) must delete the
// qdisc we added and must never delete one somebody else made. A small file
// per qdisc under /run/egresswatch (tmpfs, so gone after a reboot, as is the
// qdisc) records it, keyed by network namespace and interface index because
// indexes repeat across namespaces. EGRESSWATCH_STATE_DIR overrides the folder.
#pragma once

#include <string>

#include "net/interface.h"

namespace ew {

class QdiscOwnership {
 public:
  // What a marker says: no marker, our qdisc being set up (the filter not
  // attached yet), or our qdisc with our filter attached.
  enum class State { kNone, kAttaching, kAttached };

  // Marks the current namespace's iface as having our clsact qdisc, with the
  // filter still to come.
  static void record(const Interface& iface);
  // Our filter hangs from it now.
  static void mark_attached(const Interface& iface);
  // Whether a marker for iface exists (and names the same interface).
  static bool recorded(const Interface& iface) { return state(iface) != State::kNone; }
  static State state(const Interface& iface);
  static void forget(const Interface& iface);

  static std::string marker_path(const Interface& iface);
};

}  // namespace ew
