#include "prefixes/fast_prefix_table.h"

#include <algorithm>
#include <atomic>

namespace ew {

std::vector<uint32_t> build_fast_table(const std::vector<PrefixRule>& rules, int family) {
  constexpr uint32_t kBlocks = 1u << kFastTableBits;
  // Nothing matching means public, as in the classifier.
  std::vector<uint32_t> table(kBlocks, static_cast<uint32_t>(Verdict::kInclude));
  std::vector<const PrefixRule*> ordered;
  for (const auto& rule : rules) {
    if (rule.prefix.family == family) ordered.push_back(&rule);
  }
  // Shorter prefixes first, so a longer one (still covering whole blocks)
  // overrides them: the longest match decides, as in the trie.
  std::stable_sort(ordered.begin(), ordered.end(), [](const PrefixRule* a, const PrefixRule* b) {
    return a->prefix.length < b->prefix.length;
  });
  std::vector<bool> mixed(kBlocks, false);
  for (const PrefixRule* rule : ordered) {
    const uint32_t first = static_cast<uint32_t>(rule->prefix.addr[0]) << 8 | rule->prefix.addr[1];
    if (rule->prefix.length > kFastTableBits) {
      mixed[first] = true;
      continue;
    }
    const uint32_t count = 1u << (kFastTableBits - rule->prefix.length);
    std::fill_n(table.begin() + first, count, static_cast<uint32_t>(rule->verdict));
  }
  for (uint32_t block = 0; block < kBlocks; block++) {
    if (mixed[block]) table[block] = kFastVerdictMixed;
  }
  return table;
}

std::vector<uint32_t> build_fast_tables(const std::vector<PrefixRule>& rules) {
  std::vector<uint32_t> table = build_fast_table(rules, 4);
  const std::vector<uint32_t> v6 = build_fast_table(rules, 6);
  table.insert(table.end(), v6.begin(), v6.end());
  return table;
}

size_t store_fast_table(std::span<const uint32_t> table, uint32_t* live) {
  size_t changed = 0;
  for (size_t i = 0; i < table.size(); i++) {
    // atomic_ref: one 32-bit load and store each, never merged or split by
    // the compiler (a plain loop may be vectorised or turned into memcpy).
    std::atomic_ref<uint32_t> entry(live[i * kFastSlotWords]);
    if (entry.load(std::memory_order_relaxed) == table[i]) continue;
    entry.store(table[i], std::memory_order_relaxed);
    changed++;
  }
  // Everything above is visible before whatever the caller does next (the
  // removal of stale trie entries).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return changed;
}

}  // namespace ew
