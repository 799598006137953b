#include "tc/egress_filter.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>

#include <cerrno>
#include <utility>

#include "core/error.h"
#include "core/log.h"
#include "netlink/tc_messages.h"
#include "tc/filter_identity.h"
#include "tc/tc_query.h"

namespace ew {
namespace {

int delete_filter(netlink::NetlinkSocket& socket, const Interface& iface,
                  const netlink::TcFilter& filter) {
  auto request = netlink::make_filter_delete(iface.ifindex, filter.parent, filter.priority,
                                             filter.protocol, filter.handle, filter.kind);
  return socket.round_trip(request).error;
}

}  // namespace

EgressFilter EgressFilter::attach(netlink::NetlinkSocket& socket, const Interface& iface,
                                  int prog_fd, uint32_t prog_id) {
  auto mode = netlink::CreateMode::kExclusive;
  for (const auto& filter : list_filters(socket, iface, netlink::kEgressParent)) {
    if (filter.priority != kFilterPriority) continue;
    if (filter.kind != "bpf") {
      throw Error(iface.name + ": tc egress priority " + std::to_string(kFilterPriority) +
                  " is taken by a '" + filter.kind + "' filter; egresswatch needs it");
    }
    if (filter.handle != kFilterHandle) continue;
    if (!is_egresswatch_filter(filter)) {
      throw Error(iface.name + ": tc egress priority " + std::to_string(kFilterPriority) +
                  " handle " + std::to_string(kFilterHandle) + " is taken by another filter ('" +
                  filter.bpf_name + "')");
    }
    log_info(iface.name + ": replacing the filter an earlier egresswatch left behind");
    mode = netlink::CreateMode::kReplace;
  }

  netlink::BpfFilterSpec spec;
  spec.ifindex = iface.ifindex;
  spec.parent = netlink::kEgressParent;
  spec.priority = kFilterPriority;
  spec.handle = kFilterHandle;
  spec.prog_fd = prog_fd;
  spec.name = std::string(kFilterName);
  auto request = netlink::make_bpf_filter_create(spec, mode);
  auto reply = socket.round_trip(request);
  switch (-reply.error) {
    case 0:
      return EgressFilter(socket, iface, prog_id);
    case EPERM:
    case EACCES:
      throw Error(iface.name + ": attaching a tc filter needs CAP_NET_ADMIN");
    case ENODEV:
      throw Error(iface.name + ": no such interface");
    case ENOENT:
    case EOPNOTSUPP:
      throw Error(iface.name + ": this kernel cannot attach a BPF tc filter (CONFIG_NET_CLS_BPF)" +
                  netlink::kernel_reason_suffix(reply));
    default:
      throw Error(errno_message(iface.name + ": attaching the tc filter", reply.error) +
                  netlink::kernel_reason_suffix(reply));
  }
}

EgressFilter::EgressFilter(EgressFilter&& other) noexcept
    : socket_(other.socket_),
      iface_(std::move(other.iface_)),
      prog_id_(other.prog_id_),
      attached_(std::exchange(other.attached_, false)) {}

EgressFilter::~EgressFilter() {
  if (!attached_) return;
  try {
    for (const auto& filter : list_filters(*socket_, iface_, netlink::kEgressParent)) {
      // Only while it still runs our program: never delete what replaced it.
      if (filter.priority != kFilterPriority || filter.handle != kFilterHandle ||
          filter.bpf_prog_id != prog_id_) {
        continue;
      }
      int err = delete_filter(*socket_, iface_, filter);
      if (err < 0 && err != -ENODEV && err != -ENOENT) {
        log_warning(errno_message(iface_.name + ": detaching the tc filter", err));
      }
    }
  } catch (const std::exception& e) {
    log_warning(e.what());
  }
}

int EgressFilter::remove_leftovers(netlink::NetlinkSocket& socket, const Interface& iface) {
  int removed = 0;
  for (const auto& filter : list_filters(socket, iface, netlink::kEgressParent)) {
    if (!is_egresswatch_filter(filter)) continue;
    int err = delete_filter(socket, iface, filter);
    if (err < 0 && err != -ENOENT) {
      throw Error(errno_message(iface.name + ": deleting a leftover filter", err));
    }
    ++removed;
  }
  return removed;
}

}  // namespace ew
