#include "core/event_loop.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>

#include "core/error.h"

namespace ew {

EventLoop::EventLoop() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {
  if (!epoll_.valid()) throw_last_error("epoll_create1");
}

bool EventLoop::try_add(int fd, uint32_t events, std::function<void(uint32_t)> on_ready) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  handlers_[fd] = std::move(on_ready);
  return true;
}

void EventLoop::add(int fd, uint32_t events, std::function<void(uint32_t)> on_ready) {
  if (!try_add(fd, events, std::move(on_ready))) throw_last_error("epoll_ctl");
}

void EventLoop::run() {
  running_ = true;
  epoll_event events[16];
  while (running_) {
    int n = epoll_wait(epoll_.get(), events, 16, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_last_error("epoll_wait");
    }
    for (int i = 0; i < n && running_; i++) {
      auto it = handlers_.find(events[i].data.fd);
      if (it != handlers_.end()) it->second(events[i].events);
    }
  }
}

SignalFd::SignalFd(std::initializer_list<int> signals) {
  sigset_t mask;
  sigemptyset(&mask);
  for (int sig : signals)
    sigaddset(&mask, sig);
  if (sigprocmask(SIG_BLOCK, &mask, nullptr) != 0) throw_last_error("sigprocmask");
  fd_ = UniqueFd(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd_.valid()) throw_last_error("signalfd");
}

int SignalFd::read_signal() {
  signalfd_siginfo info{};
  ssize_t n = read(fd_.get(), &info, sizeof(info));
  return n == sizeof(info) ? static_cast<int>(info.ssi_signo) : 0;
}

UniqueFd make_timer(double seconds, bool periodic) {
  UniqueFd fd(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!fd.valid()) throw_last_error("timerfd_create");
  itimerspec spec{};
  double whole;
  double frac = std::modf(seconds, &whole);
  spec.it_value.tv_sec = static_cast<time_t>(whole);
  spec.it_value.tv_nsec = static_cast<long>(frac * 1e9);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;
  if (periodic) spec.it_interval = spec.it_value;
  if (timerfd_settime(fd.get(), 0, &spec, nullptr) != 0) throw_last_error("timerfd_settime");
  return fd;
}

void read_timer(int timer_fd) {
  uint64_t expirations;
  [[maybe_unused]] ssize_t n = read(timer_fd, &expirations, sizeof(expirations));
}

}  // namespace ew
