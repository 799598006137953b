// A netlink request as a value: built by the factories in tc_messages.h and
// route_messages.h, sent by NetlinkSocket. Keeping building apart from
// sending lets unit tests check the exact bytes without privileges.
#pragma once

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include <cstdint>
#include <span>
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

  template <typename T>
  T* put_extra_header() {
    return static_cast<T*>(mnl_nlmsg_put_extra_header(header(), sizeof(T)));
  }

  std::span<const uint8_t> bytes() const { return {buffer_.data(), header()->nlmsg_len}; }

 private:
  std::vector<uint8_t> buffer_;
};

}  // namespace ew::netlink
