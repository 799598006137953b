// An IPv4 or IPv6 prefix (CIDR) and what the classifier does with addresses
// inside it.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ew {

struct Prefix {
  int family = 4;                  // 4 or 6
  std::array<uint8_t, 16> addr{};  // network byte order; IPv4 in the first four
  uint8_t length = 0;              // prefix length in bits

  // Parses "192.0.2.0/24", "2001:db8::/32", or a bare address (a host
  // prefix). Throws ew::Error naming the text and what is wrong with it,
  // including host bits set beyond the length.
  static Prefix parse(std::string_view text);

  std::string to_string() const;
  bool contains(const Prefix& other) const;
  bool operator==(const Prefix&) const = default;
};

enum class Verdict : uint32_t {
  kExclude = 0,  // matches EW_VERDICT_EXCLUDE (checked in classifier/abi_checks.cpp)
  kInclude = 1,  // matches EW_VERDICT_INCLUDE
};

struct PrefixRule {
  Prefix prefix;
  Verdict verdict;
};

}  // namespace ew
