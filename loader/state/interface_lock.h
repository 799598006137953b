// One egresswatch per interface and network namespace at a time.
//
// A second instance would replace the first one's filter (same name, priority
// and handle) and silence it without a word. An flock()ed file per interface,
// next to the qdisc markers, tells a live owner from a filter left behind by a
// killed one: the kernel drops the lock when its holder dies, however it dies.
#pragma once

#include <string>

#include "core/unique_fd.h"
#include "net/interface.h"

namespace ew {

class InterfaceLock {
 public:
  // Throws ew::Error naming the pid that holds it.
  static InterfaceLock acquire(const Interface& iface);
  // Whether a live process holds the lock now.
  static bool held_by_other(const Interface& iface, std::string* holder_pid);

 private:
  explicit InterfaceLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace ew
