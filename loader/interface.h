// A network interface named by the user, resolved to its index once.
#pragma once

#include <string>

namespace ew {

struct Interface {
  std::string name;
  int ifindex = 0;
};

// Throws ew::Error("eth9: no such interface") and the like.
Interface resolve_interface(const std::string& name);

}  // namespace ew
