// `egresswatch [options] [IFACE...]`: attach, stream records, detach.
#pragma once

#include "options.h"

namespace ew {

// Returns the process exit code; throws ew::Error for failures to report.
int run_watch(const WatchOptions& options);

}  // namespace ew
