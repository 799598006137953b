#include "tc/clsact_qdisc.h"

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <utility>

#include "core/error.h"
#include "core/log.h"
#include "netlink/tc_messages.h"
#include "state/qdisc_ownership.h"
#include "tc/filter_identity.h"
#include "tc/tc_query.h"

namespace ew {
ClsactQdisc ClsactQdisc::ensure(netlink::NetlinkSocket& socket, const Interface& iface) {
  // A leftover marker of a set-up that was finished is trusted only while an
  // egresswatch filter still hangs from the qdisc: a qdisc recreated by
  // someone else cannot carry one. One left between creating the qdisc and
  // attaching the filter (a kill -9 at that moment) is trusted while the
  // qdisc holds no filter at all.
  bool marked = false;
  switch (QdiscOwnership::state(iface)) {
    case QdiscOwnership::State::kAttached:
      marked = has_egresswatch_filter(socket, iface);
      break;
    case QdiscOwnership::State::kAttaching:
      // (or killed just after attaching, before the marker said so)
      marked = has_egresswatch_filter(socket, iface) || !clsact_has_filters(socket, iface);
      break;
    case QdiscOwnership::State::kNone:
      break;
  }
  // Recorded before the qdisc exists, so no crash can leave ours unrecorded.
  QdiscOwnership::record(iface);
  auto request = netlink::make_clsact_create(iface.ifindex);
  auto reply = socket.round_trip(request);
  if (reply.error == 0) return ClsactQdisc(socket, iface, true);
  if (reply.error != -EEXIST || !marked) QdiscOwnership::forget(iface);
  switch (-reply.error) {
    case EEXIST: {
      auto kind = ingress_slot_qdisc(socket, iface);
      if (kind && *kind != "clsact") {
        throw Error(iface.name + ": has an '" + *kind +
                    "' qdisc where egresswatch needs clsact (which has an ingress hook too); "
                    "move its filters to a clsact qdisc first");
      }
      // Present already: somebody else's, or ours from an egresswatch that was killed.
      return ClsactQdisc(socket, iface, marked);
    }
    case EPERM:
    case EACCES:
      throw Error(iface.name + ": adding a clsact qdisc needs CAP_NET_ADMIN");
    case ENOENT:
    case EOPNOTSUPP:
      throw Error(iface.name + ": this kernel has no clsact qdisc (CONFIG_NET_SCH_INGRESS)" +
                  netlink::kernel_reason_suffix(reply));
    case ENODEV:
      throw Error(iface.name + ": no such interface");
    default:
      throw Error(errno_message(iface.name + ": adding a clsact qdisc", reply.error) +
                  netlink::kernel_reason_suffix(reply));
  }
}

ClsactQdisc::ClsactQdisc(ClsactQdisc&& other) noexcept
    : socket_(other.socket_),
      iface_(std::move(other.iface_)),
      created_(std::exchange(other.created_, false)) {}

ClsactQdisc::~ClsactQdisc() {
  if (!created_) return;
  try {
    // Ours by construction: the marker is not read again, because after a
    // privilege drop (--user) it may no longer be readable.
    remove_if_unused(*socket_, iface_);
  } catch (const std::exception& e) {
    log_warning(std::string(e.what()) + "; its clsact qdisc may be left in place");
  }
}

bool ClsactQdisc::has_egresswatch_filter(netlink::NetlinkSocket& socket, const Interface& iface) {
  return std::any_of(std::begin(kClsactHooks), std::end(kClsactHooks), [&](TcHook hook) {
    const auto filters = list_filters(socket, iface, hook);
    return std::any_of(filters.begin(), filters.end(), is_egresswatch_filter);
  });
}

void ClsactQdisc::remove_if_ours_and_unused(netlink::NetlinkSocket& socket,
                                            const Interface& iface) {
  if (QdiscOwnership::recorded(iface)) remove_if_unused(socket, iface);
}

void ClsactQdisc::remove_if_unused(netlink::NetlinkSocket& socket, const Interface& iface) {
  if (clsact_has_filters(socket, iface)) {
    log_info(iface.name + ": leaving the clsact qdisc egresswatch added: other filters use it");
    return;
  }
  auto request = netlink::make_clsact_delete(iface.ifindex);
  auto reply = socket.round_trip(request);
  // ENODEV / EINVAL / ENOENT: the interface or the qdisc is gone already.
  if (reply.error < 0 && reply.error != -ENODEV && reply.error != -EINVAL &&
      reply.error != -ENOENT) {
    log_warning(errno_message(iface.name + ": deleting the clsact qdisc", reply.error) +
                netlink::kernel_reason_suffix(reply));
    return;
  }
  // Fails quietly after --user (the state folder is root's); a marker left
  // behind is trusted only together with one of our filters, and the qdisc
  // it names is gone.
  QdiscOwnership::forget(iface);
}

}  // namespace ew
