// Combines the default table with the user's --exclude and --include into
// the rules written to the classifier's tries.
#pragma once

#include <vector>

#include "prefixes/prefix.h"

namespace ew {

struct PrefixOptions {
  bool default_excludes = true;
  std::vector<Prefix> excludes;
  std::vector<Prefix> includes;
};

// The user's entries win over a default for the same prefix. The same prefix
// both excluded and included by the user is an error (ew::Error).
std::vector<PrefixRule> build_prefix_rules(const PrefixOptions& options);

}  // namespace ew
