// FlowTracker::key_of builds the kernel's ew_flow_key as bytes, words at a
// time: it must give exactly what the struct filled field by field gives, or
// lookups and deletes of the kernel's entries would miss.
#include <gtest/gtest.h>

#include <cstring>

#include "records/flow_tracker.h"

namespace ew {
namespace {

ew_record record_with(uint8_t flags) {
  ew_record r;
  std::memset(&r, 0, sizeof(r));
  r.ts_ns = 99;
  r.ifindex = 0x01020304;
  r.len = 1500;
  r.kind = EW_RECORD_FLOW_NEW;
  r.family = 6;
  r.proto = 6;
  r.flags = flags;
  r.sport = 0xa1b2;
  r.dport = 0xc3d4;
  r.icmp_type = 8;
  r.vlan = 0x0e0f;
  r.vlan_inner = 0x0a0b;
  r.tcp_flags = 0x12;
  r.initiator = 1;
  for (uint8_t i = 0; i < 16; i++) {
    r.src[i] = static_cast<uint8_t>(0x10 + i);
    r.dst[i] = static_cast<uint8_t>(0xe0 + i);
  }
  return r;
}

ew_flow_key expected_key(const ew_record& r) {
  ew_flow_key key;
  std::memset(&key, 0, sizeof(key));
  key.ifindex = r.ifindex;
  key.family = r.family;
  key.proto = r.proto;
  key.vlan = r.vlan;
  key.vlan_inner = r.vlan_inner;
  if (r.flags & EW_FLAG_PORTS) {
    key.sport = r.sport;
    key.dport = r.dport;
  }
  key.vlan_flags = r.flags & (EW_FLAG_VLAN | EW_FLAG_VLAN_INNER);
  std::memcpy(key.src, r.src, 16);
  std::memcpy(key.dst, r.dst, 16);
  return key;
}

TEST(FlowKey, IsTheKernelsKeyForEveryFlagCombination) {
  // Every bit of the flags byte on and off: only ports and the two VLAN
  // bits may reach the key, each where the struct has it.
  for (unsigned flags = 0; flags < 256; flags++) {
    const ew_record r = record_with(static_cast<uint8_t>(flags));
    const ew_flow_key want = expected_key(r);
    const FlowTracker::Key got = FlowTracker::key_of(r);
    ASSERT_EQ(std::memcmp(got.data(), &want, sizeof(want)), 0) << "flags " << flags;
  }
}

}  // namespace
}  // namespace ew
