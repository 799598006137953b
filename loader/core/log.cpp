#include "core/log.h"

#include <cstdio>

namespace ew {
namespace {
const char* program = "egresswatch";
}  // namespace

void set_log_program(const char* name) {
  program = name;
}

void log_warning(const std::string& message) {
  std::fprintf(stderr, "%s: warning: %s\n", program, message.c_str());
}

void log_info(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
}

void log_error(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", program, message.c_str());
}

}  // namespace ew
