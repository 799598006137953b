#include "records/loss_monitor.h"

namespace ew {

std::optional<LossLine> LossMonitor::check(const Counters& counters, uint64_t flows_evicted,
                                           int64_t wall_ns) {
  LossCounts now;
  now.ring_full = counters.lost;
  now.evicted = flows_evicted;
  now.sampled = counters.sampled_out;
  now.rate_limited = counters.rate_limited;

  LossLine line;
  line.wall_ns = wall_ns;
  line.since_last.ring_full = now.ring_full - total_.ring_full;
  line.since_last.evicted = now.evicted - total_.evicted;
  line.since_last.sampled = now.sampled - total_.sampled;
  line.since_last.rate_limited = now.rate_limited - total_.rate_limited;
  line.total = now;
  total_ = now;
  if (!line.since_last.any()) return std::nullopt;
  return line;
}

}  // namespace ew
