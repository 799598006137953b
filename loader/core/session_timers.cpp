#include "core/session_timers.h"

#include <sys/epoll.h>

#include <utility>

namespace ew {

SessionTimers::SessionTimers(EventLoop& loop, const OutputSink& sink, double duration_seconds,
                             double stats_interval_seconds, std::function<void()> write_stats)
    : write_stats_(std::move(write_stats)) {
  // A pipe reports EPOLLERR once its reader has gone, even while we have
  // nothing to write: `egresswatch | head -1` ends without waiting for traffic.
  loop.try_add(sink.fd(), 0, [&loop](uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) loop.stop();
  });
  if (duration_seconds > 0) {
    duration_timer_ = make_timer(duration_seconds, false);
    loop.add(duration_timer_.get(), EPOLLIN, [&loop](uint32_t) { loop.stop(); });
  }
  if (stats_interval_seconds > 0) {
    stats_timer_ = make_timer(stats_interval_seconds, true);
    loop.add(stats_timer_.get(), EPOLLIN, [this](uint32_t) {
      read_timer(stats_timer_.get());
      write_stats_();
    });
  }
}

}  // namespace ew
