// An rtnetlink socket and the one round-trip function every request goes
// through. Errors come back as negative errno plus the kernel's extended-ack
// text, which often says exactly what was wrong ("Exclusivity flag on").
#pragma once

#include <libmnl/libmnl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "netlink/message.h"

namespace ew::netlink {

struct Reply {
  int error = 0;              // 0 or negative errno
  std::string kernel_reason;  // NLMSGERR_ATTR_MSG, empty when the kernel gave none
};

class NetlinkSocket {
 public:
  // Opens and binds a NETLINK_ROUTE socket; throws ew::Error.
  static NetlinkSocket open_route();

  // Sends one request that asks for an ACK and waits for it.
  Reply round_trip(NetlinkMessage& msg);

  // Sends a dump request and calls on_message for every answer until done.
  Reply dump(NetlinkMessage& msg, const std::function<void(const nlmsghdr*)>& on_message);

 private:
  struct Closer {
    void operator()(mnl_socket* s) const { mnl_socket_close(s); }
  };
  explicit NetlinkSocket(mnl_socket* s);

  int send(NetlinkMessage& msg);

  std::unique_ptr<mnl_socket, Closer> socket_;
  uint32_t port_id_ = 0;
  uint32_t next_seq_ = 1;
};

// " (kernel: <extended-ack text>)", or "" when the kernel gave no text.
std::string kernel_reason_suffix(const Reply& reply);

// Reads the error and extended-ack text out of an NLMSG_ERROR message.
Reply parse_error_message(const nlmsghdr* nlh);

// What one datagram from the kernel says about the request with this sequence
// number and flags, sent from port_id: calls on_message for each answer in
// it, and returns the Reply once the answer is complete (nullopt: read on).
// Kept apart from the socket so it can be run on any bytes.
std::optional<Reply> read_datagram(std::span<const char> datagram, uint32_t seq, uint32_t port_id,
                                   uint16_t request_flags,
                                   const std::function<void(const nlmsghdr*)>& on_message);

}  // namespace ew::netlink
