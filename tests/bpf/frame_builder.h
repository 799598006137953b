// Crafted Ethernet frames for BPF_PROG_TEST_RUN: small composable functions,
// inner layer first, so a table entry reads like the packet it describes:
//
//   ethernet(ETH_P_IP, ipv4(src, dst, IPPROTO_TCP, tcp(40000, 443)))
//
// Lengths, next-header fields and the IPv4 header checksum are filled in;
// transport checksums stay zero because the classifier never looks at them.
#pragma once

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ew::test {

using Bytes = std::vector<uint8_t>;

// An IPv4 or IPv6 address in network byte order (IPv4 in the first four bytes,
// the rest zero: the layout of ew_record.src/dst).
struct Address {
  int family = 4;
  std::array<uint8_t, 16> bytes{};

  static Address parse(std::string_view text) {
    const std::string s(text);
    Address a;
    if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
      a.family = 4;
    } else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
      a.family = 6;
    } else {
      throw std::invalid_argument("not an address: " + s);
    }
    return a;
  }

  size_t size() const { return family == 4 ? 4 : 16; }

  std::string to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof(buf));
    return buf;
  }

  bool operator==(const Address&) const = default;
};

inline void PrintTo(const Address& a, std::ostream* os) {
  *os << a.to_string();
}

inline Address v4(std::string_view text) {
  Address a = Address::parse(text);
  if (a.family != 4) throw std::invalid_argument("not IPv4: " + std::string(text));
  return a;
}

inline Address v6(std::string_view text) {
  Address a = Address::parse(text);
  if (a.family != 6) throw std::invalid_argument("not IPv6: " + std::string(text));
  return a;
}

namespace frame_detail {

inline void put16(Bytes& b, size_t at, uint16_t value) {
  b[at] = static_cast<uint8_t>(value >> 8);
  b[at + 1] = static_cast<uint8_t>(value & 0xff);
}

inline void put32(Bytes& b, size_t at, uint32_t value) {
  put16(b, at, static_cast<uint16_t>(value >> 16));
  put16(b, at + 2, static_cast<uint16_t>(value & 0xffff));
}

inline void append16(Bytes& b, uint16_t value) {
  b.push_back(static_cast<uint8_t>(value >> 8));
  b.push_back(static_cast<uint8_t>(value & 0xff));
}

inline void append(Bytes& b, const Bytes& tail) {
  b.insert(b.end(), tail.begin(), tail.end());
}

inline uint16_t checksum(const Bytes& b, size_t from, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2)
    sum += static_cast<uint32_t>(b[from + i] << 8 | b[from + i + 1]);
  if (len % 2) sum += static_cast<uint32_t>(b[from + len - 1] << 8);
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

}  // namespace frame_detail

// ---- Transport headers (and an opaque payload for everything else) --------

// A 20-byte TCP header with SYN set.
inline Bytes tcp(uint16_t sport, uint16_t dport) {
  Bytes b;
  frame_detail::append16(b, sport);
  frame_detail::append16(b, dport);
  b.insert(b.end(), {0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0});
  return b;
}

// An 8-byte UDP header followed by `payload_len` zero bytes.
inline Bytes udp(uint16_t sport, uint16_t dport, size_t payload_len = 0) {
  Bytes b;
  frame_detail::append16(b, sport);
  frame_detail::append16(b, dport);
  frame_detail::append16(b, static_cast<uint16_t>(8 + payload_len));
  frame_detail::append16(b, 0);
  b.resize(8 + payload_len, 0);
  return b;
}

// Protocols whose header also starts with the two ports (SCTP, DCCP,
// UDP-Lite): the ports and then `rest` zero bytes.
inline Bytes ports_then(uint16_t sport, uint16_t dport, size_t rest) {
  Bytes b;
  frame_detail::append16(b, sport);
  frame_detail::append16(b, dport);
  b.resize(4 + rest, 0);
  return b;
}

// An 8-byte ICMP or ICMPv6 header (echo layout: identifier, sequence).
inline Bytes icmp(uint8_t type, uint8_t code) {
  return {type, code, 0, 0, 0x12, 0x34, 0, 1};
}

// `n` bytes of a recognisable pattern: a GRE header, a later fragment, ...
inline Bytes opaque(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; i++)
    b[i] = static_cast<uint8_t>(0xa0 + i % 16);
  return b;
}

// ---- IPv4 -----------------------------------------------------------------

struct Ipv4Fields {
  uint8_t version = 4;
  // Header length in 32-bit words. Above 5 the options are NOPs; below 5 the
  // field lies and the header still takes 20 bytes.
  uint8_t ihl = 5;
  uint16_t fragment_offset = 0;  // in 8-byte units
  bool more_fragments = false;
  bool dont_fragment = false;
  uint8_t ttl = 64;
  uint16_t id = 0x4242;  // identification: what ties the fragments of a datagram together
};

inline Bytes ipv4(const Address& src, const Address& dst, uint8_t proto, const Bytes& payload,
                  const Ipv4Fields& f = {}) {
  const size_t header_len = std::max<size_t>(20, size_t{f.ihl} * 4);
  Bytes b(header_len, 0);
  b[0] = static_cast<uint8_t>(f.version << 4 | (f.ihl & 0x0f));
  frame_detail::put16(b, 2, static_cast<uint16_t>(header_len + payload.size()));
  frame_detail::put16(b, 4, f.id);
  uint16_t frag = static_cast<uint16_t>(f.fragment_offset & 0x1fff);
  if (f.more_fragments) frag |= 0x2000;
  if (f.dont_fragment) frag |= 0x4000;
  frame_detail::put16(b, 6, frag);
  b[8] = f.ttl;
  b[9] = proto;
  std::copy_n(src.bytes.begin(), 4, b.begin() + 12);
  std::copy_n(dst.bytes.begin(), 4, b.begin() + 16);
  std::fill(b.begin() + 20, b.end(), uint8_t{1});  // IPOPT_NOOP
  frame_detail::put16(b, 10, frame_detail::checksum(b, 0, header_len));
  frame_detail::append(b, payload);
  return b;
}

// ---- IPv6 -----------------------------------------------------------------

// One extension header. For hop-by-hop, routing and destination options
// `length` is the header's Hdr Ext Len (8-octet units beyond the first 8);
// for AH it is the Payload Len (4-octet units minus 2); a fragment header is
// always 8 bytes.
struct Ipv6Ext {
  uint8_t type = IPPROTO_HOPOPTS;
  uint8_t length = 0;
  uint16_t fragment_offset = 0;  // in 8-byte units, fragment headers only
  bool more_fragments = false;
  uint32_t identification = 0x4242;  // fragment headers only
  uint8_t reserved_bits = 0;         // fragment headers only: the two bits between offset and M
};

inline Ipv6Ext hop_by_hop(uint8_t length = 0) {
  return {.type = IPPROTO_HOPOPTS, .length = length};
}
inline Ipv6Ext destination_options(uint8_t length = 0) {
  return {.type = IPPROTO_DSTOPTS, .length = length};
}
inline Ipv6Ext routing(uint8_t length = 0) {
  return {.type = IPPROTO_ROUTING, .length = length};
}
inline Ipv6Ext authentication(uint8_t length = 4) {
  return {.type = IPPROTO_AH, .length = length};
}
inline Ipv6Ext fragment(uint16_t offset, bool more, uint32_t identification = 0x4242) {
  return {.type = IPPROTO_FRAGMENT,
          .fragment_offset = offset,
          .more_fragments = more,
          .identification = identification};
}

namespace frame_detail {

inline Bytes ipv6_ext(const Ipv6Ext& ext, uint8_t next) {
  Bytes b;
  switch (ext.type) {
    case IPPROTO_FRAGMENT: {
      b.assign(8, 0);
      b[0] = next;
      // Offset (13 bits), two reserved bits, M: the M bit is bit 0 of byte 3.
      uint16_t off = static_cast<uint16_t>(ext.fragment_offset << 3 | (ext.reserved_bits & 3) << 1 |
                                           (ext.more_fragments ? 1 : 0));
      put16(b, 2, off);
      put32(b, 4, ext.identification);
      break;
    }
    case IPPROTO_AH:
      b.assign((size_t{ext.length} + 2) * 4, 0);
      b[0] = next;
      b[1] = ext.length;
      b[7] = 1;  // SPI
      break;
    default: {
      b.assign((size_t{ext.length} + 1) * 8, 0);
      b[0] = next;
      b[1] = ext.length;
      if (ext.type == IPPROTO_ROUTING) break;  // routing type 0, segments left 0: receivers skip it
      // Options: PadN (type 1, length, zeros) of at most 255 bytes each, and
      // Pad1 (a zero byte) for a single byte left over.
      for (size_t pos = 2; pos < b.size();) {
        const size_t left = b.size() - pos;
        if (left == 1) break;
        const size_t pad = std::min<size_t>(left - 2, 255);
        b[pos] = 1;
        b[pos + 1] = static_cast<uint8_t>(pad);
        pos += 2 + pad;
      }
      break;
    }
  }
  return b;
}

}  // namespace frame_detail

// An IPv6 packet whose extension headers come in the order given, the last
// naming `proto` as its next header.
inline Bytes ipv6(const Address& src, const Address& dst, const std::vector<Ipv6Ext>& exts,
                  uint8_t proto, const Bytes& payload, uint8_t version = 6) {
  Bytes rest;
  uint8_t next = proto;
  Bytes tail = payload;
  for (auto it = exts.rbegin(); it != exts.rend(); ++it) {
    Bytes ext = frame_detail::ipv6_ext(*it, next);
    frame_detail::append(ext, tail);
    tail = std::move(ext);
    next = it->type;
  }
  Bytes b(40, 0);
  b[0] = static_cast<uint8_t>(version << 4);
  frame_detail::put16(b, 4, static_cast<uint16_t>(tail.size()));
  b[6] = next;
  b[7] = 64;
  std::copy_n(src.bytes.begin(), 16, b.begin() + 8);
  std::copy_n(dst.bytes.begin(), 16, b.begin() + 24);
  frame_detail::append(b, tail);
  return b;
}

inline Bytes ipv6(const Address& src, const Address& dst, uint8_t proto, const Bytes& payload) {
  return ipv6(src, dst, {}, proto, payload);
}

// ---- Link layer -------------------------------------------------------------

inline constexpr size_t kEthernetHeaderLen = 14;
inline constexpr size_t kIpv4HeaderLen = 20;
inline constexpr size_t kIpv6HeaderLen = 40;

inline Bytes ethernet(uint16_t ethertype, const Bytes& payload) {
  Bytes b = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02,   // destination: the next hop
             0x02, 0x00, 0x00, 0x00, 0x00, 0x01};  // source: us
  frame_detail::append16(b, ethertype);
  frame_detail::append(b, payload);
  return b;
}

// An 802.1Q tagged frame carrying `ethertype` inside.
inline Bytes ethernet_vlan(uint16_t vid, uint16_t ethertype, const Bytes& payload) {
  Bytes tag;
  frame_detail::append16(tag, vid & 0x0fff);
  frame_detail::append16(tag, ethertype);
  frame_detail::append(tag, payload);
  return ethernet(ETH_P_8021Q, tag);
}

// One 802.1Q (TPID 0x8100) or 802.1ad (TPID 0x88a8) tag: the TPID and the
// whole TCI (PCP 3 bits, DEI 1 bit, VID 12 bits), written as given.
struct VlanTag {
  uint16_t tpid = ETH_P_8021Q;
  uint16_t tci = 0;
};

inline constexpr uint16_t tci(uint8_t pcp, bool dei, uint16_t vid) {
  return static_cast<uint16_t>((pcp & 7) << 13 | (dei ? 1 : 0) << 12 | (vid & 0x0fff));
}
inline VlanTag dot1q(uint16_t tci_value) {
  return {ETH_P_8021Q, tci_value};
}
inline VlanTag dot1ad(uint16_t tci_value) {
  return {ETH_P_8021AD, tci_value};
}

// A frame whose tags come in the order given (outermost first), the last
// one naming `ethertype`.
inline Bytes ethernet_tagged(const std::vector<VlanTag>& tags, uint16_t ethertype,
                             const Bytes& payload) {
  if (tags.empty()) return ethernet(ethertype, payload);
  Bytes rest;
  for (size_t i = 1; i < tags.size(); i++) {
    frame_detail::append16(rest, tags[i - 1].tci);
    frame_detail::append16(rest, tags[i].tpid);
  }
  frame_detail::append16(rest, tags.back().tci);
  frame_detail::append16(rest, ethertype);
  frame_detail::append(rest, payload);
  return ethernet(tags.front().tpid, rest);
}

inline Bytes ipv4_frame(const Address& src, const Address& dst, uint8_t proto, const Bytes& payload,
                        const Ipv4Fields& f = {}) {
  return ethernet(ETH_P_IP, ipv4(src, dst, proto, payload, f));
}

inline Bytes ipv6_frame(const Address& src, const Address& dst, uint8_t proto,
                        const Bytes& payload) {
  return ethernet(ETH_P_IPV6, ipv6(src, dst, proto, payload));
}

inline Bytes ipv6_frame(const Address& src, const Address& dst, const std::vector<Ipv6Ext>& exts,
                        uint8_t proto, const Bytes& payload) {
  return ethernet(ETH_P_IPV6, ipv6(src, dst, exts, proto, payload));
}

// An ARP who-has request from `sender` for `target` (both IPv4).
inline Bytes arp_request(const Address& sender, const Address& target) {
  Bytes b = {0x00, 0x01, 0x08, 0x00, 6,    4,   0x00, 0x01,  // Ethernet/IPv4, request
             0x02, 0x00, 0x00, 0x00, 0x00, 0x01};            // sender MAC
  b.insert(b.end(), sender.bytes.begin(), sender.bytes.begin() + 4);
  b.insert(b.end(), 6, 0);  // target MAC: unknown
  b.insert(b.end(), target.bytes.begin(), target.bytes.begin() + 4);
  Bytes frame = ethernet(ETH_P_ARP, b);
  std::fill_n(frame.begin(), 6, uint8_t{0xff});  // broadcast
  return frame;
}

// An LLDP frame: chassis ID, port ID, TTL and End TLVs.
inline Bytes lldp() {
  Bytes tlvs = {0x02, 0x07, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  // chassis: MAC
                0x04, 0x03, 0x07, 'p',  '1',                           // port: local
                0x06, 0x02, 0x00, 0x78,                                // TTL 120 s
                0x00, 0x00};                                           // End
  Bytes frame = ethernet(0x88cc, tlvs);
  const uint8_t nearest_bridge[] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
  std::copy(std::begin(nearest_bridge), std::end(nearest_bridge), frame.begin());
  return frame;
}

// The first `len` bytes of `frame`: what a cut-off capture or a short linear
// area shows. The IP length fields still describe the whole packet.
inline Bytes truncated(Bytes frame, size_t len) {
  if (len > frame.size()) throw std::invalid_argument("truncated: frame is shorter than the cut");
  frame.resize(len);
  return frame;
}

}  // namespace ew::test
