#include "net/link_monitor.h"

#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "core/error.h"
#include "net/interface.h"
#include "netlink/attributes.h"

namespace ew {

LinkMonitor::LinkMonitor() {
  socket_.reset(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (!socket_) throw_last_error("opening a netlink socket for link events");
  if (mnl_socket_bind(socket_.get(), RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
    throw_last_error("subscribing to link events");
  }
}

int LinkMonitor::fd() const {
  return mnl_socket_get_fd(socket_.get());
}

bool LinkMonitor::read(const std::function<void(int ifindex)>& on_removed) {
  return read(on_removed, nullptr);
}

bool LinkMonitor::read(const std::function<void(int ifindex)>& on_removed,
                       const LinkFlagsHandler& on_flags) {
  std::vector<char> buffer(32768);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      // ENOBUFS: the kernel dropped notifications; the caller rechecks.
      return errno == ENOBUFS;
    }
    const std::span<const char> datagram{buffer.data(), static_cast<size_t>(n)};
    read_link_removals(datagram, interface_exists, on_removed);
    if (on_flags) read_link_flags(datagram, on_flags);
  }
}

namespace {

// Calls on_link(info) for each message of `type` in the datagram that is about
// a link itself. AF_BRIDGE ones describe a kernel bridge's port instead: a
// port leaving a bridge sends RTM_DELLINK for an interface that lives on.
void for_each_link_message(std::span<const char> datagram, uint16_t type,
                           const std::function<void(const ifinfomsg&)>& on_link) {
  int len = static_cast<int>(datagram.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(datagram.data());
       netlink::message_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
    if (nlh->nlmsg_type != type || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(ifinfomsg))) continue;
    const auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
    if (info->ifi_family != AF_UNSPEC) continue;
    on_link(*info);
  }
}

}  // namespace

void read_link_removals(std::span<const char> datagram, const std::function<bool(int)>& exists,
                        const std::function<void(int ifindex)>& on_removed) {
  for_each_link_message(datagram, RTM_DELLINK, [&](const ifinfomsg& info) {
    // Only once the index is really gone.
    if (!exists(info.ifi_index)) on_removed(info.ifi_index);
  });
}

void read_link_flags(std::span<const char> datagram, const LinkFlagsHandler& on_flags) {
  for_each_link_message(datagram, RTM_NEWLINK,
                        [&](const ifinfomsg& info) { on_flags(info.ifi_index, info.ifi_flags); });
}

}  // namespace ew
