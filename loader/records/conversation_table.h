// The flow tracker's table of conversations, keyed by the kernel's 48-byte
// ew_flow_key: an open-addressing index over a dense array of entries (the
// layout is described at the members), so a lookup costs one or two cache
// misses, a new conversation no allocation, and a scan one pass in order.
//
// Written here rather than taken from a library: std::unordered_map allocates
// a node per conversation and chases a list per lookup (at a million
// conversations, most of flow mode's CPU went there), and abseil's
// flat_hash_map, the packaged alternative, would add abseil's runtime (its
// flat_hash_map links some ten of abseil's shared libraries) to the package's
// dependencies on three architectures and to the emulated guests' root, for
// one table whose keys are all the same fixed size.
//
// The hash is seeded per table from the kernel's random pool: keys are
// chosen by whoever sends packets, and a fixed hash would let them pick keys
// that all probe the same run.
#pragma once

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "records/zeroed_array.h"

namespace ew {

using ConversationKey = std::array<uint8_t, 48>;

template <typename Value>
class ConversationTable {
 public:
  // expected: how many it will usually hold, so that it need not grow on the
  // way there (each doubling copies everything).
  explicit ConversationTable(size_t expected = 0) : seed_(random_seed()) {
    reset(capacity_for(expected));
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  Value* find(const ConversationKey& key) {
    const uint32_t h = hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t m = index_[i];
      if (m == kEmpty) return nullptr;
      if (hash_of(m) == h && entries_[entry_of(m)].key == key) return &entries_[entry_of(m)].value;
    }
  }

  // The key must not be in the table. Invalidates pointers into it.
  Value& insert(const ConversationKey& key, const Value& value) {
    if ((size_ + 1) * kLoadDen > capacity() * kLoadNum) grow();
    Entry& entry = entries_[size_];
    entry.key = key;
    entry.value = value;
    place(hash(key), size_);
    size_++;
    return entry.value;
  }

  // Removes the key if it is there; true if it was. Invalidates pointers.
  bool erase(const ConversationKey& key) {
    const uint32_t h = hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t m = index_[i];
      if (m == kEmpty) return false;
      if (hash_of(m) == h && entries_[entry_of(m)].key == key) {
        const size_t at = entry_of(m);
        unplace(i);
        // The last entry fills the gap, so the entries stay dense.
        const size_t last = size_ - 1;
        if (at != last) {
          entries_[at] = entries_[last];
          repoint(hash(entries_[at].key), last, at);
        }
        entries_[last] = Entry{};
        size_--;
        return true;
      }
    }
  }

  // Calls f(key, value) for every conversation, in one pass over memory in
  // order. f must not change the table.
  template <typename F>
  void for_each(F&& f) {
    for (size_t i = 0; i < size_; i++)
      f(std::as_const(entries_[i].key), entries_[i].value);
  }

  void clear() { reset(kMinCapacity); }

 private:
  // The table is two arrays. entries_ holds the conversations densely, in
  // the order they came (a new one is written where the last one ended, so
  // a burst of new conversations writes memory in order, not at random).
  // index_ is the open-addressing part: per slot, the key's 32-bit hash and
  // its entry's position, 0 when empty; a lookup reads one slot there (one
  // cache miss, the index being 8 bytes a slot) and then its entry.
  struct Entry {
    ConversationKey key;
    Value value;
  };
  static constexpr uint64_t kEmpty = 0;
  static uint32_t hash_of(uint64_t m) { return static_cast<uint32_t>(m >> 32); }
  static size_t entry_of(uint64_t m) { return static_cast<size_t>(m & 0xffffffffu) - 1; }
  static uint64_t slot_value(uint32_t h, size_t entry) {
    return uint64_t{h} << 32 | static_cast<uint64_t>(entry + 1);
  }

  static constexpr size_t kMinCapacity = 64;
  // At most 3/4 of the index full: linear probing's runs stay short below that.
  static constexpr size_t kLoadNum = 3;
  static constexpr size_t kLoadDen = 4;

  static uint64_t random_seed() {
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
      seed =
          reinterpret_cast<uintptr_t>(&seed) ^ 0x2545F4914F6CDD1Dull;  // no pool yet: still varies
    }
    return seed | 1;
  }

  uint32_t hash(const ConversationKey& key) const {
    // Six 64-bit words, each folded in with a multiply that spreads it over
    // the high bits, then a final mix so the low bits (the slot) see them.
    uint64_t h = seed_;
    for (size_t at = 0; at < key.size(); at += 8) {
      uint64_t word;
      std::memcpy(&word, key.data() + at, 8);
      h = std::rotl((h ^ word) * 0x9E3779B97F4A7C15ull, 29);
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return static_cast<uint32_t>(h ^ (h >> 32));
  }

  size_t capacity() const { return index_.size(); }
  static size_t capacity_for(size_t expected) {
    return std::bit_ceil(std::max(kMinCapacity, expected * kLoadDen / kLoadNum + 1));
  }

  void reset(size_t capacity) {
    index_ = ZeroedArray<uint64_t>(capacity, ZeroedArray<uint64_t>::Pages::kHugeNow);
    // Never more entries than 3/4 of the index; pages are touched as used.
    entries_ = ZeroedArray<Entry>(capacity * kLoadNum / kLoadDen + 1);
    mask_ = capacity - 1;
    size_ = 0;
  }

  void place(uint32_t h, size_t entry) {
    size_t i = h & mask_;
    while (index_[i] != kEmpty)
      i = (i + 1) & mask_;
    index_[i] = slot_value(h, entry);
  }

  // The slot of the entry that moved from `from` to `to` follows it.
  void repoint(uint32_t h, size_t from, size_t to) {
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      if (index_[i] == slot_value(h, from)) {
        index_[i] = slot_value(h, to);
        return;
      }
    }
  }

  void grow() {
    ZeroedArray<Entry> old = std::move(entries_);
    const size_t count = size_;
    reset(capacity() * 2);
    for (size_t i = 0; i < count; i++) {
      entries_[i] = old[i];
      place(hash(entries_[i].key), i);
    }
    size_ = count;
  }

  // Backward-shift deletion: the slots after the hole that would probe
  // through it move up, so lookups never need tombstones.
  void unplace(size_t hole) {
    size_t i = hole;
    for (;;) {
      i = (i + 1) & mask_;
      if (index_[i] == kEmpty) break;
      const size_t home = hash_of(index_[i]) & mask_;
      // It stays unless the hole lies cyclically between its home and it.
      const bool stays = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
      if (stays) continue;
      index_[hole] = index_[i];
      hole = i;
    }
    index_[hole] = kEmpty;
  }

  uint64_t seed_;
  ZeroedArray<uint64_t> index_;
  ZeroedArray<Entry> entries_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace ew
