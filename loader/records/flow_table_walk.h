// Reading the flow table key by key, for kernels without batch lookups
// (before 5.6).
//
// bpf_map_get_next_key() from a key that has just been deleted (the LRU
// evicts, an idle flow ends) starts again at the first key, so a plain walk
// can visit keys twice: an idle `end` and a `late` `new` for one flow in one
// scan. This walk visits each key at most once, and still reaches the keys
// after the restart.
#pragma once

#include <functional>
#include <vector>

#include "egresswatch_abi.h"

namespace ew {

struct FlowTableEntry {
  ew_flow_key key;
  ew_flow_stats stats;
};

// `after_each`, when set, runs after each key is read, with that key (tests
// use it to delete keys under the walk). Throws nothing: an unreadable table
// reads as what could be read.
std::vector<FlowTableEntry> walk_flow_table(
    int map_fd, const std::function<void(const ew_flow_key&)>& after_each = {});

}  // namespace ew
