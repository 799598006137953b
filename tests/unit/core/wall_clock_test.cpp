#include "core/wall_clock.h"

#include <time.h>

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace ew {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

std::string format(int64_t wall_ns) {
  Rfc3339Formatter formatter;
  std::string out;
  formatter.format(wall_ns, out);
  return out;
}

TEST(Rfc3339Formatter, Epoch) {
  EXPECT_EQ(format(0), "1970-01-01T00:00:00.000000000Z");
}

TEST(Rfc3339Formatter, NanosecondsAreZeroPaddedToNineDigits) {
  EXPECT_EQ(format(5), "1970-01-01T00:00:00.000000005Z");
  EXPECT_EQ(format(999'999'999), "1970-01-01T00:00:00.999999999Z");
  EXPECT_EQ(format(kSecond + 1000), "1970-01-01T00:00:01.000001000Z");
}

TEST(Rfc3339Formatter, KnownDates) {
  EXPECT_EQ(format(1'700'000'000 * kSecond + 123'456'789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(format(951'782'400 * kSecond), "2000-02-29T00:00:00.000000000Z");  // a leap day
  EXPECT_EQ(format(1'483'228'799 * kSecond), "2016-12-31T23:59:59.000000000Z");
  EXPECT_EQ(format(4'102'444'800 * kSecond), "2100-01-01T00:00:00.000000000Z");
}

TEST(Rfc3339Formatter, BeforeTheEpoch) {
  EXPECT_EQ(format(-1), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format(-kSecond), "1969-12-31T23:59:59.000000000Z");
}

TEST(Rfc3339Formatter, IsThirtyCharacters) {
  EXPECT_EQ(format(1'700'000'000 * kSecond).size(), 30u);
}

TEST(Rfc3339Formatter, ReplacesTheOutput) {
  Rfc3339Formatter formatter;
  std::string out = "something much longer than a timestamp, left from before";
  formatter.format(0, out);
  EXPECT_EQ(out, "1970-01-01T00:00:00.000000000Z");
}

// The formatter caches the date of the last second: a new second must show.
TEST(Rfc3339Formatter, CrossingASecondUsesTheNewSecond) {
  Rfc3339Formatter formatter;
  std::string out;
  const int64_t base = 1'700'000'000 * kSecond;
  formatter.format(base + 999'999'999, out);
  EXPECT_EQ(out, "2023-11-14T22:13:20.999999999Z");
  formatter.format(base + kSecond, out);
  EXPECT_EQ(out, "2023-11-14T22:13:21.000000000Z");
  formatter.format(base + kSecond + 5, out);
  EXPECT_EQ(out, "2023-11-14T22:13:21.000000005Z");
  // Out of order (records from another CPU) and across a day.
  formatter.format(base, out);
  EXPECT_EQ(out, "2023-11-14T22:13:20.000000000Z");
  formatter.format(base + 2 * 3600 * kSecond, out);
  EXPECT_EQ(out, "2023-11-15T00:13:20.000000000Z");
}

TEST(Rfc3339Formatter, CachedSecondAcrossTheEpoch) {
  Rfc3339Formatter formatter;
  std::string out;
  formatter.format(-1, out);
  EXPECT_EQ(out, "1969-12-31T23:59:59.999999999Z");
  formatter.format(0, out);
  EXPECT_EQ(out, "1970-01-01T00:00:00.000000000Z");
  formatter.format(-kSecond + 1, out);
  EXPECT_EQ(out, "1969-12-31T23:59:59.000000001Z");
}

int64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec;
}

TEST(WallClock, ToWallNsMapsMonotonicNowToRealtimeNow) {
  WallClock clock;
  const int64_t mono = monotonic_now_ns();
  const int64_t wall = clock.to_wall_ns(static_cast<uint64_t>(mono));
  const int64_t real = WallClock::now_ns();
  // Generous: a loaded CI machine, but far below any plausible offset error.
  EXPECT_LT(std::llabs(real - wall), 2 * kSecond) << "wall " << wall << " real " << real;
  // Realtime is after 2020 on any machine running this.
  EXPECT_GT(wall, 1'577'836'800 * kSecond);
}

TEST(WallClock, OffsetIsLinear) {
  WallClock clock;
  const int64_t a = clock.to_wall_ns(1'000);
  const int64_t b = clock.to_wall_ns(1'000 + 5 * kSecond);
  EXPECT_EQ(b - a, 5 * kSecond);
}

// A corrupt record's time (the fuzzer's: 8.3e18 ns) overflowed the offset
// addition (undefined behaviour; in practice a date before 1970).
TEST(WallClock, HugeMonotonicTimesSaturate) {
  WallClock clock;
  EXPECT_EQ(clock.to_wall_ns(8'315'180'351'700'729'855u), INT64_MAX);
  EXPECT_EQ(clock.to_wall_ns(uint64_t{INT64_MAX}), INT64_MAX);
  EXPECT_EQ(clock.to_wall_ns(UINT64_MAX), INT64_MAX);
  EXPECT_EQ(format(INT64_MAX), "2262-04-11T23:47:16.854775807Z");
}

TEST(WallClock, ResyncKeepsASaneOffset) {
  WallClock clock;
  const int64_t before = clock.to_wall_ns(0);
  clock.resync();
  const int64_t after = clock.to_wall_ns(0);
  // Without a clock step in between, resyncing moves the offset by little.
  EXPECT_LT(std::llabs(after - before), kSecond / 10);
}

TEST(WallClock, NowIsRealtime) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  const int64_t real = static_cast<int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec;
  EXPECT_LT(std::llabs(WallClock::now_ns() - real), 2 * kSecond);
}

// One formatter, times in different seconds and days in turn (a
// conversation's line mixes them), before 1970 too: each as gmtime says.
TEST(Rfc3339Formatter, TimesInTurnFromManyDaysAgreeWithGmtime) {
  Rfc3339Formatter formatter;
  std::mt19937_64 random(7);
  std::string out;
  for (int i = 0; i < 2000; i++) {
    const int64_t second = static_cast<int64_t>(random() % 4'000'000'000ull) - 100'000'000;
    const int64_t nanos = static_cast<int64_t>(random() % 1'000'000'000ull);
    formatter.format(second * kSecond + nanos, out);
    time_t t = static_cast<time_t>(second);
    tm utc{};
    gmtime_r(&t, &utc);
    char want[40];
    std::strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &utc);
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%09lldZ", static_cast<long long>(nanos));
    ASSERT_EQ(out, std::string(want) + frac) << "second " << second;
  }
}

}  // namespace
}  // namespace ew
