#include "reference_classifier.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace ew::test {
namespace {

// Protocol numbers, spelled out so the reference does not lean on the
// kernel's headers for its rules.
constexpr uint16_t kEthertypeIpv4 = 0x0800;
constexpr uint16_t kEthertypeIpv6 = 0x86dd;
constexpr uint16_t kTpid8021Q = 0x8100;
constexpr uint16_t kTpid8021AD = 0x88a8;

constexpr uint8_t kHopByHop = 0;
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
constexpr uint8_t kDccp = 33;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragmentHeader = 44;
constexpr uint8_t kAuthentication = 51;
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kDestinationOptions = 60;
constexpr uint8_t kSctp = 132;
constexpr uint8_t kUdpLite = 136;

// How many IPv6 extension headers the classifier follows before it gives up
// on reaching the transport (the fixture "ipv6_nine_extensions_tcp").
constexpr int kExtensionHeaderLimit = 8;
// Tags in the frame the classifier reads; a third one makes the frame non-IP.
constexpr int kVlanTagLimit = 2;
// Written out rather than taken from the ABI, as the model is meant to be
// independent; but the two must agree.
static_assert(kExtensionHeaderLimit == EW_MAX_IPV6_EXT_HEADERS);
static_assert(kVlanTagLimit == EW_MAX_VLAN_TAGS);

enum class Kind { kNonIp, kUnparsed, kIp };

// The bytes of one frame, read big-endian at absolute offsets.
struct FrameBytes {
  std::span<const uint8_t> bytes;

  uint8_t u8(size_t at) const { return bytes[at]; }
  uint16_t u16(size_t at) const { return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]); }
  uint32_t u32(size_t at) const {
    return static_cast<uint32_t>(u16(at)) << 16 | static_cast<uint32_t>(u16(at + 2));
  }
};

// Everything the classifier learns about a frame it judges.
struct Packet {
  uint8_t family = 0;
  std::array<uint8_t, 16> src{};
  std::array<uint8_t, 16> dst{};
  uint8_t proto = 0;
  uint8_t flags = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint8_t icmp_type = 0;
  uint8_t icmp_code = 0;
  uint8_t tcp_flags = 0;       // with EW_FLAG_TCP_FLAGS
  std::vector<uint16_t> vids;  // outermost first
  bool in_fragmented_datagram = false;
  bool later_fragment = false;
  uint32_t datagram_id = 0;
};

struct LinkLayer {
  bool ip = false;
  uint16_t ethertype = 0;
  size_t network_offset = 0;
  std::vector<uint16_t> vids;
};

// Ethernet and the VLAN tags in front of the network header.
LinkLayer read_link_layer(const FrameBytes& f) {
  LinkLayer link;
  const size_t size = f.bytes.size();
  if (size < 14) return link;
  size_t at = 12;  // the ethertype (or the first TPID)
  uint16_t type = f.u16(at);
  at += 2;
  while (type == kTpid8021Q || type == kTpid8021AD) {
    if (static_cast<int>(link.vids.size()) == kVlanTagLimit) return link;  // a third tag
    if (at + 4 > size) return link;                                        // a tag cut off
    link.vids.push_back(f.u16(at) & 0x0fff);  // PCP and DEI are not part of the VID
    type = f.u16(at + 2);
    at += 4;
  }
  link.ethertype = type;
  link.network_offset = at;
  link.ip = type == kEthertypeIpv4 || type == kEthertypeIpv6;
  return link;
}

// `end` is where the IP packet stops being readable: the end of the frame,
// or sooner when the IP header's length says the packet is shorter (the
// rest is Ethernet padding). A length of 0 says nothing (BIG TCP, jumbograms).
size_t packet_end(size_t frame_size, size_t ip_start, size_t ip_length) {
  if (ip_length == 0) return frame_size;
  return std::min(frame_size, ip_start + ip_length);
}

// The transport fields, from the bytes between `at` and `end`.
void read_transport(const FrameBytes& f, size_t at, size_t end, Packet& p) {
  const size_t available = end > at ? end - at : 0;
  switch (p.proto) {
    case kTcp:
    case kUdp:
    case kUdpLite:
    case kSctp:
    case kDccp:
      if (available < 4) {
        p.flags |= EW_FLAG_L4_SHORT;
      } else {
        p.sport = f.u16(at);
        p.dport = f.u16(at + 2);
        p.flags |= EW_FLAG_PORTS;
        // TCP's flags are the header's 14th byte.
        if (p.proto == kTcp && available >= 14) {
          p.tcp_flags = f.u8(at + 13);
          p.flags |= EW_FLAG_TCP_FLAGS;
        }
      }
      return;
    case kIcmp:
    case kIcmpv6:
      // The README: icmp_type/icmp_code "present for ICMP and ICMPv6". The
      // protocol number decides, not the family it turns up in (an IPv4
      // packet saying 58 is read as ICMP too; the header layout is the same).
      if (available < 2) {
        p.flags |= EW_FLAG_L4_SHORT;
      } else {
        p.icmp_type = f.u8(at);
        p.icmp_code = f.u8(at + 1);
        p.flags |= EW_FLAG_ICMP;
      }
      return;
    default:
      return;  // no transport fields to look for: nothing is short
  }
}

Kind read_ipv4(const FrameBytes& f, size_t start, Packet& p) {
  const size_t size = f.bytes.size();
  if (start + 20 > size) return Kind::kUnparsed;
  const uint8_t version = f.u8(start) >> 4;
  const size_t header_len = size_t{f.u8(start) & 0x0fu} * 4;
  if (version != 4 || header_len < 20) return Kind::kUnparsed;
  if (start + header_len > size) return Kind::kUnparsed;  // options cut off
  const size_t total_len = f.u16(start + 2);
  if (total_len != 0 && total_len < header_len) return Kind::kUnparsed;

  p.family = 4;
  p.proto = f.u8(start + 9);
  std::copy_n(f.bytes.begin() + static_cast<std::ptrdiff_t>(start + 12), 4, p.src.begin());
  std::copy_n(f.bytes.begin() + static_cast<std::ptrdiff_t>(start + 16), 4, p.dst.begin());

  const uint16_t flags_and_offset = f.u16(start + 6);
  const bool more_fragments = flags_and_offset & 0x2000;
  const uint16_t offset = flags_and_offset & 0x1fff;
  if (more_fragments || offset != 0) {
    p.in_fragmented_datagram = true;
    p.datagram_id = f.u16(start + 4);
  }
  if (offset != 0) {
    // A later fragment: its payload is the middle of the datagram.
    p.later_fragment = true;
    p.flags |= EW_FLAG_FRAGMENT;
    return Kind::kIp;
  }
  read_transport(f, start + header_len, packet_end(size, start, total_len), p);
  return Kind::kIp;
}

// The length of an extension header from its first bytes.
size_t extension_length(uint8_t type, uint8_t length_field) {
  switch (type) {
    case kFragmentHeader:
      return 8;
    case kAuthentication:
      return (size_t{length_field} + 2) * 4;  // RFC 4302: 4-octet units, minus 2
    default:
      return (size_t{length_field} + 1) * 8;  // RFC 8200: 8-octet units, not counting the first
  }
}

bool is_walked_extension(uint8_t type) {
  return type == kHopByHop || type == kRouting || type == kDestinationOptions ||
         type == kFragmentHeader || type == kAuthentication;
}

Kind read_ipv6(const FrameBytes& f, size_t start, Packet& p) {
  const size_t size = f.bytes.size();
  if (start + 40 > size) return Kind::kUnparsed;
  if (f.u8(start) >> 4 != 6) return Kind::kUnparsed;

  p.family = 6;
  std::copy_n(f.bytes.begin() + static_cast<std::ptrdiff_t>(start + 8), 16, p.src.begin());
  std::copy_n(f.bytes.begin() + static_cast<std::ptrdiff_t>(start + 24), 16, p.dst.begin());
  const size_t payload_len = f.u16(start + 4);
  const size_t end = payload_len == 0 ? size : std::min(size, start + 40 + payload_len);

  uint8_t next = f.u8(start + 6);
  size_t at = start + 40;
  int walked = 0;
  while (is_walked_extension(next)) {
    // A header we cannot read whole, or one more than the walk follows:
    // the addresses are known, the transport is not. proto names the header
    // where the walk stopped (the fixtures ipv6_hop_by_hop_cut and
    // ipv6_nine_extensions_tcp).
    const bool fits =
        at + 2 <= end && at + extension_length(next, f.u8(at + 1)) <= end && at + 8 <= end;
    if (walked == kExtensionHeaderLimit || !fits) {
      p.proto = next;
      p.flags |= EW_FLAG_L4_SHORT;
      return Kind::kIp;
    }
    const uint8_t type = next;
    next = f.u8(at);
    if (type == kFragmentHeader) {
      const uint16_t offset = f.u16(at + 2) >> 3;
      const bool more = f.u8(at + 3) & 1;
      // Offset 0 with M clear is an atomic fragment (RFC 6946): a whole datagram.
      if (offset != 0 || more) {
        p.in_fragmented_datagram = true;
        p.datagram_id = f.u32(at + 4);
      }
      if (offset != 0) {
        p.proto = next;  // what the fragment header says follows
        p.later_fragment = true;
        p.flags |= EW_FLAG_FRAGMENT;
        return Kind::kIp;
      }
    }
    at += extension_length(type, f.u8(at + 1));
    walked++;
  }
  p.proto = next;
  read_transport(f, at, end, p);
  return Kind::kIp;
}

bool prefix_contains(const Prefix& prefix, std::span<const uint8_t> addr) {
  for (unsigned bit = 0; bit < prefix.length; bit++) {
    const unsigned mask = 0x80u >> (bit % 8);
    if ((prefix.addr[bit / 8] & mask) != (addr[bit / 8] & mask)) return false;
  }
  return true;
}

ew_record make_record(const Packet& p, size_t frame_len, uint32_t ifindex) {
  ew_record r{};
  r.ifindex = ifindex;
  r.len = static_cast<uint32_t>(frame_len);
  r.kind = EW_RECORD_PACKET;
  r.family = p.family;
  r.proto = p.proto;
  r.flags = p.flags;
  r.sport = p.sport;
  r.dport = p.dport;
  r.icmp_type = p.icmp_type;
  r.icmp_code = p.icmp_code;
  r.tcp_flags = p.tcp_flags;
  if (!p.vids.empty()) {
    r.vlan = p.vids[0];
    r.flags |= EW_FLAG_VLAN;
  }
  if (p.vids.size() > 1) {
    r.vlan_inner = p.vids[1];
    r.flags |= EW_FLAG_VLAN_INNER;
  }
  std::copy(p.src.begin(), p.src.end(), r.src);
  std::copy(p.dst.begin(), p.dst.end(), r.dst);
  return r;
}

}  // namespace

ReferenceClassifier::ReferenceClassifier(std::vector<PrefixRule> rules)
    : rules_(std::move(rules)) {}

bool ReferenceClassifier::is_public(int family, std::span<const uint8_t> dst) const {
  const PrefixRule* best = nullptr;
  for (const PrefixRule& rule : rules_) {
    if (rule.prefix.family != family || !prefix_contains(rule.prefix, dst)) continue;
    if (!best || rule.prefix.length > best->prefix.length) best = &rule;
  }
  // No rule says the address is special: it is public.
  return !best || best->verdict == Verdict::kInclude;
}

ReferenceOutcome ReferenceClassifier::classify(std::span<const uint8_t> frame, uint32_t ifindex) {
  ReferenceOutcome out;
  out.counters.seen = 1;
  const FrameBytes f{frame};

  const LinkLayer link = read_link_layer(f);
  if (!link.ip) {
    out.counters.non_ip = 1;
    return out;
  }
  Packet p;
  p.vids = link.vids;
  const Kind kind = link.ethertype == kEthertypeIpv4 ? read_ipv4(f, link.network_offset, p)
                                                     : read_ipv6(f, link.network_offset, p);
  if (kind == Kind::kUnparsed) {
    out.counters.unparsed = 1;
    return out;
  }
  if (!is_public(p.family, std::span<const uint8_t>(p.dst).first(p.family == 4 ? 4 : 16))) {
    return out;
  }
  out.counters.matched = 1;

  // Fragments: a first fragment with ports leaves them for the later ones of
  // its datagram; a later fragment takes them (and the transport) if there.
  if (p.in_fragmented_datagram) {
    DatagramName name{p.family, p.family == 4 ? p.proto : uint8_t{0}, p.datagram_id, p.src, p.dst};
    if (p.later_fragment) {
      if (auto it = fragments_.find(name); it != fragments_.end()) {
        p.proto = it->second.proto;
        p.sport = it->second.sport;
        p.dport = it->second.dport;
        p.flags |= EW_FLAG_PORTS;
      }
    } else if (p.flags & EW_FLAG_PORTS) {
      fragments_[name] = {p.proto, p.sport, p.dport};
    }
  }
  out.record = make_record(p, frame.size(), ifindex);
  return out;
}

}  // namespace ew::test
