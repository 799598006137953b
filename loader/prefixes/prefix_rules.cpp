#include "prefixes/prefix_rules.h"

#include <algorithm>

#include "core/error.h"
#include "prefixes/default_prefixes.h"

namespace ew {
namespace {

void upsert(std::vector<PrefixRule>& rules, const PrefixRule& rule) {
  auto it = std::find_if(rules.begin(), rules.end(),
                         [&](const PrefixRule& r) { return r.prefix == rule.prefix; });
  if (it == rules.end()) {
    rules.push_back(rule);
  } else {
    it->verdict = rule.verdict;
  }
}

}  // namespace

std::vector<PrefixRule> build_prefix_rules(const PrefixOptions& options) {
  for (const auto& excluded : options.excludes) {
    if (std::find(options.includes.begin(), options.includes.end(), excluded) !=
        options.includes.end()) {
      throw UsageError(excluded.to_string() + " is given to both --exclude and --include");
    }
  }
  std::vector<PrefixRule> rules;
  if (options.default_excludes) rules = default_prefix_rules();
  for (const auto& prefix : options.excludes)
    upsert(rules, {prefix, Verdict::kExclude});
  for (const auto& prefix : options.includes)
    upsert(rules, {prefix, Verdict::kInclude});
  return rules;
}

}  // namespace ew
