// Errors that reach the user.
//
// The contract, one way everywhere:
// - Inside, code that can fail returns a negative errno (-ENOENT), as libbpf
//   and netlink replies do, or throws ew::Error when it knows what was being
//   attempted.
// - The layer that knows what was being attempted wraps the failure once into
//   an Error whose what() is the single line printed on stderr: throw_errno
//   for a negative errno it was handed, throw_last_error right after a failed
//   system call (it reads errno).
// - Only main() catches Error, and prints it through the log (core/log.h);
//   a UsageError exits 2, any other Error 1.
//   Destructors never throw: what they cannot undo is a warning.
#pragma once

#include <stdexcept>
#include <string>

namespace ew {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An error in what the user asked for, found before anything is touched (an
// interface named twice, a prefix both included and excluded, an unknown
// --user): main() exits 2 for it, as for a command line that does not parse.
class UsageError : public Error {
 public:
  using Error::Error;
};

// "context: <strerror>" for a negative errno value.
std::string errno_message(const std::string& context, int negative_errno);

// Throws Error(errno_message(context, negative_errno)).
[[noreturn]] void throw_errno(const std::string& context, int negative_errno);

// After a system call failed: the same for -errno.
[[noreturn]] void throw_last_error(const std::string& context);

}  // namespace ew
