// One egresswatch per interface and network namespace at a time, and one
// egresswatch-bridge per port.
//
// A second instance would replace the first one's filter (same name, priority
// and handle) and silence it without a word. An flock()ed file per interface,
// next to the qdisc markers, tells a live owner from a filter left behind by a
// killed one: the kernel drops the lock when its holder dies, however it dies.
//
// The files do not pile up: the holder removes its file when it lets go, and
// acquiring sweeps away files nobody holds (left by a kill -9, or keyed to a
// network namespace that is gone). Both are safe against a racing acquire,
// which checks after locking that its file is still the one at the path.
#pragma once

#include <string>
#include <utility>

#include "core/unique_fd.h"
#include "net/interface.h"

namespace ew {

// What a lock keeps to one process. They are separate files: a bridge without
// --watch may run beside an egresswatch on its port (they do not collide),
// while a bridge with --watch takes both, the watch locks through its session.
enum class LockPurpose {
  kWatch,       // egresswatch's filter on the interface's egress hook
  kBridgePort,  // an egresswatch-bridge's packet socket on the interface
  // Held beside kBridgePort while that socket transmits past the qdisc
  // layer, and so past the egress hook: egresswatch warns when it sees it.
  kQdiscBypass,
};

class InterfaceLock {
 public:
  // Throws ew::Error naming the pid that holds it.
  static InterfaceLock acquire(const Interface& iface, LockPurpose purpose = LockPurpose::kWatch);
  // Whether a live process holds the lock now.
  static bool held_by_other(const Interface& iface, std::string* holder_pid,
                            LockPurpose purpose = LockPurpose::kWatch);

  InterfaceLock(InterfaceLock&& other) noexcept
      : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, {})) {}
  InterfaceLock& operator=(InterfaceLock&& other) noexcept;
  ~InterfaceLock();

  // Removes the lock files in the state folder that no process holds.
  static void sweep_unheld();

 private:
  InterfaceLock(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  void release();

  UniqueFd fd_;
  std::string path_;
};

}  // namespace ew
