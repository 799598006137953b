#include "log.h"

#include <cstdio>

namespace ew {

void log_warning(const std::string& message) {
  std::fprintf(stderr, "egresswatch: warning: %s\n", message.c_str());
}

void log_info(const std::string& message) {
  std::fprintf(stderr, "egresswatch: %s\n", message.c_str());
}

void log_error(const std::string& message) {
  std::fprintf(stderr, "egresswatch: %s\n", message.c_str());
}

}  // namespace ew
