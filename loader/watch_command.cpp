#include "watch_command.h"

#include <signal.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <list>
#include <memory>
#include <optional>
#include <vector>

#include "capabilities.h"
#include "classifier.h"
#include "counters.h"
#include "default_route.h"
#include "error.h"
#include "event_loop.h"
#include "flow_tracker.h"
#include "json_lines.h"
#include "libbpf_log.h"
#include "link_monitor.h"
#include "log.h"
#include "loss_monitor.h"
#include "netlink/socket.h"
#include "output_sink.h"
#include "perf_buffer_source.h"
#include "record_writer.h"
#include "ring_buffer_source.h"
#include "tc/egress_attachment.h"
#include "text_lines.h"
#include "wall_clock.h"

namespace ew {
namespace {

// Losses found while draining are reported at most this often; a timer
// catches the ones no record reveals (sampling, rate limiting).
constexpr int64_t kLossCheckSpacingNs = 100'000'000;

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
    if (repeated) throw Error(name + ": named twice");
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

std::string join_names(const std::list<EgressAttachment>& attachments) {
  std::string names;
  for (const auto& a : attachments)
    names += (names.empty() ? "" : ", ") + a.iface.name;
  return names;
}

}  // namespace

std::vector<std::string> options_needing_restart(const WatchOptions& running,
                                                 const WatchOptions& reloaded) {
  std::vector<std::string> names;
  auto check = [&](bool same, const char* name) {
    if (!same) names.emplace_back(name);
  };
  check(running.interfaces == reloaded.interfaces, "interfaces");
  check(running.mode == reloaded.mode, "--mode");
  check(running.output == reloaded.output, "--output");
  check(running.format == reloaded.format, "--format");
  check(running.transport == reloaded.transport, "--transport");
  check(running.duration_seconds == reloaded.duration_seconds, "--duration");
  check(running.stats_interval_seconds == reloaded.stats_interval_seconds, "--stats-interval");
  check(running.flow_interval_seconds == reloaded.flow_interval_seconds, "--flow-interval");
  check(running.idle_timeout_seconds == reloaded.idle_timeout_seconds, "--idle-timeout");
  check(running.flow_table_size == reloaded.flow_table_size, "--flow-table-size");
  check(running.sample_every == reloaded.sample_every, "--sample");
  check(running.rate_limit == reloaded.rate_limit, "--rate-limit");
  check(running.ring_bytes == reloaded.ring_bytes, "--ring-size");
  check(running.verbose == reloaded.verbose, "--verbose");
  return names;
}

int run_watch(const WatchOptions& options, const OptionsReloader& reload) {
  // Input errors first: nothing is touched for a typo.
  auto rules = build_prefix_rules(options.prefixes);
  require_capabilities(missing_watch_capabilities(),
                       "egresswatch needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN");

  // Signals are queued from here on and handled inside the loop, so a Ctrl-C
  // while attaching still ends with everything detached.
  SignalFd signals({SIGINT, SIGTERM, SIGHUP});
  signal(SIGPIPE, SIG_IGN);

  auto socket = netlink::NetlinkSocket::open_route();
  const auto ifaces = resolve_interfaces(options.interfaces, socket);
  OutputSink sink = OutputSink::open(options.output);
  sink.set_interrupt_fd(signals.fd());
  LinkMonitor links;

  install_libbpf_log(options.verbose);
  ClassifierSettings settings;
  settings.mode = options.mode;
  settings.transport = options.transport;
  settings.ring_bytes = options.ring_bytes;
  settings.flow_table_size = options.flow_table_size;
  settings.sample_every = options.sample_every;
  settings.rate_limit = options.rate_limit;
  Classifier classifier = Classifier::load(settings);
  classifier.write_prefix_rules(rules);

  const bool flow_mode = options.mode == RecordMode::kFlow;
  WallClock clock;
  InterfaceNames names(ifaces);
  auto formatter = make_formatter(options, sink);
  RecordWriter writer(sink, *formatter, names, clock);
  std::optional<FlowTracker> flows;
  if (flow_mode) {
    flows.emplace(classifier.flows_fd(), static_cast<uint64_t>(options.idle_timeout_seconds * 1e9),
                  *formatter, clock, [&names](uint32_t ifindex) { return names(ifindex); });
    writer.set_flow_tracker(&*flows);
  }
  std::unique_ptr<RecordSource> source;
  if (classifier.transport() == Transport::kPerfBuffer) {
    source =
        std::make_unique<PerfBufferSource>(classifier.records_fd(), options.ring_bytes, writer);
  } else {
    source = std::make_unique<RingBufferSource>(classifier.records_fd(), writer);
  }

  // A list: an interface that disappears leaves from the middle.
  std::list<EgressAttachment> attachments;
  const uint32_t prog_id = classifier.program_id();
  for (const auto& iface : ifaces) {
    attachments.push_back(
        EgressAttachment::attach(socket, iface, classifier.program_fd(), prog_id));
  }
  log_info("watching " + join_names(attachments) + " (Ctrl-C to stop)");

  EventLoop loop;
  LossMonitor losses;
  int64_t last_loss_check = 0;
  auto flows_evicted = [&] { return flows ? flows->evicted() : 0; };
  auto check_losses = [&] {
    last_loss_check = static_cast<int64_t>(WallClock::monotonic_ns());
    if (auto line = losses.check(read_counters(classifier.counters_fd()), flows_evicted(),
                                 WallClock::now_ns())) {
      formatter->loss(*line);
    }
  };
  auto drain = [&] {
    clock.resync();
    long n = source->drain();
    if (n < 0 && n != -EINTR) throw_errno("reading the record buffer", static_cast<int>(n));
    if (static_cast<int64_t>(WallClock::monotonic_ns()) - last_loss_check >= kLossCheckSpacingNs) {
      check_losses();
    }
    if (!sink.flush()) loop.stop();
  };
  auto current_stats = [&](bool final) {
    StatsLine stats;
    stats.wall_ns = WallClock::now_ns();
    stats.counters = read_counters(classifier.counters_fd());
    stats.records = writer.records();
    stats.malformed = source->malformed();
    stats.final = final;
    stats.flows_active = flows ? flows->active() : 0;
    stats.flows_evicted = flows_evicted();
    return stats;
  };
  auto write_stats = [&](bool final) { formatter->stats(current_stats(final)); };
  auto reload_prefixes = [&] {
    try {
      const WatchOptions reloaded = reload();
      auto new_rules = build_prefix_rules(reloaded.prefixes);
      classifier.replace_prefix_rules(rules, new_rules);
      rules = std::move(new_rules);
      log_info("reloaded the prefix lists (" + std::to_string(rules.size()) + " prefixes)");
      std::string ignored;
      for (const auto& name : options_needing_restart(options, reloaded)) {
        ignored += (ignored.empty() ? "" : ", ") + name;
      }
      if (!ignored.empty()) log_warning("changed, but applied only by a restart: " + ignored);
    } catch (const Error& e) {
      log_warning(std::string("reload failed, keeping the prefix lists: ") + e.what());
    }
  };
  auto interface_gone = [&](int ifindex) {
    auto it = std::find_if(attachments.begin(), attachments.end(),
                           [&](const EgressAttachment& a) { return a.iface.ifindex == ifindex; });
    if (it == attachments.end()) return;
    drain();
    formatter->interface_removed(it->iface.name, WallClock::now_ns());
    log_warning(it->iface.name + ": interface removed; watching the others");
    attachments.erase(it);  // its filter and qdisc went with the interface
    if (!sink.flush() || attachments.empty()) loop.stop();
  };

  loop.add(source->poll_fd(), EPOLLIN, [&](uint32_t) { drain(); });
  loop.add(signals.fd(), EPOLLIN, [&](uint32_t) {
    while (int sig = signals.read_signal()) {
      if (sig == SIGHUP) {
        reload_prefixes();
      } else {
        loop.stop();
      }
    }
  });
  loop.add(links.fd(), EPOLLIN, [&](uint32_t) {
    bool overran = links.read(interface_gone);
    if (overran) {
      // Notifications were dropped: look for ourselves.
      std::vector<int> gone;
      for (const auto& a : attachments) {
        if (!interface_exists(a.iface.ifindex)) gone.push_back(a.iface.ifindex);
      }
      for (int ifindex : gone)
        interface_gone(ifindex);
    }
  });
  // A pipe reports EPOLLERR once its reader has gone, even while we have
  // nothing to write: `egresswatch | head -1` ends without waiting for traffic.
  loop.try_add(sink.fd(), 0, [&](uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) loop.stop();
  });
  UniqueFd duration_timer;
  if (options.duration_seconds > 0) {
    duration_timer = make_timer(options.duration_seconds, false);
    loop.add(duration_timer.get(), EPOLLIN, [&](uint32_t) { loop.stop(); });
  }
  UniqueFd stats_timer;
  if (options.stats_interval_seconds > 0) {
    stats_timer = make_timer(options.stats_interval_seconds, true);
    loop.add(stats_timer.get(), EPOLLIN, [&](uint32_t) {
      read_timer(stats_timer.get());
      drain();
      write_stats(false);
      if (!sink.flush()) loop.stop();
    });
  }
  UniqueFd loss_timer = make_timer(1.0, true);
  loop.add(loss_timer.get(), EPOLLIN, [&](uint32_t) {
    read_timer(loss_timer.get());
    check_losses();
    if (!sink.flush()) loop.stop();
  });
  // Flow mode: scan often enough for both the update interval and the idle
  // timeout; updates are written once per --flow-interval.
  UniqueFd scan_timer;
  uint64_t last_updates = WallClock::monotonic_ns();
  if (flows) {
    const double period =
        std::max(0.05, std::min(options.flow_interval_seconds, options.idle_timeout_seconds / 4));
    scan_timer = make_timer(period, true);
    loop.add(scan_timer.get(), EPOLLIN, [&](uint32_t) {
      read_timer(scan_timer.get());
      drain();  // announced flows first, so the scan finds them known
      const uint64_t now = WallClock::monotonic_ns();
      const bool updates =
          now - last_updates >= static_cast<uint64_t>(options.flow_interval_seconds * 1e9);
      if (updates) last_updates = now;
      flows->scan(now, updates);
      check_losses();
      if (!sink.flush()) loop.stop();
    });
  }

  loop.run();

  // The stop signal has been read: from here a reader that stopped reading
  // gets two more seconds, then what is left is given up (and counted).
  UniqueFd give_up = make_timer(2.0, false);
  sink.set_interrupt_fd(give_up.get());

  // Detach before the last drain: nothing can be recorded after it, so the
  // final counters and the lines written agree.
  attachments.clear();
  // A filter is gone only after an RCU grace period: a program already
  // running on another CPU may still count and send. Drain until the
  // counters stand still (bounded), so the final line adds up.
  for (int i = 0; i < 20; i++) {
    const uint64_t seen = read_counters(classifier.counters_fd()).seen;
    drain();
    timespec pause{0, 5'000'000};
    nanosleep(&pause, nullptr);
    if (read_counters(classifier.counters_fd()).seen == seen) break;
  }
  drain();
  if (flows) flows->finish(WallClock::monotonic_ns());
  check_losses();
  write_stats(true);
  if (!sink.flush()) {
    // The reader is gone; the final count still goes somewhere a person sees.
    std::string line;
    JsonLineEncoder(line).stats(current_stats(true));
    if (sink.abandoned_bytes()) {
      std::fprintf(stderr,
                   "egresswatch: %llu bytes of lines were not written: the output stopped "
                   "taking them\n",
                   static_cast<unsigned long long>(sink.abandoned_bytes()));
    }
    std::fprintf(stderr, "egresswatch: output closed; final stats: %s", line.c_str());
  }
  return 0;
}

}  // namespace ew
