#include "fast_prefix_table.h"

#include <algorithm>

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

}  // namespace ew
