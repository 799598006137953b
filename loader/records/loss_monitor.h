// Notices records that were not written and says so at once, with exact
// counts by reason: a consumer always knows how much it missed, and when.
#pragma once

#include <optional>

#include "classifier/counters.h"
#include "output/line_formatter.h"

namespace ew {

class LossMonitor {
 public:
  // The counters now, and flows evicted so far. Returns the loss line to
  // write when anything new was lost since the last call.
  std::optional<LossLine> check(const Counters& counters, uint64_t flows_evicted, int64_t wall_ns);

  const LossCounts& total() const { return total_; }

 private:
  LossCounts total_;
};

}  // namespace ew
