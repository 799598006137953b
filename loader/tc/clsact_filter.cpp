#include "tc/clsact_filter.h"

#include <cerrno>
#include <utility>

#include "core/error.h"
#include "core/log.h"
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

netlink::BpfFilterSpec egresswatch_filter_spec(int ifindex, TcHook hook, int prog_fd) {
  netlink::BpfFilterSpec spec;
  spec.ifindex = ifindex;
  spec.parent = hook_parent(hook);
  spec.priority = kFilterPriority;
  spec.handle = kFilterHandle;
  spec.prog_fd = prog_fd;
  spec.name = std::string(kFilterName);
  return spec;
}

ClsactFilter ClsactFilter::attach(netlink::NetlinkSocket& socket, const Interface& iface,
                                  TcHook hook, int prog_fd, uint32_t prog_id) {
  const std::string where = hook_label(iface.name, hook);
  auto mode = netlink::CreateMode::kExclusive;
  for (const auto& filter : list_filters(socket, iface, hook)) {
    if (filter.priority != kFilterPriority) continue;
    if (filter.kind != "bpf") {
      throw Error(where + ": priority " + std::to_string(kFilterPriority) + " is taken by a '" +
                  filter.kind + "' filter; egresswatch needs it");
    }
    if (filter.handle != kFilterHandle) continue;
    if (!is_egresswatch_filter(filter)) {
      throw Error(where + ": priority " + std::to_string(kFilterPriority) + " handle " +
                  std::to_string(kFilterHandle) + " is taken by another filter ('" +
                  filter.bpf_name + "')");
    }
    log_info(where + ": replacing the filter an earlier egresswatch left behind");
    mode = netlink::CreateMode::kReplace;
  }

  auto request =
      netlink::make_bpf_filter_create(egresswatch_filter_spec(iface.ifindex, hook, prog_fd), mode);
  auto reply = socket.round_trip(request);
  switch (-reply.error) {
    case 0:
      return ClsactFilter(socket, iface, hook, prog_id);
    case EPERM:
    case EACCES:
      throw Error(where + ": attaching a tc filter needs CAP_NET_ADMIN");
    case ENODEV:
      throw Error(iface.name + ": no such interface");
    case ENOENT:
    case EOPNOTSUPP:
      throw Error(where + ": this kernel cannot attach a BPF tc filter (CONFIG_NET_CLS_BPF)" +
                  netlink::kernel_reason_suffix(reply));
    default:
      throw Error(errno_message(where + ": attaching the tc filter", reply.error) +
                  netlink::kernel_reason_suffix(reply));
  }
}

ClsactFilter::ClsactFilter(ClsactFilter&& other) noexcept
    : socket_(other.socket_),
      iface_(std::move(other.iface_)),
      hook_(other.hook_),
      prog_id_(other.prog_id_),
      attached_(std::exchange(other.attached_, false)) {}

ClsactFilter::~ClsactFilter() {
  if (!attached_) return;
  try {
    for (const auto& filter : list_filters(*socket_, iface_, hook_)) {
      // Only while it still runs our program: never delete what replaced it.
      if (filter.priority != kFilterPriority || filter.handle != kFilterHandle ||
          filter.bpf_prog_id != prog_id_) {
        continue;
      }
      int err = delete_filter(*socket_, iface_, filter);
      if (err < 0 && err != -ENODEV && err != -ENOENT) {
        log_warning(
            errno_message(hook_label(iface_.name, hook_) + ": detaching the tc filter", err));
      }
    }
  } catch (const std::exception& e) {
    log_warning(e.what());
  }
}

int ClsactFilter::remove_leftovers(netlink::NetlinkSocket& socket, const Interface& iface,
                                   TcHook hook) {
  int removed = 0;
  for (const auto& filter : list_filters(socket, iface, hook)) {
    if (!is_egresswatch_filter(filter)) continue;
    int err = delete_filter(socket, iface, filter);
    if (err < 0 && err != -ENOENT) {
      throw Error(
          errno_message(hook_label(iface.name, hook) + ": deleting a leftover filter", err));
    }
    ++removed;
  }
  return removed;
}

}  // namespace ew
