// What both programs say when their output's reader has gone (or the disk
// filled): the final stats line and the bytes given up go to stderr, where a
// person still sees them.
#pragma once

#include "core/output_sink.h"
#include "output/line_formatter.h"

namespace ew {

void report_output_closed(const OutputSink& sink, const StatsLine& final_stats);

}  // namespace ew
