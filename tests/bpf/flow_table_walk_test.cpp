// The key-by-key walk of the flow table (kernels without batch lookups):
// a key deleted under the walk makes bpf_map_get_next_key() start again at
// the first key; the walk must still give each key once.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "core/unique_fd.h"
#include "egresswatch_abi.h"
#include "privileges.h"
#include "records/flow_table_walk.h"

namespace ew::test {
namespace {

ew_flow_key key_for(uint16_t sport) {
  ew_flow_key key{};
  key.ifindex = 1;
  key.family = 4;
  key.proto = 17;
  key.sport = sport;
  key.dport = 443;
  return key;
}

TEST(FlowTableWalk, AKeyDeletedUnderTheWalkDoesNotMakeItVisitKeysTwice) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  UniqueFd map(bpf_map_create(BPF_MAP_TYPE_HASH, "ew_walk_test", sizeof(ew_flow_key),
                              sizeof(ew_flow_stats), 256, nullptr));
  ASSERT_TRUE(map.valid());
  constexpr int kFlows = 100;
  for (int i = 0; i < kFlows; i++) {
    ew_flow_key key = key_for(static_cast<uint16_t>(1000 + i));
    ew_flow_stats stats{};
    stats.packets = static_cast<uint64_t>(i + 1);
    stats.bytes = 100;
    stats.first_ns = 1;
    stats.last_ns = 2;
    ASSERT_EQ(bpf_map_update_elem(map.get(), &key, &stats, BPF_ANY), 0);
  }
  // Delete the key the walk stands on, twice along the way, as an idle end
  // or an LRU eviction would.
  int steps = 0;
  const auto entries = walk_flow_table(map.get(), [&](const ew_flow_key& current) {
    if (++steps == 30 || steps == 60) bpf_map_delete_elem(map.get(), &current);
  });
  std::set<uint16_t> sports;
  for (const auto& entry : entries) {
    EXPECT_TRUE(sports.insert(entry.key.sport).second) << "visited twice: " << entry.key.sport;
    EXPECT_EQ(entry.stats.packets, static_cast<uint64_t>(entry.key.sport - 1000 + 1));
  }
  // Each key once: the two deleted ones were read before they went.
  EXPECT_EQ(sports.size(), size_t{kFlows});
}

}  // namespace
}  // namespace ew::test
