#include "records/community_id.h"

#include <netinet/in.h>
#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <nettle/version.h>

#include <array>
#include <cstring>
#include <optional>

namespace ew {
namespace {

// Seed (2), two IPv6 addresses (32), protocol and its padding byte (2), ports (4).
constexpr std::size_t kMaxHashInput = 2 + 16 + 16 + 2 + 4;

static_assert(2 + BASE64_ENCODE_RAW_LENGTH(SHA1_DIGEST_SIZE) == kCommunityIdLength);

// What goes into the hash besides the seed, before the endpoints are ordered.
struct Tuple {
  const uint8_t* src;
  const uint8_t* dst;
  std::size_t address_length;
  uint8_t protocol;
  bool has_ports;
  uint16_t sport;
  uint16_t dport;
  bool one_way;  // ICMP without a counterpart: the endpoints keep their order
};

std::size_t address_length(uint8_t family) {
  if (family == 4) return 4;
  if (family == 6) return 16;
  return 0;
}

// The spec takes ICMP's request/reply pairs from Zeek (ICMP4_counterpart and
// ICMP6_counterpart in its ICMP analyzer): the counterpart type stands in for
// the destination port, so a request and its reply are one flow.
std::optional<uint8_t> icmp_counterpart(uint8_t type) {
  switch (type) {
    case 8:
      return 0;  // echo request -> echo reply
    case 0:
      return 8;  // echo reply -> echo request
    case 13:
      return 14;  // timestamp -> timestamp reply
    case 14:
      return 13;
    case 15:
      return 16;  // information request -> information reply
    case 16:
      return 15;
    case 10:
      return 9;  // router solicitation -> router advertisement
    case 9:
      return 10;
    case 17:
      return 18;  // address mask request -> address mask reply
    case 18:
      return 17;
    default:
      return std::nullopt;
  }
}

std::optional<uint8_t> icmpv6_counterpart(uint8_t type) {
  switch (type) {
    case 128:
      return 129;  // echo request -> echo reply
    case 129:
      return 128;
    case 133:
      return 134;  // router solicitation -> router advertisement
    case 134:
      return 133;
    case 135:
      return 136;  // neighbour solicitation -> neighbour advertisement
    case 136:
      return 135;
    case 130:
      return 131;  // multicast listener query -> report
    case 131:
      return 130;
    case 139:
      return 140;  // node information query -> response ("who are you")
    case 140:
      return 139;
    case 144:
      return 145;  // home agent address discovery request -> reply
    case 145:
      return 144;
    default:
      return std::nullopt;
  }
}

uint8_t* put_u16(uint8_t* out, uint16_t value) {
  out[0] = static_cast<uint8_t>(value >> 8);
  out[1] = static_cast<uint8_t>(value & 0xff);
  return out + 2;
}

// The smaller (address, port) endpoint comes first: addresses compared as
// network-order bytes, then ports when the addresses are equal.
bool in_order(const Tuple& t) {
  int order = std::memcmp(t.src, t.dst, t.address_length);
  if (order != 0) return order < 0;
  return t.sport < t.dport;
}

CommunityId hash(const Tuple& t, uint16_t seed) {
  bool keep = t.one_way || in_order(t);
  const uint8_t* first = keep ? t.src : t.dst;
  const uint8_t* second = keep ? t.dst : t.src;

  std::array<uint8_t, kMaxHashInput> input;
  uint8_t* at = put_u16(input.data(), seed);
  std::memcpy(at, first, t.address_length);
  at += t.address_length;
  std::memcpy(at, second, t.address_length);
  at += t.address_length;
  *at++ = t.protocol;
  *at++ = 0;
  if (t.has_ports) {
    at = put_u16(at, keep ? t.sport : t.dport);
    at = put_u16(at, keep ? t.dport : t.sport);
  }

  sha1_ctx context;
  sha1_init(&context);
  sha1_update(&context, static_cast<std::size_t>(at - input.data()), input.data());
  std::array<uint8_t, SHA1_DIGEST_SIZE> digest;
#if NETTLE_VERSION_MAJOR >= 4
  sha1_digest(&context, digest.data());  // Nettle 4 dropped the length argument
#else
  sha1_digest(&context, digest.size(), digest.data());
#endif

  std::array<char, kCommunityIdLength> id;
  id[0] = '1';
  id[1] = ':';
  base64_encode_raw(id.data() + 2, digest.size(), digest.data());
  return CommunityId(id);
}

// An ICMP message as a tuple: the type and its counterpart (two-way) or the
// type and the code (one-way) as ports.
CommunityId hash_icmp(Tuple t, uint8_t type, uint8_t code, uint16_t seed) {
  std::optional<uint8_t> counterpart =
      t.protocol == IPPROTO_ICMP ? icmp_counterpart(type) : icmpv6_counterpart(type);
  t.has_ports = true;
  t.sport = type;
  t.dport = counterpart.value_or(code);
  t.one_way = !counterpart.has_value();
  return hash(t, seed);
}

}  // namespace

CommunityId community_id(uint8_t family, uint8_t protocol, std::span<const uint8_t> src,
                         uint16_t sport, std::span<const uint8_t> dst, uint16_t dport,
                         uint16_t seed) {
  std::size_t length = address_length(family);
  if (length == 0 || src.size() < length || dst.size() < length) return {};
  Tuple t{src.data(), dst.data(), length, protocol, false, 0, 0, false};
  switch (protocol) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
    case IPPROTO_SCTP:
      t.has_ports = true;
      t.sport = sport;
      t.dport = dport;
      return hash(t, seed);
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
      if (sport > 0xff || dport > 0xff) return {};
      return hash_icmp(t, static_cast<uint8_t>(sport), static_cast<uint8_t>(dport), seed);
    default:
      return hash(t, seed);
  }
}

CommunityId community_id_icmp(uint8_t family, std::span<const uint8_t> src,
                              std::span<const uint8_t> dst, uint8_t type, uint8_t code,
                              uint16_t seed) {
  std::size_t length = address_length(family);
  if (length == 0 || src.size() < length || dst.size() < length) return {};
  const uint8_t protocol = family == 4 ? uint8_t{IPPROTO_ICMP} : uint8_t{IPPROTO_ICMPV6};
  return hash_icmp(Tuple{src.data(), dst.data(), length, protocol, false, 0, 0, false}, type, code,
                   seed);
}

}  // namespace ew
