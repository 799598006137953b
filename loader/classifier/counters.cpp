#include "classifier/counters.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <vector>

#include "core/error.h"
#include "egresswatch_abi.h"

namespace ew {

Counters read_counters(int counters_map_fd) {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) throw_errno("counting CPUs", cpus);
  std::vector<uint64_t> per_cpu(static_cast<size_t>(cpus));
  uint64_t totals[EW_COUNTER_COUNT] = {};
  for (uint32_t key = 0; key < EW_COUNTER_COUNT; key++) {
    if (bpf_map_lookup_elem(counters_map_fd, &key, per_cpu.data()) != 0) {
      throw_last_error("reading the classifier's counters");
    }
    for (uint64_t v : per_cpu)
      totals[key] += v;
  }
  Counters c;
  for (const CounterField& field : kCounterFields)
    c.*field.member = totals[field.index];
  return c;
}

}  // namespace ew
