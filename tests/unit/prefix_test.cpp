#include "prefix.h"

#include <gtest/gtest.h>

#include "error.h"

namespace ew {
namespace {

TEST(PrefixParse, AcceptsIpv4Cidr) {
  Prefix p = Prefix::parse("192.0.2.0/24");
  EXPECT_EQ(p.family, 4);
  EXPECT_EQ(p.length, 24);
  EXPECT_EQ(p.to_string(), "192.0.2.0/24");
}

}  // namespace
}  // namespace ew
