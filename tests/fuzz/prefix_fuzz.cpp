// Outside input: the CIDR text of --exclude/--include, from the command line
// or the config file. Each line is one prefix ("+" in front: --include); the
// first line must survive a round trip, and all of them go through the rule
// builder and the fast tables as the classifier's tables would.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/error.h"
#include "prefixes/fast_prefix_table.h"
#include "prefixes/prefix.h"
#include "prefixes/prefix_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ew::PrefixOptions options;
  options.default_excludes = size % 2 == 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    const bool include = !line.empty() && line.front() == '+';
    if (include) line.remove_prefix(1);
    try {
      const ew::Prefix prefix = ew::Prefix::parse(line);
      // What was accepted must print as a prefix that parses back the same.
      if (ew::Prefix::parse(prefix.to_string()) != prefix || !prefix.contains(prefix)) abort();
      if (line.find('\0') != std::string_view::npos) abort();
      (include ? options.includes : options.excludes).push_back(prefix);
    } catch (const ew::Error&) {
    }
    start = end + 1;
  }
  try {
    const auto rules = ew::build_prefix_rules(options);
    // The fast table turns short prefixes into index ranges; it is slow to
    // build, so only for a family the input gave such a prefix of.
    for (int family : {4, 6}) {
      bool short_prefix = false;
      for (const auto* list : {&options.excludes, &options.includes}) {
        for (const auto& prefix : *list)
          short_prefix |= prefix.family == family && prefix.length <= ew::kFastTableBits;
      }
      if (!short_prefix) continue;
      if (ew::build_fast_table(rules, family).size() != 1u << ew::kFastTableBits) abort();
    }
  } catch (const ew::Error&) {
  }
  return 0;
}
