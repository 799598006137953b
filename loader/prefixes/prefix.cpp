#include "prefixes/prefix.h"

#include <arpa/inet.h>

#include <charconv>

#include "core/error.h"

namespace ew {
namespace {

// Clears the bits past `length`; returns whether any were set.
bool mask_host_bits(std::array<uint8_t, 16>& addr, int bytes, int length) {
  bool had_host_bits = false;
  for (int i = 0; i < bytes; i++) {
    int keep = length - i * 8;
    const int bits = keep >= 8 ? 0xff : keep <= 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    const auto mask = static_cast<uint8_t>(bits);
    if (addr[i] & ~mask) had_host_bits = true;
    addr[i] &= mask;
  }
  return had_host_bits;
}

}  // namespace

Prefix Prefix::parse(std::string_view text) {
  // As a person can read it: a NUL would end the message early.
  std::string shown;
  for (char c : text)
    shown += c == '\0' ? std::string_view("\\0") : std::string_view(&c, 1);
  auto fail = [&](const std::string& why) -> Prefix {
    throw Error("'" + shown + "' is not a valid prefix: " + why);
  };
  if (text.empty()) return fail("empty");
  // inet_pton stops at a NUL, so "192.0.2.0<NUL>junk/24" (a config file can
  // write \u0000) would pass for 192.0.2.0/24.
  if (text.find('\0') != std::string_view::npos) return fail("contains a NUL byte");

  auto slash = text.find('/');
  std::string address(text.substr(0, slash));
  Prefix prefix;
  if (inet_pton(AF_INET, address.c_str(), prefix.addr.data()) == 1) {
    prefix.family = 4;
  } else if (inet_pton(AF_INET6, address.c_str(), prefix.addr.data()) == 1) {
    prefix.family = 6;
  } else {
    return fail("'" + address + "' is neither an IPv4 nor an IPv6 address");
  }

  const int max_length = prefix.family == 4 ? 32 : 128;
  int length = max_length;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    // Digits only: from_chars alone would take "-0" for a length.
    const bool all_digits =
        !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (!all_digits || ec != std::errc() || end != digits.data() + digits.size() ||
        length > max_length) {
      return fail("the length must be a number from 0 to " + std::to_string(max_length));
    }
  }
  prefix.length = static_cast<uint8_t>(length);

  Prefix network = prefix;
  if (mask_host_bits(network.addr, prefix.family == 4 ? 4 : 16, length)) {
    return fail("host bits are set; did you mean " + network.to_string() + "?");
  }
  return prefix;
}

std::string Prefix::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr.data(), buf, sizeof(buf));
  return std::string(buf) + "/" + std::to_string(length);
}

bool Prefix::contains(const Prefix& other) const {
  if (family != other.family || other.length < length) return false;
  auto masked = other.addr;
  mask_host_bits(masked, family == 4 ? 4 : 16, length);
  return masked == addr;
}

}  // namespace ew
