#include "prefixes/default_prefixes.h"

#include <iterator>

namespace ew {
namespace {

constexpr auto X = Verdict::kExclude;
// Globally reachable blocks inside a larger block that is not: the longest
// prefix wins, so these turn the covering exclusion back into a record.
constexpr auto I = Verdict::kInclude;

constexpr DefaultPrefix kDefaults[] = {
    // IANA IPv4 Special-Purpose Address Registry, "Globally Reachable: False".
    {"0.0.0.0/8", X, "\"This network\"", "RFC 791"},
    {"0.0.0.0/32", X, "\"This host on this network\"", "RFC 1122"},
    {"10.0.0.0/8", X, "Private-Use", "RFC 1918"},
    {"100.64.0.0/10", X, "Shared Address Space", "RFC 6598"},
    {"127.0.0.0/8", X, "Loopback", "RFC 1122"},
    {"169.254.0.0/16", X, "Link Local", "RFC 3927"},
    {"172.16.0.0/12", X, "Private-Use", "RFC 1918"},
    {"192.0.0.0/24", X, "IETF Protocol Assignments", "RFC 6890"},
    {"192.0.0.0/29", X, "IPv4 Service Continuity Prefix", "RFC 7335"},
    {"192.0.0.8/32", X, "IPv4 dummy address", "RFC 7600"},
    {"192.0.0.9/32", I, "Port Control Protocol Anycast (globally reachable)", "RFC 7723"},
    {"192.0.0.10/32", I, "Traversal Using Relays around NAT Anycast (globally reachable)",
     "RFC 8155"},
    {"192.0.0.170/32", X, "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050"},
    {"192.0.0.171/32", X, "NAT64/DNS64 Discovery", "RFC 8880, RFC 7050"},
    {"192.0.2.0/24", X, "Documentation (TEST-NET-1)", "RFC 5737"},
    {"192.168.0.0/16", X, "Private-Use", "RFC 1918"},
    {"198.18.0.0/15", X, "Benchmarking", "RFC 2544"},
    {"198.51.100.0/24", X, "Documentation (TEST-NET-2)", "RFC 5737"},
    {"203.0.113.0/24", X, "Documentation (TEST-NET-3)", "RFC 5737"},
    {"240.0.0.0/4", X, "Reserved", "RFC 1112"},
    {"255.255.255.255/32", X, "Limited Broadcast", "RFC 8190, RFC 919"},
    // Not in the special-purpose registry, never a unicast destination.
    {"224.0.0.0/4", X, "Multicast", "RFC 5771 (IANA IPv4 Multicast Address Space Registry)"},

    // IANA IPv6 Special-Purpose Address Registry, "Globally Reachable: False".
    {"::1/128", X, "Loopback Address", "RFC 4291"},
    {"::/128", X, "Unspecified Address", "RFC 4291"},
    {"::ffff:0:0/96", X, "IPv4-mapped Address", "RFC 4291"},
    {"64:ff9b:1::/48", X, "IPv4-IPv6 Translat. (local use)", "RFC 8215"},
    {"100::/64", X, "Discard-Only Address Block", "RFC 6666"},
    {"100:0:0:1::/64", X, "Dummy IPv6 Prefix", "RFC 9780"},
    {"2001::/23", X, "IETF Protocol Assignments", "RFC 2928"},
    {"2001::/32", I, "TEREDO (reachability N/A in the registry: relays are public)", "RFC 4380"},
    {"2001:1::1/128", I, "Port Control Protocol Anycast (globally reachable)", "RFC 7723"},
    {"2001:1::2/128", I, "Traversal Using Relays around NAT Anycast (globally reachable)",
     "RFC 8155"},
    {"2001:1::3/128", I, "DNS-SD Service Registration Protocol Anycast (globally reachable)",
     "RFC 9665"},
    {"2001:2::/48", X, "Benchmarking", "RFC 5180"},
    {"2001:3::/32", I, "AMT (globally reachable)", "RFC 7450"},
    {"2001:4:112::/48", I, "AS112-v6 (globally reachable)", "RFC 7535"},
    {"2001:20::/28", I, "ORCHIDv2 (globally reachable)", "RFC 7343"},
    {"2001:30::/28", I, "Drone Remote ID Protocol Entity Tags (globally reachable)", "RFC 9374"},
    {"2001:db8::/32", X, "Documentation", "RFC 3849"},
    {"3fff::/20", X, "Documentation", "RFC 9637"},
    {"5f00::/16", X, "Segment Routing (SRv6) SIDs", "RFC 9602"},
    {"fc00::/7", X, "Unique-Local", "RFC 4193, RFC 8190"},
    {"fe80::/10", X, "Link-Local Unicast", "RFC 4291"},
    // Not in the special-purpose registry.
    {"fec0::/10", X, "Site-Local (deprecated)", "RFC 3879"},
    {"ff00::/8", X, "Multicast", "RFC 4291"},
};

}  // namespace

std::span<const DefaultPrefix> default_prefixes() {
  return kDefaults;
}

std::vector<PrefixRule> default_prefix_rules() {
  std::vector<PrefixRule> rules;
  rules.reserve(std::size(kDefaults));
  for (const auto& entry : kDefaults) {
    rules.push_back({Prefix::parse(entry.cidr), entry.verdict});
  }
  return rules;
}

}  // namespace ew
