#include "records/loss_monitor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

namespace ew {
namespace {

Counters counters(uint64_t lost, uint64_t sampled_out, uint64_t rate_limited) {
  Counters c;
  c.seen = 1000 + lost;  // moves on every call, and must not matter
  c.matched = 500;
  c.lost = lost;
  c.sampled_out = sampled_out;
  c.rate_limited = rate_limited;
  c.unparsed = 9;
  c.non_ip = 9;
  c.flows_created = 9;
  return c;
}

void expect_counts(const LossCounts& actual, uint64_t ring_full, uint64_t evicted, uint64_t sampled,
                   uint64_t rate_limited) {
  EXPECT_EQ(actual.ring_full, ring_full);
  EXPECT_EQ(actual.evicted, evicted);
  EXPECT_EQ(actual.sampled, sampled);
  EXPECT_EQ(actual.rate_limited, rate_limited);
}

TEST(LossMonitor, NothingLostGivesNoLine) {
  LossMonitor monitor;
  EXPECT_EQ(monitor.check(Counters{}, 0, 1), std::nullopt);
  EXPECT_EQ(monitor.check(counters(0, 0, 0), 0, 2), std::nullopt);
  expect_counts(monitor.total(), 0, 0, 0, 0);
}

TEST(LossMonitor, OtherCountersAreNotLosses) {
  LossMonitor monitor;
  Counters c;
  c.seen = 10;
  c.matched = 10;
  c.unparsed = 3;
  c.non_ip = 4;
  c.flows_created = 5;
  EXPECT_EQ(monitor.check(c, 0, 1), std::nullopt);
}

TEST(LossMonitor, EachReasonOnItsOwn) {
  {
    LossMonitor monitor;
    auto line = monitor.check(counters(1, 0, 0), 0, 1);
    ASSERT_TRUE(line);
    expect_counts(line->since_last, 1, 0, 0, 0);
  }
  {
    LossMonitor monitor;
    auto line = monitor.check(counters(0, 0, 0), 1, 1);
    ASSERT_TRUE(line);
    expect_counts(line->since_last, 0, 1, 0, 0);
  }
  {
    LossMonitor monitor;
    auto line = monitor.check(counters(0, 1, 0), 0, 1);
    ASSERT_TRUE(line);
    expect_counts(line->since_last, 0, 0, 1, 0);
  }
  {
    LossMonitor monitor;
    auto line = monitor.check(counters(0, 0, 1), 0, 1);
    ASSERT_TRUE(line);
    expect_counts(line->since_last, 0, 0, 0, 1);
  }
}

TEST(LossMonitor, DeltasSinceTheLastCallAndTotals) {
  LossMonitor monitor;
  auto first = monitor.check(counters(3, 0, 0), 0, 100);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->wall_ns, 100);
  expect_counts(first->since_last, 3, 0, 0, 0);
  expect_counts(first->total, 3, 0, 0, 0);

  // Nothing new: no line, even though the totals are not zero.
  EXPECT_EQ(monitor.check(counters(3, 0, 0), 0, 200), std::nullopt);

  auto second = monitor.check(counters(3, 100, 0), 2, 300);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->wall_ns, 300);
  expect_counts(second->since_last, 0, 2, 100, 0);
  expect_counts(second->total, 3, 2, 100, 0);

  auto third = monitor.check(counters(4, 150, 7), 2, 400);
  ASSERT_TRUE(third);
  expect_counts(third->since_last, 1, 0, 50, 7);
  expect_counts(third->total, 4, 2, 150, 7);
  expect_counts(monitor.total(), 4, 2, 150, 7);

  EXPECT_EQ(monitor.check(counters(4, 150, 7), 2, 500), std::nullopt);
  EXPECT_EQ(monitor.check(counters(4, 150, 7), 2, 600), std::nullopt);
  expect_counts(monitor.total(), 4, 2, 150, 7);
}

TEST(LossMonitor, ManyCallsInARowEachGiveOnlyTheirOwnDelta) {
  LossMonitor monitor;
  uint64_t lost = 0;
  uint64_t evicted = 0;
  for (uint64_t i = 1; i <= 50; i++) {
    SCOPED_TRACE(i);
    lost += i;
    evicted += 2 * i;
    auto line = monitor.check(counters(lost, i * i, 0), evicted, static_cast<int64_t>(i));
    ASSERT_TRUE(line);
    expect_counts(line->since_last, i, 2 * i, i * i - (i - 1) * (i - 1), 0);
    expect_counts(line->total, lost, evicted, i * i, 0);
  }
}

TEST(LossMonitor, CountersThatJumpByMoreThanOne) {
  LossMonitor monitor;
  auto line = monitor.check(counters(1'000'000, 0, 0), 0, 1);
  ASSERT_TRUE(line);
  expect_counts(line->since_last, 1'000'000, 0, 0, 0);
  line = monitor.check(counters(UINT64_MAX, 0, 1ull << 40), 123'456'789, 2);
  ASSERT_TRUE(line);
  expect_counts(line->since_last, UINT64_MAX - 1'000'000, 123'456'789, 0, 1ull << 40);
  expect_counts(line->total, UINT64_MAX, 123'456'789, 0, 1ull << 40);
}

// A monitor made after losses began reports them all at its first check.
TEST(LossMonitor, FirstCheckReportsEverythingSinceStart) {
  LossMonitor monitor;
  auto line = monitor.check(counters(5, 6, 7), 8, 1);
  ASSERT_TRUE(line);
  expect_counts(line->since_last, 5, 8, 6, 7);
  expect_counts(line->total, 5, 8, 6, 7);
}

}  // namespace
}  // namespace ew
