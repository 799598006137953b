#include "core/error.h"

#include <cassert>
#include <cerrno>
#include <cstring>

namespace ew {

std::string errno_message(const std::string& context, int negative_errno) {
  // A positive value is a caller that forgot the sign convention; the debug
  // (sanitize) build stops there, a release build still prints the right text.
  assert(negative_errno < 0);
  const int err = negative_errno < 0 ? -negative_errno : negative_errno;
  return context + ": " + std::strerror(err);
}

void throw_errno(const std::string& context, int negative_errno) {
  throw Error(errno_message(context, negative_errno));
}

void throw_last_error(const std::string& context) {
  const int err = errno;
  throw_errno(context, err ? -err : -EIO);
}

}  // namespace ew
