// What ends or punctuates a session besides signals, shared by egresswatch
// and egresswatch-bridge: the output's reader leaving, --duration, and
// --stats-interval. Registered on the session's loop; the timers live as long
// as this object.
#pragma once

#include <functional>

#include "core/event_loop.h"
#include "core/output_sink.h"
#include "core/unique_fd.h"

namespace ew {

class SessionTimers {
 public:
  // duration_seconds and stats_interval_seconds: 0 for none. write_stats is
  // called every stats interval.
  SessionTimers(EventLoop& loop, const OutputSink& sink, double duration_seconds,
                double stats_interval_seconds, std::function<void()> write_stats);

 private:
  UniqueFd duration_timer_;
  UniqueFd stats_timer_;
  std::function<void()> write_stats_;
};

}  // namespace ew
