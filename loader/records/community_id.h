// The Community ID flow hash, version 1 (github.com/corelight/community-id-spec):
// "1:" and the base64 of a SHA-1 over the flow's endpoints, the same string
// Zeek and Suricata write, so that records join with their logs. Both
// directions of a conversation give the same ID.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace ew {

// "1:" and 28 base64 characters (20 bytes of SHA-1, padded).
inline constexpr std::size_t kCommunityIdLength = 30;

// An ID held in place: the flow tracker keeps one per conversation, and a
// string of 30 characters would be an allocation each (past the small-string
// buffer). Empty (the spec's value for a flow it cannot name) or 30 chars.
class CommunityId {
 public:
  CommunityId() = default;
  explicit CommunityId(const std::array<char, kCommunityIdLength>& text)
      : text_(text), set_(true) {}

  bool empty() const { return !set_; }
  std::string_view view() const {
    return set_ ? std::string_view(text_.data(), text_.size()) : std::string_view();
  }
  std::string str() const { return std::string(view()); }

  friend bool operator==(const CommunityId& a, const CommunityId& b) {
    return a.view() == b.view();
  }
  friend bool operator==(const CommunityId& a, std::string_view b) { return a.view() == b; }
  friend std::ostream& operator<<(std::ostream& out, const CommunityId& id) {
    return out << '"' << id.view() << '"';
  }

 private:
  std::array<char, kCommunityIdLength> text_{};
  bool set_ = false;
};

// The ID of a flow from src:sport to dst:dport. family is 4 or 6; an address
// is read from the first 4 or 16 bytes of its span (an ew_record's 16-byte
// arrays do for both). Ports are in host byte order.
//
// The ports are hashed for TCP, UDP and SCTP only; every other protocol is
// hashed without them, as the spec says, whatever is passed. ICMP (1) and
// ICMPv6 (58) have no ports either: pass the type as sport and the code as
// dport (Zeek's conn.log convention) and they get community_id_icmp's mapping.
//
// Returns an empty ID (the spec's value for a flow it cannot name) when
// family is not 4 or 6, an address span is too short, or an ICMP "port" is
// above 255. Allocates nothing.
CommunityId community_id(uint8_t family, uint8_t protocol, std::span<const uint8_t> src,
                         uint16_t sport, std::span<const uint8_t> dst, uint16_t dport,
                         uint16_t seed = 0);

// The ID of an ICMP (family 4) or ICMPv6 (family 6) message from src to dst.
// Types that come in request/reply pairs (echo, timestamp, router and
// neighbour discovery, ...) are hashed as a two-way flow, so that a request
// and its reply share an ID; any other type is one-way: type and code stand in
// for the ports and the endpoints keep their order.
CommunityId community_id_icmp(uint8_t family, std::span<const uint8_t> src,
                              std::span<const uint8_t> dst, uint8_t type, uint8_t code,
                              uint16_t seed = 0);

}  // namespace ew
