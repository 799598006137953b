// `egresswatch [options] [IFACE...]`: attach, stream records, detach.
#pragma once

#include <string>
#include <vector>

#include "core/output_sink.h"
#include "output/line_formatter.h"
#include "session/options.h"

namespace ew {

// Returns the process exit code; throws ew::Error for failures to report.
int run_watch(const WatchOptions& options, const OptionsReloader& reload);

}  // namespace ew
