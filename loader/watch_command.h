// `egresswatch [options] [IFACE...]`: attach, stream records, detach.
#pragma once

#include <functional>

#include "options.h"

namespace ew {

// Re-reads the prefix options (SIGHUP): the command line and --config file
// parsed again. Throws ew::Error when they no longer parse.
using PrefixReloader = std::function<PrefixOptions()>;

// Returns the process exit code; throws ew::Error for failures to report.
int run_watch(const WatchOptions& options, const PrefixReloader& reload);

}  // namespace ew
