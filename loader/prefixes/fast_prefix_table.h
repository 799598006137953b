// The classifier's fast tables: for every block of the address space sharing
// its first 16 bits, the verdict of the whole block, or "mixed" when a longer
// prefix inside it decides differently (then the trie is asked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "prefixes/prefix.h"

namespace ew {

inline constexpr uint32_t kFastTableBits = 16;
inline constexpr uint32_t kFastVerdictMixed = 2;  // EW_VERDICT_MIXED (classifier/abi_checks.cpp)

// 65536 entries of Verdict (as uint32_t) or kFastVerdictMixed, for family 4 or 6.
std::vector<uint32_t> build_fast_table(const std::vector<PrefixRule>& rules, int family);

// Both families in one table, as the classifier's ew_fast holds them: the
// IPv4 blocks, then the IPv6 blocks.
std::vector<uint32_t> build_fast_tables(const std::vector<PrefixRule>& rules);

// An array map keeps each value in a slot rounded up to 8 bytes; mapped into
// our memory, ew_fast's 4-byte entries are 8 bytes apart (the value first).
inline constexpr size_t kFastSlotWords = 2;

// Writes `table` over `live`, a table the classifier may be reading at the
// same time (ew_fast mapped into our memory, entry i at live[i *
// kFastSlotWords]): only the entries that differ, each with one aligned
// 32-bit store, so a reader sees every entry either old or new, never torn,
// as with per-element map updates. Returns how many entries changed.
size_t store_fast_table(std::span<const uint32_t> table, uint32_t* live);

}  // namespace ew
