#include "core/error.h"

#include <cstdlib>
#include <cstring>

namespace ew {

std::string errno_message(const std::string& context, int err) {
  return context + ": " + std::strerror(std::abs(err));
}

void throw_errno(const std::string& context, int err) {
  throw Error(errno_message(context, err));
}

}  // namespace ew
