#include "bridge/mac_table.h"

namespace ew::bridge {
namespace {

size_t round_up_to_power_of_two(size_t n) {
  size_t p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

}  // namespace

MacTable::MacTable(size_t capacity, uint64_t ageing_ns)
    : entries_(round_up_to_power_of_two(capacity < kProbeLimit ? kProbeLimit : capacity)),
      mask_(entries_.size() - 1),
      ageing_ns_(ageing_ns) {}

uint64_t MacTable::key_of(const uint8_t* mac) {
  uint64_t key = 0;
  for (int i = 0; i < 6; i++)
    key = (key << 8) | mac[i];
  // 00:00:00:00:00:00 is not a valid source; keep 0 free as "empty".
  return key ? key : uint64_t{1} << 48;
}

size_t MacTable::slot_of(uint64_t key) const {
  // Fibonacci hashing: vendor prefixes make the high bits alike, so mix all.
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
}

void MacTable::learn(const uint8_t* mac, int port, uint64_t now_ns) {
  const uint64_t key = key_of(mac);
  size_t victim = slot_of(key);
  for (size_t i = 0; i < kProbeLimit; i++) {
    Entry& e = entries_[(slot_of(key) + i) & mask_];
    if (e.key == key || e.key == 0) {
      e = Entry{key, now_ns, port};
      return;
    }
    if (e.seen_ns < entries_[victim].seen_ns) victim = (slot_of(key) + i) & mask_;
  }
  entries_[victim] = Entry{key, now_ns, port};
}

int MacTable::lookup(const uint8_t* mac, uint64_t now_ns) const {
  const uint64_t key = key_of(mac);
  for (size_t i = 0; i < kProbeLimit; i++) {
    const Entry& e = entries_[(slot_of(key) + i) & mask_];
    if (e.key == key) return now_ns - e.seen_ns <= ageing_ns_ ? e.port : kNoPort;
    if (e.key == 0) return kNoPort;
  }
  return kNoPort;
}

size_t MacTable::size(uint64_t now_ns) const {
  size_t n = 0;
  for (const Entry& e : entries_) {
    if (e.key != 0 && now_ns - e.seen_ns <= ageing_ns_) n++;
  }
  return n;
}

}  // namespace ew::bridge
