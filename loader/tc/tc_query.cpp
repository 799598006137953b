#include "tc/tc_query.h"

#include <cerrno>

#include "core/error.h"
#include "netlink/tc_messages.h"

namespace ew {

std::vector<netlink::TcFilter> list_filters(netlink::NetlinkSocket& socket, const Interface& iface,
                                            uint32_t parent) {
  std::vector<netlink::TcFilter> filters;
  auto request = netlink::make_filter_dump(iface.ifindex, parent);
  auto reply = socket.dump(request, [&](const nlmsghdr* nlh) {
    if (auto filter = netlink::parse_filter(nlh)) filters.push_back(std::move(*filter));
  });
  // No clsact qdisc, or no interface any more, means no filters, not a failure.
  if (reply.error == -EINVAL || reply.error == -ENOENT || reply.error == -ENODEV) return {};
  if (reply.error < 0) throw_errno(iface.name + ": listing tc filters", reply.error);
  return filters;
}

bool clsact_has_filters(netlink::NetlinkSocket& socket, const Interface& iface) {
  return !list_filters(socket, iface, netlink::kEgressParent).empty() ||
         !list_filters(socket, iface, netlink::kIngressParent).empty();
}

std::optional<std::string> ingress_slot_qdisc(netlink::NetlinkSocket& socket,
                                              const Interface& iface) {
  std::optional<std::string> kind;
  auto request = netlink::make_qdisc_dump();
  auto reply = socket.dump(request, [&](const nlmsghdr* nlh) {
    auto qdisc = netlink::parse_qdisc(nlh);
    if (qdisc && qdisc->ifindex == iface.ifindex && qdisc->handle == netlink::kClsactHandle) {
      kind = qdisc->kind;
    }
  });
  if (reply.error < 0) throw_errno(iface.name + ": listing qdiscs", reply.error);
  return kind;
}

}  // namespace ew
