#include "core/wall_clock.h"

#include <time.h>

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
  // Digits by hand: snprintf was a tenth of a packet record's cost.
  char frac[11];
  frac[0] = '.';
  for (int i = 9; i >= 1; i--) {
    frac[i] = static_cast<char>('0' + nanos % 10);
    nanos /= 10;
  }
  frac[10] = 'Z';
  out.assign(cached_prefix_);
  out.append(frac, sizeof(frac));
}

}  // namespace ew
