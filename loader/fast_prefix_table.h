// The classifier's fast tables: for every block of the address space sharing
// its first 16 bits, the verdict of the whole block, or "mixed" when a longer
// prefix inside it decides differently (then the trie is asked).
#pragma once

#include <cstdint>
#include <vector>

#include "prefix.h"

namespace ew {

inline constexpr uint32_t kFastTableBits = 16;
inline constexpr uint32_t kFastVerdictMixed = 2;  // EW_VERDICT_MIXED

// 65536 entries of Verdict (as uint32_t) or kFastVerdictMixed, for family 4 or 6.
std::vector<uint32_t> build_fast_table(const std::vector<PrefixRule>& rules, int family);

}  // namespace ew
