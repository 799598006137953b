#include "interface.h"

#include <net/if.h>

#include <cerrno>

#include "error.h"

namespace ew {

Interface resolve_interface(const std::string& name) {
  if (name.empty()) throw Error("an interface name is empty");
  if (name.size() >= IFNAMSIZ) {
    throw Error(name + ": not an interface name (at most " + std::to_string(IFNAMSIZ - 1) +
                " characters)");
  }
  unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    if (errno == ENODEV || errno == ENXIO) throw Error(name + ": no such interface");
    throw_errno(name, errno);
  }
  return Interface{name, static_cast<int>(index)};
}

bool interface_exists(int ifindex) {
  char name[IF_NAMESIZE];
  return if_indextoname(static_cast<unsigned>(ifindex), name) != nullptr;
}

}  // namespace ew
