// Option checks shared by egresswatch's and egresswatch-bridge's command lines.
#pragma once

#include <CLI/CLI.hpp>

namespace ew {

// A number of seconds above 0, finite, and at most 1e9.
const CLI::Validator& seconds_validator();

}  // namespace ew
