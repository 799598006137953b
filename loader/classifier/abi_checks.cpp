// Constants the loader keeps in parts that cannot see the BPF ABI (prefixes
// links only core), checked here against bpf/egresswatch_abi.h: a change on
// one side that the other misses fails the build instead of misclassifying.
#include "egresswatch_abi.h"
#include "prefixes/fast_prefix_table.h"
#include "prefixes/prefix.h"

namespace ew {

static_assert(static_cast<uint32_t>(Verdict::kExclude) == EW_VERDICT_EXCLUDE);
static_assert(static_cast<uint32_t>(Verdict::kInclude) == EW_VERDICT_INCLUDE);
static_assert(kFastVerdictMixed == EW_VERDICT_MIXED);
static_assert(1u << kFastTableBits == EW_FAST_TABLE_SIZE);
// ew_fast's values are __u32 (bpf/maps.h); an array map spaces them 8 bytes apart.
static_assert(kFastSlotWords * sizeof(uint32_t) == (sizeof(__u32) + 7) / 8 * 8);

}  // namespace ew
