#include "classifier/ring_size.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ew {
namespace {

using ::testing::HasSubstr;

TEST(RingSize, APowerOfTwoOfAtLeastAPageOf4KiB) {
  for (uint64_t ok : {4096ull, 8192ull, 1ull << 20, 1ull << 31}) {
    EXPECT_EQ(ring_size_problem(ok, 4096), "") << ok;
  }
  for (uint64_t bad : {0ull, 1ull, 2048ull, 4095ull, 5000ull, 12288ull}) {
    EXPECT_NE(ring_size_problem(bad, 4096), "") << bad;
  }
}

// A Raspberry Pi 5's kernel: 16 KiB pages, where a 4096-byte ring fails.
TEST(RingSize, SixteenKiBPagesRefuseSmallerRings) {
  EXPECT_THAT(ring_size_problem(4096, 16384), HasSubstr("page size (16384 bytes here)"));
  EXPECT_NE(ring_size_problem(8192, 16384), "");
  EXPECT_EQ(ring_size_problem(16384, 16384), "");
  EXPECT_EQ(ring_size_problem(4u << 20, 16384), "") << "the default fits 16 KiB pages";
  EXPECT_EQ(ring_size_problem(4u << 20, 65536), "") << "and 64 KiB ones";
}

TEST(RingSize, TheKernelsPageSizeIsAPowerOfTwo) {
  const uint64_t page = kernel_page_size();
  EXPECT_GE(page, 4096u);
  EXPECT_EQ(page & (page - 1), 0u);
}

}  // namespace
}  // namespace ew
