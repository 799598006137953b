#include "prefixes/fast_prefix_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace ew {
namespace {

constexpr uint32_t kExclude = static_cast<uint32_t>(Verdict::kExclude);
constexpr uint32_t kInclude = static_cast<uint32_t>(Verdict::kInclude);

std::vector<PrefixRule> rules() {
  return {
      {Prefix::parse("10.0.0.0/8"), Verdict::kExclude},
      {Prefix::parse("192.0.2.0/24"), Verdict::kInclude},
      {Prefix::parse("fc00::/7"), Verdict::kExclude},
  };
}

TEST(FastPrefixTable, BothFamiliesInOneTableIpv4First) {
  const std::vector<uint32_t> table = build_fast_tables(rules());
  ASSERT_EQ(table.size(), 2u << kFastTableBits);
  EXPECT_EQ(table[10 << 8 | 0], kExclude);
  EXPECT_EQ(table[10 << 8 | 255], kExclude);
  EXPECT_EQ(table[11 << 8 | 0], kInclude);
  EXPECT_EQ(table[192 << 8 | 0], kFastVerdictMixed);
  const uint32_t v6 = 1u << kFastTableBits;
  EXPECT_EQ(table[v6 | 0xfc00], kExclude);
  EXPECT_EQ(table[v6 | 0xfdff], kExclude);
  EXPECT_EQ(table[v6 | 0xfe00], kInclude);
  EXPECT_EQ(table[v6 | (10 << 8)], kInclude);  // 10/8 is IPv4 only
}

// The entries as an array map's memory holds them: one per 8-byte slot.
std::vector<uint32_t> entries(const std::vector<uint32_t>& slots) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < slots.size(); i += kFastSlotWords)
    out.push_back(slots[i]);
  return out;
}

TEST(FastPrefixTable, StoreWritesOnlyWhatDiffersOnePerSlot) {
  const std::vector<uint32_t> wanted = build_fast_tables(rules());
  // A fresh map: zeros. The slot padding is never written.
  std::vector<uint32_t> live(wanted.size() * kFastSlotWords, kExclude);
  const size_t first = store_fast_table(wanted, live.data());
  EXPECT_EQ(entries(live), wanted);
  EXPECT_EQ(first,
            static_cast<size_t>(std::count(wanted.begin(), wanted.end(), kInclude) +
                                std::count(wanted.begin(), wanted.end(), kFastVerdictMixed)));
  for (size_t i = 1; i < live.size(); i += kFastSlotWords)
    ASSERT_EQ(live[i], 0u) << "padding of slot " << i / kFastSlotWords;
  EXPECT_EQ(store_fast_table(wanted, live.data()), 0u);

  std::vector<PrefixRule> changed = rules();
  changed.push_back({Prefix::parse("11.0.0.0/16"), Verdict::kExclude});
  const std::vector<uint32_t> next = build_fast_tables(changed);
  EXPECT_EQ(store_fast_table(next, live.data()), 1u);
  EXPECT_EQ(entries(live), next);
}

}  // namespace
}  // namespace ew
