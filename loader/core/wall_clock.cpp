#include "core/wall_clock.h"

#include <time.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

namespace ew {
namespace {

int64_t read_clock(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// "000" to "999", and one byte more so that any entry can be copied 4 bytes
// at a time; "00" to "99" are the last two of each of the first hundred.
constexpr auto kThreeDigits = [] {
  std::array<char, 3001> digits{};
  for (int i = 0; i < 1000; i++) {
    digits[3 * i] = static_cast<char>('0' + i / 100);
    digits[3 * i + 1] = static_cast<char>('0' + i / 10 % 10);
    digits[3 * i + 2] = static_cast<char>('0' + i % 10);
  }
  return digits;
}();

// Whole seconds and the nanoseconds past them, rounding down (before the
// epoch too), as gmtime_r and localtime_r want the seconds.
std::pair<int64_t, int64_t> split_seconds(int64_t wall_ns) {
  int64_t second = wall_ns / 1'000'000'000;
  int64_t nanos = wall_ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    second -= 1;
  }
  return {second, nanos};
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
  char text[kMaxSize + 8];
  out.assign(text, static_cast<size_t>(write(wall_ns, text) - text));
}

char* Rfc3339Formatter::write(int64_t wall_ns, char* out) {
  const auto [second, nanos_of_second] = split_seconds(wall_ns);
  const auto nanos = static_cast<uint32_t>(nanos_of_second);
  constexpr int64_t kDay = 86400;
  int64_t day = second / kDay;
  int64_t of_day = second % kDay;
  if (of_day < 0) {
    of_day += kDay;
    day -= 1;
  }
  if (day != cached_day_) {
    time_t t = static_cast<time_t>(day * kDay);
    tm utc{};
    gmtime_r(&t, &utc);
    cached_date_size_ = std::strftime(cached_date_, sizeof(cached_date_), "%Y-%m-%dT", &utc);
    cached_day_ = day;
  }
  // Digits by hand: snprintf was a tenth of a packet record's cost. Three
  // at a time from a table, each group computed on its own: a digit at a
  // time was one chain of nine divisions, a third of an end line's cost.
  char rest[20];  // "HH:MM:SS.nnnnnnnnnZ" (19), and room for a 4-byte copy's last byte
  const auto of_day32 = static_cast<uint32_t>(of_day);
  auto two = [&](int at, uint32_t value) {
    std::memcpy(rest + at, &kThreeDigits[3 * value + 1], 2);
  };
  auto three = [&](int at, uint32_t value) { std::memcpy(rest + at, &kThreeDigits[3 * value], 4); };
  two(0, of_day32 / 3600);
  rest[2] = ':';
  two(3, of_day32 / 60 % 60);
  rest[5] = ':';
  two(6, of_day32 % 60);
  rest[8] = '.';
  three(9, nanos / 1'000'000);
  three(12, nanos / 1'000 % 1'000);
  three(15, nanos % 1'000);
  rest[18] = 'Z';
  constexpr size_t kRest = 19;
  std::memcpy(out, cached_date_, cached_date_size_);
  std::memcpy(out + cached_date_size_, rest, kRest);
  return out + cached_date_size_ + kRest;
}

void LocalTimeFormatter::format(int64_t wall_ns, std::string& out) {
  const auto [second, nanos_of_second] = split_seconds(wall_ns);
  int64_t nanos = nanos_of_second;
  if (second != cached_second_) {
    time_t t = static_cast<time_t>(second);
    tm local{};
    localtime_r(&t, &local);
    std::strftime(cached_date_, sizeof(cached_date_), "%Y-%m-%d %H:%M:%S", &local);
    // tm_gmtoff rather than %z: RFC 3339 writes the offset with a colon.
    const long offset_minutes = local.tm_gmtoff / 60;
    const long minutes = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(cached_zone_, sizeof(cached_zone_), "%c%02ld:%02ld",
                  offset_minutes < 0 ? '-' : '+', minutes / 60 % 100, minutes % 60);
    cached_second_ = second;
  }
  char millis[4] = {'.', 0, 0, 0};
  const int64_t ms = nanos / 1'000'000;
  millis[1] = static_cast<char>('0' + ms / 100);
  millis[2] = static_cast<char>('0' + ms / 10 % 10);
  millis[3] = static_cast<char>('0' + ms % 10);
  out.assign(cached_date_);
  out.append(millis, sizeof(millis));
  out.append(cached_zone_);
}

}  // namespace ew
