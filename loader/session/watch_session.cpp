#include "session/watch_session.h"

#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>

#include "classifier/counters.h"
#include "classifier/libbpf_log.h"
#include "core/error.h"
#include "core/log.h"
#include "records/perf_buffer_source.h"
#include "records/ring_buffer_source.h"

namespace ew {
namespace {

// Losses found while draining are reported at most this often; a timer
// catches the ones no record reveals (sampling, rate limiting).
constexpr int64_t kLossCheckSpacingNs = 100'000'000;

// The classifier sends ring-buffer records without waking us unless the ring
// fills past another eighth (bpf/egress.bpf.c), so a lone record waits for
// this timer at most: one wakeup per batch instead of per few records.
constexpr double kDrainPeriodSeconds = 0.025;

Classifier load_classifier(const WatchOptions& options) {
  install_libbpf_log(options.verbose);
  return Classifier::load(options.classifier);
}

}  // namespace

std::vector<std::string> options_needing_restart(const WatchOptions& running,
                                                 const WatchOptions& reloaded) {
  std::vector<std::string> names;
  auto check = [&](bool same, const char* name) {
    if (!same) names.emplace_back(name);
  };
  check(running.interfaces == reloaded.interfaces, "interfaces");
  check(running.classifier.mode == reloaded.classifier.mode, "--mode");
  // As attached: without --direction a change of --mode changes it too.
  check(resolved_direction(running) == resolved_direction(reloaded), "--direction");
  check(running.output == reloaded.output, "--output");
  check(running.format == reloaded.format, "--format");
  check(running.classifier.transport == reloaded.classifier.transport, "--transport");
  check(running.duration_seconds == reloaded.duration_seconds, "--duration");
  check(running.stats_interval_seconds == reloaded.stats_interval_seconds, "--stats-interval");
  check(running.flow_interval_seconds == reloaded.flow_interval_seconds, "--flow-interval");
  check(running.idle_timeout_seconds == reloaded.idle_timeout_seconds, "--idle-timeout");
  check(running.classifier.flow_table_size == reloaded.classifier.flow_table_size,
        "--flow-table-size");
  check(running.classifier.sample_every == reloaded.classifier.sample_every, "--sample");
  check(running.classifier.rate_limit == reloaded.classifier.rate_limit, "--rate-limit");
  check(running.classifier.ring_bytes == reloaded.classifier.ring_bytes, "--ring-size");
  check(running.verbose == reloaded.verbose, "--verbose");
  check(running.user == reloaded.user, "--user");
  return names;
}

WatchSession::WatchSession(const WatchOptions& options, const std::vector<Interface>& ifaces,
                           SessionHooks hooks, OutputSink& sink, LineFormatter& formatter,
                           EventLoop& loop)
    : options_(options),
      hooks_(hooks),
      direction_(hooks == SessionHooks::kEgressOnly ? Direction::kEgress
                                                    : resolved_direction(options)),
      sink_(sink),
      formatter_(formatter),
      loop_(loop),
      rules_(build_prefix_rules(options.prefixes)),
      socket_(netlink::NetlinkSocket::open_route()),
      classifier_(load_classifier(options)),
      names_(ifaces),
      writer_(sink, formatter, names_, clock_) {
  classifier_.write_prefix_rules(rules_);
  if (options.classifier.mode == RecordMode::kFlow) {
    flows_.emplace(classifier_.flows_fd(), options.classifier.flow_table_size,
                   static_cast<uint64_t>(options.idle_timeout_seconds * 1e9), formatter, clock_,
                   [this](uint32_t ifindex) { return names_(ifindex); });
    writer_.set_flow_tracker(&*flows_);
    flows_->set_after_line([this] { writer_.flush_if_full(); });
  }
  if (classifier_.transport() == Transport::kPerfBuffer) {
    source_ = std::make_unique<PerfBufferSource>(classifier_.records_fd(),
                                                 options.classifier.ring_bytes, writer_);
  } else {
    source_ = std::make_unique<RingBufferSource>(classifier_.records_fd(), writer_);
  }

  const uint32_t prog_id = classifier_.program_id();
  for (const auto& iface : ifaces) {
    attachments_.push_back(InterfaceAttachment::attach(
        socket_, iface, direction_ == Direction::kBoth, classifier_.program_fd(), prog_id));
  }

  loop.add(source_->poll_fd(), EPOLLIN, [this](uint32_t) { drain(); });
  loop.add(links_.fd(), EPOLLIN, [this](uint32_t) {
    bool overran = links_.read([this](int ifindex) { interface_gone(ifindex); });
    if (overran) {
      // Notifications were dropped: look for ourselves.
      std::vector<int> gone;
      for (const auto& a : attachments_) {
        if (!interface_exists(a.iface.ifindex)) gone.push_back(a.iface.ifindex);
      }
      for (int ifindex : gone)
        interface_gone(ifindex);
    }
  });
  // The ring buffer: the classifier mostly sends without a wakeup. The perf
  // buffer: a drain that stopped at its budget leaves records set aside,
  // which no wakeup announces. Either way the timer collects them.
  drain_timer_ = make_timer(kDrainPeriodSeconds, true);
  loop.add(drain_timer_.get(), EPOLLIN, [this](uint32_t) {
    read_timer(drain_timer_.get());
    drain();
  });
  loss_timer_ = make_timer(1.0, true);
  loop.add(loss_timer_.get(), EPOLLIN, [this](uint32_t) {
    read_timer(loss_timer_.get());
    check_losses();
    flush_or_stop();
  });
  // Flow mode: scan often enough for the update interval and the idle
  // timeout; updates are written once per --flow-interval. Closed TCP
  // conversations end from the drain timer (their close came in the ring),
  // so scans need not come every second.
  last_updates_ = WallClock::monotonic_ns();
  if (flows_) {
    const double period =
        std::max(0.05, std::min(options.flow_interval_seconds, options.idle_timeout_seconds / 4));
    scan_timer_ = make_timer(period, true);
    loop.add(scan_timer_.get(), EPOLLIN, [this](uint32_t) {
      read_timer(scan_timer_.get());
      scan_flows();
    });
  }
}

WatchSession::~WatchSession() = default;

std::string WatchSession::watched_names() const {
  std::string names;
  for (const auto& a : attachments_)
    names += (names.empty() ? "" : ", ") + a.iface.name;
  return names;
}

void WatchSession::flush_or_stop() {
  if (sink_.flush() != OutputSink::Flush::kWritten) loop_.stop();
}

void WatchSession::check_losses() {
  last_loss_check_ = static_cast<int64_t>(WallClock::monotonic_ns());
  const uint64_t evicted = flows_ ? flows_->evicted() : 0;
  if (auto line =
          losses_.check(read_counters(classifier_.counters_fd()), evicted, WallClock::now_ns())) {
    formatter_.loss(*line);
  }
}

void WatchSession::scan_flows() {
  read_records();  // announced flows first, so the scan finds them known
  const uint64_t now = WallClock::monotonic_ns();
  const bool updates =
      now - last_updates_ >= static_cast<uint64_t>(options_.flow_interval_seconds * 1e9);
  if (updates) last_updates_ = now;
  flows_->scan(now, updates);
  check_losses();
  flush_or_stop();
}

void WatchSession::read_records() {
  clock_.resync();
  long n = source_->drain();
  if (n < 0 && n != -EINTR) throw_errno("reading the record buffer", static_cast<int>(n));
  if (flows_) flows_->end_closed(WallClock::monotonic_ns());
}

void WatchSession::drain() {
  read_records();
  // More followed than the map holds: find out now which were evicted.
  if (flows_ && flows_->needs_scan()) scan_flows();
  if (static_cast<int64_t>(WallClock::monotonic_ns()) - last_loss_check_ >= kLossCheckSpacingNs) {
    check_losses();
  }
  flush_or_stop();
}

StatsLine WatchSession::current_stats(bool final) {
  StatsLine stats;
  stats.wall_ns = WallClock::now_ns();
  stats.counters = read_counters(classifier_.counters_fd());
  stats.records = writer_.records();
  stats.malformed = source_->malformed();
  stats.final = final;
  stats.flows_active = flows_ ? flows_->active() : 0;
  stats.flows_evicted = flows_ ? flows_->evicted() : 0;
  return stats;
}

void WatchSession::write_stats() {
  drain();
  formatter_.stats(current_stats(false));
  flush_or_stop();
}

StatsLine WatchSession::final_stats() {
  return current_stats(true);
}

void WatchSession::reload_prefixes(const OptionsReloader& reload) {
  try {
    const WatchOptions reloaded = reload();
    auto new_rules = build_prefix_rules(reloaded.prefixes);
    classifier_.replace_prefix_rules(rules_, new_rules);
    rules_ = std::move(new_rules);
    log_info("reloaded the prefix lists (" + std::to_string(rules_.size()) + " prefixes)");
    std::string ignored;
    for (const auto& name : options_needing_restart(options_, reloaded)) {
      // Egress alone whatever the options say: a restart would not change it.
      if (hooks_ == SessionHooks::kEgressOnly && name == "--direction") continue;
      ignored += (ignored.empty() ? "" : ", ") + name;
    }
    if (!ignored.empty()) log_warning("changed, but applied only by a restart: " + ignored);
  } catch (const PrefixRollbackError& e) {
    log_error(std::string("reload failed: ") + e.what() +
              "; restart egresswatch to start from known lists");
  } catch (const Error& e) {
    log_warning(std::string("reload failed, keeping the prefix lists: ") + e.what());
  }
}

void WatchSession::interface_gone(int ifindex) {
  auto it = std::find_if(attachments_.begin(), attachments_.end(),
                         [&](const InterfaceAttachment& a) { return a.iface.ifindex == ifindex; });
  if (it == attachments_.end()) return;
  drain();
  if (flows_) flows_->end_interface(static_cast<uint32_t>(ifindex), WallClock::monotonic_ns());
  formatter_.interface_removed(it->iface.name, WallClock::now_ns());
  log_warning(it->iface.name + ": interface removed; watching the others");
  attachments_.erase(it);  // its filter and qdisc went with the interface
  if (sink_.flush() != OutputSink::Flush::kWritten || attachments_.empty()) loop_.stop();
}

bool WatchSession::finish() {
  // Detach before the last drain: nothing can be recorded after it, so the
  // final counters and the lines written agree.
  attachments_.clear();
  // A filter is gone only after an RCU grace period: a program already
  // running on another CPU may still count and send. Drain until the
  // counters stand still (bounded), so the final line adds up.
  for (int i = 0; i < 20; i++) {
    const uint64_t seen = read_counters(classifier_.counters_fd()).seen;
    drain();
    timespec pause{0, 5'000'000};
    nanosleep(&pause, nullptr);
    if (read_counters(classifier_.counters_fd()).seen == seen) break;
  }
  drain();
  while (source_->has_pending())
    drain();
  if (flows_) flows_->finish(WallClock::monotonic_ns());
  check_losses();
  formatter_.stats(current_stats(true));
  if (sink_.flush() == OutputSink::Flush::kWritten) return true;
  sink_.abandon();  // the reader still took nothing when the time was up
  return false;
}

}  // namespace ew
