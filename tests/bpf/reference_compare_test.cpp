// The classifier against a reference: thousands of random and mutated
// frames go through the real program (BPF_PROG_TEST_RUN) and through
// ReferenceClassifier, a plain C++ reading of the same rules, and every
// counter and every record field must agree. Frames are valid ones of every
// kind the classifier handles (IPv4 with options, IPv6 with extension chains
// up to and past the walk's limit, TCP/UDP/UDP-Lite/SCTP/DCCP/ICMP/ICMPv6 and
// others, 0 to 3 VLAN tags, first/middle/last fragments) and then mutated:
// cut at header boundaries and at random points, bad IHL, IP lengths smaller
// and larger than the frame, Ethernet padding, flipped bytes, bad next
// headers. Packet mode, so every public packet is a record.
//
// The PRNG seed is printed; EW_REFERENCE_SEED=<number> reruns one exactly,
// EW_REFERENCE_FRAMES=<n> changes how many frames each test runs.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "classifier_harness.h"
#include "egresswatch_abi.h"
#include "frame_builder.h"
#include "frame_case.h"
#include "privileges.h"
#include "reference_classifier.h"

namespace ew::test {
namespace {

// ---- Reproduction ---------------------------------------------------------------

uint64_t env_number(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  if (!text || !*text) return fallback;
  return std::strtoull(text, nullptr, 0);
}

uint64_t master_seed() {
  static const uint64_t seed = [] {
    std::random_device device;
    const uint64_t fresh = uint64_t{device()} << 32 | device();
    return env_number("EW_REFERENCE_SEED", fresh);
  }();
  return seed;
}

size_t frames_per_test(size_t fallback) {
  return static_cast<size_t>(env_number("EW_REFERENCE_FRAMES", fallback));
}

std::string hex_dump(const Bytes& frame) {
  std::ostringstream out;
  out << std::hex << std::setfill('0');
  for (size_t i = 0; i < frame.size(); i++) {
    if (i % 16 == 0) out << (i ? "\n" : "") << "    " << std::setw(4) << i << " ";
    out << ' ' << std::setw(2) << unsigned{frame[i]};
  }
  return out.str();
}

// ---- Frame generation ------------------------------------------------------------

constexpr uint8_t kGre = 47;

// A frame and how it was made, for the failure message; `boundaries` are the
// offsets where one header ends and the next begins (the interesting cuts).
struct GeneratedFrame {
  Bytes bytes;
  std::string how;
  std::vector<size_t> boundaries;
  size_t network_offset = 0;
  int family = 0;  // 4 or 6 as built (before mutations); 0 for random bytes
  std::vector<size_t> next_header_offsets;  // IPv6: every next-header byte
};

class FrameGenerator {
 public:
  FrameGenerator(uint64_t seed, const std::vector<PrefixRule>& rules) : rng_(seed), rules_(rules) {}

  GeneratedFrame next() {
    GeneratedFrame g;
    const unsigned pick = uniform(0, 99);
    if (pick < 4) {
      g = random_bytes();
    } else {
      // Below BPF_PROG_TEST_RUN's limit of about a page, padding included.
      do {
        g = valid_frame();
      } while (g.bytes.size() > 3500);
      // Most frames are mutated once or twice; a third of them stay valid.
      const unsigned mutations = pick < 36 ? 0 : pick < 80 ? 1 : 2;
      for (unsigned i = 0; i < mutations; i++)
        mutate(g);
    }
    return g;
  }

 private:
  unsigned uniform(unsigned lo, unsigned hi) {
    return std::uniform_int_distribution<unsigned>(lo, hi)(rng_);
  }
  bool chance(unsigned percent) { return uniform(0, 99) < percent; }
  uint8_t byte() { return static_cast<uint8_t>(uniform(0, 255)); }
  uint16_t u16() { return static_cast<uint16_t>(uniform(0, 65535)); }
  template <typename T>
  const T& one_of(const std::vector<T>& values) {
    return values[uniform(0, static_cast<unsigned>(values.size() - 1))];
  }

  // ---- Addresses

  // An address inside `prefix` (random host bits), or just outside one of
  // its ends, where a longest-prefix match changes its answer.
  Address around_prefix(const Prefix& prefix) {
    Address a;
    a.family = prefix.family;
    const unsigned bits = prefix.family == 4 ? 32 : 128;
    const unsigned bytes = bits / 8;
    for (unsigned i = 0; i < bytes; i++) {
      const unsigned keep = prefix.length > i * 8 ? std::min(8u, prefix.length - i * 8) : 0;
      const uint8_t mask = static_cast<uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
      a.bytes[i] = static_cast<uint8_t>((prefix.addr[i] & mask) | (byte() & ~mask));
    }
    const unsigned where = uniform(0, 3);
    if (where == 0 || where == 1) {
      // The first (where 0) or last (where 1) address of the prefix, then
      // one step outside it half of the time.
      for (unsigned bit = prefix.length; bit < bits; bit++) {
        const uint8_t m = static_cast<uint8_t>(0x80u >> (bit % 8));
        a.bytes[bit / 8] =
            static_cast<uint8_t>(where == 0 ? a.bytes[bit / 8] & ~m : a.bytes[bit / 8] | m);
      }
      if (chance(50)) step(a, bytes, where == 0 ? -1 : +1);
    }
    return a;
  }

  static void step(Address& a, unsigned bytes, int direction) {
    for (unsigned i = bytes; i-- > 0;) {
      const uint8_t before = a.bytes[i];
      a.bytes[i] = static_cast<uint8_t>(before + direction);
      if ((direction > 0 && before != 0xff) || (direction < 0 && before != 0x00)) return;
    }
  }

  Address destination(int family) {
    const unsigned pick = uniform(0, 99);
    if (pick < 25) {
      // The documentation hosts the tests call public.
      static const std::vector<std::string> v4 = {"192.0.2.", "198.51.100.", "203.0.113."};
      if (family == 4) return ew::test::v4(one_of(v4) + std::to_string(uniform(0, 255)));
      Address a = ew::test::v6("2001:db8::");
      for (size_t i = 4; i < 16; i++)
        a.bytes[i] = chance(70) ? 0 : byte();
      return a;
    }
    if (pick < 45) {
      Address a;
      a.family = family;
      for (size_t i = 0; i < (family == 4 ? 4u : 16u); i++)
        a.bytes[i] = byte();
      return a;
    }
    std::vector<const PrefixRule*> same_family;
    for (const PrefixRule& rule : rules_)
      if (rule.prefix.family == family) same_family.push_back(&rule);
    if (same_family.empty()) return destination(family);
    return around_prefix(one_of(same_family)->prefix);
  }

  Address source(int family) {
    static const std::vector<Address> v4 = {ew::test::v4("192.168.1.10"), ew::test::v4("10.0.0.5"),
                                            ew::test::v4("198.51.100.200")};
    static const std::vector<Address> v6 = {ew::test::v6("fd00::10"), ew::test::v6("2001:db8:1::5"),
                                            ew::test::v6("fe80::1")};
    return one_of(family == 4 ? v4 : v6);
  }

  // Fragments come from a few sources to a few destinations with a few ids,
  // so later fragments meet the first fragments of their datagram (and of
  // other datagrams with the same name) in the classifier's memory.
  Address fragment_source(int family) {
    return family == 4
               ? one_of(std::vector<Address>{ew::test::v4("192.168.1.10"),
                                             ew::test::v4("192.168.1.11")})
               : one_of(std::vector<Address>{ew::test::v6("fd00::10"), ew::test::v6("fd00::11")});
  }
  Address fragment_destination(int family) {
    return family == 4 ? one_of(std::vector<Address>{
                             ew::test::v4("203.0.113.7"), ew::test::v4("198.51.100.53"),
                             ew::test::v4("9.9.9.9"), ew::test::v4("10.1.2.3")})
                       : one_of(std::vector<Address>{
                             ew::test::v6("2001:db8::7"), ew::test::v6("2001:db8::8"),
                             ew::test::v6("2606:4700::1111"), ew::test::v6("fd00::99")});
  }

  // ---- Transport

  uint8_t transport_protocol(int family) {
    const unsigned pick = uniform(0, 99);
    if (pick < 20) return IPPROTO_TCP;
    if (pick < 38) return IPPROTO_UDP;
    if (pick < 45) return IPPROTO_UDPLITE;
    if (pick < 52) return IPPROTO_SCTP;
    if (pick < 59) return IPPROTO_DCCP;
    if (pick < 70) return family == 4 ? uint8_t{IPPROTO_ICMP} : uint8_t{IPPROTO_ICMPV6};
    if (pick < 74)
      return family == 4 ? uint8_t{IPPROTO_ICMPV6}
                         : uint8_t{IPPROTO_ICMP};  // the other family's ICMP
    if (pick < 80) return kGre;
    if (pick < 84) return IPPROTO_ESP;
    if (pick < 88) return IPPROTO_NONE;
    // Anything, extension-header numbers included (IPv4 does not walk them).
    return byte();
  }

  Bytes transport(uint8_t proto) {
    const uint16_t sport = u16();
    const uint16_t dport = u16();
    switch (proto) {
      case IPPROTO_TCP:
        return tcp(sport, dport);
      case IPPROTO_UDP:
        return udp(sport, dport, uniform(0, 40));
      case IPPROTO_UDPLITE:
      case IPPROTO_SCTP:
      case IPPROTO_DCCP:
        return ports_then(sport, dport, uniform(0, 16));
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        return icmp(byte(), byte());
      default:
        return opaque(uniform(0, 40));
    }
  }

  // ---- Whole frames

  std::vector<VlanTag> vlan_tags(std::string& how) {
    const unsigned pick = uniform(0, 99);
    const unsigned count = pick < 50 ? 0 : pick < 70 ? 1 : pick < 88 ? 2 : 3;
    std::vector<VlanTag> tags;
    for (unsigned i = 0; i < count; i++) {
      tags.push_back({chance(60) ? uint16_t{ETH_P_8021Q} : uint16_t{ETH_P_8021AD}, u16()});
    }
    how += " tags=[";
    for (const VlanTag& t : tags) {
      char buf[16];
      std::snprintf(buf, sizeof(buf), " %04x:%04x", t.tpid, t.tci);
      how += buf;
    }
    how += " ]";
    return tags;
  }

  GeneratedFrame valid_frame() {
    GeneratedFrame g;
    g.family = chance(50) ? 4 : 6;
    g.how = g.family == 4 ? "ipv4" : "ipv6";
    const std::vector<VlanTag> tags = vlan_tags(g.how);
    g.network_offset = kEthernetHeaderLen + 4 * tags.size();
    for (size_t at = 12; at <= g.network_offset; at += (at == 12 ? 2 : 4))
      g.boundaries.push_back(at);

    // A third of the frames belong to fragmented datagrams.
    const bool fragment = chance(33);
    const Address src = fragment ? fragment_source(g.family) : source(g.family);
    const Address dst = fragment ? fragment_destination(g.family) : destination(g.family);
    g.how += " " + src.to_string() + " -> " + dst.to_string();
    // Fragments mostly carry UDP or TCP, so that later fragments often find
    // their datagram's first fragment remembered.
    uint8_t proto = fragment && chance(80)
                        ? (chance(70) ? uint8_t{IPPROTO_UDP} : uint8_t{IPPROTO_TCP})
                        : transport_protocol(g.family);

    Bytes packet;
    if (g.family == 4) {
      Ipv4Fields f;
      f.ihl = static_cast<uint8_t>(chance(60) ? 5 : uniform(6, 15));
      f.id = static_cast<uint16_t>(fragment ? uniform(1, 4) : u16());
      f.dont_fragment = chance(20);
      bool later = false;
      if (fragment) {
        const unsigned kind = uniform(0, 2);  // first, middle, last
        f.more_fragments = kind != 2;
        f.fragment_offset = static_cast<uint16_t>(kind == 0 ? 0 : uniform(1, 0x1fff));
        later = kind != 0;
      }
      char buf[96];
      std::snprintf(buf, sizeof(buf), " ihl=%u id=%u off=%u%s%s proto=%u", f.ihl, f.id,
                    f.fragment_offset, f.more_fragments ? " MF" : "", f.dont_fragment ? " DF" : "",
                    proto);
      g.how += buf;
      packet = ipv4(src, dst, proto, later ? opaque(uniform(8, 64)) : transport(proto), f);
      const size_t header = std::max<size_t>(20, size_t{f.ihl} * 4);
      for (size_t at = 20; at <= header; at += 4)
        g.boundaries.push_back(g.network_offset + at);
      for (size_t at = 1; at <= 4; at++)
        g.boundaries.push_back(g.network_offset + header + at);
    } else {
      std::vector<Ipv6Ext> exts = extension_chain(fragment, g.how);
      bool later = false;
      for (const Ipv6Ext& e : exts)
        later = later || (e.type == IPPROTO_FRAGMENT && e.fragment_offset != 0);
      g.how += " proto=" + std::to_string(proto);
      packet = ipv6(src, dst, exts, proto, later ? opaque(uniform(8, 64)) : transport(proto));
      size_t at = 40;
      g.boundaries.push_back(g.network_offset + at);
      g.next_header_offsets.push_back(g.network_offset + 6);
      for (const Ipv6Ext& e : exts) {
        g.next_header_offsets.push_back(g.network_offset + at);
        at += frame_detail::ipv6_ext(e, 0).size();
        g.boundaries.push_back(g.network_offset + at);
      }
      for (size_t more = 1; more <= 4; more++)
        g.boundaries.push_back(g.network_offset + at + more);
    }
    g.bytes = ethernet_tagged(tags, g.family == 4 ? ETH_P_IP : ETH_P_IPV6, packet);
    g.boundaries.erase(std::remove_if(g.boundaries.begin(), g.boundaries.end(),
                                      [&](size_t at) { return at > g.bytes.size(); }),
                       g.boundaries.end());
    return g;
  }

  std::vector<Ipv6Ext> extension_chain(bool fragment, std::string& how) {
    const unsigned pick = uniform(0, 99);
    // Up to and beyond the walk's limit of eight.
    const unsigned count = pick < 30   ? 0
                           : pick < 65 ? uniform(1, 3)
                           : pick < 85 ? uniform(4, 8)
                                       : uniform(9, 11);
    std::vector<Ipv6Ext> exts;
    for (unsigned i = 0; i < count; i++) {
      const uint8_t length = static_cast<uint8_t>(chance(90) ? uniform(0, 3) : uniform(4, 40));
      switch (uniform(0, 4)) {
        case 0:
          exts.push_back(hop_by_hop(length));
          break;
        case 1:
          exts.push_back(destination_options(length));
          break;
        case 2:
          exts.push_back(routing(length));
          break;
        case 3:
          exts.push_back(authentication(static_cast<uint8_t>(uniform(0, 8))));
          break;
        default: {
          // A stray fragment header in a chain: mostly atomic or first.
          const uint16_t offset = static_cast<uint16_t>(chance(70) ? 0 : uniform(1, 0x1fff));
          exts.push_back(fragment_header(offset, chance(50)));
          break;
        }
      }
    }
    if (fragment) {
      const unsigned kind = uniform(0, 3);  // first, middle, last, atomic
      const uint16_t offset =
          static_cast<uint16_t>(kind == 0 || kind == 3 ? 0 : uniform(1, 0x1fff));
      const Ipv6Ext frag = fragment_header(offset, kind == 0 || kind == 1);
      exts.insert(exts.begin() + uniform(0, static_cast<unsigned>(exts.size())), frag);
    }
    how += " exts=[";
    for (const Ipv6Ext& e : exts) {
      how += " " + std::to_string(e.type);
      if (e.type == IPPROTO_FRAGMENT) {
        how += "(off=" + std::to_string(e.fragment_offset) + (e.more_fragments ? ",M" : "") +
               ",id=" + std::to_string(e.identification) + ")";
      } else {
        how += "(" + std::to_string(e.length) + ")";
      }
    }
    how += " ]";
    return exts;
  }

  Ipv6Ext fragment_header(uint16_t offset, bool more) {
    Ipv6Ext e = fragment(offset, more, uniform(1, 4));
    e.reserved_bits = static_cast<uint8_t>(chance(10) ? uniform(1, 3) : 0);
    return e;
  }

  GeneratedFrame random_bytes() {
    GeneratedFrame g;
    g.bytes.resize(uniform(14, 200));
    for (uint8_t& b : g.bytes)
      b = byte();
    static const std::vector<uint16_t> types = {ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD};
    if (chance(80)) frame_detail::put16(g.bytes, 12, one_of(types));
    g.how = "random bytes";
    return g;
  }

  // ---- Mutations

  void mutate(GeneratedFrame& g) {
    Bytes& b = g.bytes;
    const size_t ip = g.network_offset;
    const unsigned what = uniform(0, 12);
    char buf[96] = "";
    switch (what) {
      case 0: {  // cut at a header boundary
        if (g.boundaries.empty()) break;
        const size_t at = std::max<size_t>(14, one_of(g.boundaries));
        b.resize(std::min(b.size(), at));
        std::snprintf(buf, sizeof(buf), " | cut at boundary %zu", b.size());
        break;
      }
      case 1: {  // cut anywhere
        b.resize(uniform(14, static_cast<unsigned>(b.size())));
        std::snprintf(buf, sizeof(buf), " | cut at %zu", b.size());
        break;
      }
      case 2: {  // a bad (or just another) IHL
        if (g.family != 4 || ip >= b.size()) break;
        const unsigned ihl = uniform(0, 15);
        b[ip] = static_cast<uint8_t>((b[ip] & 0xf0) | ihl);
        std::snprintf(buf, sizeof(buf), " | ihl=%u", ihl);
        break;
      }
      case 3:
      case 4: {  // the IP length field: 0, smaller, larger, anything
        const size_t field = g.family == 4 ? ip + 2 : ip + 4;
        if (g.family == 0 || field + 2 > b.size()) break;
        const unsigned current = static_cast<unsigned>(b[field] << 8 | b[field + 1]);
        const unsigned kind = uniform(0, 3);
        const unsigned value = kind == 0   ? 0
                               : kind == 1 ? uniform(0, current)
                               : kind == 2 ? std::min(65535u, current + uniform(1, 100))
                                           : u16();
        frame_detail::put16(b, field, static_cast<uint16_t>(value));
        std::snprintf(buf, sizeof(buf), " | %s=%u (was %u)",
                      g.family == 4 ? "tot_len" : "payload_len", value, current);
        break;
      }
      case 5: {  // Ethernet padding
        const unsigned n = uniform(1, 60);
        const bool zeros = chance(50);
        for (unsigned i = 0; i < n; i++)
          b.push_back(zeros ? 0 : byte());
        std::snprintf(buf, sizeof(buf), " | %u bytes of %s padding", n, zeros ? "zero" : "random");
        break;
      }
      case 6:
      case 7: {  // bytes or bits changed, mostly in the headers
        const unsigned n = uniform(1, 3);
        std::string list;
        for (unsigned i = 0; i < n; i++) {
          const size_t limit = std::min<size_t>(b.size(), chance(80) ? ip + 64 : b.size());
          const size_t at = uniform(0, static_cast<unsigned>(limit - 1));
          if (chance(50)) {
            b[at] = byte();
          } else {
            b[at] ^= static_cast<uint8_t>(1u << uniform(0, 7));
          }
          list += " " + std::to_string(at);
        }
        std::snprintf(buf, sizeof(buf), " | bytes changed at%s", list.c_str());
        break;
      }
      case 8: {  // a bad next header
        if (g.family == 6 && !g.next_header_offsets.empty()) {
          const size_t at = one_of(g.next_header_offsets);
          if (at >= b.size()) break;
          static const std::vector<uint8_t> values = {0,  43, 44, 51,  60,  59, 50, 6,
                                                      17, 58, 1,  136, 132, 33, 135};
          b[at] = chance(70) ? one_of(values) : byte();
          std::snprintf(buf, sizeof(buf), " | next header at %zu = %u", at, b[at]);
        } else if (g.family == 4 && ip + 10 <= b.size()) {
          b[ip + 9] = byte();
          std::snprintf(buf, sizeof(buf), " | protocol = %u", b[ip + 9]);
        } else {
          return;
        }
        break;
      }
      case 9: {  // the version nibble
        if (ip >= b.size()) break;
        const unsigned version = uniform(0, 15);
        b[ip] = static_cast<uint8_t>(version << 4 | (b[ip] & 0x0f));
        std::snprintf(buf, sizeof(buf), " | version=%u", version);
        break;
      }
      case 10: {  // an ethertype or TPID replaced
        if (ip < 14 || ip > b.size()) break;
        const size_t at = ip - 2 - 4 * uniform(0, static_cast<unsigned>((ip - 14) / 4));
        static const std::vector<uint16_t> types = {
            ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q, ETH_P_8021AD, ETH_P_ARP, 0x0040, 0x9100};
        const uint16_t type = chance(80) ? one_of(types) : u16();
        frame_detail::put16(b, at, type);
        std::snprintf(buf, sizeof(buf), " | type at %zu = %04x", at, type);
        break;
      }
      case 12: {  // the IP length ending the packet at (or near) a header boundary
        const size_t field = g.family == 4 ? ip + 2 : ip + 4;
        const size_t counted_from = g.family == 4 ? ip : ip + 40;
        if (g.family == 0 || field + 2 > b.size()) return;
        std::vector<size_t> inside;
        for (size_t at : g.boundaries)
          if (at >= counted_from) inside.push_back(at - counted_from);
        if (inside.empty()) return;
        const size_t length = one_of(inside) + (chance(70) ? 0 : uniform(1, 3));
        frame_detail::put16(b, field, static_cast<uint16_t>(length));
        std::snprintf(buf, sizeof(buf), " | %s=%zu (a boundary)",
                      g.family == 4 ? "tot_len" : "payload_len", length);
        break;
      }
      default: {  // IPv4 flags and fragment offset
        if (g.family == 4 && ip + 8 <= b.size()) {
          frame_detail::put16(b, ip + 6, u16());
          std::snprintf(buf, sizeof(buf), " | frag_off=%02x%02x", b[ip + 6], b[ip + 7]);
        } else {
          return;
        }
        break;
      }
    }
    g.how += buf;
  }

  std::mt19937_64 rng_;
  const std::vector<PrefixRule>& rules_;
};

// Random --include/--exclude lists over random prefix lengths (/0 included),
// with or without the defaults: tables the fast /16 table and the trie must
// both get right.
PrefixOptions random_prefix_options(std::mt19937_64& rng) {
  auto uniform = [&](unsigned lo, unsigned hi) {
    return std::uniform_int_distribution<unsigned>(lo, hi)(rng);
  };
  PrefixOptions options = documentation_hosts_public();
  options.default_excludes = uniform(0, 3) != 0;
  std::set<std::pair<int, std::string>> used;
  for (const Prefix& p : options.includes)
    used.insert({p.family, p.to_string()});
  const unsigned count = uniform(0, 24);
  for (unsigned i = 0; i < count; i++) {
    Prefix p;
    p.family = uniform(0, 1) ? 4 : 6;
    const unsigned bits = p.family == 4 ? 32 : 128;
    const unsigned length = uniform(0, 2) == 0 ? uniform(0, bits) : uniform(8, 24);
    p.length = static_cast<uint8_t>(length);
    for (unsigned bit = 0; bit < length; bit++) {
      if (uniform(0, 1)) p.addr[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
    }
    if (!used.insert({p.family, p.to_string()}).second) continue;
    (uniform(0, 1) ? options.includes : options.excludes).push_back(p);
  }
  return options;
}

// ---- Comparison --------------------------------------------------------------------

std::string counters_text(const Counters& c) {
  std::ostringstream out;
  const char* separator = "";
  for (const CounterField& field : kCounterFields) {
    out << separator << field.name << "=" << c.*field.member;
    separator = " ";
  }
  return out.str();
}

std::string address_text(const uint8_t (&bytes)[16], uint8_t family) {
  Address a;
  a.family = family == 4 ? 4 : 6;
  std::copy(std::begin(bytes), std::end(bytes), a.bytes.begin());
  std::string text = a.to_string();
  // IPv4 lives in the first four bytes; anything behind them is a bug.
  if (family == 4 &&
      std::any_of(std::begin(bytes) + 4, std::end(bytes), [](uint8_t v) { return v != 0; })) {
    text += " (+ non-zero bytes 4..15)";
  }
  if (family != 4 && family != 6) text += " (family " + std::to_string(unsigned{family}) + ")";
  return text;
}

// The fields of two records side by side, marking those that differ; empty
// when they agree. The BPF record's ts_ns is checked against the run.
std::string record_diff(const ew_record& bpf, const ew_record& ref, const RunResult& run) {
  std::ostringstream out;
  bool differ = false;
  auto row = [&](const char* name, const std::string& a, const std::string& b) {
    const bool d = a != b;
    differ = differ || d;
    out << "    " << std::left << std::setw(11) << name << std::setw(42) << a << std::setw(42) << b
        << (d ? "<-- differs" : "") << "\n";
  };
  auto num = [](unsigned v) { return std::to_string(v); };
  out << "    " << std::left << std::setw(11) << "field" << std::setw(42) << "bpf"
      << "reference\n";
  row("kind", num(bpf.kind), num(ref.kind));
  row("family", num(bpf.family), num(ref.family));
  row("proto", num(bpf.proto), num(ref.proto));
  row("flags", describe_flags(bpf.flags), describe_flags(ref.flags));
  row("sport", num(bpf.sport), num(ref.sport));
  row("dport", num(bpf.dport), num(ref.dport));
  row("icmp_type", num(bpf.icmp_type), num(ref.icmp_type));
  row("icmp_code", num(bpf.icmp_code), num(ref.icmp_code));
  row("vlan", num(bpf.vlan), num(ref.vlan));
  row("vlan_inner", num(bpf.vlan_inner), num(ref.vlan_inner));
  row("tcp_flags", num(bpf.tcp_flags), num(ref.tcp_flags));
  row("initiator", num(bpf.initiator), num(ref.initiator));
  row("src", address_text(bpf.src, bpf.family), address_text(ref.src, ref.family));
  row("dst", address_text(bpf.dst, bpf.family), address_text(ref.dst, ref.family));
  row("len", num(bpf.len), num(ref.len));
  row("ifindex", num(bpf.ifindex), num(ref.ifindex));
  const bool ts_ok = bpf.ts_ns >= run.monotonic_before_ns && bpf.ts_ns <= run.monotonic_after_ns;
  row("ts_ns", ts_ok ? "within the run" : "outside the run: " + std::to_string(bpf.ts_ns),
      "within the run");
  return differ ? out.str() : std::string();
}

// Empty when the program's run and the reference agree; otherwise what differs.
std::string compare(const RunResult& run, const ReferenceOutcome& ref, const Bytes& frame) {
  std::ostringstream out;
  if (run.retval != TC_ACT_UNSPEC) {
    out << "  return value " << run.retval << ", want TC_ACT_UNSPEC (" << TC_ACT_UNSPEC << ")\n";
  }
  if (run.data_out != frame) out << "  the program changed the frame\n";
  if (run.malformed_records != 0 || run.perf_lost != 0) {
    out << "  " << run.malformed_records << " malformed record(s), " << run.perf_lost << " lost\n";
  }
  if (run.counters != ref.counters) {
    out << "  counters  bpf:       " << counters_text(run.counters) << "\n"
        << "            reference: " << counters_text(ref.counters) << "\n";
  }
  const size_t want = ref.record ? 1 : 0;
  if (run.records.size() != want) {
    out << "  records   bpf: " << run.records.size() << ", reference: " << want << "\n";
    if (!run.records.empty()) {
      out << "  bpf record: proto " << unsigned{run.records[0].proto} << " flags "
          << describe_flags(run.records[0].flags) << " dst "
          << address_text(run.records[0].dst, run.records[0].family) << "\n";
    }
    if (ref.record) {
      out << "  reference record: proto " << unsigned{ref.record->proto} << " flags "
          << describe_flags(ref.record->flags) << " dst "
          << address_text(ref.record->dst, ref.record->family) << "\n";
    }
  } else if (ref.record) {
    const std::string diff = record_diff(run.records[0], *ref.record, run);
    if (!diff.empty()) out << "  records differ:\n" << diff;
  }
  return out.str();
}

// The program's fragment memory against the reference's, after a batch.
std::string compare_fragment_memory(const std::vector<FragmentEntry>& kernel,
                                    const std::map<DatagramName, FirstFragmentPorts>& model) {
  std::map<DatagramName, FirstFragmentPorts> seen;
  for (const FragmentEntry& e : kernel) {
    DatagramName name{e.key.family, e.key.proto, e.key.id, {}, {}};
    std::copy(std::begin(e.key.src), std::end(e.key.src), name.src.begin());
    std::copy(std::begin(e.key.dst), std::end(e.key.dst), name.dst.begin());
    seen[name] = {e.ports.proto, e.ports.sport, e.ports.dport};
  }
  if (seen == model) return {};
  std::ostringstream out;
  out << "ew_fragments holds " << seen.size() << " datagrams, the reference remembers "
      << model.size() << ":\n";
  auto describe = [](const DatagramName& n, const FirstFragmentPorts& p) {
    Address src;
    Address dst;
    src.family = dst.family = n.family == 4 ? 4 : 6;
    src.bytes = n.src;
    dst.bytes = n.dst;
    return "family " + std::to_string(n.family) + " proto " + std::to_string(n.proto) + " id " +
           std::to_string(n.id) + " " + src.to_string() + " -> " + dst.to_string() + ": " +
           std::to_string(p.proto) + " " + std::to_string(p.sport) + " -> " +
           std::to_string(p.dport);
  };
  for (const auto& [name, ports] : seen) {
    auto it = model.find(name);
    if (it == model.end() || it->second != ports)
      out << "  only in bpf: " << describe(name, ports) << "\n";
  }
  for (const auto& [name, ports] : model) {
    auto it = seen.find(name);
    if (it == seen.end() || it->second != ports) {
      out << "  only in the reference: " << describe(name, ports) << "\n";
    }
  }
  return out.str();
}

// Some kernels (6.18) refuse to run a tc program on an IPv4 or IPv6 frame
// shorter than the fixed IP header (see FrameCase::kernel_may_refuse): such a
// frame never reaches the classifier.
bool kernel_may_refuse(const Bytes& frame) {
  const uint16_t type = static_cast<uint16_t>(frame[12] << 8 | frame[13]);
  return (type == ETH_P_IP && frame.size() < kEthernetHeaderLen + kIpv4HeaderLen) ||
         (type == ETH_P_IPV6 && frame.size() < kEthernetHeaderLen + kIpv6HeaderLen);
}

struct Tally {
  size_t frames = 0;
  size_t refused = 0;
  size_t records = 0;
  size_t excluded = 0;
  size_t unparsed = 0;
  size_t non_ip = 0;
  size_t with_ports_from_memory = 0;
  std::map<std::string, size_t> flags;  // records by flag, to show what was covered
  size_t disagreements = 0;
};

constexpr size_t kMaxReported = 5;

// Runs `count` generated frames through one freshly loaded classifier and a
// fresh reference, frame by frame, then compares the fragment memories.
void run_batch(const PrefixOptions& options, uint64_t seed, size_t count, const std::string& label,
               Tally& tally) {
  ClassifierHarness harness(options);
  ReferenceClassifier reference(harness.rules());
  FrameGenerator generator(seed, harness.rules());
  const uint32_t ifindex = test_ifindex();

  for (size_t i = 0; i < count; i++) {
    const GeneratedFrame g = generator.next();
    const RunResult run = harness.run(g.bytes, ifindex);
    if (run.error == -EINVAL && kernel_may_refuse(g.bytes)) {
      tally.refused++;
      continue;
    }
    tally.frames++;
    const std::string where =
        label + " frame " + std::to_string(i) + " (batch seed " + std::to_string(seed) +
        "; rerun with EW_REFERENCE_SEED=" + std::to_string(master_seed()) + ")";
    if (run.error != 0) {
      ADD_FAILURE() << where << ": BPF_PROG_TEST_RUN failed: " << std::strerror(-run.error)
                    << "\n  built: " << g.how << "\n  frame (" << g.bytes.size() << " bytes):\n"
                    << hex_dump(g.bytes);
      return;
    }
    const ReferenceOutcome ref = reference.classify(g.bytes, ifindex);
    if (ref.record) {
      tally.records++;
      for (uint8_t bit = 1; bit != 0 && bit <= EW_FLAG_VLAN_INNER;
           bit = static_cast<uint8_t>(bit << 1)) {
        if (ref.record->flags & bit) tally.flags[describe_flags(bit)]++;
      }
      tally.flags[ref.record->family == 4 ? "ipv4" : "ipv6"]++;
      if ((ref.record->flags & (EW_FLAG_FRAGMENT | EW_FLAG_PORTS)) ==
          (EW_FLAG_FRAGMENT | EW_FLAG_PORTS)) {
        tally.with_ports_from_memory++;
      }
    } else if (ref.counters.unparsed) {
      tally.unparsed++;
    } else if (ref.counters.non_ip) {
      tally.non_ip++;
    } else {
      tally.excluded++;
    }
    const std::string diff = compare(run, ref, g.bytes);
    if (diff.empty()) continue;
    if (++tally.disagreements <= kMaxReported) {
      ADD_FAILURE() << where << ": the classifier and the reference disagree\n"
                    << "  built: " << g.how << "\n"
                    << diff << "  frame (" << g.bytes.size() << " bytes):\n"
                    << hex_dump(g.bytes);
    }
  }
  const std::string memory =
      compare_fragment_memory(harness.fragments(), reference.fragment_memory());
  if (!memory.empty()) {
    tally.disagreements++;
    ADD_FAILURE() << label << " (batch seed " << seed << "): " << memory;
  }
}

void report(const Tally& t, std::chrono::steady_clock::duration took) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  std::printf(
      "[ reference ] seed %llu: %zu frames compared in %lld ms (%zu records, %zu of them later "
      "fragments with remembered ports; %zu excluded, %zu unparsed, %zu non-IP; %zu refused by "
      "the kernel as shorter than an IP header), %zu disagreements\n",
      static_cast<unsigned long long>(master_seed()), t.frames, static_cast<long long>(ms),
      t.records, t.with_ports_from_memory, t.excluded, t.unparsed, t.non_ip, t.refused,
      t.disagreements);
  std::printf("[ reference ] records with:");
  for (const auto& [name, n] : t.flags)
    std::printf(" %s %zu", name.c_str(), n);
  std::printf("\n");
}

// A classifier load is far slower than a run; batches keep the fragment
// memory far below ew_fragments' 4096 entries, where the LRU would start to
// forget what the reference remembers.
constexpr size_t kBatch = 1000;

TEST(ReferenceCompare, DefaultTableWithDocumentationHostsPublic) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const size_t total = frames_per_test(6000);
  RecordProperty("seed", std::to_string(master_seed()));
  std::mt19937_64 seeds(master_seed());
  Tally tally;
  const auto start = std::chrono::steady_clock::now();
  for (size_t done = 0, batch = 0; done < total; done += kBatch, batch++) {
    run_batch(documentation_hosts_public(), seeds(), std::min(kBatch, total - done),
              "default table, batch " + std::to_string(batch), tally);
  }
  report(tally, std::chrono::steady_clock::now() - start);
  EXPECT_EQ(tally.disagreements, 0u) << "seed " << master_seed();
}

TEST(ReferenceCompare, RandomPrefixTables) {
  EW_SKIP_UNLESS_BPF_CAPABLE();
  const size_t total = frames_per_test(3000);
  RecordProperty("seed", std::to_string(master_seed()));
  // Another stream than the first test's, from the same seed.
  std::mt19937_64 seeds(master_seed() ^ 0x9e3779b97f4a7c15ull);
  Tally tally;
  const auto start = std::chrono::steady_clock::now();
  const size_t per_table = kBatch / 2;
  for (size_t done = 0, table = 0; done < total; done += per_table, table++) {
    const PrefixOptions options = random_prefix_options(seeds);
    std::string label = "random table " + std::to_string(table) + " (";
    label += options.default_excludes ? "defaults" : "no defaults";
    for (const Prefix& p : options.excludes)
      label += " --exclude " + p.to_string();
    for (const Prefix& p : options.includes)
      label += " --include " + p.to_string();
    label += ")";
    run_batch(options, seeds(), std::min(per_table, total - done), label, tally);
  }
  report(tally, std::chrono::steady_clock::now() - start);
  EXPECT_EQ(tally.disagreements, 0u) << "seed " << master_seed();
}

}  // namespace
}  // namespace ew::test
