// The classifier's per-CPU counters, summed.
#pragma once

#include <cstdint>

namespace ew {

struct Counters {
  uint64_t seen = 0;
  uint64_t matched = 0;
  uint64_t lost = 0;
  uint64_t unparsed = 0;
  uint64_t non_ip = 0;
  uint64_t flows_created = 0;
  uint64_t sampled_out = 0;
  uint64_t rate_limited = 0;
};

// Throws ew::Error when the map cannot be read.
Counters read_counters(int counters_map_fd);

}  // namespace ew
