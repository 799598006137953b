// The classifier's per-CPU counters, summed. The fields come from the one
// list in bpf/egresswatch_abi.h (EW_COUNTERS), so a counter added there
// reaches this struct, the map reading and the stats lines by itself.
#pragma once

#include <cstdint>

#include "egresswatch_abi.h"

namespace ew {

struct Counters {
#define EW_COUNTER_MEMBER(name, field, label) uint64_t field = 0;
  EW_COUNTERS(EW_COUNTER_MEMBER)
#undef EW_COUNTER_MEMBER

  bool operator==(const Counters&) const = default;
};

// One counter as the stats lines name it.
struct CounterField {
  ew_counter index;
  const char* name;   // the member's name: the key of JSON stats lines
  const char* label;  // the word of text stats lines
  uint64_t Counters::*member;
};

inline constexpr CounterField kCounterFields[] = {
#define EW_COUNTER_FIELD(name, field, label) {EW_COUNTER_##name, #field, label, &Counters::field},
    EW_COUNTERS(EW_COUNTER_FIELD)
#undef EW_COUNTER_FIELD
};
static_assert(sizeof(kCounterFields) / sizeof(kCounterFields[0]) == EW_COUNTER_COUNT);

// Throws ew::Error when the map cannot be read.
Counters read_counters(int counters_map_fd);

}  // namespace ew
