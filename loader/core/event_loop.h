// The one epoll loop of a session: the record source, a signalfd and timers.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>

#include "core/unique_fd.h"

namespace ew {

class EventLoop {
 public:
  EventLoop();

  // on_ready gets the epoll events. Throws ew::Error.
  void add(int fd, uint32_t events, std::function<void(uint32_t)> on_ready);
  // Like add, but quietly does nothing for fds epoll cannot watch (regular
  // files): returns whether the fd is watched.
  bool try_add(int fd, uint32_t events, std::function<void(uint32_t)> on_ready);

  void run();  // until stop()
  void stop() { running_ = false; }

 private:
  UniqueFd epoll_;
  std::map<int, std::function<void(uint32_t)>> handlers_;
  bool running_ = false;
};

// Blocks the given signals and delivers them through a signalfd instead, so
// they are handled inside the loop and never interrupt a half-done step.
class SignalFd {
 public:
  explicit SignalFd(std::initializer_list<int> signals);
  int fd() const { return fd_.get(); }
  // The next pending signal number, or 0.
  int read_signal();

 private:
  UniqueFd fd_;
};

// A CLOCK_MONOTONIC timerfd firing after `seconds`, then every `seconds`
// when periodic.
UniqueFd make_timer(double seconds, bool periodic);
// Acknowledges a timer expiry.
void read_timer(int timer_fd);

}  // namespace ew
