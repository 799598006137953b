#include "json_lines.h"

#include <arpa/inet.h>
#include <netinet/in.h>

namespace ew {

using nlohmann::ordered_json;

// One record layout: the keys in schema order, with pointers to the values
// that change per record.
struct JsonLineEncoder::Shape {
  ordered_json object = ordered_json::object();
  ordered_json* ts = nullptr;
  ordered_json* iface = nullptr;
  ordered_json* family = nullptr;
  ordered_json* src = nullptr;
  ordered_json* dst = nullptr;
  ordered_json* proto = nullptr;
  ordered_json* sport = nullptr;
  ordered_json* dport = nullptr;
  ordered_json* icmp_type = nullptr;
  ordered_json* icmp_code = nullptr;
  ordered_json* len = nullptr;

  explicit Shape(unsigned bits) {
    object["type"] = "packet";
    object["ts"] = std::string();
    object["iface"] = std::string();
    object["family"] = std::string();
    object["src"] = std::string();
    object["dst"] = std::string();
    object["proto"] = std::string();
    if (bits & EW_FLAG_PORTS) {
      object["sport"] = 0;
      object["dport"] = 0;
    }
    if (bits & EW_FLAG_ICMP) {
      object["icmp_type"] = 0;
      object["icmp_code"] = 0;
    }
    if (bits & EW_FLAG_FRAGMENT) object["fragment"] = true;
    object["len"] = 0;
    // Pointers are taken only now that no key will be added.
    ts = &object["ts"];
    iface = &object["iface"];
    family = &object["family"];
    src = &object["src"];
    dst = &object["dst"];
    proto = &object["proto"];
    if (bits & EW_FLAG_PORTS) {
      sport = &object["sport"];
      dport = &object["dport"];
    }
    if (bits & EW_FLAG_ICMP) {
      icmp_type = &object["icmp_type"];
      icmp_code = &object["icmp_code"];
    }
    len = &object["len"];
  }
};

namespace {

void set_string(ordered_json& value, std::string_view text) {
  if (value.is_string()) {
    value.get_ref<std::string&>().assign(text);  // reuses the string's capacity
  } else {
    value = text;
  }
}

void set_address(ordered_json& value, int family, const uint8_t* addr) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, sizeof(buf));
  set_string(value, buf);
}

}  // namespace

JsonLineEncoder::JsonLineEncoder(std::string& out)
    // Interface names may hold any byte but '/' and NUL; replacing invalid
    // UTF-8 (with U+FFFD) keeps such a name from aborting a line halfway.
    : out_(out),
      serializer_(nlohmann::detail::output_adapter<char, std::string>(out), ' ',
                  nlohmann::detail::error_handler_t::replace) {}

JsonLineEncoder::~JsonLineEncoder() = default;

const char* JsonLineEncoder::protocol_name(uint8_t proto) {
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

JsonLineEncoder::Shape& JsonLineEncoder::shape_for(const ew_record& record) {
  const unsigned bits = record.flags & (EW_FLAG_PORTS | EW_FLAG_ICMP | EW_FLAG_FRAGMENT);
  auto& shape = shapes_[bits];
  if (!shape) shape = std::make_unique<Shape>(bits);
  return *shape;
}

void JsonLineEncoder::write(const ordered_json& value) {
  serializer_.dump(value, false, false, 0);
  out_.push_back('\n');
}

void JsonLineEncoder::append_record(const ew_record& record, std::string_view iface,
                                    int64_t wall_ns) {
  Shape& shape = shape_for(record);
  ts_format_.format(wall_ns, ts_);
  set_string(*shape.ts, ts_);
  set_string(*shape.iface, iface);
  set_string(*shape.family, record.family == 4 ? "ipv4" : "ipv6");
  set_address(*shape.src, record.family, record.src);
  set_address(*shape.dst, record.family, record.dst);
  if (const char* name = protocol_name(record.proto)) {
    set_string(*shape.proto, name);
  } else {
    *shape.proto = record.proto;
  }
  if (shape.sport) {
    *shape.sport = record.sport;
    *shape.dport = record.dport;
  }
  if (shape.icmp_type) {
    *shape.icmp_type = record.icmp_type;
    *shape.icmp_code = record.icmp_code;
  }
  *shape.len = record.len;
  write(shape.object);
}

void JsonLineEncoder::append_stats(const StatsLine& stats) {
  std::string ts;
  ts_format_.format(stats.wall_ns, ts);
  ordered_json line = {
      {"type", "stats"},
      {"ts", ts},
      {"seen", stats.counters.seen},
      {"matched", stats.counters.matched},
      {"lost", stats.counters.lost},
      {"unparsed", stats.counters.unparsed},
      {"non_ip", stats.counters.non_ip},
      {"records", stats.records},
      {"malformed", stats.malformed},
      {"final", stats.final},
  };
  write(line);
}

}  // namespace ew
