// The built-in prefix table: every block of the IANA IPv4 and IPv6
// Special-Purpose Address Registries that is not globally reachable, plus
// multicast and a few others, each with where it comes from. The README's
// table lists the same entries (a unit test keeps the two in step).
#pragma once

#include <span>
#include <vector>

#include "prefixes/prefix.h"

namespace ew {

struct DefaultPrefix {
  const char* cidr;
  Verdict verdict;
  const char* name;
  const char* source;
};

std::span<const DefaultPrefix> default_prefixes();

std::vector<PrefixRule> default_prefix_rules();

}  // namespace ew
