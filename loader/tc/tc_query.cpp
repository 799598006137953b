#include "tc/tc_query.h"

#include <algorithm>
#include <cerrno>
#include <iterator>

#include "core/error.h"
#include "netlink/tc_messages.h"

namespace ew {

std::vector<netlink::TcFilter> list_filters(netlink::NetlinkSocket& socket, const Interface& iface,
                                            TcHook hook) {
  std::vector<netlink::TcFilter> filters;
  auto request = netlink::make_filter_dump(iface.ifindex, hook_parent(hook));
  auto reply = socket.dump(request, [&](const nlmsghdr* nlh) {
    if (auto filter = netlink::parse_filter(nlh)) filters.push_back(std::move(*filter));
  });
  // No clsact qdisc, or no interface any more, means no filters, not a failure.
  if (reply.error == -EINVAL || reply.error == -ENOENT || reply.error == -ENODEV) return {};
  if (reply.error < 0)
    throw_errno(hook_label(iface.name, hook) + ": listing tc filters", reply.error);
  return filters;
}

bool clsact_has_filters(netlink::NetlinkSocket& socket, const Interface& iface) {
  return std::any_of(std::begin(kClsactHooks), std::end(kClsactHooks),
                     [&](TcHook hook) { return !list_filters(socket, iface, hook).empty(); });
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
