// How egresswatch's filter is recognised on an interface: by its name first,
// and by the fixed priority and handle it is always attached with. Lower
// priorities run first: 10000 runs after the filters tools usually add with
// small priorities and before the ones `tc` numbers automatically (49152
// down), and a fixed slot means a restart replaces instead of stacking.
#pragma once

#include <cstdint>
#include <string_view>

#include "netlink/tc_dump.h"

namespace ew {

inline constexpr std::string_view kFilterName = "egresswatch";
inline constexpr uint16_t kFilterPriority = 10000;
inline constexpr uint32_t kFilterHandle = 1;

inline bool is_egresswatch_filter(const netlink::TcFilter& filter) {
  return filter.handle != 0 && filter.kind == "bpf" && filter.bpf_name == kFilterName;
}

}  // namespace ew
