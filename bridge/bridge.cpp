#include "bridge/bridge.h"

#include <net/if.h>
#include <sys/epoll.h>
#include <time.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/log.h"
#include "net/interface.h"

namespace ew::bridge {
namespace {

// Batches read from one port before the loop looks at the other port and at
// signals again: a flood in one direction cannot starve the other.
constexpr int kBatchesPerWakeup = 8;

// The MAC table's ageing needs seconds, not nanoseconds: the coarse clock is
// read once per batch at a fraction of the cost.
uint64_t coarse_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace

const char* port_event_name(PortEvent event) {
  switch (event) {
    case PortEvent::kDown:
      return "down";
    case PortEvent::kUp:
      return "up";
    case PortEvent::kRemoved:
      break;
  }
  return "removed";
}

Bridge::Bridge(PacketPort a, PacketPort b, const PolicySettings& policy)
    : ports_{std::move(a), std::move(b)}, policy_(policy) {}

void Bridge::attach_to(EventLoop& loop, PortEventHandler on_event) {
  loop_ = &loop;
  on_event_ = std::move(on_event);
  for (size_t i = 0; i < 2; i++) {
    up_[i] = is_running(ports_[i].iface());
    loop.add(ports_[i].fd(), EPOLLIN, [this, i](uint32_t events) {
      if (events & EPOLLERR) on_port_error(i);
      if (events & EPOLLIN) forward_from(i);
    });
  }
  loop.add(links_.fd(), EPOLLIN, [this](uint32_t) {
    const bool overran = links_.read(
        [this](int ifindex) {
          for (size_t i = 0; i < 2; i++) {
            if (ports_[i].iface().ifindex == ifindex) port_removed(i);
          }
        },
        [this](int ifindex, unsigned flags) {
          for (size_t i = 0; i < 2; i++) {
            if (ports_[i].iface().ifindex != ifindex) continue;
            port_link_changed(i, (flags & IFF_UP) && (flags & IFF_RUNNING));
          }
        });
    if (overran) {
      for (size_t i = 0; i < 2; i++) {
        if (!interface_exists(ports_[i].iface().ifindex)) {
          port_removed(i);
        } else {
          port_link_changed(i, is_running(ports_[i].iface()));
        }
      }
    }
  });
}

void Bridge::port_removed(size_t port) {
  if (failure_) return;
  failure_ = ports_[port].iface().name + ": interface removed; the bridge stops";
  if (on_event_) on_event_(ports_[port].iface().name, PortEvent::kRemoved);
  if (loop_) loop_->stop();
}

void Bridge::port_link_changed(size_t port, bool up) {
  // Link notifications come for every change (promiscuity, statistics...),
  // and a port going down is also told on its socket (ENETDOWN): report
  // changes of state only.
  if (failure_ || up == up_[port]) return;
  up_[port] = up;
  const std::string& name = ports_[port].iface().name;
  if (up) {
    log_info(name + ": interface is up again; forwarding resumes");
  } else {
    log_warning(name + ": interface went down; forwarding resumes when it is up again");
  }
  if (on_event_) on_event_(name, up ? PortEvent::kUp : PortEvent::kDown);
}

void Bridge::forward_from(size_t in) {
  const size_t out = 1 - in;
  ReceiveBatch& batch = receive_[in];
  SendBatch& sending = send_[out];
  PortCounters& c = counters_[in];
  for (int round = 0; round < kBatchesPerWakeup; round++) {
    const int n = batch.receive(ports_[in].fd());
    if (n < 0) {
      if (n == -EINTR) continue;
      if (n == -ENETDOWN) {
        // recvmmsg() has taken the socket's error already.
        handle_port_error(in, ENETDOWN);
        return;
      }
      throw_errno(ports_[in].iface().name + ": receiving", n);
    }
    if (n == 0) return;
    const uint64_t now = coarse_now_ns();
    for (int i = 0; i < n; i++) {
      const ReceivedFrame& frame = batch[static_cast<size_t>(i)];
      c.received++;
      if (frame.truncated) {
        c.truncated++;
        continue;
      }
      switch (policy_.decide(frame.data, frame.length, static_cast<int>(in), now)) {
        case Decision::kForward:
          sending.add(frame);
          break;
        case Decision::kSameSide:
          c.same_side++;
          break;
        case Decision::kLinkLocal:
          c.link_local++;
          break;
        case Decision::kRunt:
          c.runt++;
          break;
      }
    }
    if (sending.pending()) {
      const SendResult sent = sending.send(ports_[out].fd());
      counters_[out].sent += sent.sent;
      counters_[out].send_failed += sent.failed;
      if (sent.failed) note_send_failure(out, sent.last_error);
    }
    if (static_cast<size_t>(n) < kBatchFrames) return;
  }
}

void Bridge::note_send_failure(size_t port, int err) {
  // One warning per kind of failure, not one per frame.
  if (err == last_reported_error_[port]) return;
  last_reported_error_[port] = err;
  std::string why = std::strerror(err);
  if (err == EMSGSIZE) why = "a frame is larger than its MTU";
  log_warning(ports_[port].iface().name + ": frames not sent (" + why +
              "); counted as send_failed in the stats");
}

void Bridge::on_port_error(size_t port) {
  handle_port_error(port, ports_[port].take_error());
}

void Bridge::handle_port_error(size_t port, int err) {
  const Interface& iface = ports_[port].iface();
  if (err == 0) return;
  if (!interface_exists(iface.ifindex)) {
    port_removed(port);
    return;
  }
  if (err == ENETDOWN) {
    port_link_changed(port, false);
    return;
  }
  log_warning(iface.name + ": " + std::strerror(err));
}

BridgeStats Bridge::stats() {
  BridgeStats stats;
  for (size_t i = 0; i < 2; i++) {
    stats.ports[i].name = ports_[i].iface().name;
    stats.ports[i].counters = counters_[i];
    stats.ports[i].counters.kernel_drops = ports_[i].kernel_stats().drops;
  }
  stats.mac_table = policy_.mac_table_size(coarse_now_ns());
  return stats;
}

}  // namespace ew::bridge
