#include "bridge/bridge_command.h"

#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>

#include "bridge/bridge.h"
#include "bridge/bridge_lines.h"
#include "bridge/port_checks.h"
#include "bridge/port_claim.h"
#include "bridge/stats_line.h"
#include "core/capabilities.h"
#include "core/error.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/output_sink.h"
#include "core/privilege_drop.h"
#include "core/session_timers.h"
#include "core/wall_clock.h"
#include "output/json_lines.h"
#include "output/text_lines.h"
#include "prefixes/prefix_rules.h"
#include "session/output_closed.h"
#include "session/watch_session.h"

namespace ew::bridge {
namespace {

// Above ordinary work, below the kernel's own threaded interrupt handlers
// (priority 50) that deliver the frames.
constexpr int kRealtimePriority = 10;

}  // namespace

int run_bridge(const BridgeOptions& options) {
  // Input errors first: nothing is touched for a typo or a bad port.
  if (options.watch) build_prefix_rules(options.watch_options.prefixes);
  std::optional<TargetUser> user;
  if (options.user) user = resolve_user(*options.user);
  const auto missing = missing_bridge_capabilities(options.watch, options.realtime);
  std::string needs = options.watch
                          ? "egresswatch-bridge --watch needs CAP_NET_RAW, CAP_NET_ADMIN, "
                            "CAP_BPF and CAP_PERFMON"
                          : "egresswatch-bridge needs CAP_NET_RAW and CAP_NET_ADMIN";
  if (options.realtime) needs += ", and CAP_SYS_NICE for --realtime";
  require_capabilities(missing, needs);
  const CheckedPorts checked = check_ports(options.port_a, options.port_b);
  // Before anything is touched, and held until the sockets are closed.
  const PortClaim claim_a = PortClaim::take(checked.a, options.watch);
  const PortClaim claim_b = PortClaim::take(checked.b, options.watch);

  // Signals are queued from here on and handled inside the loop, so a Ctrl-C
  // while setting up still ends with everything restored.
  // A stop signal may cut short a write to a reader that stopped reading (the
  // sink waits on it); SIGHUP and SIGUSR1 never do, so neither stops the
  // bridge nor throws a line away.
  SignalFd stop_signals({SIGINT, SIGTERM});
  SignalFd control_signals({SIGHUP, SIGUSR1});
  signal(SIGPIPE, SIG_IGN);
  OutputSink sink = OutputSink::open(options.output);
  // As egresswatch decides: text for a person at a terminal, else JSON.
  bool text = options.format == OutputFormat::kText;
  if (options.format == OutputFormat::kAuto) text = !options.output && isatty(sink.fd());
  const std::unique_ptr<BridgeLines> lines =
      text ? make_text_bridge_lines() : make_json_bridge_lines();
  sink.set_interrupt_fd(stop_signals.fd());

  for (const auto& warning : checked.warnings)
    log_warning(warning);

  PolicySettings policy;
  policy.forward_link_local = options.forward_link_local;
  policy.mac_ageing_ns = static_cast<uint64_t>(options.mac_ageing_seconds * 1e9);
  // Bypassing the qdisc would also bypass the tc egress hook a classifier
  // watches, ours with --watch or an egresswatch's.
  PortSettings settings_a;
  settings_a.qdisc_bypass = claim_a.qdisc_bypass();
  PortSettings settings_b;
  settings_b.qdisc_bypass = claim_b.qdisc_bypass();
  Bridge bridge(PacketPort::open(checked.a, settings_a), PacketPort::open(checked.b, settings_b),
                policy);

  EventLoop loop;
  std::unique_ptr<LineFormatter> formatter;
  // --lan: frames leaving the LAN port go towards the local hosts, and both
  // directions count in conversations on the uplink port.
  WatchOptions watch_options = options.watch_options;
  if (options.lan) {
    const bool lan_is_a = *options.lan == checked.a.name;
    watch_options.classifier.lan_ifindex = (lan_is_a ? checked.a : checked.b).ifindex;
    watch_options.classifier.uplink_ifindex = (lan_is_a ? checked.b : checked.a).ifindex;
  }
  std::optional<WatchSession> session;
  if (options.watch) {
    if (text) {
      formatter = std::make_unique<TextLineFormatter>(sink.buffer());
    } else {
      formatter = std::make_unique<JsonLineEncoder>(sink.buffer());
    }
    // Egress only, whatever the mode: each direction of forwarded traffic
    // leaves through one of the two ports (A -> B out of b, B -> A out of a),
    // so an ingress hook would see every frame a second time.
    session.emplace(watch_options, std::vector<Interface>{checked.a, checked.b},
                    SessionHooks::kEgressOnly, sink, *formatter, loop);
  }
  bridge.attach_to(loop, [&](const std::string& port, PortEvent event) {
    lines->port_event(port, event, WallClock::now_ns(), sink.buffer());
    if (sink.flush() != OutputSink::Flush::kWritten) loop.stop();
  });
  if (options.realtime) {
    // A userspace bridge at normal priority waits behind whatever else runs
    // on its CPU (up to a scheduler tick, 4 ms at 250 Hz); the kernel bridge
    // never does. The kernel's RT throttling still leaves 5% to the rest.
    sched_param priority{};
    priority.sched_priority = kRealtimePriority;
    if (sched_setscheduler(0, SCHED_FIFO, &priority) != 0) {
      throw_last_error("--realtime: setting SCHED_FIFO priority");
    }
  }
  drop_privileges_after_setup(/*detach_needed=*/options.watch, user);
  log_info("bridging " + checked.a.name + " and " + checked.b.name +
           (session ? " and watching both (Ctrl-C to stop)" : " (Ctrl-C to stop)"));

  auto write_stats = [&](bool final) {
    lines->stats(bridge.stats(), WallClock::now_ns(), final, sink.buffer());
    if (sink.flush() != OutputSink::Flush::kWritten) loop.stop();
  };
  loop.add(stop_signals.fd(), EPOLLIN, [&](uint32_t) {
    while (stop_signals.read_signal())
      loop.stop();
  });
  loop.add(control_signals.fd(), EPOLLIN, [&](uint32_t) {
    bool stats_asked = false;
    bool reload_asked = false;  // several SIGHUPs while busy: one reload reads the latest
    while (int sig = control_signals.read_signal()) {
      if (sig == SIGUSR1) stats_asked = true;
      if (sig == SIGHUP) reload_asked = true;
    }
    if (stats_asked) {
      write_stats(false);
      if (session) session->write_stats();
    }
    if (reload_asked && session) {
      session->reload_prefixes(
          [&options] { return parse_watch_arguments(options.watch_arguments); });
    }
  });
  SessionTimers timers(loop, sink, options.duration_seconds, options.stats_interval_seconds, [&] {
    write_stats(false);
    if (session) session->write_stats();
  });

  loop.run();

  // A reader that takes nothing for two seconds is given up on (counted).
  sink.set_interrupt_fd(-1);
  sink.set_stall_timeout(2000);
  bool output_open = true;
  if (session) output_open = session->finish();
  lines->stats(bridge.stats(), WallClock::now_ns(), true, sink.buffer());
  if (sink.flush() != OutputSink::Flush::kWritten) {
    sink.abandon();
    output_open = false;
  }
  if (!output_open) {
    if (sink.write_error()) {
      log_error(errno_message("writing to " + sink.name(), sink.write_error()) + "; stopped");
    }
    std::string line;
    append_stats_line(bridge.stats(), WallClock::now_ns(), true, line);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    log_info("output closed; final stats: " + line);
  }
  if (bridge.failure()) throw Error(*bridge.failure());
  return sink.write_error() ? 1 : 0;
}

}  // namespace ew::bridge
