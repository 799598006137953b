// `egresswatch detach IFACE...`: remove what a killed egresswatch left.
#pragma once

#include "session/options.h"

namespace ew {

// Returns the exit code; throws ew::Error.
int run_detach(const DetachOptions& options);

}  // namespace ew
