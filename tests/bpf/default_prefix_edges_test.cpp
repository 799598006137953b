// Every range of the built-in table, at its edges, through the kernel's trie:
// the first and last address inside each prefix, and the addresses just
// outside it. The cases are generated from ew::default_prefixes(), and what
// each address should give is computed here by a longest-prefix match over
// the whole default table (nested includes such as 192.0.0.9/32 inside
// 192.0.0.0/24 decide their own addresses), never written by hand.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <cctype>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "egresswatch_abi.h"
#include "frame_case.h"
#include "prefixes/default_prefixes.h"
#include "privileges.h"

namespace ew::test {
namespace {

const Address kSrc4 = v4("192.168.1.10");
const Address kSrc6 = v6("fd00::10");
constexpr uint16_t kSport = 40000;
constexpr uint16_t kDport = 443;

// The test's own model of the classifier's lookup, kept independent of
// ew::Prefix::contains: bit by bit over the address.
bool covers(const Prefix& prefix, const Address& a) {
  if (prefix.family != a.family) return false;
  for (int bit = 0; bit < prefix.length; bit++) {
    const int byte = bit / 8;
    const int mask = 0x80 >> (bit % 8);
    if ((prefix.addr[static_cast<size_t>(byte)] & mask) !=
        (a.bytes[static_cast<size_t>(byte)] & mask))
      return false;
  }
  return true;
}

// Verdict of the longest prefix in `rules` covering `a`; include when none does.
Verdict longest_match(const std::vector<PrefixRule>& rules, const Address& a) {
  int best = -1;
  Verdict verdict = Verdict::kInclude;
  for (const auto& rule : rules) {
    if (covers(rule.prefix, a) && rule.prefix.length > best) {
      best = rule.prefix.length;
      verdict = rule.verdict;
    }
  }
  return verdict;
}

Address first_address(const Prefix& p) {
  Address a;
  a.family = p.family;
  a.bytes = p.addr;
  return a;
}

Address last_address(const Prefix& p) {
  Address a = first_address(p);
  const int bits = p.family == 4 ? 32 : 128;
  for (int bit = p.length; bit < bits; bit++)
    a.bytes[static_cast<size_t>(bit / 8)] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  return a;
}

// a + delta (delta is +1 or -1), or nothing when it would wrap around.
std::optional<Address> step(Address a, int delta) {
  const uint8_t wrap_from = delta > 0 ? 0xff : 0x00;
  for (size_t i = a.size(); i-- > 0;) {
    if (a.bytes[i] != wrap_from) {
      a.bytes[i] = static_cast<uint8_t>(a.bytes[i] + delta);
      return a;
    }
    a.bytes[i] = static_cast<uint8_t>(0xff - wrap_from);
  }
  return std::nullopt;
}

std::string name_part(const std::string& text) {
  std::string out;
  for (char ch : text)
    out += (std::isalnum(static_cast<unsigned char>(ch)) != 0) ? ch : '_';
  return out;
}

Bytes udp_frame_to(const Address& dst) {
  if (dst.family == 4) return ipv4_frame(kSrc4, dst, IPPROTO_UDP, udp(kSport, kDport));
  return ipv6_frame(kSrc6, dst, IPPROTO_UDP, udp(kSport, kDport));
}

Expected expected_for(const std::vector<PrefixRule>& rules, const Address& dst) {
  if (longest_match(rules, dst) == Verdict::kExclude) return no_record();
  return record({.proto = IPPROTO_UDP,
                 .flags = EW_FLAG_PORTS,
                 .sport = kSport,
                 .dport = kDport,
                 .src = dst.family == 4 ? kSrc4 : kSrc6,
                 .dst = dst});
}

std::vector<FrameCase> edge_cases() {
  const std::vector<PrefixRule> rules = default_prefix_rules();
  std::vector<FrameCase> cases;
  for (const DefaultPrefix& entry : default_prefixes()) {
    const Prefix prefix = Prefix::parse(entry.cidr);
    const Address first = first_address(prefix);
    const Address last = last_address(prefix);
    const std::vector<std::pair<std::string, std::optional<Address>>> edges = {
        {"first", first},
        {"last", last},
        {"below_first", step(first, -1)},
        {"above_last", step(last, +1)},
    };
    for (const auto& [edge, address] : edges) {
      if (!address) continue;  // 0.0.0.0 has nothing below it, ff..ff nothing above
      const Address dst = *address;
      const Expected expected = expected_for(rules, dst);
      cases.push_back(
          {"v" + std::to_string(prefix.family) + "_" + name_part(entry.cidr) + "_" + edge,
           std::string(entry.cidr) + " (" + entry.name + "), " + edge + ": " + dst.to_string() +
               " -> " + (expected.outcome == Outcome::kRecord ? "public" : "excluded"),
           [dst] { return udp_frame_to(dst); }, expected});
    }
  }
  return cases;
}

// Plain UDP frames, nothing remembered between them: one classifier with the
// default table serves every edge.
class DefaultPrefixEdge : public SharedClassifierSuite<DefaultPrefixEdge> {};

TEST_P(DefaultPrefixEdge, FollowsTheLongestMatchingPrefix) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  run_frame_case(shared_harness(PrefixOptions{}), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Defaults, DefaultPrefixEdge, testing::ValuesIn(edge_cases()), case_name);

// The oracle above decides most of this file's expectations, so pin it to
// a few answers worked out by hand from the IANA registries.
TEST(DefaultPrefixOracle, AgreesWithHandPickedAnswers) {
  const std::vector<PrefixRule> rules = default_prefix_rules();
  struct Answer {
    const char* address;
    Verdict verdict;
  };
  const Answer answers[] = {
      {"0.0.0.0", Verdict::kExclude},
      {"9.255.255.255", Verdict::kInclude},
      {"10.0.0.0", Verdict::kExclude},
      {"11.0.0.0", Verdict::kInclude},
      {"192.0.0.8", Verdict::kExclude},
      {"192.0.0.9", Verdict::kInclude},
      {"192.0.0.10", Verdict::kInclude},
      {"192.0.0.11", Verdict::kExclude},
      {"192.0.0.255", Verdict::kExclude},
      {"192.0.1.0", Verdict::kInclude},
      {"223.255.255.255", Verdict::kInclude},
      {"255.255.255.255", Verdict::kExclude},
      {"::", Verdict::kExclude},
      {"::2", Verdict::kInclude},
      {"2001::", Verdict::kInclude},
      {"2001:1::", Verdict::kExclude},
      {"2001:1::1", Verdict::kInclude},
      {"2001:1::3", Verdict::kInclude},
      {"2001:1::4", Verdict::kExclude},
      {"2001:2::", Verdict::kExclude},
      {"2001:3::", Verdict::kInclude},
      {"2001:1ff:ffff::", Verdict::kExclude},
      {"2001:200::", Verdict::kInclude},
      {"2001:db8::1", Verdict::kExclude},
      {"fe80::1", Verdict::kExclude},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", Verdict::kExclude},
      {"2a00:1450::1", Verdict::kInclude},
  };
  for (const auto& answer : answers) {
    EXPECT_EQ(longest_match(rules, Address::parse(answer.address)), answer.verdict)
        << answer.address;
  }
  EXPECT_EQ(step(v4("0.0.0.0"), -1), std::nullopt);
  EXPECT_EQ(step(v4("255.255.255.255"), +1), std::nullopt);
  EXPECT_EQ(step(v4("10.255.255.255"), +1), v4("11.0.0.0"));
  EXPECT_EQ(step(v6("2001:1::"), -1), v6("2001:0:ffff:ffff:ffff:ffff:ffff:ffff"));
  EXPECT_EQ(last_address(Prefix::parse("100.64.0.0/10")), v4("100.127.255.255"));
  EXPECT_EQ(last_address(Prefix::parse("fe80::/10")),
            v6("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
}

}  // namespace
}  // namespace ew::test
