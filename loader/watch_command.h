// `egresswatch [options] [IFACE...]`: attach, stream records, detach.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "options.h"

namespace ew {

// Re-reads the options (SIGHUP): the command line and --config file parsed
// again. Throws ew::Error when they no longer parse. Only the prefix lists
// take effect without a restart.
using OptionsReloader = std::function<WatchOptions()>;

// The options that differ between two parses and that only a restart applies,
// by their option names ("--mode", "interfaces", ...).
std::vector<std::string> options_needing_restart(const WatchOptions& running,
                                                 const WatchOptions& reloaded);

// Returns the process exit code; throws ew::Error for failures to report.
int run_watch(const WatchOptions& options, const OptionsReloader& reload);

}  // namespace ew
