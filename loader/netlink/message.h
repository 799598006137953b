// A netlink request as a value: built by the factories in tc_messages.h and
// route_messages.h, sent by NetlinkSocket. Keeping building apart from
// sending lets unit tests check the exact bytes without privileges.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace ew::netlink {

class NetlinkMessage {
 public:
  // Every request we make fits in far less than this.
  static constexpr size_t kCapacity = 1024;

  NetlinkMessage(uint16_t type, uint16_t flags) : buffer_(kCapacity, 0) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(buffer_.data());
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
  }

  nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buffer_.data()); }
  const nlmsghdr* header() const { return reinterpret_cast<const nlmsghdr*>(buffer_.data()); }

  // Every put is bounded by the buffer: a request that would not fit throws
  // ew::Error instead of writing past it (names come from outside: an
  // interface name, the filter name).
  template <typename T>
  T* put_extra_header() {
    require_room(MNL_ALIGN(sizeof(T)), "a header");
    return static_cast<T*>(mnl_nlmsg_put_extra_header(header(), sizeof(T)));
  }
  void put_u32(uint16_t type, uint32_t value) {
    if (!mnl_attr_put_u32_check(header(), buffer_.size(), type, value)) too_large(type);
  }
  void put_strz(uint16_t type, std::string_view value);
  // A nest opened with begin_nest() is closed with end_nest().
  nlattr* begin_nest(uint16_t type) {
    nlattr* nest = mnl_attr_nest_start_check(header(), buffer_.size(), type);
    if (!nest) too_large(type);
    return nest;
  }
  void end_nest(nlattr* nest) { mnl_attr_nest_end(header(), nest); }

  std::span<const uint8_t> bytes() const { return {buffer_.data(), header()->nlmsg_len}; }

 private:
  void require_room(size_t bytes, const char* what) const;
  [[noreturn]] static void too_large(uint16_t type);

  std::vector<uint8_t> buffer_;
};

}  // namespace ew::netlink
