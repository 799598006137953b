#include "watch_command.h"

#include <net/if.h>
#include <signal.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <unordered_map>
#include <vector>

#include "capabilities.h"
#include "classifier.h"
#include "counters.h"
#include "default_route.h"
#include "error.h"
#include "event_loop.h"
#include "json_lines.h"
#include "libbpf_log.h"
#include "log.h"
#include "netlink/socket.h"
#include "output_sink.h"
#include "ring_buffer_source.h"
#include "tc/egress_attachment.h"
#include "wall_clock.h"

namespace ew {
namespace {

// Flush mid-batch past this many bytes, so a long burst neither waits nor
// grows the buffer without bound.
constexpr size_t kFlushThreshold = 256 * 1024;

std::vector<Interface> resolve_interfaces(const std::vector<std::string>& names,
                                          netlink::NetlinkSocket& socket) {
  if (names.empty()) return {default_route_interface(socket)};
  std::vector<Interface> ifaces;
  for (const auto& name : names) {
    Interface iface = resolve_interface(name);
    bool repeated = std::any_of(ifaces.begin(), ifaces.end(),
                                [&](const Interface& i) { return i.ifindex == iface.ifindex; });
    if (repeated) throw Error(name + ": named twice");
    ifaces.push_back(iface);
  }
  return ifaces;
}

// Turns records into JSON lines in the output buffer.
class RecordWriter : public RecordSink {
 public:
  RecordWriter(OutputSink& sink, const std::vector<Interface>& ifaces)
      : sink_(sink), encoder_(sink.buffer()) {
    for (const auto& iface : ifaces)
      names_[static_cast<uint32_t>(iface.ifindex)] = iface.name;
  }

  void on_record(const ew_record& record) override {
    encoder_.append_record(record, name_of(record.ifindex), clock_.to_wall_ns(record.ts_ns));
    records_++;
    if (sink_.buffer().size() >= kFlushThreshold) sink_.flush();
  }

  void resync_clock() { clock_.resync(); }
  uint64_t records() const { return records_; }
  JsonLineEncoder& encoder() { return encoder_; }

 private:
  const std::string& name_of(uint32_t ifindex) {
    auto it = names_.find(ifindex);
    if (it != names_.end()) return it->second;
    char name[IF_NAMESIZE] = {};
    std::string resolved = if_indextoname(ifindex, name) ? name : std::to_string(ifindex);
    return names_.emplace(ifindex, resolved).first->second;
  }

  OutputSink& sink_;
  JsonLineEncoder encoder_;
  WallClock clock_;
  std::unordered_map<uint32_t, std::string> names_;
  uint64_t records_ = 0;
};

}  // namespace

int run_watch(const WatchOptions& options) {
  // Input errors first: nothing is touched for a typo.
  const auto rules = build_prefix_rules(options.prefixes);
  require_capabilities(missing_watch_capabilities(), "egresswatch needs CAP_BPF and CAP_NET_ADMIN");

  // Signals are queued from here on and handled inside the loop, so a Ctrl-C
  // while attaching still ends with everything detached.
  SignalFd signals({SIGINT, SIGTERM, SIGHUP});
  signal(SIGPIPE, SIG_IGN);

  auto socket = netlink::NetlinkSocket::open_route();
  const auto ifaces = resolve_interfaces(options.interfaces, socket);
  OutputSink sink = OutputSink::open(options.output);

  install_libbpf_log(options.verbose);
  ClassifierSettings settings;
  settings.mode = options.mode;
  settings.ring_bytes = options.ring_bytes;
  Classifier classifier = Classifier::load(settings);
  classifier.write_prefix_rules(rules);

  RecordWriter writer(sink, ifaces);
  RingBufferSource source(classifier.records_fd(), writer);

  std::vector<EgressAttachment> attachments;
  attachments.reserve(ifaces.size());
  const uint32_t prog_id = classifier.program_id();
  for (const auto& iface : ifaces) {
    attachments.push_back(
        EgressAttachment::attach(socket, iface, classifier.program_fd(), prog_id));
  }
  std::string names;
  for (const auto& iface : ifaces)
    names += (names.empty() ? "" : ", ") + iface.name;
  log_info("watching " + names + " (Ctrl-C to stop)");

  EventLoop loop;
  auto drain = [&] {
    writer.resync_clock();
    long n = source.drain();
    if (n < 0 && n != -EINTR) throw_errno("reading the ring buffer", static_cast<int>(n));
    if (!sink.flush()) loop.stop();
  };
  auto write_stats = [&](bool final) {
    StatsLine stats;
    stats.wall_ns = WallClock::now_ns();
    stats.counters = read_counters(classifier.counters_fd());
    stats.records = writer.records();
    stats.malformed = source.malformed();
    stats.final = final;
    writer.encoder().append_stats(stats);
  };

  loop.add(source.poll_fd(), EPOLLIN, [&](uint32_t) { drain(); });
  loop.add(signals.fd(), EPOLLIN, [&](uint32_t) {
    if (signals.read_signal() != 0) loop.stop();
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

  loop.run();

  // Detach before the last drain: nothing can be recorded after it, so the
  // final counters and the lines written agree.
  attachments.clear();
  drain();
  write_stats(true);
  if (!sink.flush()) {
    // The reader is gone; the final count still goes somewhere a person sees.
    std::fprintf(stderr, "egresswatch: output closed; final stats: ");
    std::string line;
    JsonLineEncoder(line).append_stats(StatsLine{WallClock::now_ns(),
                                                 read_counters(classifier.counters_fd()),
                                                 writer.records(), source.malformed(), true});
    std::fputs(line.c_str(), stderr);
  }
  return 0;
}

}  // namespace ew
