// Time for the benchmark's traffic sources (udpgen, inject): they send in
// batches and sleep until the next batch is due, on CLOCK_MONOTONIC.
#pragma once

#include <time.h>

#include <cerrno>
#include <cstdint>

namespace ew::bench {

inline int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

inline void sleep_until(int64_t deadline_ns) {
  timespec ts{static_cast<time_t>(deadline_ns / 1'000'000'000),
              static_cast<long>(deadline_ns % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace ew::bench
