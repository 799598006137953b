#include <net/if.h>

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "net/interface.h"
#include "records/record_writer.h"

namespace ew {
namespace {

// An index no interface has: ifindex is a positive int, and no test host
// has two billion interfaces.
constexpr uint32_t kNoSuchIndex = 2'000'000'000;

TEST(InterfaceNames, NamesGivenAtConstructionWin) {
  // Index 1 is the loopback device in every network namespace, but the name
  // we were given is what lines show.
  InterfaceNames names({{"veth-test", 1}, {"eth9", 42}});
  EXPECT_EQ(names(1), "veth-test");
  EXPECT_EQ(names(42), "eth9");
}

TEST(InterfaceNames, UnknownIndexFallsBackToTheKernelName) {
  char kernel[IF_NAMESIZE] = {};
  ASSERT_NE(if_indextoname(1, kernel), nullptr) << "no interface with index 1";
  ASSERT_STREQ(kernel, "lo");
  InterfaceNames names({});
  EXPECT_EQ(names(1), "lo");
  EXPECT_EQ(names(1), "lo");  // and again, from the cache
}

TEST(InterfaceNames, IndexThatDoesNotExistIsShownAsItsNumber) {
  char kernel[IF_NAMESIZE] = {};
  ASSERT_EQ(if_indextoname(kNoSuchIndex, kernel), nullptr);
  InterfaceNames names({{"eth0", 2}});
  EXPECT_EQ(names(kNoSuchIndex), "2000000000");
  EXPECT_EQ(names(0), "0");
}

TEST(InterfaceNames, ReturnedNamesStayValidAsMoreAreAdded) {
  InterfaceNames names({{"given", 7}});
  std::string_view given = names(7);
  std::string_view lo = names(1);
  std::string_view number = names(kNoSuchIndex);
  for (uint32_t i = 0; i < 2000; i++)
    names(kNoSuchIndex + 1 + i);  // enough new entries to rehash
  EXPECT_EQ(given, "given");
  EXPECT_EQ(lo, "lo");
  EXPECT_EQ(number, "2000000000");
  EXPECT_EQ(names(kNoSuchIndex + 1999), "2000001999");
}

}  // namespace
}  // namespace ew
