#include "output/json_lines.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <vector>

namespace ew {

using nlohmann::ordered_json;

const char* protocol_name(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return "tcp";
    case IPPROTO_UDP:
      return "udp";
    case IPPROTO_ICMP:
      return "icmp";
    case IPPROTO_ICMPV6:
      return "icmpv6";
    default:
      return nullptr;
  }
}

namespace {

// What a layout holds, besides the record's flag bits.
enum LayoutKind : unsigned {
  kPacketLayout = 0,
  kFlowNewLayout = 1,
  kFlowUpdateLayout = 2,
  kFlowEndLayout = 3,
};
// In a flow layout, EW_FLAG_TCP_FLAGS says the conversation is TCP (its
// flags each way are shown), and EW_FLAG_INBOUND is not used.
constexpr unsigned kShownFlags = EW_FLAG_PORTS | EW_FLAG_ICMP | EW_FLAG_FRAGMENT | EW_FLAG_VLAN |
                                 EW_FLAG_VLAN_INNER | EW_FLAG_INBOUND | EW_FLAG_TCP_FLAGS;
constexpr unsigned kHasReason = 1u << 8;
constexpr unsigned kHasCommunityId = 1u << 9;
constexpr unsigned kKindShift = 10;
static_assert(kShownFlags < kHasReason);

unsigned layout_key(LayoutKind kind, uint8_t flags, bool reason, bool community_id = false) {
  return kind << kKindShift | (reason ? kHasReason : 0) | (community_id ? kHasCommunityId : 0) |
         (flags & kShownFlags);
}

// The values that change from line to line.
enum Slot : uint8_t {
  kTs,
  kIface,
  kFamily,
  kSrc,
  kDst,
  kProto,
  kSport,
  kDport,
  kIcmpType,
  kIcmpCode,
  kVlan,
  kVlanInner,
  kLen,
  kFirstTs,
  kLastTs,
  kPackets,
  kBytes,
  kTotalPackets,
  kTotalBytes,
  kReason,
  kTcpFlags,
  kInitiator,
  kInPackets,
  kInBytes,
  kTotalInPackets,
  kTotalInBytes,
  kInTcpFlags,
  kCommunityId,
};

// The most a slot's value can take, quotes included; interface names and
// reasons are counted per line.
size_t max_value_size(Slot slot) {
  switch (slot) {
    case kTs:
    case kFirstTs:
    case kLastTs:
      return 2 + 34;  // 30 for years 0000-9999; the formatter allows 34
    case kIface:
    case kReason:
      return 0;
    case kFamily:
      return 6;
    case kSrc:
    case kDst:
      return 2 + INET6_ADDRSTRLEN;
    case kProto:
      return 8;  // "icmpv6"
    case kTcpFlags:
    case kInTcpFlags:
      return 2 + 8;
    case kInitiator:
      return 2 + 7;  // "unknown"
    case kCommunityId:
      return 0;  // counted per line
    default:
      return 20;  // digits of UINT64_MAX
  }
}

// A slot's character in its marker: from '0' up, which reaches neither a
// quote nor a backslash (nlohmann would escape those, and the marker would not
// be cut out whole) for any slot.
constexpr char kMarkerBase = '0';
static_assert(kMarkerBase + kCommunityId < '\\', "a marker character would be escaped");

// Stands for a slot's value in the layout object: a string no key contains
// and that nlohmann writes as it is (DEL is not escaped).
std::string marker(Slot slot) {
  return {'\x7f', static_cast<char>(kMarkerBase + slot), '\x7f'};
}
constexpr size_t kQuotedMarkerSize = 5;

char* put(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

// A layout's fixed text, kept with kPad bytes of padding after it so that
// the usual short piece is copied with one fixed-size move (inlined, where
// a copy of a length known only at run time is a call into libc for each of
// the twenty-odd pieces of a flow line). The line has kPad bytes of room to
// spare for what such a copy writes past the piece.
constexpr size_t kPad = 32;
struct PaddedText {
  std::string bytes;  // the text, then kPad zeros
  size_t size = 0;
  explicit PaddedText(std::string text) : bytes(std::move(text)), size(bytes.size()) {
    bytes.append(kPad, '\0');
  }
};

char* put(char* p, const PaddedText& text) {
  if (text.size <= kPad) {
    std::memcpy(p, text.bytes.data(), kPad);
  } else {
    std::memcpy(p, text.bytes.data(), text.size);
  }
  return p + text.size;
}

char* put_number(char* p, uint64_t value) {
  return std::to_chars(p, p + 20, value).ptr;
}

char* put_address(char* p, int family, const uint8_t* addr) {
  *p++ = '"';
  if (family == 4) {
    // glibc's inet_ntop formats IPv4 with sprintf, a tenth of a record's cost.
    for (int i = 0; i < 4; i++) {
      unsigned octet = addr[i];
      if (octet >= 100) *p++ = static_cast<char>('0' + octet / 100);
      if (octet >= 10) *p++ = static_cast<char>('0' + octet / 10 % 10);
      *p++ = static_cast<char>('0' + octet % 10);
      *p++ = '.';
    }
    p[-1] = '"';
    return p;
  }
  uint16_t words[8];
  for (int i = 0; i < 8; i++)
    words[i] = static_cast<uint16_t>(addr[2 * i] << 8 | addr[2 * i + 1]);
  // Addresses that start with five zero words may be shown with an IPv4
  // part (::ffff:192.0.2.1): those are left to inet_ntop. For the others,
  // inet_ntop's sprintf per word was a third of an IPv6 record's cost.
  if (!(words[0] | words[1] | words[2] | words[3] | words[4])) {
    inet_ntop(AF_INET6, addr, p, INET6_ADDRSTRLEN);
    p += std::strlen(p);
    *p++ = '"';
    return p;
  }
  // RFC 5952, as inet_ntop: the first longest run of two or more zero
  // words becomes "::", hex digits in lower case without leading zeros.
  int best = -1;
  int best_len = 1;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && words[j] == 0)
      j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j == i ? i + 1 : j;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + best_len) {
      if (i == best) *p++ = ':';
      continue;
    }
    if (i) *p++ = ':';
    const unsigned w = words[i];
    if (w >= 0x1000) *p++ = kHex[w >> 12];
    if (w >= 0x100) *p++ = kHex[w >> 8 & 0xf];
    if (w >= 0x10) *p++ = kHex[w >> 4 & 0xf];
    *p++ = kHex[w & 0xf];
  }
  if (best >= 0 && best + best_len == 8) *p++ = ':';
  *p++ = '"';
  return p;
}

// Whether nlohmann would write the string other than as it is: a control
// character, a quote, a backslash, or a byte of a multi-byte (or invalid)
// UTF-8 sequence, which its replacing error handler must look at.
bool needs_escaping(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) return true;
  }
  return false;
}

}  // namespace

// One record layout: the text nlohmann writes for it, cut at its values.
struct JsonLineEncoder::Layout {
  struct Piece {
    PaddedText text;  // written before the value
    Slot slot;
  };
  std::vector<Piece> pieces;
  PaddedText tail{""};  // after the last value, with the newline
  size_t bound = 0;     // the longest line, interface name and reason aside, and kPad

  explicit Layout(unsigned key) {
    const auto kind = static_cast<LayoutKind>(key >> kKindShift);
    const unsigned flags = key & kShownFlags;
    static constexpr const char* kEvents[] = {nullptr, "new", "update", "end"};
    ordered_json object = ordered_json::object();
    auto slot = [&object](const char* name, Slot value) { object[name] = marker(value); };
    object["type"] = kind == kPacketLayout ? "packet" : "flow";
    if (kind != kPacketLayout) object["event"] = kEvents[kind];
    slot("ts", kTs);
    slot("iface", kIface);
    if (kind == kPacketLayout) object["direction"] = flags & EW_FLAG_INBOUND ? "in" : "out";
    slot("family", kFamily);
    slot("src", kSrc);
    slot("dst", kDst);
    slot("proto", kProto);
    if (flags & EW_FLAG_PORTS) {
      slot("sport", kSport);
      slot("dport", kDport);
    }
    if (kind == kPacketLayout && (flags & EW_FLAG_TCP_FLAGS)) slot("tcp_flags", kTcpFlags);
    if (flags & EW_FLAG_ICMP) {
      slot("icmp_type", kIcmpType);
      slot("icmp_code", kIcmpCode);
    }
    if (flags & EW_FLAG_VLAN) slot("vlan", kVlan);
    if (flags & EW_FLAG_VLAN_INNER) slot("vlan_inner", kVlanInner);
    if (flags & EW_FLAG_FRAGMENT) object["fragment"] = true;
    if (kind == kPacketLayout) {
      slot("len", kLen);
    } else {
      slot("initiator", kInitiator);
      slot("first_ts", kFirstTs);
      slot("last_ts", kLastTs);
      slot("packets", kPackets);
      slot("bytes", kBytes);
      slot("in_packets", kInPackets);
      slot("in_bytes", kInBytes);
      slot("total_packets", kTotalPackets);
      slot("total_bytes", kTotalBytes);
      slot("total_in_packets", kTotalInPackets);
      slot("total_in_bytes", kTotalInBytes);
      if (flags & EW_FLAG_TCP_FLAGS) {
        slot("tcp_flags", kTcpFlags);
        slot("in_tcp_flags", kInTcpFlags);
      }
      if (key & kHasCommunityId) slot("community_id", kCommunityId);
    }
    if (key & kHasReason) slot("reason", kReason);

    const std::string text = object.dump();
    const std::string quoted_start = {'"', '\x7f'};
    size_t start = 0;
    for (size_t at; (at = text.find(quoted_start, start)) != std::string::npos;) {
      Piece piece{PaddedText(text.substr(start, at - start)),
                  static_cast<Slot>(text[at + 2] - kMarkerBase)};
      bound += piece.text.size + max_value_size(piece.slot);
      pieces.push_back(std::move(piece));
      start = at + kQuotedMarkerSize;
    }
    tail = PaddedText(text.substr(start) + '\n');
    bound += tail.size + kPad;
  }
};

JsonLineEncoder::JsonLineEncoder(std::string& out)
    // Interface names may hold any byte but '/' and NUL; replacing invalid
    // UTF-8 (with U+FFFD) keeps such a name from aborting a line halfway.
    : out_(out),
      serializer_(nlohmann::detail::output_adapter<char, std::string>(out), ' ',
                  nlohmann::detail::error_handler_t::replace),
      scratch_(std::string()) {}

JsonLineEncoder::~JsonLineEncoder() = default;

const JsonLineEncoder::Layout& JsonLineEncoder::layout_for(unsigned key) {
  auto& layout = layouts_[key];
  if (!layout) layout = std::make_unique<Layout>(key);
  return *layout;
}

void JsonLineEncoder::write(const ordered_json& value) {
  serializer_.dump(value, false, false, 0);
  out_.push_back('\n');
}

// The line is written through a pointer into room made at the end of out_
// (one resize instead of a capacity check per piece); a string that needs
// escaping is appended by nlohmann's serializer in between.
void JsonLineEncoder::write_line(const Layout& layout, const ew_record& record,
                                 std::string_view iface, int64_t wall_ns, const FlowEvent* flow) {
  const std::string_view reason = flow && flow->reason ? flow->reason : "";
  const std::string_view community_id = flow ? flow->community_id : "";
  const size_t bound =
      layout.bound + 2 + iface.size() + 2 + reason.size() + 2 + community_id.size();
  size_t start = out_.size();
  out_.resize(start + bound);
  char* p = out_.data() + start;

  auto put_escaped = [&](std::string_view text) {
    out_.resize(static_cast<size_t>(p - out_.data()));
    scratch_.get_ref<std::string&>().assign(text);
    serializer_.dump(scratch_, false, false, 0);
    start = out_.size();
    out_.resize(start + bound);  // more than what is left
    p = out_.data() + start;
  };
  auto put_quoted = [&](std::string_view text) {
    *p++ = '"';
    p = put(p, text);
    *p++ = '"';
  };
  auto put_string = [&](std::string_view text) {
    if (needs_escaping(text)) {
      put_escaped(text);
    } else {
      put_quoted(text);
    }
  };
  auto put_iface = [&](std::string_view text) {
    // Lines name a handful of interfaces: the last one found clean need not
    // be checked again (a compare of at most 15 bytes).
    if (text != clean_iface_) {
      if (needs_escaping(text)) return put_escaped(text);
      clean_iface_.assign(text);
    }
    put_quoted(text);
  };
  auto put_tcp_flags = [&](uint8_t flags) {
    *p++ = '"';
    p += tcp_flag_letters(flags, p);
    *p++ = '"';
  };
  auto put_timestamp = [&](int64_t ns) {
    // A new conversation's line has one time three times (ts, first_ts,
    // last_ts): formatted once.
    *p++ = '"';
    if (ns == ts_ns_) {
      std::memcpy(p, ts_, sizeof(ts_));
      p += ts_size_;
    } else {
      char* const at = p;
      p = ts_format_.write(ns, p);
      std::memcpy(ts_, at, sizeof(ts_));  // the line has room past it (kPad)
      ts_size_ = static_cast<size_t>(p - at);
      ts_ns_ = ns;
    }
    *p++ = '"';
  };

  for (const auto& piece : layout.pieces) {
    p = put(p, piece.text);
    switch (piece.slot) {
      case kTs:
        put_timestamp(wall_ns);
        break;
      case kIface:
        put_iface(iface);
        break;
      case kFamily:
        p = put(p, record.family == 4 ? "\"ipv4\"" : "\"ipv6\"");
        break;
      case kSrc:
        p = put_address(p, record.family, record.src);
        break;
      case kDst:
        p = put_address(p, record.family, record.dst);
        break;
      case kProto:
        if (const char* name = protocol_name(record.proto)) {
          put_quoted(name);
        } else {
          p = put_number(p, record.proto);
        }
        break;
      case kSport:
        p = put_number(p, record.sport);
        break;
      case kDport:
        p = put_number(p, record.dport);
        break;
      case kIcmpType:
        p = put_number(p, record.icmp_type);
        break;
      case kIcmpCode:
        p = put_number(p, record.icmp_code);
        break;
      case kVlan:
        p = put_number(p, record.vlan);
        break;
      case kVlanInner:
        p = put_number(p, record.vlan_inner);
        break;
      case kLen:
        p = put_number(p, record.len);
        break;
      case kFirstTs:
        put_timestamp(flow->first_wall_ns);
        break;
      case kLastTs:
        put_timestamp(flow->last_wall_ns);
        break;
      case kPackets:
        p = put_number(p, flow->packets);
        break;
      case kBytes:
        p = put_number(p, flow->bytes);
        break;
      case kTotalPackets:
        p = put_number(p, flow->total_packets);
        break;
      case kTotalBytes:
        p = put_number(p, flow->total_bytes);
        break;
      case kReason:
        put_string(reason);
        break;
      case kTcpFlags:
        put_tcp_flags(flow ? flow->tcp_flags : record.tcp_flags);
        break;
      case kInTcpFlags:
        put_tcp_flags(flow->in_tcp_flags);
        break;
      case kInitiator:
        put_quoted(initiator_name(record.initiator));
        break;
      case kInPackets:
        p = put_number(p, flow->in_packets);
        break;
      case kInBytes:
        p = put_number(p, flow->in_bytes);
        break;
      case kTotalInPackets:
        p = put_number(p, flow->total_in_packets);
        break;
      case kTotalInBytes:
        p = put_number(p, flow->total_in_bytes);
        break;
      case kCommunityId:
        put_string(community_id);
        break;
    }
  }
  p = put(p, layout.tail);
  out_.resize(static_cast<size_t>(p - out_.data()));
}

void JsonLineEncoder::packet(const ew_record& record, std::string_view iface, int64_t wall_ns) {
  write_line(layout_for(layout_key(kPacketLayout, record.flags, false)), record, iface, wall_ns,
             nullptr);
}

void JsonLineEncoder::flow(const FlowEvent& event) {
  static constexpr LayoutKind kKinds[] = {kFlowNewLayout, kFlowUpdateLayout, kFlowEndLayout};
  const LayoutKind kind = kKinds[static_cast<int>(event.kind)];
  // Only a new flow seen through the ring knows its first packet's ICMP type.
  uint8_t flags = event.identity.flags;
  if (kind != kFlowNewLayout) flags &= static_cast<uint8_t>(~EW_FLAG_ICMP);
  flags &= static_cast<uint8_t>(~(EW_FLAG_FRAGMENT | EW_FLAG_INBOUND | EW_FLAG_TCP_FLAGS));
  if (event.identity.proto == IPPROTO_TCP) flags |= EW_FLAG_TCP_FLAGS;
  write_line(
      layout_for(layout_key(kind, flags, event.reason != nullptr, !event.community_id.empty())),
      event.identity, event.iface, event.wall_ns, &event);
}
void JsonLineEncoder::stats(const StatsLine& stats) {
  std::string ts;
  ts_format_.format(stats.wall_ns, ts);
  ordered_json line = {{"type", "stats"}, {"ts", ts}};
  for (const CounterField& field : kCounterFields) {
    line[field.name] = stats.counters.*field.member;
    // The loader's own counts stand beside the kernel's they go with.
    if (field.index == EW_COUNTER_NON_IP) {
      line["records"] = stats.records;
      line["malformed"] = stats.malformed;
    } else if (field.index == EW_COUNTER_FLOWS_CREATED) {
      line["flows_active"] = stats.flows_active;
      line["flows_evicted"] = stats.flows_evicted;
    }
  }
  line["final"] = stats.final;
  write(line);
}

void JsonLineEncoder::loss(const LossLine& loss) {
  std::string ts;
  ts_format_.format(loss.wall_ns, ts);
  ordered_json line = {{"type", "loss"}, {"ts", ts}};
  auto add_counts = [](ordered_json& object, const LossCounts& c) {
    object["ring_full"] = c.ring_full;
    object["evicted"] = c.evicted;
    object["sampled"] = c.sampled;
    object["rate_limited"] = c.rate_limited;
  };
  add_counts(line, loss.since_last);
  add_counts(line["total"], loss.total);
  write(line);
}

void JsonLineEncoder::interface_removed(std::string_view iface, int64_t wall_ns) {
  std::string ts;
  ts_format_.format(wall_ns, ts);
  write(ordered_json{{"type", "interface"}, {"event", "removed"}, {"ts", ts}, {"iface", iface}});
}

}  // namespace ew
