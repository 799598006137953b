#include "records/flow_table_walk.h"

#include <bpf/bpf.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <unordered_set>

namespace ew {
namespace {

std::string_view bytes_of(const ew_flow_key& key) {
  return {reinterpret_cast<const char*>(&key), sizeof(key)};
}

}  // namespace

std::vector<FlowTableEntry> walk_flow_table(
    int map_fd, const std::function<void(const ew_flow_key&)>& after_each) {
  std::vector<FlowTableEntry> entries;
  std::unordered_set<std::string> visited;
  ew_flow_key key{};
  ew_flow_key next{};
  const void* previous = nullptr;
  // A restart revisits what came before it; under constant churn the walk
  // could restart again and again, so it gives up after a few passes' worth.
  size_t steps = 0;
  size_t step_limit = 1 << 16;
  while (bpf_map_get_next_key(map_fd, previous, &next) == 0) {
    if (++steps > step_limit) break;
    if (visited.emplace(bytes_of(next)).second) {
      FlowTableEntry entry{next, {}};
      if (bpf_map_lookup_elem(map_fd, &next, &entry.stats) == 0) entries.push_back(entry);
      // Four passes over what the table has held so far.
      step_limit = std::max(step_limit, 4 * visited.size());
    }
    key = next;
    previous = &key;
    if (after_each) after_each(key);
  }
  return entries;
}

}  // namespace ew
