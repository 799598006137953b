// Two ports and the forwarding between them, driven by the caller's event
// loop: each port's socket is read in batches when it has frames, and what
// the policy lets through is sent on the other port in one batch.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "bridge/forwarding_policy.h"
#include "bridge/frame_batch.h"
#include "bridge/packet_port.h"
#include "core/event_loop.h"
#include "net/link_monitor.h"

namespace ew::bridge {

struct PortCounters {
  uint64_t received = 0;      // frames read from this port
  uint64_t sent = 0;          // frames written to this port
  uint64_t send_failed = 0;   // frames for this port the kernel refused
  uint64_t kernel_drops = 0;  // frames the kernel dropped before we read them
  // Frames received here and not forwarded, by reason.
  uint64_t same_side = 0;
  uint64_t link_local = 0;
  uint64_t truncated = 0;  // larger than a receive slot
  uint64_t runt = 0;
};

struct PortStats {
  std::string name;
  PortCounters counters;
};

// What happens to a port's link while the bridge runs.
enum class PortEvent {
  kDown,     // down or without carrier: nothing crosses it
  kUp,       // up with carrier again: forwarding resumes
  kRemoved,  // deleted or moved away: the bridge stops
};
const char* port_event_name(PortEvent event);  // "down", "up", "removed"

using PortEventHandler = std::function<void(const std::string& port, PortEvent event)>;

struct BridgeStats {
  std::array<PortStats, 2> ports;
  size_t mac_table = 0;
};

class Bridge {
 public:
  Bridge(PacketPort a, PacketPort b, const PolicySettings& policy);
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  // Registers both ports on `loop`. A port whose interface is removed stops
  // the loop and leaves failure() set; one that only goes down is reported
  // and forwarding resumes when it comes back up. `on_event` hears of each
  // change (once: a port that stays down is not reported again).
  void attach_to(EventLoop& loop, PortEventHandler on_event);
  const std::optional<std::string>& failure() const { return failure_; }

  BridgeStats stats();

 private:
  void forward_from(size_t in);
  void on_port_error(size_t port);
  void handle_port_error(size_t port, int err);
  void note_send_failure(size_t port, int err);
  void port_removed(size_t port);
  void port_link_changed(size_t port, bool up);

  std::array<PacketPort, 2> ports_;
  ForwardingPolicy policy_;
  std::array<ReceiveBatch, 2> receive_;
  std::array<SendBatch, 2> send_;
  std::array<PortCounters, 2> counters_;
  std::array<int, 2> last_reported_error_{};
  // The kernel reports ENETDOWN on a port's socket once, when it goes down;
  // deleting a port that is already down says nothing more there, so
  // removals are watched for on rtnetlink.
  LinkMonitor links_;
  std::array<bool, 2> up_{true, true};
  PortEventHandler on_event_;
  EventLoop* loop_ = nullptr;
  std::optional<std::string> failure_;
};

}  // namespace ew::bridge
