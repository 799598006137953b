#include <gtest/gtest.h>

#include "bridge/mac_table.h"

namespace ew::bridge {
namespace {

constexpr uint64_t kSecond = 1'000'000'000;
const MacAddress kHost1{0x02, 0, 0, 0, 0, 1};
const MacAddress kHost2{0x02, 0, 0, 0, 0, 2};

TEST(MacTable, UnknownAddressHasNoPort) {
  MacTable table(64, 300 * kSecond);
  EXPECT_EQ(table.lookup(kHost1.data(), 0), MacTable::kNoPort);
  EXPECT_EQ(table.size(0), 0u);
}

TEST(MacTable, LearnsAndMovesBetweenPorts) {
  MacTable table(64, 300 * kSecond);
  table.learn(kHost1.data(), 0, kSecond);
  table.learn(kHost2.data(), 1, kSecond);
  EXPECT_EQ(table.lookup(kHost1.data(), 2 * kSecond), 0);
  EXPECT_EQ(table.lookup(kHost2.data(), 2 * kSecond), 1);
  // A host that moves to the other side is found there from its next frame.
  table.learn(kHost1.data(), 1, 3 * kSecond);
  EXPECT_EQ(table.lookup(kHost1.data(), 3 * kSecond), 1);
  EXPECT_EQ(table.size(3 * kSecond), 2u);
}

TEST(MacTable, EntriesAgeOut) {
  MacTable table(64, 10 * kSecond);
  table.learn(kHost1.data(), 0, 0);
  EXPECT_EQ(table.lookup(kHost1.data(), 10 * kSecond), 0);
  EXPECT_EQ(table.lookup(kHost1.data(), 10 * kSecond + 1), MacTable::kNoPort);
  EXPECT_EQ(table.size(11 * kSecond), 0u);
  // Seen again: known again.
  table.learn(kHost1.data(), 1, 12 * kSecond);
  EXPECT_EQ(table.lookup(kHost1.data(), 12 * kSecond), 1);
}

TEST(MacTable, FloodOfSourcesStaysBoundedAndKeepsRecentOnes) {
  MacTable table(256, 300 * kSecond);
  MacAddress mac{0x02, 0, 0, 0, 0, 0};
  for (uint32_t i = 0; i < 100'000; i++) {
    mac[3] = static_cast<uint8_t>(i >> 16);
    mac[4] = static_cast<uint8_t>(i >> 8);
    mac[5] = static_cast<uint8_t>(i);
    table.learn(mac.data(), static_cast<int>(i & 1), i);
  }
  EXPECT_LE(table.size(100'000), 256u);
  // The last address learned is always found.
  EXPECT_EQ(table.lookup(mac.data(), 100'000), 1);
}

TEST(MacTable, AllZeroAddressIsAnOrdinaryKey) {
  MacTable table(16, 300 * kSecond);
  const MacAddress zero{};
  table.learn(zero.data(), 1, 0);
  EXPECT_EQ(table.lookup(zero.data(), 0), 1);
  EXPECT_EQ(table.lookup(kHost1.data(), 0), MacTable::kNoPort);
}

}  // namespace
}  // namespace ew::bridge
