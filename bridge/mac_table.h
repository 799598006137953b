// Which side of the bridge each source MAC address was last seen on, so a
// frame for a host on the side it came from is not forwarded. Fixed size
// (open addressing, linear probing): no allocation per frame, and a flood of
// forged source addresses cannot grow it; when it is full the oldest entry
// in the probe window is replaced.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ew::bridge {

using MacAddress = std::array<uint8_t, 6>;

// Group (multicast and broadcast) addresses have the low bit of the first
// octet set; they are never learned and always flooded.
inline bool is_group_address(const uint8_t* mac) {
  return (mac[0] & 1) != 0;
}

class MacTable {
 public:
  static constexpr int kNoPort = -1;

  // capacity is rounded up to a power of two; entries older than ageing_ns
  // are forgotten.
  MacTable(size_t capacity, uint64_t ageing_ns);

  // Records that `mac` was seen as a source on `port` at now_ns.
  void learn(const uint8_t* mac, int port, uint64_t now_ns);
  // The port `mac` was last seen on, or kNoPort when unknown or aged out.
  int lookup(const uint8_t* mac, uint64_t now_ns) const;
  // Entries that have not aged out.
  size_t size(uint64_t now_ns) const;

 private:
  struct Entry {
    uint64_t key = 0;  // the address in the low 48 bits; 0 marks an empty slot
    uint64_t seen_ns = 0;
    int port = kNoPort;
  };
  // Probe at most this many slots: lookups stay cheap when the table is full.
  static constexpr size_t kProbeLimit = 8;

  static uint64_t key_of(const uint8_t* mac);
  size_t slot_of(uint64_t key) const;

  std::vector<Entry> entries_;
  size_t mask_;
  uint64_t ageing_ns_;
};

}  // namespace ew::bridge
