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

// Whether an interface with this index exists in our network namespace.
bool interface_exists(int ifindex);

}  // namespace ew
