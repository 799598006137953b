// The flow tracker's table against std::unordered_map: random inserts,
// lookups and erases (most of them within few slots, so the probe runs and
// the backward shifts of deletion are exercised), through several doublings.
#include "records/conversation_table.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
#include <vector>

namespace ew {
namespace {

struct Value {
  uint64_t id;
  uint64_t other;
};

ConversationKey key_for(uint32_t n) {
  ConversationKey key{};
  // Keys alike but for a few bytes, as conversations on one host are.
  key[0] = 7;
  key[10] = static_cast<uint8_t>(n >> 8);
  key[11] = static_cast<uint8_t>(n);
  key[47] = static_cast<uint8_t>(n >> 16);
  return key;
}

TEST(ConversationTable, BehavesLikeAMap) {
  ConversationTable<Value> table;
  std::unordered_map<uint32_t, uint64_t> reference;
  std::mt19937 random(12345);
  for (int step = 0; step < 200000; step++) {
    const auto n = static_cast<uint32_t>(random() % 5000);
    const ConversationKey key = key_for(n);
    switch (random() % 3) {
      case 0:
        if (!reference.count(n)) {
          table.insert(key, {static_cast<uint64_t>(step), n});
          reference[n] = static_cast<uint64_t>(step);
        }
        break;
      case 1:
        EXPECT_EQ(table.erase(key), reference.erase(n) == 1) << "step " << step;
        break;
      default: {
        Value* found = table.find(key);
        auto it = reference.find(n);
        ASSERT_EQ(found != nullptr, it != reference.end()) << "step " << step;
        if (found) {
          EXPECT_EQ(found->id, it->second);
        }
      }
    }
    ASSERT_EQ(table.size(), reference.size());
  }
  // Every entry once, with its own value.
  size_t seen = 0;
  table.for_each([&](const ConversationKey& key, Value& value) {
    const uint32_t n = static_cast<uint32_t>(value.other);
    EXPECT_EQ(key, key_for(n));
    EXPECT_EQ(reference.at(n), value.id);
    seen++;
  });
  EXPECT_EQ(seen, reference.size());
}

TEST(ConversationTable, GrowsPastItsExpectedSizeAndEmpties) {
  ConversationTable<Value> table(16);
  for (uint32_t n = 0; n < 100000; n++)
    table.insert(key_for(n), {n, n});
  EXPECT_EQ(table.size(), 100000u);
  for (uint32_t n = 0; n < 100000; n += 7)
    ASSERT_EQ(table.find(key_for(n))->id, n);
  for (uint32_t n = 0; n < 100000; n++)
    ASSERT_TRUE(table.erase(key_for(n)));
  EXPECT_TRUE(table.empty());
  EXPECT_EQ(table.find(key_for(3)), nullptr);
  table.insert(key_for(3), {3, 3});
  table.clear();
  EXPECT_EQ(table.find(key_for(3)), nullptr);
}

}  // namespace
}  // namespace ew
