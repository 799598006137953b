// Errors that reach the user. Inside, kernel-facing code returns negative
// errno; the layer that knows what was being attempted wraps it once into an
// Error whose what() is the single line printed on stderr.
#pragma once

#include <stdexcept>
#include <string>

namespace ew {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "context: <strerror>" for a negative (or positive) errno value.
std::string errno_message(const std::string& context, int err);

[[noreturn]] void throw_errno(const std::string& context, int err);

}  // namespace ew
