#include "wall_clock.h"

#include <time.h>

#include <cstdio>
#include <ctime>

namespace ew {
namespace {

int64_t read_clock(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

void WallClock::resync() {
  // Bracket the realtime read between two monotonic reads to halve the error.
  int64_t before = read_clock(CLOCK_MONOTONIC);
  int64_t real = read_clock(CLOCK_REALTIME);
  int64_t after = read_clock(CLOCK_MONOTONIC);
  offset_ns_ = real - (before + (after - before) / 2);
}

uint64_t WallClock::monotonic_ns() {
  return static_cast<uint64_t>(read_clock(CLOCK_MONOTONIC));
}

int64_t WallClock::now_ns() {
  return read_clock(CLOCK_REALTIME);
}

void Rfc3339Formatter::format(int64_t wall_ns, std::string& out) {
  int64_t second = wall_ns / 1'000'000'000;
  int64_t nanos = wall_ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    second -= 1;
  }
  if (second != cached_second_) {
    time_t t = static_cast<time_t>(second);
    tm utc{};
    gmtime_r(&t, &utc);
    std::strftime(cached_prefix_, sizeof(cached_prefix_), "%Y-%m-%dT%H:%M:%S", &utc);
    cached_second_ = second;
  }
  char buf[48];
  int n =
      std::snprintf(buf, sizeof(buf), "%s.%09lldZ", cached_prefix_, static_cast<long long>(nanos));
  out.assign(buf, static_cast<size_t>(n));
}

}  // namespace ew
