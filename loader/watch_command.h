// `egresswatch [options] [IFACE...]`: attach, stream records, detach.
#pragma once

#include <string>
#include <vector>

#include "line_formatter.h"
#include "options.h"
#include "output_sink.h"

namespace ew {

// Returns the process exit code; throws ew::Error for failures to report.
int run_watch(const WatchOptions& options, const OptionsReloader& reload);

// After the output reader has gone: the final stats line and the bytes given
// up go to stderr, where a person still sees them.
void report_output_closed(const OutputSink& sink, const StatsLine& final_stats);

}  // namespace ew
