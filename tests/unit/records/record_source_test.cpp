#include "records/record_source.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace ew {
namespace {

std::vector<uint8_t> bytes_of(const ew_record& record) {
  std::vector<uint8_t> bytes(sizeof(record));
  std::memcpy(bytes.data(), &record, sizeof(record));
  return bytes;
}

ew_record sample() {
  ew_record r;
  std::memset(&r, 0, sizeof(r));
  r.ts_ns = 0x0102030405060708;
  r.ifindex = 7;
  r.len = 1514;
  r.kind = EW_RECORD_PACKET;
  r.family = 6;
  r.proto = 17;
  r.flags = EW_FLAG_PORTS;
  r.sport = 40000;
  r.dport = 53;
  r.vlan = 100;
  for (uint8_t i = 0; i < 16; i++) {
    r.src[i] = i;
    r.dst[i] = static_cast<uint8_t>(0xf0 | i);
  }
  return r;
}

TEST(DecodeRecord, RightSizeDecodes) {
  const ew_record in = sample();
  const auto bytes = bytes_of(in);
  ew_record out;
  std::memset(&out, 0xaa, sizeof(out));
  ASSERT_TRUE(decode_record(bytes, out));
  EXPECT_EQ(std::memcmp(&in, &out, sizeof(in)), 0);
  EXPECT_EQ(out.ts_ns, 0x0102030405060708u);
  EXPECT_EQ(out.ifindex, 7u);
  EXPECT_EQ(out.len, 1514u);
  EXPECT_EQ(out.family, 6);
  EXPECT_EQ(out.sport, 40000);
  EXPECT_EQ(out.dport, 53);
  EXPECT_EQ(out.vlan, 100);
  EXPECT_EQ(out.dst[15], 0xff);
}

TEST(DecodeRecord, RecordIsSixtyFourBytes) {
  EXPECT_EQ(sizeof(ew_record), 64u);
}

TEST(DecodeRecord, WrongSizeIsRejectedAndLeavesTheOutputAlone) {
  const auto full = bytes_of(sample());
  std::vector<uint8_t> longer = full;
  longer.push_back(0);
  for (size_t size : {size_t{0}, size_t{1}, sizeof(ew_record) - 1, sizeof(ew_record) + 1}) {
    SCOPED_TRACE(size);
    std::vector<uint8_t> bytes(size, 0x55);
    ew_record out;
    std::memset(&out, 0xaa, sizeof(out));
    EXPECT_FALSE(decode_record(bytes, out));
    const auto* raw = reinterpret_cast<const uint8_t*>(&out);
    for (size_t i = 0; i < sizeof(out); i++)
      ASSERT_EQ(raw[i], 0xaa) << "byte " << i << " was written";
  }
  ew_record out;
  EXPECT_FALSE(decode_record(longer, out));
  EXPECT_FALSE(decode_record(std::span<const uint8_t>(), out));
}

}  // namespace
}  // namespace ew
