// One classifier attached to the egress hook of some interfaces (and to their
// ingress hook too when the direction is both), its records decoded and
// written through a formatter, driven by the caller's event loop.
// egresswatch runs one alone; egresswatch-bridge --watch runs one on its two
// ports beside the forwarding, in the same loop and the same output stream.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "classifier/classifier.h"
#include "core/event_loop.h"
#include "core/output_sink.h"
#include "core/wall_clock.h"
#include "net/interface.h"
#include "net/link_monitor.h"
#include "netlink/socket.h"
#include "output/line_formatter.h"
#include "prefixes/prefix_rules.h"
#include "records/flow_tracker.h"
#include "records/loss_monitor.h"
#include "records/record_source.h"
#include "records/record_writer.h"
#include "session/options.h"
#include "tc/interface_attachment.h"

namespace ew {

// The options that differ between two parses and that only a restart applies,
// by their option names ("--mode", "interfaces", ...).
std::vector<std::string> options_needing_restart(const WatchOptions& running,
                                                 const WatchOptions& reloaded);

// Which hooks a session attaches to: those --direction (or --mode) asks for,
// egresswatch's case; or egress alone whatever the options say, the bridge's,
// whose forwarded traffic leaves through the egress of one of its ports in
// either direction.
enum class SessionHooks { kByOptions, kEgressOnly };

class WatchSession {
 public:
  // Loads the classifier, attaches it to every interface in `ifaces` on the
  // hooks `hooks` says, and registers its fds (records, link changes, timers)
  // on `loop`. The session stops the loop when the output reader has gone or
  // when every watched interface has been removed. Throws ew::Error; whatever
  // was attached before the failure is detached again.
  WatchSession(const WatchOptions& options, const std::vector<Interface>& ifaces,
               SessionHooks hooks, OutputSink& sink, LineFormatter& formatter, EventLoop& loop);
  WatchSession(const WatchSession&) = delete;
  WatchSession& operator=(const WatchSession&) = delete;
  ~WatchSession();

  // SIGHUP: reads the options again, applies their prefix lists (rolling
  // back on failure) and names the options that only a restart applies.
  // Logs; never throws: a reload that fails keeps the lists in place.
  void reload_prefixes(const OptionsReloader& reload);
  // Writes a stats line (after draining the records that came before it).
  void write_stats();
  // Detaches, drains until the counters stand still, ends the flows, and
  // writes the last loss and stats lines. Call once, after the loop.
  // False: the output closed, or its reader took nothing more before the sink's
  // interrupt fd (the caller's give-up timer) fired; what was left is counted.
  bool finish();
  // The final stats line, for when the output has gone.
  StatsLine final_stats();

  // "eth0, eth1": the interfaces still watched.
  std::string watched_names() const;
  // The hooks attached: kBoth when ingress is watched too.
  Direction direction() const { return direction_; }

 private:
  void drain();
  // The records in the ring, and the closed conversations now due.
  void read_records();
  // Flow mode: reads the kernel's table (updates when the interval is due).
  void scan_flows();
  void check_losses();
  StatsLine current_stats(bool final);
  void interface_gone(int ifindex);
  void flush_or_stop();

  const WatchOptions& options_;
  const SessionHooks hooks_;
  const Direction direction_;
  OutputSink& sink_;
  LineFormatter& formatter_;
  EventLoop& loop_;
  std::vector<PrefixRule> rules_;
  netlink::NetlinkSocket socket_;
  LinkMonitor links_;
  Classifier classifier_;
  WallClock clock_;
  InterfaceNames names_;
  RecordWriter writer_;
  std::optional<FlowTracker> flows_;
  std::unique_ptr<RecordSource> source_;
  // A list: an interface that disappears leaves from the middle.
  std::list<InterfaceAttachment> attachments_;
  LossMonitor losses_;
  int64_t last_loss_check_ = 0;
  uint64_t last_updates_ = 0;
  UniqueFd loss_timer_;
  UniqueFd scan_timer_;
  UniqueFd drain_timer_;  // records no wakeup announces (see the constructor)
};

}  // namespace ew
