#include "netlink/socket.h"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <vector>

#include "core/error.h"
#include "netlink/attributes.h"

namespace ew::netlink {

NetlinkSocket::NetlinkSocket(mnl_socket* s) : socket_(s), port_id_(mnl_socket_get_portid(s)) {}

NetlinkSocket NetlinkSocket::open_route() {
  mnl_socket* s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!s) throw_last_error("opening a netlink socket");
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(s);
    throw_errno("binding a netlink socket", -err);
  }
  // Best effort: without these the kernel just says less.
  int on = 1;
  mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &on, sizeof(on));
  mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &on, sizeof(on));
  return NetlinkSocket(s);
}

int NetlinkSocket::send(NetlinkMessage& msg) {
  nlmsghdr* nlh = msg.header();
  nlh->nlmsg_seq = next_seq_++;
  nlh->nlmsg_pid = 0;
  if (mnl_socket_sendto(socket_.get(), nlh, nlh->nlmsg_len) < 0) return -errno;
  return 0;
}

std::string kernel_reason_suffix(const Reply& reply) {
  return reply.kernel_reason.empty() ? "" : " (kernel: " + reply.kernel_reason + ")";
}

Reply parse_error_message(const nlmsghdr* nlh) {
  Reply reply;
  if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr))) {
    reply.error = -EBADMSG;
    return reply;
  }
  const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
  reply.error = err->error;
  if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return reply;

  // The TLVs follow the echoed request, which NETLINK_CAP_ACK trims to its header.
  size_t offset = sizeof(nlmsgerr);
  if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
    // Less than a header is no request, and would wrap the offset backwards.
    if (err->msg.nlmsg_len < sizeof(nlmsghdr)) return reply;
    offset += err->msg.nlmsg_len - sizeof(nlmsghdr);
  }
  const size_t payload_len = mnl_nlmsg_get_payload_len(nlh);
  if (offset >= payload_len) return reply;
  const auto* tlv = static_cast<const char*>(mnl_nlmsg_get_payload(nlh)) + offset;
  for_each_payload_attr(tlv, payload_len - offset, [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
        mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0) {
      reply.kernel_reason = mnl_attr_get_str(attr);
    }
  });
  return reply;
}

Reply NetlinkSocket::round_trip(NetlinkMessage& msg) {
  return dump(msg, [](const nlmsghdr*) {});
}

std::optional<Reply> read_datagram(std::span<const char> datagram, uint32_t seq, uint32_t port_id,
                                   uint16_t request_flags,
                                   const std::function<void(const nlmsghdr*)>& on_message) {
  const bool is_dump = request_flags & NLM_F_DUMP;
  int len = static_cast<int>(datagram.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(datagram.data()); message_ok(nlh, len);
       nlh = mnl_nlmsg_next(nlh, &len)) {
    // Answers to an earlier request we stopped waiting for are skipped.
    if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != port_id) continue;
    if (nlh->nlmsg_type == NLMSG_ERROR) {
      // A plain ACK (error 0) ends a request; inside a dump it cannot occur.
      return parse_error_message(nlh);
    }
    if (nlh->nlmsg_type == NLMSG_DONE) {
      // A dump can end in an error, carried in DONE's payload (as iproute2's
      // rtnl_dump_done reads it).
      if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
        const int error = *static_cast<const int*>(mnl_nlmsg_get_payload(nlh));
        if (error < 0) return Reply{error, {}};
      }
      return Reply{};
    }
    if (nlh->nlmsg_type == NLMSG_NOOP) continue;
    on_message(nlh);
    if (!is_dump && !(nlh->nlmsg_flags & NLM_F_MULTI)) {
      // A reply without ACK request: one message is the whole answer.
      if (!(request_flags & NLM_F_ACK)) return Reply{};
    }
  }
  return std::nullopt;
}

Reply NetlinkSocket::dump(NetlinkMessage& msg,
                          const std::function<void(const nlmsghdr*)>& on_message) {
  if (int err = send(msg); err < 0) return Reply{err, {}};
  const uint32_t seq = msg.header()->nlmsg_seq;
  const uint16_t flags = msg.header()->nlmsg_flags;
  // Dumps come in messages of up to 32 KiB (libmnl 1.0.5 names this MNL_SOCKET_DUMP_SIZE).
  std::vector<char> buffer(32768);

  for (;;) {
    ssize_t n = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Reply{-errno, {}};
    }
    auto reply =
        read_datagram({buffer.data(), static_cast<size_t>(n)}, seq, port_id_, flags, on_message);
    if (reply) return *reply;
  }
}

}  // namespace ew::netlink
