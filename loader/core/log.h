// The few lines egresswatch itself writes to stderr, all with one prefix so
// they stand apart from the JSON on stdout.
#pragma once

#include <string>

namespace ew {

// The prefix of every line: "egresswatch" unless another program sets it.
void set_log_program(const char* name);

void log_warning(const std::string& message);
void log_info(const std::string& message);
void log_error(const std::string& message);

}  // namespace ew
