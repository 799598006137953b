// Outside input: one datagram the kernel sends back on the rtnetlink socket
// (qdisc, filter, route, link and address dumps, ACKs and errors with
// extended-ack text), read as NetlinkSocket::dump reads it, each answer
// decoded by every parser the tc, default-route and bridge code hand one to. The request is taken
// to be the first message's sequence number and port, so captured replies match.
#include <linux/netlink.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "netlink/link_messages.h"
#include "netlink/route_messages.h"
#include "netlink/socket.h"
#include "netlink/tc_dump.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The socket reads into a vector<char>: aligned as new aligns.
  std::vector<char> datagram(data, data + size);
  uint32_t seq = 0;
  uint32_t port = 0;
  if (size >= sizeof(nlmsghdr)) {
    nlmsghdr first;
    std::memcpy(&first, data, sizeof(first));
    seq = first.nlmsg_seq;
    port = first.nlmsg_pid;
  }
  size_t decoded = 0;
  auto on_message = [&](const nlmsghdr* nlh) {
    if (auto qdisc = ew::netlink::parse_qdisc(nlh)) decoded += qdisc->kind.size();
    if (auto filter = ew::netlink::parse_filter(nlh)) decoded += filter->bpf_name.size();
    if (auto route = ew::netlink::parse_default_route(nlh)) decoded += route->metric;
    if (auto link = ew::netlink::parse_link(nlh)) decoded += link->name.size() + link->kind.size();
    if (auto ifindex = ew::netlink::parse_address_ifindex(nlh)) decoded += *ifindex != 0;
    if (auto address = ew::netlink::parse_address(nlh)) decoded += !address->text.empty();
  };
  for (int flags : {NLM_F_REQUEST | NLM_F_DUMP, NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST}) {
    auto reply =
        ew::netlink::read_datagram(datagram, seq, port, static_cast<uint16_t>(flags), on_message);
    if (reply) decoded += ew::netlink::kernel_reason_suffix(*reply).size();
  }
  return decoded == SIZE_MAX;
}
