#include "netlink/message.h"

#include <string>

#include "core/error.h"

namespace ew::netlink {

void NetlinkMessage::put_strz(uint16_t type, std::string_view value) {
  const std::string text(value);  // NUL-terminated for libmnl
  if (!mnl_attr_put_strz_check(header(), buffer_.size(), type, text.c_str())) too_large(type);
}

void NetlinkMessage::require_room(size_t bytes, const char* what) const {
  if (header()->nlmsg_len + bytes > buffer_.size()) {
    throw Error(std::string("netlink request too large: no room for ") + what + " (at most " +
                std::to_string(buffer_.size()) + " bytes)");
  }
}

void NetlinkMessage::too_large(uint16_t type) {
  throw Error("netlink request too large: no room for attribute " + std::to_string(type) +
              " (at most " + std::to_string(kCapacity) + " bytes)");
}

}  // namespace ew::netlink
