#include "watch/watch_command.h"

#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <vector>

#include "core/capabilities.h"
#include "core/error.h"
#include "core/event_loop.h"
#include "core/log.h"
#include "core/output_sink.h"
#include "core/privilege_drop.h"
#include "core/session_timers.h"
#include "net/default_route.h"
#include "netlink/socket.h"
#include "output/json_lines.h"
#include "output/text_lines.h"
#include "session/output_closed.h"
#include "session/watch_session.h"
#include "state/interface_lock.h"

namespace ew {
namespace {

std::vector<Interface> resolve_interfaces(const std::vector<std::string>& names,
                                          netlink::NetlinkSocket& socket) {
  if (names.empty()) {
    Interface iface = default_route_interface(socket);
    require_ethernet(iface);
    return {iface};
  }
  std::vector<Interface> ifaces;
  for (const auto& name : names) {
    Interface iface = resolve_interface(name);
    bool repeated = std::any_of(ifaces.begin(), ifaces.end(),
                                [&](const Interface& i) { return i.ifindex == iface.ifindex; });
    if (repeated) throw UsageError(name + ": named twice");
    require_ethernet(iface);
    ifaces.push_back(iface);
  }
  return ifaces;
}

std::unique_ptr<LineFormatter> make_formatter(const WatchOptions& options, OutputSink& sink) {
  bool text = options.format == OutputFormat::kText;
  if (options.format == OutputFormat::kAuto) text = !options.output && isatty(sink.fd());
  if (text) return std::make_unique<TextLineFormatter>(sink.buffer());
  return std::make_unique<JsonLineEncoder>(sink.buffer());
}

// A bridge that found no egresswatch here at its start transmits past the
// qdisc layer (PACKET_QDISC_BYPASS), so what it forwards out of this
// interface never meets our egress hook. It decided at start; a restart
// makes it see us and send through the qdisc layer.
void warn_if_bridged_past_the_hook(const Interface& iface) {
  std::string pid;
  if (!InterfaceLock::held_by_other(iface, &pid, LockPurpose::kQdiscBypass)) return;
  log_warning(iface.name + ": egresswatch-bridge (pid " + pid +
              ") forwards through it past the egress hook, so the frames it bridges out of " +
              iface.name +
              " are not seen; restart that bridge (it then sends through the qdisc layer) or "
              "run egresswatch-bridge ... --watch instead");
}

}  // namespace

int run_watch(const WatchOptions& options, const OptionsReloader& reload) {
  // Input errors first: nothing is touched for a typo.
  build_prefix_rules(options.prefixes);
  std::optional<TargetUser> user;
  if (options.user) user = resolve_user(*options.user);
  require_capabilities(missing_watch_capabilities(),
                       "egresswatch needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN");

  // Signals are queued from here on and handled inside the loop, so a Ctrl-C
  // while attaching still ends with everything detached.
  // Two sets: a stop signal may cut short a write to a reader that stopped
  // reading (the output sink waits on it), SIGHUP never does, so a reload
  // never stops the session or throws a line away.
  SignalFd stop_signals({SIGINT, SIGTERM});
  SignalFd reload_signals({SIGHUP});
  signal(SIGPIPE, SIG_IGN);

  std::vector<Interface> ifaces;
  {
    auto socket = netlink::NetlinkSocket::open_route();
    ifaces = resolve_interfaces(options.interfaces, socket);
  }
  for (const auto& iface : ifaces) {
    // Watched all the same: records start when it comes up.
    if (!is_up(iface))
      log_warning(iface.name + ": interface is down; nothing leaves it until it is up");
    warn_if_bridged_past_the_hook(iface);
  }
  OutputSink sink = OutputSink::open(options.output);
  sink.set_interrupt_fd(stop_signals.fd());
  auto formatter = make_formatter(options, sink);

  EventLoop loop;
  WatchSession session(options, ifaces, SessionHooks::kByOptions, sink, *formatter, loop);
  drop_privileges_after_setup(/*detach_needed=*/true, user);
  log_info("watching " + session.watched_names() +
           (session.direction() == Direction::kBoth ? " on egress and ingress" : " on egress") +
           " (Ctrl-C to stop)");

  loop.add(stop_signals.fd(), EPOLLIN, [&](uint32_t) {
    while (stop_signals.read_signal())
      loop.stop();
  });
  loop.add(reload_signals.fd(), EPOLLIN, [&](uint32_t) {
    // Several SIGHUPs while busy arrive as one: one reload reads the latest.
    bool reload_asked = false;
    while (reload_signals.read_signal())
      reload_asked = true;
    if (reload_asked) session.reload_prefixes(reload);
  });
  SessionTimers timers(loop, sink, options.duration_seconds, options.stats_interval_seconds,
                       [&] { session.write_stats(); });

  loop.run();

  // The stop signal has been read: from here a reader that takes nothing
  // for two seconds is given up on, and what is left counted.
  sink.set_interrupt_fd(-1);
  sink.set_stall_timeout(2000);
  if (!session.finish()) report_output_closed(sink, session.final_stats());
  return sink.write_error() ? 1 : 0;
}

}  // namespace ew
