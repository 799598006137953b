// What --include, --exclude and --no-default-excludes do in the kernel: the
// rules build_prefix_rules() makes from them, written by the loader, judged
// by the program's longest-prefix lookup. Expectations here are by hand: they
// are the behaviour a user is promised.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "egresswatch_abi.h"
#include "frame_case.h"
#include "privileges.h"

namespace ew::test {
namespace {

// One destination under one set of command-line prefix options.
struct OptionsCase {
  std::string name;
  std::string flags;  // as given to egresswatch: --include/--exclude CIDR, --no-default-excludes
  std::string destination;
  bool is_public = false;
};

constexpr bool kPublic = true;
constexpr bool kExcluded = false;

void PrintTo(const OptionsCase& c, std::ostream* os) {
  *os << c.name << " (" << c.flags << " -> " << c.destination << ")";
}

std::string options_case_name(const testing::TestParamInfo<OptionsCase>& info) {
  return info.param.name;
}

// The flags as the command line would turn them into PrefixOptions.
PrefixOptions options_of(const OptionsCase& c) {
  PrefixOptions options;
  std::istringstream words(c.flags);
  std::string flag;
  std::string cidr;
  while (words >> flag) {
    if (flag == "--no-default-excludes") {
      options.default_excludes = false;
    } else if (flag == "--include" && words >> cidr) {
      options.includes.push_back(Prefix::parse(cidr));
    } else if (flag == "--exclude" && words >> cidr) {
      options.excludes.push_back(Prefix::parse(cidr));
    } else {
      throw std::invalid_argument("table error: bad flags '" + c.flags + "'");
    }
  }
  return options;
}

FrameCase frame_case_of(const OptionsCase& c) {
  const Address dst = Address::parse(c.destination);
  const Address src = dst.family == 4 ? v4("192.168.1.10") : v6("fd00::10");
  Expected expected = no_record();
  if (c.is_public) {
    expected = record({.proto = IPPROTO_TCP,
                       .flags = EW_FLAG_PORTS,
                       .sport = 40000,
                       .dport = 443,
                       .src = src,
                       .dst = dst});
  }
  return {c.name, (c.flags.empty() ? "no options" : c.flags) + ": " + c.destination,
          [src, dst] {
            return dst.family == 4 ? ipv4_frame(src, dst, IPPROTO_TCP, tcp(40000, 443))
                                   : ipv6_frame(src, dst, IPPROTO_TCP, tcp(40000, 443));
          },
          expected};
}

std::vector<OptionsCase> options_cases() {
  return {
      // --include over a default exclusion.
      {"default_documentation_net_excluded", "", "192.0.2.1", kExcluded},
      {"include_documentation_net_first", "--include 192.0.2.0/24", "192.0.2.0", kPublic},
      {"include_documentation_net_inside", "--include 192.0.2.0/24", "192.0.2.1", kPublic},
      {"include_documentation_net_last", "--include 192.0.2.0/24", "192.0.2.255", kPublic},
      {"include_half_of_default_upper", "--include 192.0.2.128/25", "192.0.2.128", kPublic},
      {"include_half_of_default_lower", "--include 192.0.2.128/25", "192.0.2.127", kExcluded},
      {"include_inside_rfc1918", "--include 10.1.0.0/16", "10.1.255.255", kPublic},
      {"include_inside_rfc1918_above", "--include 10.1.0.0/16", "10.2.0.0", kExcluded},
      {"include_inside_rfc1918_below", "--include 10.1.0.0/16", "10.0.255.255", kExcluded},
      {"include_bare_address", "--include 192.168.1.1", "192.168.1.1", kPublic},
      {"include_bare_address_neighbour", "--include 192.168.1.1", "192.168.1.2", kExcluded},
      {"include_default_range_v6", "--include 2001:db8::/32", "2001:db8::1", kPublic},
      {"include_default_range_v6_last", "--include 2001:db8::/32",
       "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", kPublic},
      {"include_ula_subnet", "--include fd00:1::/32", "fd00:1::1", kPublic},
      {"include_ula_subnet_neighbour", "--include fd00:1::/32", "fd00:2::1", kExcluded},
      {"include_same_prefix_as_default_v6", "--include 2001:2::/48", "2001:2::1", kPublic},
      // A short include does not beat a longer default exclusion.
      {"include_all_v4_loses_to_longer_default", "--include 0.0.0.0/0", "10.0.0.1", kExcluded},
      {"include_all_v6_loses_to_longer_default", "--include ::/0", "fe80::1", kExcluded},

      // --exclude of public space, and of a default inclusion.
      {"exclude_public_range", "--exclude 8.8.8.0/24", "8.8.8.8", kExcluded},
      {"exclude_public_range_above", "--exclude 8.8.8.0/24", "8.8.9.0", kPublic},
      {"exclude_public_range_below", "--exclude 8.8.8.0/24", "8.8.7.255", kPublic},
      {"exclude_public_range_v6", "--exclude 2606:4700::/32", "2606:4700:4700::1111", kExcluded},
      {"exclude_public_range_v6_above", "--exclude 2606:4700::/32", "2606:4701::", kPublic},
      {"exclude_default_include", "--exclude 192.0.0.9/32", "192.0.0.9", kExcluded},
      {"exclude_inside_include", "--include 192.0.2.0/24 --exclude 192.0.2.64/26", "192.0.2.64",
       kExcluded},
      {"exclude_inside_include_last", "--include 192.0.2.0/24 --exclude 192.0.2.64/26",
       "192.0.2.127", kExcluded},
      {"exclude_inside_include_below", "--include 192.0.2.0/24 --exclude 192.0.2.64/26",
       "192.0.2.63", kPublic},
      {"exclude_inside_include_above", "--include 192.0.2.0/24 --exclude 192.0.2.64/26",
       "192.0.2.128", kPublic},
      {"exclude_all_v4", "--exclude 0.0.0.0/0", "8.8.8.8", kExcluded},
      {"exclude_all_v4_leaves_v6", "--exclude 0.0.0.0/0", "2606:4700:4700::1111", kPublic},
      {"exclude_all_v4_include_one_net", "--exclude 0.0.0.0/0 --include 203.0.113.0/24",
       "203.0.113.5", kPublic},
      {"exclude_all_v4_include_one_net_other", "--exclude 0.0.0.0/0 --include 203.0.113.0/24",
       "198.51.100.1", kExcluded},
      {"exclude_all_v6", "--exclude ::/0", "2606:4700:4700::1111", kExcluded},
      {"exclude_all_v6_leaves_v4", "--exclude ::/0", "8.8.8.8", kPublic},

      // --no-default-excludes: an empty table, so everything is public.
      {"no_defaults_rfc1918", "--no-default-excludes", "10.0.0.1", kPublic},
      {"no_defaults_lan", "--no-default-excludes", "192.168.1.1", kPublic},
      {"no_defaults_loopback", "--no-default-excludes", "127.0.0.1", kPublic},
      {"no_defaults_broadcast", "--no-default-excludes", "255.255.255.255", kPublic},
      {"no_defaults_link_local_v6", "--no-default-excludes", "fe80::1", kPublic},
      {"no_defaults_loopback_v6", "--no-default-excludes", "::1", kPublic},
      {"no_defaults_multicast_v6", "--no-default-excludes", "ff02::1", kPublic},
      {"no_defaults_with_exclude", "--no-default-excludes --exclude 10.0.0.0/8", "10.255.255.255",
       kExcluded},
      {"no_defaults_with_exclude_other", "--no-default-excludes --exclude 10.0.0.0/8", "172.16.0.1",
       kPublic},
      {"no_defaults_with_exclude_v6", "--no-default-excludes --exclude fc00::/7", "fdff::1",
       kExcluded},
      {"no_defaults_with_exclude_v6_other", "--no-default-excludes --exclude fc00::/7", "fe80::1",
       kPublic},
  };
}

class PrefixOptionsInKernel : public testing::TestWithParam<OptionsCase> {};

TEST_P(PrefixOptionsInKernel, DecidesTheDestination) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  run_frame_case(options_of(GetParam()), frame_case_of(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(UserPrefixes, PrefixOptionsInKernel, testing::ValuesIn(options_cases()),
                         options_case_name);

}  // namespace
}  // namespace ew::test
